"""Durable submit next to the floor of a durable write, and how the cost grows, in one run.

    .venv/bin/python benchmarks/bench_decisions.py [--quick] [--json] [--callers N]
        [--postgres-url postgresql://.../db] [--redis-url redis://127.0.0.1:6379/14] [--no-servers]
        [--only submit|growth|outbox|info ...]

**Submit vs the bare one-commit transaction.** ``Submitter.submit`` is the whole accept path of a
message: snapshot, ``decide()``, durable quota reservation, record of the send and the decision,
and the outbox row, as the API runs it. Its baseline, measured in the same run on the same kind of
database, is the least any durable per-message reservation can cost from Python: a bare transaction
with one commit per message that counts a busy line's 24 h window and inserts one entry.

* SQLite: the ``sqlite3`` module, WAL and ``synchronous=NORMAL`` (the product's pragmas),
  ``BEGIN IMMEDIATE``, ``SELECT count(*)`` of the key's window, ``INSERT``, ``COMMIT``. Threads of
  the process queue on a Python lock before ``BEGIN IMMEDIATE``, as zapguard's own SQLite engine
  does (SQLite's busy handler would sleep instead).
* PostgreSQL: psycopg 3 with its defaults (statements prepared after five uses), the key's
  transaction-scoped advisory lock (what makes a count-then-insert safe with concurrent callers;
  zapguard's SQL counters take the same lock), count, insert, commit.

Both run over three keys (as the submit workload's three lines), each holding 2,880 entries in its
window (one every 30 s), about what a campaign line of the workload holds. Each pair is measured
with one caller and with ``--callers`` threads (8), each against the baseline with as many callers:
group commit can only show with concurrent callers, so **the targets use the N-caller ratios**
(``submit_sqlite_vs_bare`` ≥ 0.5, ``submit_postgres_vs_bare`` ≥ 0.35); the one-caller ratios are
printed beside them (``..._single``). Each submit row also prints the SQL statements and commits
per message (zapguard's engines' own count, ``SQL_ACTIVITY``, the figure ``/metrics`` exposes, over
the row's warm-up and timed runs divided by the submits they made; ``BEGIN`` included, a read
transaction's commit included); ``--json`` holds them as ``<figure>_sql_per_message``.

The submit workload (per ten messages): six marketing sends through two campaign lines (consented
contacts, varied text with a link), two agent replies on the receptive line, one marketing message
addressed to the receptive line (rerouted) and one to a contact without consent (rejected, reserves
nothing); contacts differ, the clock moves 5 s per message (skipping nights and Sundays), and each
line starts with a busy day's reservations (1,500 or 2,500). Every row gets a fresh database (SQLite
file, PostgreSQL schema) and tenant.

**Redis.** The same submit with Redis counters (store on SQLite), one caller. Every command or
pipeline written to Redis is one round trip; they are counted per decision on an untimed pass of 300
submits after the timed runs (redis-py's ``send_packed_command``, through which every command and
whole pipeline is written, wrapped by this script). Target: at most one round trip for every
decision (``redis_round_trips_per_decision_max`` ≤ 1; the mean is printed too).

**Growth** (SQLite file, SQL counters, one caller). Each figure is the cost at the big state over
the cost at the small one, each state in its own database:

* ``growth_lines``: accept cost (time per ``Submitter.submit`` of an agent reply on a receptive
  line) with 1 line vs 100 lines in the tenant, every line holding 200 sends in its window
  (target ≤ 1.1);
* ``growth_window``: the same with 0 vs 100,000 sends in the line's window (daily cap raised to
  1,000,000 so they are all allowed; target ≤ 1.1). The submits themselves add a few thousand
  entries to both;
* ``growth_status_update``: a delivery webhook's ``Outbox.record_delivery`` ("delivered" on a sent
  row, found by the provider's id) with 10,000 vs 1,000,000 outbox rows (target ≤ 1.2);
* ``growth_claim``: the dispatcher's ``claim()`` (recover leases, due lanes, pick with the pair
  interval, claim, pace) of one queued message on each of 4 lines, with 10,000 vs 1,000,000 sent
  rows in the outbox (target ≤ 1.2). Between claims, untimed, one row per line is queued and the
  claimed ones are marked sent.

The big states are written with bulk SQL, not through the API: quota entries into ``quota_reservations``
and outbox history as ``sent`` rows (4 lines, one
row every 3.6 s going back from the start, i.e. each line at its 6,000/day cap; distinct provider
ids; 50,000 contacts), both with SQLAlchemy Core ``executemany`` inserts of 20,000 rows.

**Information rows** (no target): ``limits``' moving-window ``hit()`` on its memory storage, the
pure ``decide()`` on a hand-built snapshot, and ``SqlCounters.reserve()`` alone. The earlier targets
that compared a whole durable decision with one in-memory ``limits`` hit are retired (issue 8: with
a durable write per message they cannot be met, and they measure the wrong thing); ``limits`` stays
as a scale for the other rows.

Rates: each row gets a warm-up, then ``--repeats`` timed runs of ``--seconds / --repeats`` seconds;
the median is reported. ``--quick`` runs 1 s per row with 3 repeats and big states a tenth the size
(100,000 outbox rows, 10,000 window entries): a smoke test whose ratios are not the targets'. Nothing
here is asserted: it is a measurement, printed with the machine it ran on; ``--json`` prints one
JSON object last with every figure and the targets with pass/fail. ``--only`` runs some parts
(the others' targets then read "not measured").
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import random
import shlex
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import limits
import sqlalchemy
from limits import parse, storage, strategies

from zapguard.domain.models import (
    AccountType,
    Author,
    Category,
    Consent,
    Conversation,
    Line,
    OutgoingMessage,
    Role,
)
from zapguard.gateway.decider import Decider
from zapguard.gateway.dispatcher import Dispatcher
from zapguard.gateway.outbox import Outbox
from zapguard.gateway.snapshots import quota_key
from zapguard.gateway.submission import Submitter
from zapguard.policy.config import PolicyConfig, VolumeConfig
from zapguard.policy.engine import decide
from zapguard.policy.snapshot import ContactView, LineView, Snapshot
from zapguard.providers.base import Endpoint
from zapguard.providers.cloud.adapter import CloudProvider
from zapguard.service_config import DispatchConfig
from zapguard.store import Store, counters_from_url, upgrade
from zapguard.store import outbox as outbox_rows
from zapguard.store.counters.base import Counters, Limit
from zapguard.store.counters.redis import PREFIX
from zapguard.store.counters.sql import SqlCounters
from zapguard.store.database import SQL_ACTIVITY
from zapguard.store.schema import dispatch_lanes, outbox, quota_reservations

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
START = datetime(2026, 3, 9, 8, 0, tzinfo=SAO_PAULO)  # a Monday, 08:00: campaign hours open
STEP = timedelta(seconds=5)  # the clock moves 5 s per message (~2,800 sends/day per campaign line)
CAMPAIGN_END_HOUR = 19  # the workload jumps to the next weekday morning before quiet hours start
POSTGRES_URL = os.environ.get(
    "ZAPGUARD_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1/postgres"
)
REDIS_URL = os.environ.get("ZAPGUARD_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")

PARTS = ("submit", "growth", "outbox", "info")
"""What ``--only`` can pick: the submit pairs (and Redis), the accept-cost growth, the outbox
growth (status update and claim), the information rows."""

TARGETS: dict[str, tuple[str, float]] = {
    "submit_sqlite_vs_bare": (">=", 0.5),
    "submit_postgres_vs_bare": (">=", 0.35),
    "redis_round_trips_per_decision_max": ("<=", 1.0),
    "growth_lines": ("<=", 1.1),
    "growth_window": ("<=", 1.1),
    "growth_status_update": ("<=", 1.2),
    "growth_claim": ("<=", 1.2),
}


# -- measuring ----------------------------------------------------------------------------------


@dataclass
class Timing:
    """How long each row is measured."""

    seconds: float
    repeats: int
    warmup: float


@dataclass
class Row:
    label: str
    rate: float | None
    unit: str
    runs: list[float] = field(default_factory=list)
    note: str = ""


def measure(batch: Callable[[], Callable[[], int]], timing: Timing) -> tuple[float, list[float]]:
    """Median rate of ``batch``, one caller: each call prepares inputs (untimed) and returns a
    callable that runs them and returns how many operations it did."""

    def run(budget: float) -> float:
        done, elapsed = 0, 0.0
        while elapsed < budget:
            go = batch()
            started = time.perf_counter()
            done += go()
            elapsed += time.perf_counter() - started
        return done / elapsed

    run(timing.warmup)
    rates = [run(timing.seconds / timing.repeats) for _ in range(timing.repeats)]
    return statistics.median(rates), rates


def measure_callers(
    make: Callable[[], Callable[[], None]], callers: int, timing: Timing
) -> tuple[float, list[float]]:
    """Median rate of ``callers`` threads each calling its own ``make()``'d operation in a loop.

    Every operation is timed, its inputs included: operations take what they need from lists
    prepared beforehand (the bare transactions) or cost little beside their own work (a message of
    the workload, ~20 µs beside a submit's milliseconds). The clock runs from the moment all threads
    are ready until the last operation under way when time was up has finished.
    """

    operations = [make() for _ in range(callers)]  # each caller's own (its own connection)

    def run(budget: float) -> float:
        stop = threading.Event()
        ready = threading.Barrier(callers + 1)
        done = [0] * callers
        errors: list[BaseException] = []

        def work(slot: int) -> None:
            operation = operations[slot]
            ready.wait()
            count = 0
            try:
                while not stop.is_set():
                    operation()
                    count += 1
            except BaseException as error:
                errors.append(error)
            done[slot] = count

        threads = [threading.Thread(target=work, args=(i,)) for i in range(callers)]
        for thread in threads:
            thread.start()
        ready.wait()
        started = time.perf_counter()
        time.sleep(budget)
        stop.set()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        if errors:
            raise errors[0]
        return sum(done) / elapsed

    run(timing.warmup)
    rates = [run(timing.seconds / timing.repeats) for _ in range(timing.repeats)]
    return statistics.median(rates), rates


def measure_steps(
    prepare: Callable[[], Any],
    step: Callable[[Any], None],
    finish: Callable[[Any], None],
    timing: Timing,
    least: int = 5,
) -> tuple[float, list[float]]:
    """Median seconds per ``step``, one caller; ``prepare`` (before each step) and ``finish``
    (after it) are not timed. Each run does at least ``least`` steps."""

    def run(budget: float) -> float:
        spent, steps = 0.0, 0
        while spent < budget or steps < least:
            given = prepare()
            started = time.perf_counter()
            step(given)
            spent += time.perf_counter() - started
            finish(given)
            steps += 1
        return spent / steps

    run(timing.warmup)
    per_step = [run(timing.seconds / timing.repeats) for _ in range(timing.repeats)]
    return statistics.median(per_step), per_step


# -- information rows ---------------------------------------------------------------------------


def limits_batches() -> Callable[[], Callable[[], int]]:
    """``hit()`` calls on a moving window "6000/day", one key, refused once the window is full (the
    steady state of a saturated key)."""
    limiter = strategies.MovingWindowRateLimiter(storage.MemoryStorage())
    rule = parse("6000/day")
    hit = limiter.hit
    chunk = 10_000

    def batch() -> Callable[[], int]:
        def go() -> int:
            for _ in range(chunk):
                hit(rule, "line-0")
            return chunk

        return go

    return batch


TENANT = "acme"
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=SAO_PAULO)  # a Tuesday, 10:00


def lines_of(tenant: str) -> list[Line]:
    since = date(2025, 1, 6)
    return [
        Line(
            id="recv",
            tenant_id=tenant,
            phone="+5511912340001",
            role=Role.RECEPTIVE,
            account=AccountType.BUSINESS,
            in_use_since=since,
            pool="receptive",
            device="device-recv",
            network="net-recv",
        ),
        *(
            Line(
                id=f"camp{n}",
                tenant_id=tenant,
                phone=f"+551191234000{n + 1}",
                role=Role.CAMPAIGN,
                account=AccountType.BUSINESS,
                in_use_since=since,
                pool="campaign",
                device=f"device-camp{n}",
                network=f"net-camp{n}",
            )
            for n in (1, 2)
        ),
    ]


def marketing_text(name: str, code: int) -> str:
    return (
        f"Oi {name}! Sua oferta exclusiva chegou: 20% de desconto até sexta. "
        f"Veja em https://loja.exemplo.com.br/ofertas/{code}?utm_source=whatsapp"
    )


def engine_batches() -> Callable[[], Callable[[], int]]:
    """The pure engine on a realistic snapshot: a receptive and two campaign lines, a consented
    contact, marketing with a link through a campaign line; 5,000 distinct texts, cycled (more than
    the link parser's cache holds)."""
    contact = "+5531988776655"
    lines = {
        line.id: LineView(
            line=line,
            sent_in_window=1500,
            sent_today=700,
            last_sent_at=NOW - timedelta(seconds=9),
            last_human_at=NOW - timedelta(hours=1),
            registered_at=datetime(2025, 1, 6, 9, 0, tzinfo=SAO_PAULO),
        )
        for line in lines_of(TENANT)
    }
    wrote = NOW - timedelta(days=3)
    snapshot = Snapshot(
        config=PolicyConfig(),
        lines=lines,
        contact=ContactView(
            phone=contact,
            consent=Consent(
                tenant_id=TENANT,
                contact=contact,
                purpose="marketing",
                granted_at=NOW - timedelta(days=30),
                source="formulário do site",
            ),
            conversations={"recv": Conversation("recv", contact, wrote, wrote, wrote, 2, 3)},
            last_inbound_at=wrote,
            last_outbound_at=wrote,
            unanswered=1,
        ),
        identical_recent=[NOW - timedelta(minutes=20), NOW - timedelta(minutes=5)],
    )
    messages = [
        OutgoingMessage(
            tenant_id=TENANT,
            contact=contact,
            category=Category.MARKETING,
            author=Author.BOT,
            text=marketing_text("Ana", code),
            line="camp1",
            campaign_id="promo-marco",
        )
        for code in range(5000)
    ]
    first = decide(messages[0], snapshot, NOW)
    assert first.sends and first.line == "camp1", first
    chunk = 1000
    cursor = 0

    def batch() -> Callable[[], int]:
        nonlocal cursor
        todo = messages[cursor : cursor + chunk]
        cursor = (cursor + chunk) % len(messages)

        def go() -> int:
            for message in todo:
                decide(message, snapshot, NOW)
            return chunk

        return go

    return batch


RESERVE_STEP = timedelta(seconds=30)
"""One entry every 30 s: 2,880 entries in a 24 h window, as a busy campaign line holds."""


def reserve_batches(directory: Path) -> Callable[[], Callable[[], int]]:
    """``SqlCounters.reserve`` alone on a SQLite file, against a window of 2,880 entries."""
    url = f"sqlite:///{directory / 'reserve-only.db'}"
    upgrade(url)
    counters = counters_from_url(url)
    key = "line:bench:camp1"
    sql_fill(counters)(key, history(int(timedelta(hours=24) / RESERVE_STEP), START))
    clock = itertools.count()
    chunk = 200

    def batch() -> Callable[[], int]:
        todo = []
        for _ in range(chunk):
            at = START + RESERVE_STEP * next(clock)
            todo.append((at, [Limit(since=at - timedelta(hours=24), cap=6000)], uuid.uuid4().hex))

        def go() -> int:
            for at, limits_, entry in todo:
                assert counters.reserve(key, at, limits_, entry)
            return chunk

        return go

    return batch


# -- the submit workload ------------------------------------------------------------------------


@dataclass
class Workload:
    """Messages in the order a busy tenant would submit them, with the clock moving forward (see
    the module docstring for the mix)."""

    tenant: str
    consented: Sequence[str]
    unconsented: Sequence[str]
    now: datetime = START
    index: int = 0

    def __iter__(self) -> Iterator[tuple[OutgoingMessage, datetime]]:
        return self

    def __next__(self) -> tuple[OutgoingMessage, datetime]:
        i = self.index
        self.index += 1
        self.now = _advance(self.now)
        slot = i % 10
        contact = self.consented[i % len(self.consented)]
        key = f"{self.tenant}-{i}"
        if slot < 6:
            message = self._marketing(contact, f"camp{1 + slot % 2}", i, key)
        elif slot < 8:
            replied = self.consented[(i * 7) % len(self.consented) // 3 * 3]  # wrote to recv
            message = OutgoingMessage(
                tenant_id=self.tenant,
                contact=replied,
                category=Category.REPLY,
                author=Author.AGENT,
                text=f"Oi! Seu pedido #{i} saiu para entrega hoje.",
                line="recv",
                idempotency_key=key,
            )
        elif slot == 8:
            message = self._marketing(contact, "recv", i, key)
        else:
            message = self._marketing(self.unconsented[i % len(self.unconsented)], "camp1", i, key)
        return message, self.now

    def _marketing(self, contact: str, line: str, i: int, key: str) -> OutgoingMessage:
        return OutgoingMessage(
            tenant_id=self.tenant,
            contact=contact,
            category=Category.MARKETING,
            author=Author.BOT,
            text=marketing_text(f"cliente {i}", i),
            line=line,
            campaign_id="promo-marco",
            idempotency_key=key,
        )


def _advance(now: datetime) -> datetime:
    now += STEP
    local = now.astimezone(SAO_PAULO)
    if local.hour >= CAMPAIGN_END_HOUR:
        day = local.date() + timedelta(days=1)
        if day.weekday() == 6:  # Sunday: no campaigns
            day += timedelta(days=1)
        now = datetime(day.year, day.month, day.day, 8, 0, tzinfo=SAO_PAULO)
    return now


def contacts(n: int, first: int) -> list[str]:
    """Valid São Paulo mobiles."""
    return [f"+55119{first + k:08d}" for k in range(n)]


def populate(store: Store, tenant: str, n_contacts: int) -> Workload:
    """A tenant with a receptive and two campaign lines, consented contacts (a third of them wrote to
    the receptive line) and a few contacts who never consented."""
    registered = START - timedelta(days=400)
    consented = contacts(n_contacts, 10_000_000)
    unconsented = contacts(500, 20_000_000)
    with store.transaction():
        store.tenants.ensure(tenant_id=tenant, name=tenant)
        for line in lines_of(tenant):
            store.lines.add(line=line, registered_at=registered)
            store.lines.record_human_activity(tenant_id=tenant, line_id=line.id, at=START)
        for k, phone in enumerate(consented):
            store.consent.grant(
                consent=Consent(
                    tenant_id=tenant,
                    contact=phone,
                    purpose="marketing",
                    granted_at=registered + timedelta(minutes=k),
                    source="formulário do site",
                    wording="Aceito receber ofertas pelo WhatsApp",
                )
            )
            if k % 3 == 0:
                store.conversations.record_inbound(
                    tenant_id=tenant,
                    line_id="recv",
                    contact=phone,
                    at=registered + timedelta(days=1),
                )
    return Workload(tenant, consented, unconsented)


HISTORY = {"recv": 1500, "camp1": 2500, "camp2": 2500}
"""Reservations each line made in the 24 h before the workload starts."""


def history(n: int, end: datetime, span: timedelta = timedelta(hours=24)) -> list[datetime]:
    """``n`` instants spread evenly over the ``span`` before ``end``, oldest first."""
    return [end - span * (n - k) / (n + 1) for k in range(n)]


def sql_fill(counters: Counters) -> Callable[[str, Sequence[datetime]], None]:
    """Bulk-load past reservations of a key (the counters' API reserves one at a time)."""
    assert isinstance(counters, SqlCounters)

    def fill(key: str, instants: Sequence[datetime]) -> None:
        with counters.engine.begin() as connection:
            for first in range(0, len(instants), 20_000):
                rows = [
                    {"key": key, "id": uuid.uuid4().hex, "at": at}
                    for at in instants[first : first + 20_000]
                ]
                connection.execute(quota_reservations.insert(), rows)

    return fill


@dataclass
class Backend:
    label: str
    store: Store
    counters: Counters
    cleanup: Callable[[], None]
    fill: Callable[[str, Sequence[datetime]], None]


class WorkloadClock:
    """The submitter's clock: each calling thread reads the instant of the message it submits."""

    def __init__(self) -> None:
        self._local = threading.local()

    def set(self, now: datetime) -> None:
        self._local.now = now

    def __call__(self) -> datetime:
        now: datetime = self._local.now
        return now


def submit_operation(
    backend: Backend, n_contacts: int, verdicts: Counter[str]
) -> Callable[[], Callable[[], None]]:
    """A fresh tenant on ``backend``, its lines' histories, and operations submitting its
    workload (shared by every caller: each message is taken once)."""
    tenant = f"bench-{uuid.uuid4().hex[:8]}"
    workload = populate(backend.store, tenant, n_contacts)
    for line in lines_of(tenant):
        backend.fill(quota_key(line), history(HISTORY[line.id], START))
    clock = WorkloadClock()
    submitter = Submitter(
        decider=Decider(backend.store, backend.counters, PolicyConfig()),
        outbox=Outbox(backend.store),
        clock=clock,
    )
    taking = threading.Lock()

    def make() -> Callable[[], None]:
        def operation() -> None:
            with taking:
                message, now = next(workload)
            clock.set(now)
            decision = submitter.submit(message).decision
            verdict = "replayed" if decision is None else decision.verdict.value
            with taking:
                verdicts[verdict] += 1

        return operation

    return make


def sqlite_backend(directory: Path) -> Backend:
    url = f"sqlite:///{directory / f'submit-{uuid.uuid4().hex[:8]}.db'}"
    upgrade(url)
    store = Store(url)
    counters = counters_from_url(url)
    return Backend("SQLite file, SQL counters", store, counters, store.close, sql_fill(counters))


def redis_backend(directory: Path, redis_url: str) -> Backend:
    import redis

    client = redis.Redis.from_url(redis_url, socket_connect_timeout=2)
    client.ping()
    client.close()
    url = f"sqlite:///{directory / f'submit-redis-{uuid.uuid4().hex[:8]}.db'}"
    upgrade(url)
    store = Store(url)
    counters = counters_from_url(redis_url)

    def cleanup() -> None:
        client = redis.Redis.from_url(redis_url)
        for name in client.scan_iter(match=PREFIX + "line:bench-*"):
            client.delete(name)
        client.close()
        counters.close()
        store.close()

    def fill(key: str, instants: Sequence[datetime]) -> None:
        client = redis.Redis.from_url(redis_url)
        client.zadd(PREFIX + key, {uuid.uuid4().hex: at.timestamp() for at in instants})
        client.close()

    return Backend("SQLite file, Redis counters", store, counters, cleanup, fill)


@dataclass
class PostgresSchema:
    """A fresh schema in the benchmark's PostgreSQL database, dropped by :meth:`drop`."""

    conninfo: str
    schema: str
    url: str

    @classmethod
    def create(cls, server_url: str, prefix: str) -> PostgresSchema:
        import psycopg
        from sqlalchemy.engine import make_url

        base = make_url(server_url).set(drivername="postgresql")
        conninfo = base.render_as_string(hide_password=False)
        schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=2) as connection:
            connection.execute(f'CREATE SCHEMA "{schema}"')
        url = base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
        return cls(conninfo, schema, url)

    def drop(self) -> None:
        import psycopg

        with psycopg.connect(self.conninfo, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{self.schema}" CASCADE')


def postgres_backend(server_url: str) -> Backend:
    where = PostgresSchema.create(server_url, "zg_bench")
    upgrade(where.url)
    store = Store(where.url)
    counters = counters_from_url(where.url)

    def cleanup() -> None:
        store.close()
        where.drop()

    return Backend("PostgreSQL, SQL counters", store, counters, cleanup, sql_fill(counters))


# -- the bare one-commit reservation ------------------------------------------------------------

BARE_KEYS = ("line:a", "line:b", "line:c")
BARE_STEP = RESERVE_STEP / len(BARE_KEYS)
"""Consecutive reservations go to the three keys in turn, each key one every 30 s."""
BARE_CAP = 6000


class BareSqlite:
    """The floor on SQLite (see the module docstring); one connection per caller."""

    def __init__(self, path: Path, instants: int) -> None:
        self.path = path
        self.connections: list[sqlite3.Connection] = []
        self.lock = threading.Lock()
        self.next = itertools.count()
        setup = sqlite3.connect(path, isolation_level=None)
        setup.execute("PRAGMA journal_mode=WAL")
        setup.execute(
            "CREATE TABLE q (key TEXT NOT NULL, id TEXT NOT NULL, at TEXT NOT NULL,"
            " PRIMARY KEY (key, id))"
        )
        setup.execute("CREATE INDEX q_key_at ON q (key, at)")
        past = history(int(timedelta(hours=24) / RESERVE_STEP), START)
        with setup:
            setup.execute("BEGIN")
            for key in BARE_KEYS:
                setup.executemany(
                    "INSERT INTO q (key, id, at) VALUES (?, ?, ?)",
                    [(key, uuid.uuid4().hex, _sqlite_text(at)) for at in past],
                )
        setup.close()
        # Inputs prepared beforehand: (key, at, since) for each reservation, in order.
        self.inputs = [
            (
                BARE_KEYS[k % len(BARE_KEYS)],
                _sqlite_text(START + BARE_STEP * k),
                _sqlite_text(START + BARE_STEP * k - timedelta(hours=24)),
            )
            for k in range(instants)
        ]

    def make(self) -> Callable[[], None]:
        connection = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=10
        )
        self.connections.append(connection)
        connection.execute("PRAGMA synchronous=NORMAL")
        execute, lock, inputs, taken = connection.execute, self.lock, self.inputs, self.next

        def operation() -> None:
            k = next(taken)
            key, at, since = inputs[k % len(inputs)]
            entry = f"{k:032x}"
            with lock:
                execute("BEGIN IMMEDIATE")
                (used,) = execute(
                    "SELECT count(*) FROM q WHERE key = ? AND at > ?", (key, since)
                ).fetchone()
                if used < BARE_CAP:
                    execute("INSERT INTO q (key, id, at) VALUES (?, ?, ?)", (key, entry, at))
                execute("COMMIT")

        return operation

    def close(self) -> None:
        for connection in self.connections:
            connection.close()


def _sqlite_text(at: datetime) -> str:
    """An instant as zapguard stores it on SQLite: naive UTC text of fixed width."""
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(" ", timespec="microseconds")


class BarePostgres:
    """The floor on PostgreSQL (see the module docstring); one connection per caller."""

    def __init__(self, server_url: str, instants: int) -> None:
        import psycopg

        self.where = PostgresSchema.create(server_url, "zg_bare")
        self.conninfo = psycopg.conninfo.make_conninfo(
            self.where.conninfo, options=f"-csearch_path={self.where.schema}"
        )
        self.next = itertools.count()
        self.connections: list[Any] = []
        past = history(int(timedelta(hours=24) / RESERVE_STEP), START)
        with psycopg.connect(self.conninfo) as setup:
            setup.execute(
                "CREATE TABLE q (key text NOT NULL, id text NOT NULL, at timestamptz NOT NULL,"
                " PRIMARY KEY (key, id))"
            )
            setup.execute("CREATE INDEX q_key_at ON q (key, at)")
            with setup.cursor() as cursor:
                for key in BARE_KEYS:
                    cursor.executemany(
                        "INSERT INTO q (key, id, at) VALUES (%s, %s, %s)",
                        [(key, uuid.uuid4().hex, at) for at in past],
                    )
            setup.execute("ANALYZE q")
        self.inputs = [
            (
                BARE_KEYS[k % len(BARE_KEYS)],
                START + BARE_STEP * k,
                START + BARE_STEP * k - timedelta(hours=24),
            )
            for k in range(instants)
        ]

    def make(self) -> Callable[[], None]:
        import psycopg

        connection = psycopg.connect(self.conninfo)
        self.connections.append(connection)
        execute, commit, inputs, taken = (
            connection.execute,
            connection.commit,
            self.inputs,
            self.next,
        )

        def operation() -> None:
            k = next(taken)
            key, at, since = inputs[k % len(inputs)]
            entry = f"{k:032x}"
            execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (key,))
            row = execute("SELECT count(*) FROM q WHERE key = %s AND at > %s", (key, since))
            (used,) = row.fetchone() or (0,)
            if used < BARE_CAP:
                execute("INSERT INTO q (key, id, at) VALUES (%s, %s, %s)", (key, entry, at))
            commit()

        return operation

    def close(self) -> None:
        for connection in self.connections:
            connection.close()
        self.where.drop()


class SqlCount:
    """SQL statements and commits zapguard's engines ran inside the block (``SQL_ACTIVITY``, the
    counters ``/metrics`` exposes), the warm-up's included: divided by every submit made."""

    statements = 0
    commits = 0

    def __enter__(self) -> SqlCount:
        self._before = (SQL_ACTIVITY.statements, SQL_ACTIVITY.commits)
        return self

    def __exit__(self, *_: object) -> None:
        self.statements = SQL_ACTIVITY.statements - self._before[0]
        self.commits = SQL_ACTIVITY.commits - self._before[1]


# -- Redis round trips --------------------------------------------------------------------------


class RoundTrips:
    """Counts what this process writes to Redis: every command, and every pipeline as a whole, goes
    through ``AbstractConnection.send_packed_command`` once (redis-py ``redis/connection.py``)."""

    def __init__(self) -> None:
        import redis.connection

        self.count = 0
        self._class = redis.connection.AbstractConnection
        self._original = self._class.send_packed_command

    def __enter__(self) -> RoundTrips:
        original, counter = self._original, self

        def counted(connection: Any, command: Any, check_health: bool = True) -> None:
            counter.count += 1
            original(connection, command, check_health)

        self._class.send_packed_command = counted  # type: ignore[method-assign]
        return self

    def __exit__(self, *_: object) -> None:
        self._class.send_packed_command = self._original  # type: ignore[method-assign]


# -- growth -------------------------------------------------------------------------------------

GROWTH_LINE_HISTORY = 200
"""Sends in the window of every line of the growth_lines tenants."""
GROWTH_CONTACTS = 5000


def growth_lines_of(tenant: str, n: int) -> list[Line]:
    since = date(2022, 1, 3)
    return [
        Line(
            id=f"l{i}",
            tenant_id=tenant,
            phone=f"+55119{12340000 + i:08d}",
            role=Role.RECEPTIVE,
            account=AccountType.BUSINESS,
            in_use_since=since,
            pool="receptive",
            device=f"device-{i}",
            network=f"net-{i}",
        )
        for i in range(n)
    ]


def accept_cost(
    directory: Path, *, lines: int, per_line: int, on_measured: int, timing: Timing
) -> tuple[float, list[float]]:
    """Seconds per ``Submitter.submit`` of an agent reply on line ``l0`` of a tenant with ``lines``
    receptive lines, each with ``per_line`` sends in its window, ``l0`` with ``on_measured`` more."""
    url = f"sqlite:///{directory / f'growth-{uuid.uuid4().hex[:8]}.db'}"
    upgrade(url)
    store = Store(url)
    counters = counters_from_url(url)
    tenant = "growth"
    registered = START - timedelta(days=400)
    wrote = START - timedelta(hours=1)
    people = contacts(GROWTH_CONTACTS, 30_000_000)
    try:
        with store.transaction():
            store.tenants.ensure(tenant_id=tenant, name=tenant)
            for line in growth_lines_of(tenant, lines):
                store.lines.add(line=line, registered_at=registered)
                store.lines.record_human_activity(tenant_id=tenant, line_id=line.id, at=wrote)
            for phone in people:
                store.conversations.record_inbound(
                    tenant_id=tenant, line_id="l0", contact=phone, at=wrote
                )
        fill = sql_fill(counters)
        for line in growth_lines_of(tenant, lines):
            extra = on_measured if line.id == "l0" else 0
            fill(quota_key(line), history(per_line + extra, START))
        clock = WorkloadClock()
        config = PolicyConfig(volume=VolumeConfig(daily_cap=1_000_000))
        submitter = Submitter(Decider(store, counters, config), Outbox(store), clock)
        sent = itertools.count()

        def prepare() -> tuple[OutgoingMessage, datetime]:
            i = next(sent)
            message = OutgoingMessage(
                tenant_id=tenant,
                contact=people[i % len(people)],
                category=Category.REPLY,
                author=Author.AGENT,
                text=f"Oi! Seu pedido #{i} saiu para entrega hoje.",
                line="l0",
            )
            return message, START + timedelta(milliseconds=500 * i)

        def step(given: tuple[OutgoingMessage, datetime]) -> None:
            message, now = given
            clock.set(now)
            decision = submitter.submit(message).decision
            if decision is None or not decision.sends:
                raise SystemExit(f"growth workload: a reply was not allowed: {decision}")

        return measure_steps(prepare, step, lambda _: None, timing)
    finally:
        store.close()


OUTBOX_LINES = 4
OUTBOX_PACE = timedelta(seconds=3.6)
"""One sent row every 3.6 s over 4 lines: each line at 6,000 a day, its cap."""


class OutboxState:
    """A SQLite database whose outbox holds ``rows`` sent messages over 4 lines (bulk-inserted)."""

    def __init__(self, directory: Path, rows: int) -> None:
        self.url = f"sqlite:///{directory / f'outbox-{rows}-{uuid.uuid4().hex[:6]}.db'}"
        upgrade(self.url)
        self.store = Store(self.url)
        self.rows = rows
        self.tenant = "growth"
        registered = START - timedelta(days=400)
        with self.store.transaction():
            self.store.tenants.ensure(tenant_id=self.tenant, name=self.tenant)
            for line in growth_lines_of(self.tenant, OUTBOX_LINES):
                self.store.lines.add(line=line, registered_at=registered)
        with self.store.engine.begin() as connection:
            connection.execute(
                dispatch_lanes.insert(),
                [
                    {"line_id": f"l{i}", "next_at": START - timedelta(days=1)}
                    for i in range(OUTBOX_LINES)
                ],
            )
            for first in range(0, rows, 20_000):
                connection.execute(
                    outbox.insert(),
                    [self._sent_row(n) for n in range(first, min(rows, first + 20_000))],
                )

    def _sent_row(self, n: int) -> dict[str, Any]:
        sent_at = START - OUTBOX_PACE * (self.rows - n)
        return {
            "public_id": f"wamid.ZGH{n:029X}",
            "tenant_id": self.tenant,
            "line_id": f"l{n % OUTBOX_LINES}",
            "contact": f"+55319{80_000_000 + n % 50_000:08d}",
            "category": "reply",
            "author": "agent",
            "text": f"Oi! Seu pedido #{n} saiu para entrega hoje.",
            "state": "sent",
            "attempts": 1,
            "not_before": sent_at - timedelta(seconds=1),
            "created_at": sent_at - timedelta(seconds=1),
            "sent_at": sent_at,
            "provider_message_id": provider_id(n),
            "delivery_status": "sent",
        }

    def status_update_cost(self, timing: Timing) -> tuple[float, list[float]]:
        """Seconds per delivery webhook's ``Outbox.record_delivery`` on a random sent row."""
        box = Outbox(self.store)
        picks = iter(random.Random(8).sample(range(self.rows), min(self.rows, 50_000)))

        def step(n: int) -> None:
            found = box.record_delivery(
                provider_message_id=provider_id(n),
                reference=None,
                status="delivered",
                at=START,
                tenant_id=self.tenant,
            )
            if found is None or found.delivery_status != "delivered":
                raise SystemExit(f"status update found no row for {provider_id(n)}")

        return measure_steps(lambda: next(picks), step, lambda _: None, timing)

    def claim_cost(self, timing: Timing) -> tuple[float, list[float]]:
        """Seconds per ``Dispatcher.claim()`` of one queued row on each of the 4 lines."""
        now = [START]
        provider = CloudProvider(
            Endpoint(kind="cloud", base_url="http://127.0.0.1:9", account="0"), httpx.Client()
        )  # never called: claim() only picks the provider a job will use
        dispatcher = Dispatcher(
            self.store,
            lambda _record: provider,
            DispatchConfig(typing_chars_per_second=0),
            VolumeConfig(gap_min_seconds=0, gap_max_seconds=0, merge_window_seconds=0),
            clock=lambda: now[0],
        )
        queued = itertools.count()

        def prepare() -> None:
            now[0] += timedelta(seconds=10)
            with self.store.engine.begin() as connection:
                for line in range(OUTBOX_LINES):
                    n = next(queued)
                    connection.execute(
                        outbox.insert(),
                        {
                            "public_id": f"wamid.ZGQ{n:029X}",
                            "tenant_id": self.tenant,
                            "line_id": f"l{line}",
                            "contact": f"+55319{90_000_000 + n:08d}",
                            "category": "reply",
                            "author": "agent",
                            "text": f"Oi! Seu pedido #{n} saiu para entrega hoje.",
                            "state": "queued",
                            "attempts": 0,
                            "not_before": now[0] - timedelta(seconds=1),
                            "created_at": now[0] - timedelta(seconds=1),
                        },
                    )

        claimed: list[Any] = []

        def step(_: None) -> None:
            claimed[:] = dispatcher.claim()
            if len(claimed) != OUTBOX_LINES:
                raise SystemExit(f"claim took {len(claimed)} rows, not {OUTBOX_LINES}")

        def finish(_: None) -> None:
            with self.store.engine.begin() as connection:
                for job in claimed:
                    outbox_rows.mark_sent(
                        connection,
                        entry_id=job.entry.id,
                        provider_message_id=f"wamid.Q{job.entry.id}",
                        at=now[0],
                    )  # settled as the dispatcher's send would

        try:
            return measure_steps(prepare, step, finish, timing)
        finally:
            provider_client_close(provider)

    def close(self) -> None:
        self.store.close()


def provider_id(n: int) -> str:
    return f"wamid.P{n:012d}"


def provider_client_close(provider: CloudProvider) -> None:
    client = getattr(provider, "_client", None)
    if isinstance(client, httpx.Client):
        client.close()


# -- report -------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "python": f"{platform.python_version()} ({platform.python_implementation()})",
        "system": f"{platform.system()} {platform.release()}",
        "versions": f"SQLite {sqlite3.sqlite_version}, SQLAlchemy {sqlalchemy.__version__}, "
        f"limits {limits.__version__}",
    }


def load() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def judge(figures: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {}
    for name, (op, limit) in TARGETS.items():
        value = figures.get(name)
        passed = None
        if value is not None:
            passed = value >= limit if op == ">=" else value <= limit
        found[name] = {"value": value, "op": op, "limit": limit, "pass": passed}
    return found


def show(result: dict[str, Any], rows: list[Row]) -> None:
    m, f = result["machine"], result["figures"]
    print(f"zapguard decision benchmark, {result['when']}")
    print(f"command: {result['command']}")
    print(f"CPU: {m['cpu']}, {m['cores']} cores; Python {m['python']}, {m['system']}")
    print(m["versions"])
    print(f"load average before / after: {result['load_before']} / {result['load_after']}")
    timing = result["timing"]
    print(
        f"each rate: {timing['warmup']:g} s warm-up, then the median of {timing['repeats']} timed "
        f"runs of {timing['seconds'] / timing['repeats']:g} s; {result['callers']} callers where N"
    )
    print()
    width = max(len(row.label) for row in rows) + 2
    print(f"{'row':<{width}}{'rate':>16}")
    for row in rows:
        shown = "—" if row.rate is None else f"{row.rate:,.0f} {row.unit}"
        print(f"{row.label:<{width}}{shown:>16}  {row.note}".rstrip())
    print()
    if f.get("redis_round_trips_per_decision") is not None:
        print(
            f"Redis round trips per decision: mean {f['redis_round_trips_per_decision']:.2f}, max "
            f"{f['redis_round_trips_per_decision_max']:.0f} (over {f['redis_decisions_counted']} "
            "decisions)"
        )
    for name in ("growth_lines", "growth_window", "growth_status_update", "growth_claim"):
        small, big = f.get(f"{name}_small_us"), f.get(f"{name}_big_us")
        if small is not None and big is not None:
            print(f"{name}: {small:,.0f} µs → {big:,.0f} µs ({f[name]:.2f}x)")
    print()
    print(f"{'figure':<38}{'value':>10}  target     result")
    for name, t in result["targets"].items():
        verdict = {True: "PASS", False: "FAIL", None: "not measured"}[t["pass"]]
        value = "—" if t["value"] is None else f"{t['value']:.3f}"
        print(f"{name:<38}{value:>10}  {t['op']} {t['limit']:<7g} {verdict}")
    for label, mix in result["verdicts"].items():
        total = sum(mix.values())
        shares = ", ".join(f"{v} {100 * n / total:.0f}%" for v, n in sorted(mix.items()))
        print(f"verdicts, {label}: {total:,} submits: {shares}")
    print(f"total time {result['seconds']:.0f} s")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="timed seconds per row (4)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per row; median (5)")
    parser.add_argument("--warmup", type=float, default=0.5, help="untimed seconds per row (0.5)")
    parser.add_argument("--callers", type=int, default=8, help="threads of the N-caller rows (8)")
    parser.add_argument("--contacts", type=int, default=5000, help="consented contacts (5000)")
    parser.add_argument("--quick", action="store_true", help="a short smoke run (see above)")
    parser.add_argument("--postgres-url", default=POSTGRES_URL, help="a PostgreSQL database")
    parser.add_argument("--redis-url", default=REDIS_URL, help="a Redis database to write in")
    parser.add_argument("--no-servers", action="store_true", help="skip PostgreSQL and Redis")
    parser.add_argument("--json", action="store_true", help="print one JSON object last")
    parser.add_argument(
        "--only",
        action="append",
        choices=PARTS,
        help="run only these parts (repeatable; default: all of them)",
    )
    args = parser.parse_args(argv)
    parts = set(args.only or PARTS)
    timing = Timing(args.seconds, args.repeats, args.warmup)
    outbox_sizes, window_big = (10_000, 1_000_000), 100_000
    if args.quick:
        timing = Timing(1.0, 3, 0.3)
        outbox_sizes, window_big = (10_000, 100_000), 10_000
    started = time.perf_counter()
    load_before = load()
    rows: list[Row] = []
    figures: dict[str, Any] = {}
    verdicts: dict[str, Counter[str]] = {}

    def note(label: str, rate: float | None, unit: str, runs: list[float], text: str = "") -> None:
        rows.append(Row(label, rate, unit, runs, text))
        shown = "skipped" if rate is None else f"{rate:,.0f} {unit}"
        print(f"# {label}: {shown} {text}", file=sys.stderr, flush=True)

    # Enough prepared reservations for the fastest bare row's warm-up and timed runs.
    bare_inputs = int(40_000 * (timing.seconds + timing.warmup))

    def pair(
        name: str,
        label: str,
        make_backend: Callable[[], Backend],
        make_bare: Callable[[], Any],
    ) -> None:
        """Submit and its bare baseline, with one caller and with N."""
        try:
            bare = make_bare()
        except Exception as error:  # a server that is not there: say so, keep going
            note(f"{label}: bare", None, "", [], f"skipped: {type(error).__name__}: {error}")
            return
        try:
            for callers in (1, args.callers):
                rate_bare, runs = measure_callers(bare.make, callers, timing)
                note(
                    f"{label}: bare one-commit txn, {callers} caller(s)", rate_bare, "txns/s", runs
                )
                backend = make_backend()
                try:
                    mix: Counter[str] = Counter()
                    make = submit_operation(backend, args.contacts, mix)
                    with SqlCount() as sql:
                        rate, runs = measure_callers(make, callers, timing)
                    ratio = rate / rate_bare
                    submits = sum(mix.values())
                    statements, commits = sql.statements / submits, sql.commits / submits
                    note(
                        f"{label}: Submitter.submit, {callers} caller(s)",
                        rate,
                        "submits/s",
                        runs,
                        f"{ratio:.3f}x bare; {statements:.1f} statements and {commits:.2f} "
                        "commits per message",
                    )
                    verdicts[f"{label}, {callers} caller(s)"] = mix
                finally:
                    backend.cleanup()
                key = name if callers != 1 else f"{name}_single"
                figures[key] = ratio
                figures[f"{key}_rates"] = {"submit": rate, "bare": rate_bare, "callers": callers}
                figures[f"{key}_sql_per_message"] = {"statements": statements, "commits": commits}
        finally:
            close = getattr(bare, "close", None)
            if close is not None:
                close()

    with tempfile.TemporaryDirectory(prefix="zapguard-bench-") as scratch:
        directory = Path(scratch)

        if "submit" in parts:
            pair(
                "submit_sqlite_vs_bare",
                "SQLite",
                lambda: sqlite_backend(directory),
                lambda: BareSqlite(directory / f"bare-{uuid.uuid4().hex[:6]}.db", bare_inputs),
            )
        if "submit" in parts and not args.no_servers:
            pair(
                "submit_postgres_vs_bare",
                "PostgreSQL",
                lambda: postgres_backend(args.postgres_url),
                lambda: BarePostgres(args.postgres_url, bare_inputs),
            )
            redis_row(args, directory, timing, note, figures, verdicts)

        # Growth: each pair of states measured back to back.
        for name, small, big in (
            ("growth_lines", {"lines": 1}, {"lines": 100}),
            ("growth_window", {"on_measured": 0}, {"on_measured": window_big}),
        ):
            if "growth" not in parts:
                break
            costs = []
            for state in (small, big):
                shape = {"lines": 1, "per_line": 0, "on_measured": 0}
                if name == "growth_lines":
                    shape["per_line"] = GROWTH_LINE_HISTORY
                shape.update(state)
                cost, runs = accept_cost(directory, timing=timing, **shape)
                costs.append(cost)
                described = ", ".join(f"{k}={v:,}" for k, v in shape.items())
                note(
                    f"growth: accept cost, {described}",
                    1 / cost,
                    "submits/s",
                    [1 / r for r in runs],
                    f"{1e6 * cost:,.0f} µs each",
                )
            figures[name] = costs[1] / costs[0]
            figures[f"{name}_small_us"], figures[f"{name}_big_us"] = (1e6 * c for c in costs)

        states = []
        for size in outbox_sizes if "outbox" in parts else ():
            print(f"# filling an outbox of {size:,} rows", file=sys.stderr, flush=True)
            states.append(OutboxState(directory, size))
        try:
            for name, cost_of in (
                ("growth_status_update", OutboxState.status_update_cost),
                ("growth_claim", OutboxState.claim_cost),
            ):
                if not states:
                    break  # the outbox part was not asked for
                costs = []
                for state in states:
                    cost, runs = cost_of(state, timing)
                    costs.append(cost)
                    note(
                        f"growth: {name.removeprefix('growth_')}, {state.rows:,} outbox rows",
                        1 / cost,
                        "calls/s",
                        [1 / r for r in runs],
                        f"{1e6 * cost:,.0f} µs each",
                    )
                figures[name] = costs[1] / costs[0]
                figures[f"{name}_small_us"], figures[f"{name}_big_us"] = (1e6 * c for c in costs)
        finally:
            for state in states:
                state.close()

        # Information rows.
        if "info" in parts:
            information_rows(directory, timing, note)

    result: dict[str, Any] = {
        "benchmark": "decisions",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": shlex.join([os.path.relpath(sys.executable), *sys.argv]),
        "machine": machine(),
        "load_before": load_before,
        "load_after": load(),
        "quick": args.quick,
        "callers": args.callers,
        "timing": {"seconds": timing.seconds, "repeats": timing.repeats, "warmup": timing.warmup},
        "sizes": {"outbox": list(outbox_sizes), "window": [0, window_big], "lines": [1, 100]},
        "rows": {row.label: {"rate": row.rate, "unit": row.unit, "runs": row.runs} for row in rows},
        "verdicts": {label: dict(mix) for label, mix in verdicts.items()},
        "figures": figures,
        "seconds": time.perf_counter() - started,
    }
    result["targets"] = judge(figures)
    show(result, rows)
    if args.json:
        print(json.dumps(result, sort_keys=True, default=str))
    return 0


def information_rows(directory: Path, timing: Timing, note: Callable[..., None]) -> None:
    rate, runs = measure(limits_batches(), timing)
    note('[info] limits moving window hit(), memory, "6000/day", one key', rate, "calls/s", runs)
    rate, runs = measure(engine_batches(), timing)
    note("[info] decide(), pure, full catalogue, no storage", rate, "decisions/s", runs)
    rate, runs = measure(reserve_batches(directory), timing)
    note("[info] SqlCounters.reserve() alone, SQLite file", rate, "reserves/s", runs)


def redis_row(
    args: argparse.Namespace,
    directory: Path,
    timing: Timing,
    note: Callable[..., None],
    figures: dict[str, Any],
    verdicts: dict[str, Counter[str]],
) -> None:
    """Submit with Redis counters, one caller; then Redis round trips per decision, counted."""
    label = "Redis counters (store on SQLite)"
    try:
        backend = redis_backend(directory, args.redis_url)
    except Exception as error:
        note(
            f"{label}: Submitter.submit", None, "", [], f"skipped: {type(error).__name__}: {error}"
        )
        return
    try:
        mix: Counter[str] = Counter()
        make = submit_operation(backend, args.contacts, mix)
        rate, runs = measure_callers(make, 1, timing)
        note(f"{label}: Submitter.submit, 1 caller", rate, "submits/s", runs)
        verdicts[f"{label}, 1 caller"] = mix
        operation = make()
        per_decision = []
        with RoundTrips() as trips:
            for _ in range(300):
                before = trips.count
                operation()
                per_decision.append(trips.count - before)
        if max(per_decision) == 0:
            raise SystemExit("no Redis command was counted: redis-py's connection changed?")
        figures["redis_submit_rate"] = rate
        figures["redis_round_trips_per_decision"] = statistics.mean(per_decision)
        figures["redis_round_trips_per_decision_max"] = max(per_decision)
        figures["redis_decisions_counted"] = len(per_decision)
    finally:
        backend.cleanup()


if __name__ == "__main__":
    raise SystemExit(main())
