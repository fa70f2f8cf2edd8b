"""Time zones by name, cached: rules convert instants on every decision."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo

DEFAULT_ZONE = "America/Sao_Paulo"


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)
