"""The quota counter interface: timestamped entries per key, reserved atomically against limits.

A key is one thing being rationed (a line's sends, say). An entry is one reservation: an instant and
an id. A :class:`Limit` says "at most ``cap`` entries after ``since``"; a rolling 24 h window and a
calendar day are two limits with different ``since``. :meth:`Counters.reserve` checks every limit and
adds the entry in one atomic step, so workers racing on one key can never overshoot a cap.

Backends register the URL schemes they serve (``schemes``); :func:`counters_from_url` picks one.
Driver errors are wrapped into :class:`~zapguard.store.errors.StoreError` here, once, for all of them.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Self, TypeVar, cast

from zapguard.store.errors import StoreError

SCHEMES: dict[str, type[Counters]] = {}
"""URL scheme → backend class, filled as backends are defined."""

_F = TypeVar("_F", bound=Callable[..., Any])
_WRAPPED = ("reserve", "count", "counts", "oldest", "release", "purge")


@dataclass(frozen=True, slots=True)
class Limit:
    """At most ``cap`` entries with ``at > since``."""

    since: datetime
    cap: int

    def __post_init__(self) -> None:
        aware(self.since)
        if self.cap < 0:
            raise ValueError(f"limite negativo / negative cap: {self.cap}")


class Counters(ABC):
    """Where quota reservations live. Implementations must make :meth:`reserve` atomic."""

    schemes: ClassVar[tuple[str, ...]] = ()
    """URL schemes this backend serves."""

    driver_errors: tuple[type[Exception], ...] = ()
    """Exceptions of the backend's driver, wrapped into :class:`StoreError` (set by backends whose
    driver is imported lazily, in ``__init__``)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for scheme in cls.schemes:
            SCHEMES[scheme] = cls
        for name in _WRAPPED:
            if name in cls.__dict__:
                setattr(cls, name, _wrap_errors(cls.__dict__[name]))

    @classmethod
    @abstractmethod
    def from_url(cls, url: str) -> Self:
        """A backend for ``url`` (one of :attr:`schemes`)."""

    @abstractmethod
    def reserve(self, key: str, at: datetime, limits: Sequence[Limit], entry_id: str) -> bool:
        """Atomically: if every limit has room, add the entry ``entry_id`` at ``at`` and return True;
        otherwise add nothing and return False. Reserving an id the key already holds changes
        nothing and returns True (a retried request must not count twice)."""

    @abstractmethod
    def count(self, key: str, since: datetime) -> int:
        """Entries of ``key`` with ``at > since``."""

    def counts(self, queries: Sequence[tuple[str, datetime]]) -> list[int]:
        """:meth:`count` for each ``(key, since)``, in order. Backends that can answer them all in
        one round trip override this (a snapshot asks two per line)."""
        return [self.count(key, since) for key, since in queries]

    @abstractmethod
    def oldest(self, key: str, since: datetime, n: int) -> list[datetime]:
        """The instants of the ``n`` oldest entries with ``at > since``, ascending."""

    @abstractmethod
    def release(self, key: str, entry_id: str) -> None:
        """Undo a reservation (its send was cancelled); unknown ids are ignored."""

    @abstractmethod
    def purge(self, before: datetime) -> int:
        """Drop entries of every key with ``at < before``; returns how many went. Run it with a
        ``before`` older than the longest window any caller asks about."""

    def restore_from(  # noqa: B027 - optional hook: only a backend that can lose data needs it
        self,
        source: Callable[[], Iterable[tuple[str, str, datetime]]],
        *,
        settle_seconds: float = 1.0,
    ) -> None:
        """Where the durable reservations (``(key, entry id, at)`` in the longest window) come
        from, should the backend lose its data (Redis restarted empty). Backends that keep their
        data (SQL) or live and die with the process (memory) need none."""

    def close(self) -> None:  # noqa: B027 - optional hook, most backends hold nothing
        """Release connections."""


def aware(moment: datetime) -> datetime:
    """``moment``, refused when naive."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(
            f"instante sem fuso horário / naive datetime, use an aware one: {moment!r}"
        )
    return moment


def check_reserve(at: datetime, limits: Sequence[Limit]) -> None:
    """Argument checks shared by the backends (``Limit`` checks its own fields)."""
    aware(at)
    for limit in limits:
        if not isinstance(limit, Limit):
            raise TypeError(f"esperava Limit / expected Limit, got {limit!r}")


def _wrap_errors(method: _F) -> _F:
    @functools.wraps(method)
    def wrapped(self: Counters, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except StoreError:
            raise
        except self.driver_errors as error:
            raise StoreError(
                f"falha no armazenamento de cotas / quota storage failure "
                f"({type(self).__name__}.{method.__name__}): {error}"
            ) from error

    return cast(_F, wrapped)
