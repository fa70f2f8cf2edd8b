"""Time zones by name, cached: rules convert instants on every decision."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["DEFAULT_ZONE", "UnknownZone", "checked_zone", "zone"]

DEFAULT_ZONE = "America/Sao_Paulo"


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


class UnknownZone(ValueError):
    """A time zone name that is not in the IANA database."""


def checked_zone(name: str) -> str:
    """``name`` if it is a known IANA zone, else :class:`UnknownZone` naming it."""
    try:
        zone(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UnknownZone(f"fuso horário desconhecido / unknown time zone: {name!r}") from None
    return name
