"""Gateway overhead: messages through the drop-in Cloud API surface to the simulator, side by side
with the same messages posted straight to the simulator, in one run, on loopback.

    .venv/bin/python benchmarks/bench_gateway.py [--messages N] [--clients C] [--lines L]
        [--workers W] [--database-url postgresql://... --counters-url redis://...]

Both rows talk to the same simulator process (``zapguard simulator``). The zapguard row runs
``zapguard serve`` as its own process on a temporary SQLite database, with pacing gaps, the merge
window, the pair interval and "typing…" set to zero, so what is measured is zapguard's own work:
authentication, the decision, the durable quota reservation and outbox write, the dispatcher and
the provider call.

* **direct**: C client threads post N Cloud API text messages to the simulator, each waiting for
  its answer before the next (like a helpdesk worker). Rate = N / wall time; latency = each post's
  round trip.
* **zapguard**: the same C threads post the same messages to zapguard's
  ``POST /{version}/{phone_number_id}/messages``. Rate = N / time until the simulator has received
  all N (accepted *and* delivered); latency = each accept's round trip (the caller's wait), and, for
  reference, accept → delivered.

Messages go to distinct contacts who each wrote first (set up before timing), spread over L lines.
Nothing is asserted; figures are printed with the machine they ran on.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import httpx

ZAPGUARD = [sys.executable, "-m", "zapguard"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running(args: list[str], ready: str) -> Iterator[None]:
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            if child.poll() is not None:
                raise SystemExit(
                    f"{shlex.join(args)} exited: {child.stderr.read().decode()[-2000:]}"
                )  # type: ignore[union-attr]
            try:
                httpx.get(ready, timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"{ready} did not come up") from None
                time.sleep(0.1)
        yield
    finally:
        child.terminate()
        child.communicate(timeout=20)


def contact(n: int) -> str:
    return f"55319{88000000 + n:08d}"


def body(n: int) -> dict[str, object]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": contact(n),
        "type": "text",
        "text": {"preview_url": False, "body": f"Olá! Seu pedido {n} saiu para entrega."},
    }


def fire(
    base_url: str, headers: dict[str, str], messages: int, clients: int, lines: int
) -> tuple[float, list[float], float]:
    """Post ``messages`` over ``clients`` threads; returns (start, latencies in s, end of posting)."""
    latencies: list[float] = []
    lock = threading.Lock()
    start = time.perf_counter()

    def worker(offset: int) -> None:
        mine: list[float] = []
        with httpx.Client(base_url=base_url, headers=headers) as client:
            for n in range(offset, messages, clients):
                line = f"10020030{n % lines}"
                began = time.perf_counter()
                answer = client.post(f"/v21.0/{line}/messages", json=body(n))
                mine.append(time.perf_counter() - began)
                if answer.status_code != 200:
                    raise SystemExit(f"message {n}: {answer.status_code} {answer.text}")
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return start, latencies, time.perf_counter()


def wait_for(count: Callable[[], int], target: int, timeout: float = 300) -> float:
    deadline = time.monotonic() + timeout
    while (seen := count()) < target:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {seen} of {target} delivered")
        time.sleep(0.005)
    return time.perf_counter()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def config_text(
    folder: Path,
    simulator: str,
    lines: int,
    workers: int,
    database: str | None,
    counters: str | None,
) -> str:
    database = database or f"sqlite:///{folder / 'bench.db'}"
    return f"""
[app]
database_url = "{database}"
counters_url = "{counters or database}"

[volume]
daily_cap = 1000000
gap_min_seconds = 0
gap_max_seconds = 0
merge_window_seconds = 0
pair_interval_seconds = 0

[dispatch]
typing_chars_per_second = 0
poll_seconds = 0.01
workers = {workers}

[providers.sim]
kind = "simulator"
base_url = "{simulator}"
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--lines", type=int, default=4)
    parser.add_argument(
        "--workers", type=int, default=1, help="zapguard serve --workers (processes)"
    )
    parser.add_argument(
        "--database-url", help="an empty PostgreSQL database instead of a temporary SQLite file"
    )
    parser.add_argument("--counters-url", help="e.g. redis://127.0.0.1:6379/14")
    args = parser.parse_args()
    n, clients, lines = args.messages, args.clients, args.lines

    sim_port, zg_port = free_port(), free_port()
    simulator = f"http://127.0.0.1:{sim_port}"
    zapguard = f"http://127.0.0.1:{zg_port}"
    with tempfile.TemporaryDirectory(prefix="zapguard-bench-") as scratch:
        folder = Path(scratch)
        config = folder / "zapguard.toml"
        config.write_text(
            config_text(
                folder, simulator, lines, max(4, lines), args.database_url, args.counters_url
            ),
            encoding="utf-8",
        )
        serve_command = [*ZAPGUARD, "serve", "--config", str(config), "--port", str(zg_port)]
        serve_command += ["--workers", str(args.workers)]
        with (
            running(
                [*ZAPGUARD, "simulator", "--port", str(sim_port)],
                f"{simulator}/_simulator/messages",
            ),
            running(
                serve_command,
                f"{zapguard}/healthz",
            ),
            httpx.Client(base_url=zapguard) as api,
            httpx.Client(base_url=simulator) as sim,
        ):
            for i in range(lines):
                api.post(
                    "/v1/lines",
                    json={
                        "id": f"l{i}",
                        "phone": f"+55119123400{i:02d}",
                        "role": "receptive",
                        "in_use_since": "2022-01-03",
                        "provider": "sim",
                        "provider_account": f"10020030{i}",
                        "device": f"d{i}",
                        "network": f"n{i}",
                    },
                ).raise_for_status()
            for k in range(n):  # every contact writes first: the messages are replies
                api.post(
                    "/v1/events",
                    json={
                        "kind": "inbound",
                        "line": f"l{k % lines}",
                        "contact": contact(k),
                        "text": "Oi",
                    },
                ).raise_for_status()

            def delivered() -> int:
                attempts: dict[str, int] = sim.get("/_simulator/attempts").json()
                return int(attempts["delivered"])

            # Warm both paths (connections, caches) with a few messages outside the count.
            fire(simulator, {"Authorization": "Bearer x"}, 50, clients, lines)
            sim.post("/_simulator/reset")

            start, direct_latency, _ = fire(
                simulator, {"Authorization": "Bearer x"}, n, clients, lines
            )
            direct_end = wait_for(delivered, n)
            direct_rate = n / (direct_end - start)
            sim.post("/_simulator/reset")

            print("# timing zapguard", file=sys.stderr, flush=True)
            start, accept_latency, posted = fire(zapguard, {}, n, clients, lines)
            through_end = wait_for(delivered, n)
            through_rate = n / (through_end - start)

    print(f"# {datetime.now().isoformat(timespec='seconds')} {platform.node()}")
    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"# {shlex.join([sys.executable, *sys.argv])}")
    print(
        f"messages={n} clients={clients} lines={lines} workers={args.workers} "
        f"database={'postgresql' if args.database_url else 'sqlite'} "
        f"counters={'redis' if args.counters_url else 'database'}"
    )
    print(f"{'row':<34}{'msg/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
    print(
        f"{'direct to the simulator':<34}{direct_rate:>10.0f}{1000 * statistics.median(direct_latency):>10.2f}{1000 * percentile(direct_latency, 0.99):>10.2f}"
    )
    print(
        f"{'through zapguard (accept)':<34}{through_rate:>10.0f}{1000 * statistics.median(accept_latency):>10.2f}{1000 * percentile(accept_latency, 0.99):>10.2f}"
    )
    print(f"ratio (zapguard / direct): {through_rate / direct_rate:.2f}x")
    print(
        f"added latency: p50 {1000 * (statistics.median(accept_latency) - statistics.median(direct_latency)):+.2f} ms, "
        f"p99 {1000 * (percentile(accept_latency, 0.99) - percentile(direct_latency, 0.99)):+.2f} ms"
    )
    print(
        f"all posted after {posted - start:.2f} s; all delivered after {through_end - start:.2f} s"
    )


if __name__ == "__main__":
    main()
