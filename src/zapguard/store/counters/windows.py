"""Each key's recent reservation instants, kept in this process's memory for the SQL counters.

Counting a line's 24 h window with ``COUNT(*)`` costs as many index entries as the window holds, on
every decision, for every line of the tenant. Here each key's instants after a *floor* sit in a sorted
list, so a count is a bisection whatever the window holds.

Memory is never the authority. Every write to a key's reservations (a reserve, a release, a purge)
bumps the key's ``generation`` in ``quota_heads`` in the same transaction, whichever process made it;
a cached key is only used while the generation read from the database is the one it was loaded or
last updated at, and is reloaded otherwise. So another process's reservation, a cancelled message or
a purge invalidates the copy here, and caps stay exact: the check that admits a reservation runs
under the key's lock on a copy proved current by the generation read under that lock.
"""

from __future__ import annotations

import threading
from bisect import bisect_right, insort
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def micros(moment: datetime) -> int:
    """An aware instant as whole microseconds since the epoch: exact, and an integer compares many
    times faster than a datetime with a time zone (a count bisects on these)."""
    return (moment - _EPOCH) // _MICROSECOND


SLACK = timedelta(hours=1)
"""How far before the ``since`` asked a window reaches when it is loaded or trimmed: callers whose
clocks differ a little (threads deciding messages of slightly different instants) all count from
memory instead of each reloading a window another one just trimmed past them."""

RECENT = 256
"""Reservations a window remembers by generation, so that a reader whose transaction began before
the latest of them (another thread of this process committed meanwhile) still counts from memory:
with 8 callers, a few commits land between a snapshot's start and its count."""


def reach(since: datetime) -> datetime:
    """Where a window read for ``since`` starts: :data:`SLACK` earlier."""
    return since - SLACK


@dataclass(slots=True)
class Window:
    """A key's instants (:func:`micros`) with ``at > floor``, ascending, as of ``generation``;
    ``recent`` holds the latest additions as ``(generation, instant)``, consecutive generations."""

    generation: int
    floor: int
    instants: list[int] = field(default_factory=list)
    recent: deque[tuple[int, int]] = field(default_factory=lambda: deque(maxlen=RECENT))

    def knows(self, generation: int) -> bool:
        """Whether the window can tell the key's state as of ``generation``."""
        if generation == self.generation:
            return True
        oldest = self.recent[0][0] - 1 if self.recent else self.generation
        return oldest <= generation < self.generation

    def count(self, since: int, generation: int | None = None) -> int:
        """Entries after ``since`` as of ``generation`` (default: the window's own); the caller
        checked :meth:`knows`."""
        found = len(self.instants) - bisect_right(self.instants, since)
        if generation is not None and generation != self.generation:
            found -= sum(1 for made, at in self.recent if made > generation and at > since)
        return found


class Windows:
    """The cached :class:`Window` of every key this process counted, behind one lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, Window] = {}

    def count(
        self,
        key: str,
        generation: int,
        since: datetime,
        pending: Mapping[int, int] | None = None,
    ) -> int | None:
        """Entries of the key after ``since`` as of ``generation``, when the window can tell it and
        reaches back to ``since``; ``None`` when it must be read again.

        ``pending``: the reservations the caller's own transaction made on the key and has not
        committed yet, by the generation each gave it (:func:`micros` instants): a writer
        reserving several times on one key in one transaction (a group commit) reads its own
        generations, newer than any window."""
        point = micros(since)
        with self._lock:
            window = self._windows.get(key)
            if window is None or point < window.floor:
                return None
            if window.knows(generation):
                return window.count(point, generation)
            own = range(window.generation + 1, generation + 1)
            if not pending or any(made not in pending for made in own):
                return None
            return window.count(point) + sum(1 for made in own if pending[made] > point)

    def counts(self, asked: Sequence[tuple[str, int, datetime]]) -> list[int | None]:
        """:meth:`count` of each ``(key, generation, since)``, under one hold of the lock."""
        points: dict[datetime, int] = {}
        found: list[int | None] = []
        with self._lock:
            for key, generation, since in asked:
                point = points.get(since)
                if point is None:
                    point = points[since] = micros(since)
                window = self._windows.get(key)
                if window is None or point < window.floor or not window.knows(generation):
                    found.append(None)
                else:
                    found.append(window.count(point, generation))
        return found

    def load(
        self,
        key: str,
        generation: int,
        floor: datetime,
        instants: Iterable[datetime],
        *,
        keep: bool = True,
    ) -> Window:
        """A window of what was just read from the database (``instants`` after ``floor``,
        ascending; read from :func:`reach` of the earliest ``since`` asked), kept unless ``keep``
        is false (the read saw the reader's own uncommitted writes) or a newer window is already
        kept (a reader whose transaction began earlier)."""
        window = Window(generation, micros(floor), [micros(at) for at in instants])
        if keep:
            with self._lock:
                kept = self._windows.get(key)
                if kept is None or kept.generation <= generation:
                    self._windows[key] = window
        return window

    def added(self, key: str, was: int, now: int, at: datetime) -> None:
        """A reservation at ``at`` committed, moving the key from generation ``was`` to ``now``:
        the cached window follows it if it was as of ``was`` and nothing else came between
        (``now == was + 1``); otherwise it is dropped and the next reader reloads it."""
        with self._lock:
            window = self._windows.get(key)
            if window is None or window.generation != was or now != was + 1:
                self._windows.pop(key, None)
                return
            point = micros(at)
            if point > window.floor:
                insort(window.instants, point)
            window.recent.append((now, point))
            window.generation = now

    def trim(self, floors: Mapping[str, datetime]) -> None:
        """Forget each key's instants more than :data:`SLACK` before its ``since`` (the earliest
        instant callers now ask about); only once they lag by another :data:`SLACK`, so that most
        counts trim nothing."""
        lag = SLACK // _MICROSECOND
        with self._lock:
            for key, since in floors.items():
                window = self._windows.get(key)
                if window is None:
                    continue
                point = micros(reach(since))
                if point - window.floor <= lag:
                    continue
                del window.instants[: bisect_right(window.instants, point)]
                window.floor = point

    def forget(self, key: str | None = None) -> None:
        """Drop one key's window, or every window."""
        with self._lock:
            if key is None:
                self._windows.clear()
            else:
                self._windows.pop(key, None)
