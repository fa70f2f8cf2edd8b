"""The scene of the outbox tests: clock, fake provider, lines, and helpers to queue and inspect.

A module of its own (not a conftest) so the tests import its helpers by name.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from zapguard.domain.models import (
    AccountType,
    Author,
    Category,
    Decision,
    Line,
    OutgoingMessage,
    Role,
    Verdict,
)
from zapguard.gateway.dispatcher import Dispatcher
from zapguard.gateway.outbox import MessageOptions, Outbox, OutboxEntry
from zapguard.policy.config import VolumeConfig
from zapguard.providers.base import NO_OPTIONS, ProviderError, SendOptions, Sent
from zapguard.service_config import DispatchConfig
from zapguard.store import LineRecord, Store
from zapguard.store.outbox import entry
from zapguard.store.schema import dispatch_lanes, events, outbox

TENANT = "acme"
LINES = ("l1", "l2", "l3")
START = datetime(2026, 3, 10, 13, 0, tzinfo=UTC)

DISPATCH_FIELDS = set(DispatchConfig.model_fields)
VOLUME_FIELDS = set(VolumeConfig.model_fields)

# Calm defaults: no gap, no pair rate, no merge, no typing. Each test turns on what it checks.
DEFAULTS: dict[str, float] = {
    "merge_window_seconds": 0,
    "gap_min_seconds": 0,
    "gap_max_seconds": 0,
    "pair_interval_seconds": 0,
    "typing_chars_per_second": 0,
    "lease_seconds": 60,
    "in_doubt_wait_seconds": 0,
    "max_attempts": 3,
    "backoff_base_seconds": 2,
    "backoff_cap_seconds": 60,
}


def contact(n: int) -> str:
    return f"+55319{88000000 + n:08d}"


class Clock:
    """Time that moves only when a test (or the injected sleep) moves it."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self.now

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            self.now += timedelta(seconds=seconds)
            return self.now


@dataclass
class FakeProvider:
    """Records every call; raises the queued errors on the next sends; tracks concurrency per line."""

    supports_typing: bool = False
    errors: list[BaseException] = field(default_factory=list)
    typing_error: BaseException | None = None
    send_seconds: float = 0.0
    calls: list[tuple[Any, ...]] = field(default_factory=list)
    options: list[SendOptions] = field(default_factory=list)
    """The send options of each text or media send, in order."""
    max_parallel: int = 0
    _parallel: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def sends(self) -> list[tuple[Any, ...]]:
        return [call for call in self.calls if call[0] in ("text", "media", "template")]

    def typing(self, to: str, seconds: float) -> None:
        with self._lock:
            self.calls.append(("typing", to, seconds))
        if self.typing_error is not None:
            raise self.typing_error

    def send_text(
        self,
        to: str,
        text: str,
        *,
        reference: str | None = None,
        options: SendOptions = NO_OPTIONS,
    ) -> Sent:
        self.options.append(options)
        return self._send(("text", to, text, reference))

    def send_media(
        self,
        to: str,
        url: str,
        *,
        caption: str | None = None,
        reference: str | None = None,
        options: SendOptions = NO_OPTIONS,
    ) -> Sent:
        self.options.append(options)
        return self._send(("media", to, url, caption, reference))

    def send_template(
        self, to: str, template: Mapping[str, Any], *, reference: str | None = None
    ) -> Sent:
        return self._send(("template", to, dict(template), reference))

    def mark_read(self, to: str, provider_message_id: str) -> None:
        self.calls.append(("read", to, provider_message_id))

    def _send(self, call: tuple[Any, ...]) -> Sent:
        with self._lock:
            self.calls.append(call)
            self._parallel += 1
            self.max_parallel = max(self.max_parallel, self._parallel)
            error = self.errors.pop(0) if self.errors else None
            number = len(self.calls)
        try:
            if self.send_seconds:
                threading.Event().wait(self.send_seconds)
            if error is not None:
                raise error
            return Sent(f"wamid.fake{number}")
        finally:
            with self._lock:
                self._parallel -= 1


def make_store(url: str) -> Store:
    store = Store(url)
    store.tenants.ensure(tenant_id=TENANT)
    for n, line_id in enumerate(LINES):
        store.lines.add(
            line=Line(
                id=line_id,
                tenant_id=TENANT,
                phone=f"+55119123400{n:02d}",
                role=Role.RECEPTIVE,
                account=AccountType.BUSINESS,
                in_use_since=date(2022, 1, 10),
                pool="sac",
            ),
            registered_at=START - timedelta(days=400),
        )
    return store


def make_dispatcher(
    store: Store,
    clock: Clock,
    provider: Any,
    *,
    seed: int = 7,
    sleeps: list[float] | None = None,
    ban_codes: tuple[str, ...] = (),
    **settings: float,
) -> Dispatcher:
    """A dispatcher with :data:`DEFAULTS` overridden by ``settings``; its sleep advances ``clock``.

    ``provider`` serves every line, or is a dict by line id, or a function of the line record.
    """
    chosen = {**DEFAULTS, **settings}
    unknown = set(chosen) - DISPATCH_FIELDS - VOLUME_FIELDS
    assert not unknown, unknown
    dispatch = DispatchConfig(**{k: v for k, v in chosen.items() if k in DISPATCH_FIELDS})
    volume = VolumeConfig(**{k: v for k, v in chosen.items() if k in VOLUME_FIELDS})
    slept = sleeps if sleeps is not None else []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.advance(seconds)

    def provider_for(record: LineRecord) -> Any:
        if callable(provider):  # a provider_for of the test's own
            return provider(record)
        return provider[record.line.id] if isinstance(provider, dict) else provider

    return Dispatcher(
        store,
        provider_for,
        dispatch,
        volume,
        clock=clock,
        rng=random.Random(seed),
        sleep=sleep,
        ban_codes=ban_codes,
    )


def queue(
    box: Outbox,
    clock: Clock,
    to: str,
    text: str = "Olá! Seu pedido saiu para entrega.",
    *,
    line: str = "l1",
    key: str | None = None,
    media_url: str | None = None,
    not_before: datetime | None = None,
    rewritten: str | None = None,
    template: Mapping[str, Any] | None = None,
    options: MessageOptions | None = None,
) -> OutboxEntry:
    message = OutgoingMessage(
        tenant_id=TENANT,
        contact=to,
        category=Category.REPLY,
        author=Author.AGENT,
        text=text,
        line=line,
        media_url=media_url,
        idempotency_key=key,
    )
    decision = Decision(Verdict.ALLOW, line, not_before=not_before, text=rewritten)
    return box.enqueue(
        message=message,
        decision=decision,
        decision_id=None,
        now=clock(),
        template=template,
        options=options,
    )


def all_rows(store: Store) -> list[OutboxEntry]:
    with store.read_connection("test") as connection:
        return [entry(row) for row in connection.execute(select(outbox).order_by(outbox.c.id))]


def row(store: Store, entry_id: int) -> OutboxEntry:
    (found,) = [found for found in all_rows(store) if found.id == entry_id]
    return found


def lane_next_at(store: Store, line_id: str = "l1") -> datetime:
    with store.read_connection("test") as connection:
        next_at: datetime = connection.scalar(
            select(dispatch_lanes.c.next_at).where(dispatch_lanes.c.line_id == line_id)
        )
        return next_at


def alerts(store: Store) -> list[Any]:
    with store.read_connection("test") as connection:
        return list(connection.execute(select(events).where(events.c.kind == "alert")))


def retryable(**kwargs: Any) -> ProviderError:
    return ProviderError("provider busy", status=503, retryable=True, **kwargs)
