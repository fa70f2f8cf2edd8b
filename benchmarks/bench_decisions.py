"""Decision throughput, side by side with a rate-limiter baseline measured in the same run.

    .venv/bin/python benchmarks/bench_decisions.py [--seconds N] [--repeats R] [--no-servers]

Rows:

* (a) baseline: ``limits``' moving-window ``hit()`` on its memory storage, one rule ("6000/day"),
  one key; (a') the same while every hit is accepted, for reference;
* (b) ``decide()``: the pure engine on a realistic snapshot (a receptive and two campaign lines, a
  consented contact, a link, marketing through a campaign line), no storage at all;
* (c) ``Decider.submit``: snapshot from the store and the counters, decide, durable quota
  reservation, record of the send and of the decision, on a file-backed SQLite database (WAL,
  synchronous=NORMAL, as the product opens it) with the SQL counters in the same database; a mix
  where most messages are allowed and reserve quota, with different contacts, the clock moving
  forward and each line holding a busy day's reservations; (c') ``SqlCounters.reserve()`` alone and
  (c'') the same reservation transaction on the bare ``sqlite3`` module, for reference;
* (d) the same submit with Redis counters (store on SQLite) and with everything on PostgreSQL
  (``ZAPGUARD_BENCH_REDIS_URL``, ``ZAPGUARD_BENCH_POSTGRES_URL``; skipped, and said so, when the
  server does not answer, or with ``--no-servers``).

Each row: warm-up, then ``--repeats`` timed runs of ``--seconds / --repeats`` seconds each (time spent
preparing the inputs is excluded), and the median rate is reported. Nothing here is asserted: it is a
measurement, printed with the machine it ran on.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import shlex
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

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
from zapguard.gateway.snapshots import quota_key
from zapguard.policy.config import PolicyConfig
from zapguard.policy.engine import decide
from zapguard.policy.snapshot import ContactView, LineView, Snapshot
from zapguard.store import counters_from_url, upgrade
from zapguard.store.counters.base import Counters, Limit
from zapguard.store.counters.redis import PREFIX
from zapguard.store.counters.sql import SqlCounters
from zapguard.store.repository import Store
from zapguard.store.schema import quota_reservations

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
START = datetime(2026, 3, 9, 8, 0, tzinfo=SAO_PAULO)  # a Monday, 08:00: campaign hours open
STEP = timedelta(seconds=5)  # the clock moves 5 s per message (~2,800 sends/day per campaign line)
CAMPAIGN_END_HOUR = 19  # the workload jumps to the next weekday morning before quiet hours start
POSTGRES_URL = os.environ.get(
    "ZAPGUARD_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1/postgres"
)
REDIS_URL = os.environ.get("ZAPGUARD_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")

QUARTER = 0.25


# -- measuring ----------------------------------------------------------------------------------


@dataclass
class Row:
    label: str
    rate: float | None
    unit: str
    target: float | None = None
    """Minimum ratio to the baseline, when this row has a target."""
    note: str = ""
    runs: list[float] = field(default_factory=list)


def measure(
    batch: Callable[[], Callable[[], int]], seconds: float, repeats: int, warmup: float
) -> tuple[float, list[float]]:
    """Median rate of ``batch``: each call prepares inputs (untimed) and returns a callable that runs
    them and returns how many operations it did."""

    def run(budget: float) -> float:
        done, elapsed = 0, 0.0
        while elapsed < budget:
            go = batch()
            started = time.perf_counter()
            done += go()
            elapsed += time.perf_counter() - started
        return done / elapsed

    run(warmup)
    rates = [run(seconds / repeats) for _ in range(repeats)]
    return statistics.median(rates), rates


# -- (a) baseline -------------------------------------------------------------------------------


def limits_batches(*, accepting: bool) -> Callable[[], Callable[[], int]]:
    """``hit()`` calls on a moving window "6000/day". One key: after its first 6,000 hits the window
    is full and every further hit is refused (the steady state of a saturated key). ``accepting``
    instead moves to a fresh key every 6,000 hits, so every hit is accepted and stored."""
    limiter = strategies.MovingWindowRateLimiter(storage.MemoryStorage())
    rule = parse("6000/day")
    hit = limiter.hit
    keys = (f"line-{n}" for n in itertools.count())
    chunk = 6000 if accepting else 10_000

    def batch() -> Callable[[], int]:
        key = next(keys) if accepting else "line-0"

        def go() -> int:
            for _ in range(chunk):
                hit(rule, key)
            return chunk

        return go

    return batch


# -- (b) the pure engine ------------------------------------------------------------------------

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
            conversations={
                "recv": Conversation("recv", contact, wrote, wrote, wrote, 2, 3),
            },
            last_inbound_at=wrote,
            last_outbound_at=wrote,
            unanswered=1,
        ),
        identical_recent=[NOW - timedelta(minutes=20), NOW - timedelta(minutes=5)],
    )
    # More distinct texts than the link parser's cache holds, as a campaign with names and codes
    # would send: no row may be flattered by a cache hit on a repeated text.
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


# -- (c, d) decide and reserve on a store -------------------------------------------------------


@dataclass
class Workload:
    """Messages in the order a busy tenant would submit them, with the clock moving forward.

    Per ten messages: six marketing sends through the two campaign lines (consented contacts, varied
    text with a link), two replies on the receptive line to contacts who wrote to it, one marketing
    message addressed to the receptive line (rerouted to a campaign line: ZG301/ZG302) and one
    marketing message to a contact without consent (rejected: ZG201, reserves nothing).
    """

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
        store.ensure_tenant(tenant_id=tenant, name=tenant)
        for line in lines_of(tenant):
            store.add_line(line=line, registered_at=registered)
            store.record_human_activity(tenant_id=tenant, line_id=line.id, at=START)
        for k, phone in enumerate(consented):
            store.grant_consent(
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
                store.record_inbound(
                    tenant_id=tenant,
                    line_id="recv",
                    contact=phone,
                    at=registered + timedelta(days=1),
                )
    return Workload(tenant, consented, unconsented)


@dataclass
class Backend:
    label: str
    store: Store
    counters: Counters
    cleanup: Callable[[], None]
    fill: Callable[[str, Sequence[datetime]], None]
    """Bulk-load past reservations of a key (setup only: the counters' API reserves one at a time)."""


HISTORY = {"recv": 1500, "camp1": 2500, "camp2": 2500}
"""Reservations each line made in the 24 h before the workload starts: the counts a snapshot and a
reservation scan are those of lines in steady use (the workload keeps about that rate), not of
empty ones."""


def history(n: int, end: datetime) -> list[datetime]:
    return [end - timedelta(hours=24) * (k + 1) / (n + 1) for k in range(n)]


def sql_fill(counters: Counters) -> Callable[[str, Sequence[datetime]], None]:
    assert isinstance(counters, SqlCounters)

    def fill(key: str, instants: Sequence[datetime]) -> None:
        rows = [{"key": key, "id": uuid.uuid4().hex, "at": at} for at in instants]
        with counters.engine.begin() as connection:
            connection.execute(quota_reservations.insert(), rows)

    return fill


def submit_batches(
    backend: Backend, n_contacts: int, verdicts: Counter[str]
) -> Callable[[], Callable[[], int]]:
    tenant = f"bench-{uuid.uuid4().hex[:8]}"
    workload = populate(backend.store, tenant, n_contacts)
    for line in lines_of(tenant):
        backend.fill(quota_key(line), history(HISTORY[line.id], START))
    decider = Decider(backend.store, backend.counters, PolicyConfig())
    submit = decider.submit
    chunk = 50

    def batch() -> Callable[[], int]:
        todo = list(itertools.islice(workload, chunk))

        def go() -> int:
            for message, now in todo:
                verdicts[submit(message, now).verdict.value] += 1
            return chunk

        return go

    return batch


RESERVE_STEP = timedelta(seconds=30)
"""The clock step of the reservation-only rows: ~2,900 entries in the 24 h window, as a campaign
line of the submit workload holds."""


def reserve_batches(directory: Path) -> Callable[[], Callable[[], int]]:
    """``SqlCounters.reserve`` alone on a SQLite file: the durable, atomic step of every send, with
    the rolling 24 h limit checked against a window as full as a busy line's."""
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


def bare_sqlite_batches(directory: Path) -> Callable[[], Callable[[], int]]:
    """The same reservation written by hand on the ``sqlite3`` module, no SQLAlchemy: BEGIN IMMEDIATE,
    count the window, INSERT, COMMIT, with the product's pragmas (WAL, synchronous=NORMAL). The
    floor of any durable per-message reservation on SQLite made from Python."""
    path = directory / "bare.db"
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute(
        "CREATE TABLE q (key TEXT NOT NULL, id TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (key, id))"
    )
    connection.execute("CREATE INDEX q_key_at ON q (key, at)")
    past = history(int(timedelta(hours=24) / RESERVE_STEP), START)
    connection.executemany(
        "INSERT INTO q (key, id, at) VALUES ('k', ?, ?)",
        [(uuid.uuid4().hex, at.isoformat()) for at in past],
    )
    clock = itertools.count()
    chunk = 500

    def batch() -> Callable[[], int]:
        todo = []
        for _ in range(chunk):
            at = START + RESERVE_STEP * next(clock)
            since = (at - timedelta(hours=24)).isoformat()
            todo.append((at.isoformat(), since, uuid.uuid4().hex))

        def go() -> int:
            execute = connection.execute
            for at, since, entry in todo:
                execute("BEGIN IMMEDIATE")
                (used,) = execute(
                    "SELECT count(*) FROM q WHERE key = ? AND at > ?", ("k", since)
                ).fetchone()
                if used < 6000:
                    execute("INSERT INTO q (key, id, at) VALUES (?, ?, ?)", ("k", entry, at))
                execute("COMMIT")
            return chunk

        return go

    return batch


def sqlite_backend(directory: Path) -> Backend:
    url = f"sqlite:///{directory / 'zapguard.db'}"
    upgrade(url)
    store = Store(url)
    counters = counters_from_url(url)
    return Backend("SQLite file, SQL counters", store, counters, store.close, sql_fill(counters))


def redis_backend(directory: Path) -> Backend:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    client.ping()
    client.close()
    url = f"sqlite:///{directory / 'zapguard-redis.db'}"
    upgrade(url)
    store = Store(url)
    counters = counters_from_url(REDIS_URL)

    def cleanup() -> None:
        client = redis.Redis.from_url(REDIS_URL)
        for name in client.scan_iter(match=PREFIX + "line:bench-*"):
            client.delete(name)
        client.close()
        counters.close()
        store.close()

    def fill(key: str, instants: Sequence[datetime]) -> None:
        client = redis.Redis.from_url(REDIS_URL)
        client.zadd(PREFIX + key, {uuid.uuid4().hex: at.timestamp() for at in instants})
        client.close()

    return Backend("SQLite file, Redis counters", store, counters, cleanup, fill)


def postgres_backend() -> Backend:
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(POSTGRES_URL).set(drivername="postgresql")
    conninfo = base.render_as_string(hide_password=False)
    schema = f"zg_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(conninfo, autocommit=True, connect_timeout=2) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    url = base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )
    upgrade(url)
    store = Store(url)
    counters = counters_from_url(url)

    def cleanup() -> None:
        store.close()
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')

    return Backend("PostgreSQL, SQL counters", store, counters, cleanup, sql_fill(counters))


# -- report -------------------------------------------------------------------------------------


def machine() -> list[str]:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return [
        f"CPU: {model}, {os.cpu_count()} cores ({usable} usable)",
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.system()} {platform.release()}",
        f"SQLite {sqlite3.sqlite_version}, SQLAlchemy {sqlalchemy.__version__}, "
        f"limits {limits.__version__}",
    ]


def load() -> str:
    """The 1/5/15-minute load averages: other work on the machine shows up in the figures."""
    try:
        return "/".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def table(rows: list[Row], baseline: float) -> list[str]:
    header = ("", "rate", "x baseline", "target", "result")
    body: list[tuple[str, ...]] = []
    for row in rows:
        if row.rate is None:
            body.append((row.label, "—", "—", "—", row.note))
            continue
        ratio = row.rate / baseline
        if row.target is None:
            target, verdict = "—", ""
        else:
            target = f">= {row.target:g}x"
            verdict = "PASS" if ratio >= row.target else "FAIL"
        body.append((row.label, f"{row.rate:,.0f} {row.unit}", f"{ratio:.4f}", target, verdict))
    widths = [max(len(cells[i]) for cells in [header, *body]) for i in range(len(header))]

    def fmt(cells: tuple[str, ...]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [cells[i].rjust(widths[i]) for i in range(1, len(cells))]
        return "| " + " | ".join([first, *rest]) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return [fmt(header), rule, *(fmt(cells) for cells in body)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="timed seconds per row (4)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per row; median (5)")
    parser.add_argument("--warmup", type=float, default=0.5, help="untimed seconds per row (0.5)")
    parser.add_argument("--contacts", type=int, default=5000, help="consented contacts (5000)")
    parser.add_argument(
        "--no-servers", action="store_true", help="skip the Redis and PostgreSQL rows"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    load_before = load()
    command = shlex.join([os.path.relpath(sys.executable), *sys.argv])

    def timed(batches: Callable[[], Callable[[], int]]) -> tuple[float, list[float]]:
        return measure(batches, args.seconds, args.repeats, args.warmup)

    rows: list[Row] = []

    def row(label: str, batches: Callable[[], Callable[[], int]], unit: str, **kw: Any) -> float:
        rate, runs = timed(batches)
        rows.append(Row(label, rate, unit, runs=runs, **kw))
        return rate

    baseline = row(
        '(a) baseline: limits moving window hit(), memory storage, "6000/day", one key',
        limits_batches(accepting=False),
        "calls/s",
    )
    row(
        "(a') limits hit() while accepting (fresh key every 6,000 hits) [info]",
        limits_batches(accepting=True),
        "calls/s",
    )
    row(
        "(b) decide(), pure, full catalogue, no storage",
        engine_batches(),
        "decisions/s",
        target=1.0,
    )

    mixes: dict[str, Counter[str]] = {}
    with tempfile.TemporaryDirectory(prefix="zapguard-bench-") as scratch:
        directory = Path(scratch)
        makers: list[tuple[str, Callable[[], Backend], float | None]] = [
            (
                "(c) Decider.submit, SQLite file (WAL), SQL counters in it",
                lambda: sqlite_backend(directory),
                QUARTER,
            )
        ]
        if not args.no_servers:
            makers += [
                (
                    "(d) Decider.submit, SQLite file, Redis counters [info]",
                    lambda: redis_backend(directory),
                    None,
                ),
                ("(d) Decider.submit, PostgreSQL, SQL counters [info]", postgres_backend, None),
            ]
        for label, make, target in makers:
            try:
                backend = make()
            except Exception as error:  # a server that is not there: say so, keep going
                rows.append(Row(label, None, "", note=f"skipped: {type(error).__name__}: {error}"))
                continue
            try:
                mix: Counter[str] = Counter()
                row(label, submit_batches(backend, args.contacts, mix), "submits/s", target=target)
                mixes[label] = mix
            finally:
                backend.cleanup()
            if target is not None:  # what the durable step alone costs, next to the row it bounds
                row(
                    "(c') SqlCounters.reserve() alone, SQLite file [info]",
                    reserve_batches(directory),
                    "reserves/s",
                )
                row(
                    "(c'') bare sqlite3 reservation txn, no SQLAlchemy [info]",
                    bare_sqlite_batches(directory),
                    "txns/s",
                )

    print("zapguard decision benchmark")
    print(f"command: {command}")
    for line in machine():
        print(line)
    print(f"load average before / after: {load_before} / {load()}")
    print(
        f"each row: {args.warmup:g} s warm-up, then the median of {args.repeats} timed runs of "
        f"{args.seconds / args.repeats:g} s"
    )
    print()
    for line in table(rows, baseline):
        print(line)
    print()
    for done in rows:
        if done.runs:
            print(f"runs {done.label}: " + ", ".join(f"{r:,.0f}" for r in done.runs))
    for label, mix in mixes.items():
        total = sum(mix.values())
        shares = ", ".join(f"{v} {100 * n / total:.0f}%" for v, n in sorted(mix.items()))
        print(f"verdicts {label}: {total:,} submits: {shares}")
    print(f"total time {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
