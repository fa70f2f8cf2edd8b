"""Gateway overhead: messages accepted through the Cloud API drop-in and delivered to the simulator,
side by side with the same messages posted straight to the simulator, in one run, on loopback.

    .venv/bin/python benchmarks/bench_gateway.py [--messages N] [--direct-messages D]
        [--connections C] [--rate R] [--open-seconds S] [--lines L] [--workers W]
        [--rss-messages [N]] [--json]
        [--database-url postgresql://.../db --counters-url redis://127.0.0.1:6379/14]

Three processes: ``zapguard simulator``, ``zapguard serve`` (the simulator as its provider) and
this script, the load client (:mod:`loadgen`: asyncio over raw keep-alive HTTP/1.1, far cheaper
per request than the servers it drives). ``serve`` runs on a temporary SQLite file, or in a fresh
schema of the PostgreSQL database given (dropped at the end), with pacing gaps, the merge window,
the pair interval and "typing…" at zero and a daily cap of 1,000,000, so what is measured is
zapguard's own work: the decision, the durable reservation and outbox row, the dispatcher and the
provider call. The tenant is new on every run (Redis counters of earlier runs never count).

Setup, not timed: L lines registered through the API, and every contact a message goes to wrote
first (the messages are replies, as on a support line). The contacts' inbound messages are written
with the store's own ``record_inbound`` from this process, in transactions of 1,000, before the
timed rows: the same rows ``POST /v1/events`` would write, a hundred times faster, so a 100k-message
run does not spend half an hour setting up.

Rows (each after an untimed warm-up of both paths):

* **closed loop**: C connections (8) each post a Cloud API text message and wait for its answer
  before the next. *direct*: D messages (10,000: they cost no setup, and make a row long enough
  for a steady rate) straight to the simulator; rate = D / time until the last answer (the
  simulator has them all then). *through zapguard*: N messages (2,000) to
  ``POST /v21.0/{phone_number_id}/messages``; rate = N / time until the simulator has received all
  N (accepted *and* delivered), polled every 20 ms once the last answer arrived. ``ratio`` =
  zapguard / direct; ``added_p50_ms_closed_loop`` = accept p50 − direct p50.
* **saturation**: the direct closed loop again with 4 × C connections. The direct row measures the
  simulator, not this client, when more connections do not raise the rate (at most +10%) and the
  client uses at most half the CPU the simulator does (from ``/proc/<pid>/stat``; the simulator
  serves from one interpreter, so about one core is its ceiling, less when the host is busy). Both
  are printed, and a warning says when they do not hold.
* **open loop**: R messages per second for S seconds, sent on schedule whatever the answers, with
  latency measured from each scheduled send time (coordinated omission does not hide stalls).
  ``added_p99_ms_open_loop`` = zapguard accept p99 − direct p99 at the same rate.
* **cost per message** (through zapguard, closed loop): the server's CPU (user + system of the
  ``serve`` process tree, from ``/proc``) and the SQL statements and commits it ran (the
  ``zapguard_sql_statements_total`` and ``zapguard_sql_commits_total`` counters of ``/metrics``,
  read before and after; one scrape's own statements are measured and subtracted), per message.
  With ``--workers`` > 1, ``/metrics`` answers from one worker only: statements are then not
  reported.
* **memory** (``--rss-messages N``, 100,000 when given without a number): the server's resident
  memory (the process tree's ``VmRSS``) after a first tenth of N more messages, then after all of
  them. "Flat" means the growth between the two is at most 5% of the first reading.

Targets (issue 8): ratio ≥ 0.5; added p99 ≤ 5 ms at 100 msg/s in the open loop; added p50 ≤ 8 ms in
the closed loop; RSS flat. ``--json`` prints one JSON object last with every figure and the targets
with pass/fail. Nothing here is asserted: it is a measurement, printed with the machine it ran on.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shlex
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import loadgen
import procstat
from loadgen import Run, percentile

ZAPGUARD = [sys.executable, "-m", "zapguard"]
HOST = "127.0.0.1"
SATURATION_FACTOR = 4
"""The saturation row runs the direct closed loop with this many times the connections."""
RSS_FLAT_SHARE = 0.05
WARMUP = 200


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    pid: int
    port: int


@contextmanager
def running(args: list[str], port: int, ready_path: str) -> Iterator[Server]:
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            if child.poll() is not None:
                assert child.stderr is not None
                raise SystemExit(
                    f"{shlex.join(args)} exited: {child.stderr.read().decode()[-2000:]}"
                )
            try:
                httpx.get(f"http://{HOST}:{port}{ready_path}", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"{shlex.join(args)} did not come up") from None
                time.sleep(0.1)
        yield Server(child.pid, port)
    finally:
        child.terminate()
        with suppress(subprocess.TimeoutExpired):
            child.communicate(timeout=30)
        if child.poll() is None:
            child.kill()
            child.communicate()


# -- the workload -------------------------------------------------------------------------------


def contact(n: int) -> str:
    """A valid mobile of Belo Horizonte (area 31), as Cloud API callers write it (no plus)."""
    return f"55319{88000000 + n:08d}"


def account(line: int) -> str:
    return f"10020030{line}"


def message_body(n: int) -> dict[str, object]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": contact(n),
        "type": "text",
        "text": {"preview_url": False, "body": f"Olá! Seu pedido {n} saiu para entrega."},
    }


def requests_for(numbers: range, lines: int, headers: dict[str, str]) -> list[bytes]:
    return [
        loadgen.json_request(
            f"/v21.0/{account(n % lines)}/messages", message_body(n), host=HOST, headers=headers
        )
        for n in numbers
    ]


class Contacts:
    """Hands out ranges of contacts, each used by one message only."""

    def __init__(self) -> None:
        self.next = 0

    def take(self, count: int) -> range:
        taken = range(self.next, self.next + count)
        self.next += count
        return taken


def config_text(*, tenant: str, database: str, counters: str, simulator: str, lines: int) -> str:
    return f"""
[app]
database_url = "{database}"
counters_url = "{counters}"
tenant = "{tenant}"

[volume]
daily_cap = 1000000
gap_min_seconds = 0
gap_max_seconds = 0
merge_window_seconds = 0
pair_interval_seconds = 0

[dispatch]
typing_chars_per_second = 0
workers = {max(4, lines)}

[providers.sim]
kind = "simulator"
base_url = "{simulator}"
"""


def register_lines(zapguard: int, lines: int) -> None:
    with httpx.Client(base_url=f"http://{HOST}:{zapguard}") as api:
        for i in range(lines):
            api.post(
                "/v1/lines",
                json={
                    "id": f"l{i}",
                    "phone": f"+55119123400{i:02d}",
                    "role": "receptive",
                    "in_use_since": "2022-01-03",
                    "provider": "sim",
                    "provider_account": account(i),
                    "device": f"d{i}",
                    "network": f"n{i}",
                },
            ).raise_for_status()


def seed_inbound(database: str, tenant: str, lines: int, count: int) -> None:
    """Every contact writes first to its line (see the module docstring for why not the API)."""
    from zapguard.store import Store

    store = Store(database)
    at = datetime.now(UTC)
    try:
        for first in range(0, count, 1000):
            with store.transaction():
                for n in range(first, min(count, first + 1000)):
                    store.conversations.record_inbound(
                        tenant_id=tenant, line_id=f"l{n % lines}", contact=f"+{contact(n)}", at=at
                    )
    finally:
        store.close()


# -- measuring ----------------------------------------------------------------------------------


class Probe:
    """CPU of a process tree and of this client over one row."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids

    def __enter__(self) -> Probe:
        self.wall = time.perf_counter()
        self.client = procstat.own_cpu_seconds()
        self.cpu = {name: procstat.cpu_seconds(pid) for name, pid in self.pids.items()}
        return self

    def __exit__(self, *_: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.client = procstat.own_cpu_seconds() - self.client
        self.cpu = {
            name: procstat.cpu_seconds(pid) - self.cpu[name] for name, pid in self.pids.items()
        }
        self.cpu["client"] = self.client

    def share(self, name: str) -> float:
        """CPU seconds per wall second: 1.0 is one core busy for the whole row."""
        return self.cpu[name] / self.wall


async def delivered(simulator: int) -> int:
    attempts = await loadgen.get_json(HOST, simulator, "/_simulator/attempts")
    return int(attempts["delivered"])


async def reset(simulator: int) -> None:
    connection = await loadgen.Connection.open(HOST, simulator)
    try:
        status, body = await connection.request(
            loadgen.http_request("POST", "/_simulator/reset", host=HOST)
        )
    finally:
        connection.close()
    if status != 200:
        raise SystemExit(f"simulator reset: {status} {body[:200]!r}")


async def wait_delivered(simulator: int, target: int, timeout: float = 600) -> float:
    """The loop time at which the simulator was first seen holding ``target`` messages."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (seen := await delivered(simulator)) < target:
        if loop.time() > deadline:
            raise SystemExit(f"only {seen} of {target} delivered after {timeout:g} s")
        await asyncio.sleep(0.02)
    return loop.time()


async def sql_counters(zapguard: int) -> tuple[float, float]:
    connection = await loadgen.Connection.open(HOST, zapguard)
    try:
        status, body = await connection.request(loadgen.http_request("GET", "/metrics", host=HOST))
    finally:
        connection.close()
    if status != 200:
        raise SystemExit(f"/metrics: {status}")
    found: dict[str, float] = {}
    for line in body.decode().splitlines():
        name, _, value = line.partition(" ")
        if name in ("zapguard_sql_statements_total", "zapguard_sql_commits_total"):
            found[name] = float(value)
    if len(found) != 2:
        raise SystemExit("/metrics has no zapguard_sql_*_total counters (older server?)")
    return found["zapguard_sql_statements_total"], found["zapguard_sql_commits_total"]


def latency_figures(run: Run) -> dict[str, float]:
    values = run.latencies
    return {
        "p50_ms": 1000 * percentile(values, 0.5),
        "p90_ms": 1000 * percentile(values, 0.9),
        "p99_ms": 1000 * percentile(values, 0.99),
        "max_ms": 1000 * max(values),
    }


@dataclass
class Setup:
    simulator: Server
    zapguard: Server
    lines: int
    contacts: Contacts
    connections: int
    rate: float
    open_count: int
    messages: int
    direct_messages: int
    rss_messages: int
    workers: int


def direct_requests(count: int, lines: int) -> list[bytes]:
    return requests_for(range(count), lines, {"Authorization": "Bearer bench"})


async def measure(setup: Setup) -> dict[str, Any]:
    sim, zg = setup.simulator.port, setup.zapguard.port
    lines, c = setup.lines, setup.connections
    pids = {"simulator": setup.simulator.pid, "server": setup.zapguard.pid}
    figures: dict[str, Any] = {}

    async def through(numbers: range, run: Callable[[list[bytes]], Any]) -> tuple[Run, float]:
        await reset(sim)
        done: Run = await run(requests_for(numbers, lines, {}))
        done.check("through zapguard")
        return done, await wait_delivered(sim, len(numbers))

    # Warm-up: connections, caches, the interpreter's first calls, on both paths.
    await reset(sim)
    (await loadgen.closed_loop(HOST, sim, direct_requests(WARMUP, lines), c)).check("warm-up")
    await through(setup.contacts.take(WARMUP), lambda r: loadgen.closed_loop(HOST, zg, r, c))

    statements_per_scrape = commits_per_scrape = 0.0
    if setup.workers == 1:
        first, second = await sql_counters(zg), await sql_counters(zg)
        statements_per_scrape, commits_per_scrape = (second[0] - first[0], second[1] - first[1])
        await asyncio.sleep(1.0)
        idle = await sql_counters(zg)
        figures["idle_statements_per_second"] = idle[0] - second[0] - statements_per_scrape

    # (a) closed loop, direct, then with more connections (is the simulator the bottleneck?).
    d = setup.direct_messages
    direct_rows = {}
    for connections in (c, SATURATION_FACTOR * c):
        await reset(sim)
        with Probe(pids) as probe:
            run = await loadgen.closed_loop(HOST, sim, direct_requests(d, lines), connections)
        run.check("direct")
        if (got := await delivered(sim)) != d:
            raise SystemExit(f"direct: the simulator holds {got} of {d}")
        direct_rows[connections] = {
            "connections": connections,
            "messages": d,
            "rate": d / (run.finished - run.started),
            **latency_figures(run),
            "simulator_cpu_share": probe.share("simulator"),
            "client_cpu_share": probe.share("client"),
            "simulator_cpu_ms_per_message": 1000 * probe.cpu["simulator"] / d,
            "client_cpu_ms_per_message": 1000 * probe.cpu["client"] / d,
        }
    direct = figures["direct_closed"] = direct_rows[c]
    more = figures["direct_closed_more_connections"] = direct_rows[SATURATION_FACTOR * c]

    # (a) closed loop through zapguard: accepted and delivered.
    n = setup.messages
    before_sql = await sql_counters(zg) if setup.workers == 1 else None
    with Probe(pids) as probe:
        run, all_delivered = await through(
            setup.contacts.take(n), lambda r: loadgen.closed_loop(HOST, zg, r, c)
        )
    after_sql = await sql_counters(zg) if setup.workers == 1 else None
    zapguard = figures["zapguard_closed"] = {
        "connections": c,
        "messages": n,
        "rate": n / (all_delivered - run.started),
        **latency_figures(run),
        "posted_after_s": run.finished - run.started,
        "delivered_after_s": all_delivered - run.started,
        "server_cpu_share": probe.share("server"),
        "simulator_cpu_share": probe.share("simulator"),
        "client_cpu_share": probe.share("client"),
    }
    figures["server_cpu_ms_per_message"] = 1000 * probe.cpu["server"] / n
    if before_sql is not None and after_sql is not None:
        figures["statements_per_message"] = (
            after_sql[0] - before_sql[0] - statements_per_scrape
        ) / n
        figures["commits_per_message"] = (after_sql[1] - before_sql[1] - commits_per_scrape) / n
    else:
        figures["statements_per_message"] = figures["commits_per_message"] = None

    # (b) open loop at a fixed rate, both paths.
    m = setup.open_count
    await reset(sim)
    with Probe(pids) as probe:
        run = await loadgen.open_loop(HOST, sim, direct_requests(m, lines), setup.rate, 16)
    run.check("direct, open loop")
    direct_open = figures["direct_open"] = {
        "rate_asked": setup.rate,
        "messages": m,
        **latency_figures(run),
        "late_sends": run.late_sends,
        "latest_send_ms": 1000 * run.latest_send,
        "connections": run.connections,
        "client_cpu_share": probe.share("client"),
    }
    with Probe(pids) as probe:
        run, all_delivered = await through(
            setup.contacts.take(m), lambda r: loadgen.open_loop(HOST, zg, r, setup.rate, 16)
        )
    scheduled_end = run.started + (m - 1) / setup.rate
    zapguard_open = figures["zapguard_open"] = {
        "rate_asked": setup.rate,
        "messages": m,
        **latency_figures(run),
        "late_sends": run.late_sends,
        "latest_send_ms": 1000 * run.latest_send,
        "connections": run.connections,
        "delivered_after_last_send_s": all_delivered - scheduled_end,
        "server_cpu_share": probe.share("server"),
        "server_cpu_ms_per_message": 1000 * probe.cpu["server"] / m,
        "client_cpu_share": probe.share("client"),
    }

    figures["ratio"] = zapguard["rate"] / direct["rate"]
    figures["added_p50_ms_closed_loop"] = zapguard["p50_ms"] - direct["p50_ms"]
    figures["added_p99_ms_closed_loop"] = zapguard["p99_ms"] - direct["p99_ms"]
    figures["added_p50_ms_open_loop"] = zapguard_open["p50_ms"] - direct_open["p50_ms"]
    figures["added_p99_ms_open_loop"] = zapguard_open["p99_ms"] - direct_open["p99_ms"]
    figures["client_not_bottleneck"] = (
        direct["client_cpu_share"] <= 0.5 * direct["simulator_cpu_share"]
        and more["rate"] <= 1.1 * direct["rate"]
    )

    # (c) memory over a long run.
    figures["rss_checkpoints"] = []
    if setup.rss_messages:
        total = setup.rss_messages
        chunk = max(1000, total // 10)
        sent = 0
        while sent < total:
            size = min(chunk, total - sent)
            await through(setup.contacts.take(size), lambda r: loadgen.closed_loop(HOST, zg, r, c))
            sent += size
            figures["rss_checkpoints"].append(
                {"messages": sent, "rss_mb": procstat.rss_bytes(setup.zapguard.pid) / 2**20}
            )
            print(
                f"# rss after {sent:,} messages: {figures['rss_checkpoints'][-1]['rss_mb']:.1f} MB",
                file=sys.stderr,
                flush=True,
            )
        first, last = figures["rss_checkpoints"][0], figures["rss_checkpoints"][-1]
        figures["rss_start_mb"] = first["rss_mb"]
        figures["rss_end_mb"] = last["rss_mb"]
        figures["rss_growth_mb"] = last["rss_mb"] - first["rss_mb"]
    return figures


# -- report -------------------------------------------------------------------------------------


def target(value: float | None, op: str, limit: float | None) -> dict[str, Any]:
    """One target as check_targets.py reads it; ``pass`` is None when not measured."""
    passed = None
    if value is not None and limit is not None:
        passed = value >= limit if op == ">=" else value <= limit
    return {"value": value, "op": op, "limit": limit, "pass": passed}


def targets(figures: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {
        "ratio": target(figures["ratio"], ">=", 0.5),
        "added_p99_ms_open_loop": target(figures["added_p99_ms_open_loop"], "<=", 5.0),
        "added_p50_ms_closed_loop": target(figures["added_p50_ms_closed_loop"], "<=", 8.0),
    }
    # Flat: at most 5% of the first reading (not measured without --rss-messages).
    start = figures.get("rss_start_mb")
    found["rss_growth_mb"] = target(
        figures.get("rss_growth_mb"), "<=", RSS_FLAT_SHARE * start if start else None
    )
    return found


def machine() -> dict[str, Any]:
    model = "unknown CPU"
    with suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "host": platform.node(),
    }


def load() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def show(result: dict[str, Any]) -> None:
    m, f = result["machine"], result["figures"]
    print(f"zapguard gateway benchmark, {result['when']}")
    print(f"command: {result['command']}")
    print(f"{m['cpu']}, {m['cores']} cores, Python {m['python']}, {m['system']}")
    print(f"load average before / after: {result['load_before']} / {result['load_after']}")
    print(" ".join(f"{key}={value}" for key, value in result["config"].items()))
    print()
    print(f"{'row':<44}{'msg/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")

    def row(label: str, figures: dict[str, Any], rate: float | None = None) -> None:
        shown = figures.get("rate", rate)
        print(
            f"{label:<44}{shown:>9.0f}{figures['p50_ms']:>9.2f}{figures['p99_ms']:>9.2f}"
            f"{figures['max_ms']:>9.1f}"
        )

    dc, more = f["direct_closed"], f["direct_closed_more_connections"]
    row(f"closed loop, direct ({dc['connections']} conn.)", dc)
    row(f"closed loop, direct ({more['connections']} conn.) [saturation]", more)
    row(f"closed loop, through zapguard ({dc['connections']} conn.)", f["zapguard_closed"])
    row("open loop, direct", f["direct_open"], f["direct_open"]["rate_asked"])
    row(
        "open loop, through zapguard (accept)", f["zapguard_open"], f["zapguard_open"]["rate_asked"]
    )
    print()
    print(
        f"saturation: in the direct row the simulator used {dc['simulator_cpu_share']:.2f} of a core "
        f"({dc['simulator_cpu_ms_per_message']:.2f} ms/msg), this client "
        f"{dc['client_cpu_share']:.2f} ({dc['client_cpu_ms_per_message']:.2f} ms/msg); "
        f"{more['connections']} connections: {more['rate']:.0f} msg/s "
        f"({more['rate'] / dc['rate']:.2f}x)"
    )
    if not f["client_not_bottleneck"]:
        print(
            "WARNING: the direct row may not saturate the simulator (see above): read the ratio loosely"
        )
    zc = f["zapguard_closed"]
    print(
        f"through zapguard (closed loop): all posted after {zc['posted_after_s']:.2f} s, all "
        f"delivered after {zc['delivered_after_s']:.2f} s; server {zc['server_cpu_share']:.2f} of a "
        f"core, simulator {zc['simulator_cpu_share']:.2f}, client {zc['client_cpu_share']:.2f}"
    )
    zo = f["zapguard_open"]
    print(
        f"open loop: {zo['messages']} messages at {zo['rate_asked']:g}/s; late sends direct "
        f"{f['direct_open']['late_sends']}, zapguard {zo['late_sends']}; connections used "
        f"{f['direct_open']['connections']} / {zo['connections']}; last delivered "
        f"{zo['delivered_after_last_send_s']:.2f} s after the last scheduled send"
    )
    print()
    statements = f["statements_per_message"]
    print(
        f"server CPU per message: {f['server_cpu_ms_per_message']:.2f} ms (closed loop), "
        f"{zo['server_cpu_ms_per_message']:.2f} ms (open loop)"
    )
    if statements is None:
        print("SQL per message: not measured with several workers (each counts its own)")
    else:
        print(
            f"SQL per message: {statements:.1f} statements, {f['commits_per_message']:.2f} commits "
            f"(idle dispatcher: {f['idle_statements_per_second']:.0f} statements/s)"
        )
    if f.get("rss_growth_mb") is not None:
        points = ", ".join(f"{p['messages']:,}: {p['rss_mb']:.1f}" for p in f["rss_checkpoints"])
        print(f"server RSS (MB) after: {points}")
        print(f"RSS growth: {f['rss_growth_mb']:+.1f} MB from {f['rss_start_mb']:.1f} MB")
    print()
    print(f"{'figure':<28}{'value':>10}  target     result")
    for name, t in result["targets"].items():
        verdict = {True: "PASS", False: "FAIL", None: "not measured"}[t["pass"]]
        value = "—" if t["value"] is None else f"{t['value']:.2f}"
        limit = "?" if t["limit"] is None else f"{t['limit']:.2f}"
        print(f"{name:<28}{value:>10}  {t['op']} {limit:<7} {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--messages", type=int, default=2000, help="closed loop messages through zapguard (2000)"
    )
    parser.add_argument(
        "--direct-messages",
        type=int,
        default=10_000,
        help="closed loop messages straight to the simulator, per row (10000)",
    )
    parser.add_argument("--connections", type=int, default=8, help="closed loop connections (8)")
    parser.add_argument("--rate", type=float, default=100.0, help="open loop msg/s (100)")
    parser.add_argument("--open-seconds", type=float, default=30.0, help="open loop length (30)")
    parser.add_argument("--lines", type=int, default=4)
    parser.add_argument("--workers", type=int, default=1, help="zapguard serve --workers (1)")
    parser.add_argument(
        "--database-url", help="a PostgreSQL database (a fresh schema is made in it and dropped)"
    )
    parser.add_argument("--counters-url", help="e.g. redis://127.0.0.1:6379/14")
    parser.add_argument(
        "--rss-messages",
        type=int,
        nargs="?",
        const=100_000,
        default=0,
        help="measure the server's RSS over this many more messages (100000 if no number)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object last")
    args = parser.parse_args()
    load_before = load()
    tenant = f"bench{uuid.uuid4().hex[:8]}"
    open_count = int(args.rate * args.open_seconds)

    with (
        tempfile.TemporaryDirectory(prefix="zapguard-bench-") as scratch,
        database(args.database_url, Path(scratch)) as database_url,
    ):
        counters_url = args.counters_url or database_url
        sim_port, zg_port = free_port(), free_port()
        config = Path(scratch) / "zapguard.toml"
        config.write_text(
            config_text(
                tenant=tenant,
                database=database_url,
                counters=counters_url,
                simulator=f"http://{HOST}:{sim_port}",
                lines=args.lines,
            ),
            encoding="utf-8",
        )
        serve = [*ZAPGUARD, "serve", "--config", str(config), "--port", str(zg_port)]
        serve += ["--workers", str(args.workers)]
        simulator = [*ZAPGUARD, "simulator", "--port", str(sim_port)]
        contacts = Contacts()
        needed = WARMUP + args.messages + open_count + args.rss_messages
        with (
            running(simulator, sim_port, "/_simulator/attempts") as sim,
            running(serve, zg_port, "/healthz") as zg,
        ):
            register_lines(zg_port, args.lines)
            print(f"# seeding {needed:,} contacts", file=sys.stderr, flush=True)
            seed_inbound(database_url, tenant, args.lines, needed)
            print("# measuring", file=sys.stderr, flush=True)
            figures = asyncio.run(
                measure(
                    Setup(
                        simulator=sim,
                        zapguard=zg,
                        lines=args.lines,
                        contacts=contacts,
                        connections=args.connections,
                        rate=args.rate,
                        open_count=open_count,
                        messages=args.messages,
                        direct_messages=args.direct_messages,
                        rss_messages=args.rss_messages,
                        workers=args.workers,
                    )
                )
            )
        if args.counters_url:
            forget_counters(args.counters_url, tenant)

    result = {
        "benchmark": "gateway",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": shlex.join([os.path.relpath(sys.executable), *sys.argv]),
        "machine": machine(),
        "load_before": load_before,
        "load_after": load(),
        "config": {
            "messages": args.messages,
            "direct_messages": args.direct_messages,
            "connections": args.connections,
            "rate": args.rate,
            "open_seconds": args.open_seconds,
            "lines": args.lines,
            "workers": args.workers,
            "database": "postgresql" if args.database_url else "sqlite",
            "counters": "redis" if args.counters_url else "database",
        },
        "figures": figures,
    }
    result["targets"] = targets(figures)
    show(result)
    if args.json:
        print(json.dumps(result, sort_keys=True))


@contextmanager
def database(postgres: str | None, folder: Path) -> Iterator[str]:
    """A temporary SQLite file, or a fresh schema in the PostgreSQL database (dropped after)."""
    if postgres is None:
        yield f"sqlite:///{folder / 'bench.db'}"
        return
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(postgres).set(drivername="postgresql")
    conninfo = base.render_as_string(hide_password=False)
    schema = f"zg_gateway_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )
    finally:
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def forget_counters(url: str, tenant: str) -> None:
    """Delete this run's quota keys from Redis (the tenant is new on every run)."""
    import redis

    from zapguard.store.counters.redis import PREFIX

    client = redis.Redis.from_url(url)
    try:
        for name in client.scan_iter(match=f"{PREFIX}line:{tenant}:*"):
            client.delete(name)
    finally:
        client.close()


if __name__ == "__main__":
    main()
