"""Leases on named jobs: each name held by at most one holder at a time, across processes and
hosts, and free again once its holder dies.

A holder asks with :meth:`Leases.acquire` (never waits), keeps what it got with :meth:`Leases.renew`
from a heartbeat, and gives it back with :meth:`Leases.release`. A ``False`` from ``renew`` means the
lease is gone (expired, or its session ended): the holder must stop the job at once.
"""

from __future__ import annotations

import hashlib
import os
import socket
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Lease:
    name: str
    holder: str
    token: int
    """Fencing token: larger for every new grant of the same name (0 where the backend has none:
    a PostgreSQL advisory lock lives exactly as long as its session, nothing outlives it)."""


class Leases(ABC):
    """One holder's view of the leases: every lease it takes is in its name."""

    def __init__(self, holder: str, ttl_seconds: float) -> None:
        self.holder = holder
        self.ttl_seconds = ttl_seconds
        """How long a lease outlives its last renewal (backends that expire leases by time)."""

    @abstractmethod
    def acquire(self, name: str) -> Lease | None:
        """The lease on ``name`` if it is free now, else ``None`` (at once, never waiting)."""

    @abstractmethod
    def renew(self, lease: Lease) -> bool:
        """Extend ``lease``; ``False`` if this holder no longer has it."""

    @abstractmethod
    def release(self, lease: Lease) -> None:
        """Give ``lease`` back (nothing happens if this holder no longer has it)."""

    @abstractmethod
    def members(self) -> int:
        """Keep this holder counted among the live ones, and count them (at least 1: this one).

        Called from the holder's heartbeat: the jobs are shared out among the members."""

    @abstractmethod
    def leave(self) -> None:
        """Stop being counted (a clean shutdown: the others take the jobs at once)."""

    def close(self) -> None:  # noqa: B027 - backends without a connection have nothing to close
        """Close the backend's connections; leases still held end with them or expire."""


def new_holder_id() -> str:
    """This process's name as a lease holder: host, process id and a random part, so a reused
    process id (after a restart) is another holder."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def namespace_key(namespace: str, name: str) -> int:
    """A signed 64-bit number for ``name`` within ``namespace`` (the URL): PostgreSQL's advisory
    locks and notification channels are per database, shared by every schema in it."""
    digest = hashlib.blake2b(f"{namespace}\x00{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
