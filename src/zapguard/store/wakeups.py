"""Wake-ups across processes: "new work was queued", from whoever queued it to every dispatcher.

Chosen by URL like the leases. PostgreSQL: ``NOTIFY`` on a channel named after the database URL,
heard through ``LISTEN`` on a dedicated session. Redis: ``PUBLISH`` and a subscriber (pub/sub is
server-wide, not per database, so the channel carries the URL's hash too). SQLite: the processes
of one host share no channel; a wake-up reaches this process's listeners at once and the other
processes' dispatchers find the work at their next poll (``[dispatch] poll_seconds``).

:meth:`Wakeups.notify` never blocks the caller on the network: a sender thread gathers the calls of a
burst into one notification (a dispatcher claims everything due anyway, however many woke it).
Listening reconnects by itself after the server goes away.
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from zapguard.store.errors import ConfigurationError
from zapguard.store.leases.base import namespace_key

log = logging.getLogger("zapguard.wakeups")

_RETRY_SECONDS = 1.0
"""Pause before reconnecting a broken sender or listener."""


class Wakeups(ABC):
    """Notify and listen on one channel; callbacks run on the listener's thread."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[[], None]] = []
        self._pending = threading.Event()
        """The sender thread has something to do (a notification to send, or closing)."""
        self._dirty = threading.Event()
        """A notification is waiting to be sent."""
        self._closing = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def notify(self) -> None:
        """Tell every listener, in this process and others, that work was queued."""
        self._wake_local()
        self._dirty.set()
        self._pending.set()
        self._ensure_thread("zapguard-wake-send", self._send_loop)

    def listen(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` on every wake-up from now on (this process's and others')."""
        with self._lock:
            self._callbacks.append(callback)
        self._ensure_thread("zapguard-wake-listen", self._listen_loop)

    def close(self) -> None:
        self._closing.set()
        self._pending.set()
        for thread in list(self._threads):
            thread.join(timeout=5)
        self._threads.clear()

    def _wake_local(self) -> None:
        with self._lock:
            callbacks = list(self._callbacks)
        for callback in callbacks:
            callback()

    def _heard(self) -> None:
        self._wake_local()

    def _ensure_thread(self, name: str, target: Callable[[], None]) -> None:
        with self._lock:
            if self._closing.is_set() or any(t.name == name for t in self._threads):
                return
            thread = threading.Thread(target=target, name=name, daemon=True)
            self._threads.append(thread)
        thread.start()

    def _send_loop(self) -> None:
        while True:
            self._pending.wait()
            self._pending.clear()
            if self._dirty.is_set():  # sent even when closing: the last message queued counts
                self._dirty.clear()
                try:
                    self._publish()
                except Exception:  # the others poll; the next notification retries
                    log.warning("aviso de trabalho não enviado / wake-up not sent", exc_info=True)
                    self._closing.wait(_RETRY_SECONDS)
            if self._closing.is_set():
                return

    def _listen_loop(self) -> None:
        while not self._closing.is_set():
            try:
                self._subscribe_until_closed()
            except Exception:  # reconnect; meanwhile the dispatchers poll
                log.warning("escuta de avisos caiu / wake-up listener lost", exc_info=True)
                self._heard()  # something may have been queued while deaf
                self._closing.wait(_RETRY_SECONDS)

    @abstractmethod
    def _publish(self) -> None:
        """One notification to the other processes."""

    @abstractmethod
    def _subscribe_until_closed(self) -> None:
        """Call :meth:`_heard` for every notification from the others until closing."""


class LocalWakeups(Wakeups):
    """Within this process only (SQLite); other processes poll."""

    def notify(self) -> None:
        self._wake_local()  # nobody else to tell: no sender thread

    def _publish(self) -> None:
        return None

    def _subscribe_until_closed(self) -> None:
        self._closing.wait()


class PostgresWakeups(Wakeups):
    def __init__(self, url: str) -> None:
        from zapguard.store.leases.advisory import libpq_url

        super().__init__()
        self._conninfo = libpq_url(url)
        self.channel = f"zapguard_wake_{namespace_key(self._conninfo, 'wake') & 0xFFFFFFFFFFFF:x}"
        self._sender: Any = None

    def _publish(self) -> None:
        import psycopg

        if self._sender is None or self._sender.closed:
            self._sender = psycopg.connect(self._conninfo, autocommit=True, connect_timeout=5)
        try:
            self._sender.execute("SELECT pg_notify(%s, '')", (self.channel,))
        except psycopg.Error:
            self._sender.close()
            self._sender = None
            raise

    def _subscribe_until_closed(self) -> None:
        import psycopg

        with psycopg.connect(self._conninfo, autocommit=True, connect_timeout=5) as connection:
            connection.execute(f'LISTEN "{self.channel}"')
            self._heard()  # anything queued before this session listened
            while not self._closing.is_set():
                for _ in connection.notifies(timeout=0.5, stop_after=1):
                    self._heard()

    def close(self) -> None:
        super().close()
        if self._sender is not None:
            self._sender.close()


class RedisWakeups(Wakeups):
    def __init__(self, url: str) -> None:
        import redis

        super().__init__()
        self._client: redis.Redis = redis.Redis.from_url(
            url, socket_timeout=5, socket_connect_timeout=5
        )
        self.channel = f"zapguard:wake:{namespace_key(url, 'wake') & 0xFFFFFFFFFFFF:x}"

    def _publish(self) -> None:
        self._client.publish(self.channel, b"")

    def _subscribe_until_closed(self) -> None:
        pubsub: Any = self._client.pubsub(ignore_subscribe_messages=True)
        try:
            pubsub.subscribe(self.channel)
            self._heard()  # anything queued before this subscription
            while not self._closing.is_set():
                if pubsub.get_message(timeout=0.5) is not None:
                    self._heard()
        finally:
            pubsub.close()

    def close(self) -> None:
        super().close()
        self._client.close()


def wakeups_from_url(url: str) -> Wakeups:
    """The wake-up channel for ``url``; an unknown scheme is a :class:`ConfigurationError`."""
    scheme = url.partition("://")[0].lower().partition("+")[0]
    if scheme == "sqlite":
        return LocalWakeups()
    if scheme in ("postgresql", "postgres"):
        return PostgresWakeups(url)
    if scheme in ("redis", "rediss", "unix"):
        return RedisWakeups(url)
    raise ConfigurationError(
        f"esquema de URL de coordenação desconhecido / unknown coordination URL scheme in {url!r}; "
        "known: sqlite://, postgresql://, redis://"
    )


__all__ = ["LocalWakeups", "PostgresWakeups", "RedisWakeups", "Wakeups", "wakeups_from_url"]
