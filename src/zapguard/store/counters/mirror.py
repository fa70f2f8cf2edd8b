"""What this process last saw of each Redis counter: its entries' scores and its generation.

A decision needs the counts of the lines it judges before it reserves; asking Redis for them would
make two round trips of every decision (count, then reserve). The mirror answers the counts from
memory instead, and the reservation script, which checks the caps again atomically on the server,
tells whether the mirror was current: each change of a key (a reservation, a release, a restore)
moves the key's generation, and the script returns it. A mirror that missed a change is dropped.

A mirror can only be behind in two ways. Another worker reserved: the counts here are too low, and
the script refuses what would pass a cap (the decision is then made again on a fresh read). Another
worker released an entry (a cancelled message): the counts here are too high until the mirror is
read again. So a mirror is trusted for ``max_age`` seconds at most; then one read of the key's
generation renews it (or, if it moved, the key is read again).
"""

from __future__ import annotations

import threading
import time
from bisect import bisect_right, insort
from collections.abc import Iterable
from dataclasses import dataclass

SLACK = 3600.0
"""Seconds of scores kept below the earliest ``since`` asked (and a mirror loaded that far below
it): a later question about a slightly earlier instant still finds them."""


@dataclass
class _Mirror:
    generation: int
    floor: float
    """Every entry with a score above this is in ``scores``."""
    scores: list[float]
    read_at: float


class Mirrors:
    """Per key: the scores above a floor and the generation they are as of, behind one lock."""

    def __init__(self, max_age: float) -> None:
        self.max_age = max_age
        self._lock = threading.Lock()
        self._kept: dict[str, _Mirror] = {}

    def count(self, key: str, since: float) -> int | None:
        """Entries of ``key`` scored above ``since``, or ``None`` when no current mirror covers it."""
        with self._lock:
            mirror = self._current(key, since)
            if mirror is None:
                return None
            return len(mirror.scores) - bisect_right(mirror.scores, since)

    def aged(self, key: str, since: float) -> int | None:
        """The generation of ``key``'s mirror when it covers ``since`` but is older than
        ``max_age`` (one read of the generation tells whether it is still current)."""
        with self._lock:
            mirror = self._kept.get(key)
            if mirror is None or since < mirror.floor:
                return None
            return mirror.generation

    def confirm(self, key: str, generation: int) -> None:
        """Redis says ``key`` is still at ``generation``: the mirror is current for another
        ``max_age``; at another generation it is dropped."""
        with self._lock:
            mirror = self._kept.get(key)
            if mirror is None:
                return
            if mirror.generation == generation:
                mirror.read_at = time.monotonic()
            else:
                del self._kept[key]

    def trim(self, floors: dict[str, float]) -> None:
        """Drop each key's scores more than :data:`SLACK` below the earliest ``since`` now asked
        about, once they lag by another :data:`SLACK` (so most calls trim nothing)."""
        with self._lock:
            for key, since in floors.items():
                mirror = self._kept.get(key)
                if mirror is None or since - mirror.floor <= 2 * SLACK:
                    continue
                point = since - SLACK
                del mirror.scores[: bisect_right(mirror.scores, point)]
                mirror.floor = point

    def oldest(self, key: str, since: float, n: int) -> list[float] | None:
        """The ``n`` lowest scores above ``since``, or ``None`` as for :meth:`count`."""
        with self._lock:
            mirror = self._current(key, since)
            if mirror is None:
                return None
            first = bisect_right(mirror.scores, since)
            return mirror.scores[first : first + n]

    def load(self, key: str, generation: int, floor: float, scores: Iterable[float]) -> None:
        """What was just read of ``key`` in one atomic step: its generation and its scores above
        ``floor``, ascending."""
        if self.max_age <= 0:
            return
        with self._lock:
            self._kept[key] = _Mirror(generation, floor, list(scores), time.monotonic())

    def reserved(self, key: str, generation: int, score: float) -> None:
        """The script added ``score`` to ``key``, moving it to ``generation``: a mirror as of the
        generation just before takes it; any other is dropped."""
        with self._lock:
            mirror = self._kept.get(key)
            if mirror is None:
                return
            if mirror.generation != generation - 1:
                del self._kept[key]
                return
            if score > mirror.floor:
                insort(mirror.scores, score)
            mirror.generation = generation

    def seen(self, key: str, generation: int) -> None:
        """The script found ``key`` at ``generation`` (and changed nothing): a mirror of another
        generation missed a change and is dropped."""
        with self._lock:
            mirror = self._kept.get(key)
            if mirror is not None and mirror.generation != generation:
                del self._kept[key]

    def forget(self, key: str | None = None) -> None:
        """Drop ``key``'s mirror (every mirror, without a key)."""
        with self._lock:
            if key is None:
                self._kept.clear()
            else:
                self._kept.pop(key, None)

    def _current(self, key: str, since: float) -> _Mirror | None:
        mirror = self._kept.get(key)
        if mirror is None or since < mirror.floor:
            return None
        if time.monotonic() - mirror.read_at > self.max_age:
            return None  # kept: :meth:`aged` lets one read of its generation renew it
        return mirror
