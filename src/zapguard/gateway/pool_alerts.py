"""The pool capacity alert (seed tip 5): when a pool's 24-hour use passes ``pool_alert_ratio`` (80%)
of its lines' combined cap, say how many lines to add, before the pool runs out.

A pool's combined cap is the sum of what the policy lets each of its lines send now (ZG501's cap,
halved on poor health, and the warm-up ramp's day cap, as :func:`zapguard.policy.engine.judge_line`
computes them) over the lines that can carry traffic (active or warming); its use is what all its
lines sent in the rolling window. The check runs as the named job ``pool-capacity`` (one worker
at a time, every ``pool_check_minutes``), never per message. It records one ``alert`` event (code
ZG501, the pool in ``data``) when a pool crosses the ratio and one ``alert_cleared`` when it falls
back under it, so a pool that stays over alerts once, and alerts again only after a new crossing.
The state survives the job moving between workers: a new holder reads the last of those events.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from zapguard.domain.models import Event, LineState
from zapguard.gateway.jobs import PeriodicJob
from zapguard.gateway.snapshots import quota_key
from zapguard.policy import volume, warmup
from zapguard.policy.catalogue import num_en, num_pt
from zapguard.policy.config import PolicyConfig
from zapguard.policy.snapshot import LineView
from zapguard.store import quota
from zapguard.store.counters.base import Counters
from zapguard.store.records import LineRecord
from zapguard.store.repository import Store

log = logging.getLogger("zapguard.pools")

ALERT = "alert"
CLEARED = "alert_cleared"
CODE = "ZG501"
_CARRYING = (LineState.ACTIVE, LineState.WARMING)
_STATE_READ_LIMIT = 1000
"""Alert events read to learn each pool's last state (a tenant has few pools, each few crossings)."""


@dataclass(frozen=True, slots=True)
class PoolUse:
    pool: str
    used: int
    """Messages all the pool's lines sent in the rolling window."""
    cap: int
    """The sum of the carrying lines' effective caps now."""
    lines: int
    """Lines that can carry traffic (active or warming)."""

    def over(self, ratio: float) -> bool:
        return self.used > ratio * self.cap


def effective_cap(view: LineView, now: datetime, config: PolicyConfig) -> int:
    """What the policy lets the line send now: ZG501's cap (health included) or, lower, the
    warm-up ramp's day cap (ZG901), through the same functions the engine uses."""
    cap = volume.window_cap(view, now, config)
    ramp = warmup.ramp(view, now, config.warmup, cap)
    return cap if ramp.day_cap is None else min(cap, ramp.day_cap)


def pool_uses(views: Iterable[LineView], now: datetime, config: PolicyConfig) -> dict[str, PoolUse]:
    used: dict[str, int] = defaultdict(int)
    cap: dict[str, int] = defaultdict(int)
    lines: dict[str, int] = defaultdict(int)
    for view in views:
        pool = view.line.pool
        used[pool] += view.sent_in_window
        if view.line.state in _CARRYING:
            cap[pool] += effective_cap(view, now, config)
            lines[pool] += 1
    return {pool: PoolUse(pool, used[pool], cap[pool], lines[pool]) for pool in sorted(used)}


def lines_to_add(use: PoolUse, config: PolicyConfig) -> int:
    """New lines (at the preset's full cap) that bring the pool's use back under the ratio."""
    volume_config = config.volume
    wanted = use.used / volume_config.pool_alert_ratio - use.cap
    return max(1, math.ceil(wanted / volume_config.daily_cap))


def alert_event(tenant: str, use: PoolUse, now: datetime, config: PolicyConfig) -> Event:
    ratio = config.volume.pool_alert_ratio
    add = lines_to_add(use, config)
    share = 100 * use.used / use.cap if use.cap else math.inf
    share_pt = num_pt(round(share)) if use.cap else "∞"
    share_en = num_en(round(share)) if use.cap else "∞"
    first_day = config.warmup.day_one
    message_pt = (
        f"Pool {use.pool}: {num_pt(use.used)} mensagens nas últimas "
        f"{num_pt(config.volume.window_hours)} h, {share_pt}% do limite somado de "
        f"{num_pt(use.cap)} ({use.lines} linha(s)), acima de {num_pt(ratio * 100)}%. Adicione "
        f"{add} linha(s) (dica 5: 'se você planeja exceder esses volumes, recomendamos criar "
        f"outro canal'); uma linha nova começa com {num_pt(first_day)} mensagens no dia 1 e "
        "sobe com o aquecimento (ZG901): veja `zapguard plan` e `zapguard warmup plan`."
    )
    message_en = (
        f"Pool {use.pool}: {num_en(use.used)} messages in the last "
        f"{num_en(config.volume.window_hours)} h, {share_en}% of its combined cap of "
        f"{num_en(use.cap)} ({use.lines} line(s)), over {num_en(ratio * 100)}%. Add {add} "
        "line(s) (seed tip 5: past these volumes, create another number); a new line starts at "
        f"{num_en(first_day)} messages on day 1 and grows with the warm-up (ZG901): see "
        "`zapguard plan` and `zapguard warmup plan`."
    )
    return Event(
        ALERT,
        now,
        tenant,
        code=CODE,
        data={
            "pool": use.pool,
            "used": str(use.used),
            "cap": str(use.cap),
            "lines": str(use.lines),
            "ratio": str(ratio),
            "add_lines": str(add),
            "message_pt": message_pt,
            "message_en": message_en,
        },
    )


def cleared_event(tenant: str, use: PoolUse, now: datetime, config: PolicyConfig) -> Event:
    ratio = (
        num_pt(config.volume.pool_alert_ratio * 100),
        num_en(config.volume.pool_alert_ratio * 100),
    )
    return Event(
        CLEARED,
        now,
        tenant,
        code=CODE,
        data={
            "pool": use.pool,
            "used": str(use.used),
            "cap": str(use.cap),
            "lines": str(use.lines),
            "message_pt": (
                f"Pool {use.pool} voltou abaixo de {ratio[0]}% do limite somado: "
                f"{num_pt(use.used)} de {num_pt(use.cap)}."
            ),
            "message_en": (
                f"Pool {use.pool} is back under {ratio[1]}% of its combined cap: "
                f"{num_en(use.used)} of {num_en(use.cap)}."
            ),
        },
    )


class PoolCapacityAlerts:
    """Compares every pool of every tenant with its cap and records crossings (see the module)."""

    def __init__(
        self,
        store: Store,
        counters: Counters,
        config: PolicyConfig,
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._counters = counters
        self._config = config
        self._clock = clock
        self._lock = threading.Lock()
        self._alerting: dict[str, dict[str, bool]] = {}
        """Per tenant, per pool: whether its last recorded event is an alert (read lazily)."""

    def forget(self) -> None:
        """Drop what this worker remembers: another may have recorded crossings meanwhile."""
        with self._lock:
            self._alerting.clear()

    def check(self) -> list[Event]:
        """One round over every tenant; returns the events it recorded."""
        recorded: list[Event] = []
        with self._lock:
            now = self._clock()
            for tenant in self._store.tenants.ids():
                recorded += self._check_tenant(tenant, now)
        return recorded

    def _check_tenant(self, tenant: str, now: datetime) -> list[Event]:
        records = self._store.lines.records(tenant_id=tenant)
        if not records:
            return []
        uses = pool_uses(self._views(records, now), now, self._config)
        alerting = self._state(tenant)
        recorded: list[Event] = []
        for pool, use in uses.items():
            over = use.over(self._config.volume.pool_alert_ratio)
            if over == alerting.get(pool, False):
                continue
            event = (alert_event if over else cleared_event)(tenant, use, now, self._config)
            self._store.journal.record_event(event=event)
            alerting[pool] = over
            recorded.append(event)
            if over:
                log.warning("%s", event.data["message_en"])
        return recorded

    def _views(self, records: list[LineRecord], now: datetime) -> list[LineView]:
        since = now - timedelta(hours=self._config.volume.window_hours)
        counted = quota.counts(
            self._store, self._counters, [(quota_key(r.line), since) for r in records]
        )
        return [
            LineView(
                line=record.line,
                sent_in_window=used,
                last_sent_at=record.last_sent_at,
                ramp_anchor=record.ramp_anchor,
                health_score=record.health_score,
                health_at=record.health_at,
            )
            for record, used in zip(records, counted, strict=True)
        ]

    def _state(self, tenant: str) -> dict[str, bool]:
        if tenant not in self._alerting:
            latest = self._store.journal.latest_events_of(
                tenant_id=tenant, kinds=(ALERT, CLEARED), code=CODE, limit=_STATE_READ_LIMIT
            )
            state: dict[str, bool] = {}
            for event in latest:  # newest first: the first event of a pool is its state
                pool = event.data.get("pool")
                if pool is not None and pool not in state:
                    state[pool] = event.kind == ALERT
            self._alerting[tenant] = state
        return self._alerting[tenant]


class PoolCapacityJob(PeriodicJob):
    """``pool-capacity``: :meth:`PoolCapacityAlerts.check` every ``pool_check_minutes``, by the
    one worker holding the lease; a worker taking the job re-reads the recorded state."""

    def __init__(self, alerts: PoolCapacityAlerts, interval_seconds: float) -> None:
        super().__init__("pool-capacity", alerts.check, interval_seconds)
        self._alerts = alerts

    def start(self) -> None:
        self._alerts.forget()
        super().start()


__all__ = [
    "ALERT",
    "CLEARED",
    "CODE",
    "PoolCapacityAlerts",
    "PoolCapacityJob",
    "PoolUse",
    "alert_event",
    "cleared_event",
    "effective_cap",
    "lines_to_add",
    "pool_uses",
]
