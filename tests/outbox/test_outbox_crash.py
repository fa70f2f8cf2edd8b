"""Kill -9 a real dispatcher process at random points, round after round: no queued message is lost
and none reaches the contact twice.

The worker (``crash_worker.py``) sends over real HTTP to a sink in this process that behaves like an
idempotent provider: it deduplicates on the ``reference`` each send carries (the outbox public id).
Kills come at random delays and, more sharply, from inside the sink right when a request arrives
(the provider has the message, the worker never hears back) or just after it answered (the worker
heard back but may not have committed). Rows left in doubt are resent under the same reference; the
sink counts how many such resends it absorbed.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from outbox_scene import LINES, Clock, all_rows, contact, make_store, queue

from zapguard.gateway.dispatcher import IN_DOUBT
from zapguard.gateway.outbox import Outbox
from zapguard.store import Store, upgrade

MESSAGES = 600  # enough that the outbox outlasts every round of kills, however fast a worker sends
ROUNDS = 24
WORKER = Path(__file__).with_name("crash_worker.py")


class Sink(ThreadingHTTPServer):
    """An idempotent provider: one delivery per reference, every attempt recorded."""

    daemon_threads = True

    def __init__(self, rng: random.Random) -> None:
        super().__init__(("127.0.0.1", 0), _SinkHandler)
        self.rng = rng
        self.lock = threading.Lock()
        self.attempts: list[str] = []
        self.deliveries: dict[str, tuple[str, str]] = {}
        self.deduplicated = 0
        self._armed: tuple[int, int, str] | None = None  # pid, requests left, when
        self.fired = threading.Event()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/messages"

    def arm(self, pid: int, *, after: int, when: str) -> None:
        """Kill ``pid`` on its ``after``-th request, ``before`` or ``after`` answering it."""
        with self.lock:
            self.fired.clear()
            self._armed = (pid, after, when)

    def disarm(self) -> None:
        with self.lock:
            self._armed = None

    def receive(self, payload: dict[str, Any]) -> tuple[str, str | None, int | None]:
        """Record one attempt; returns the provider id and whether (and whom) to kill."""
        reference = str(payload["reference"])
        with self.lock:
            self.attempts.append(reference)
            if reference in self.deliveries:
                self.deduplicated += 1
            else:
                self.deliveries[reference] = (payload["to"], payload["text"])
            when = pid = None
            if self._armed is not None:
                pid, left, when = self._armed
                if left > 1:
                    self._armed = (pid, left - 1, when)
                    when = pid = None
                else:
                    self._armed = None
        return f"sink.{reference}", when, pid

    def handle_error(self, request: Any, client_address: Any) -> None:
        return None  # a client killed mid-request is the point of the test


class _SinkHandler(BaseHTTPRequestHandler):
    server: Sink

    def do_POST(self) -> None:
        try:
            length = int(self.headers["Content-Length"])
            provider_id, when, pid = self.server.receive(json.loads(self.rfile.read(length)))
            time.sleep(self.server.rng.uniform(0.005, 0.03))  # a provider takes a moment
            if when == "before" and pid is not None:
                _kill(pid)
                self.server.fired.set()
            body = json.dumps({"id": provider_id}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
            if when == "after" and pid is not None:
                time.sleep(self.server.rng.uniform(0, 0.005))
                _kill(pid)
                self.server.fired.set()
        except OSError:
            pass  # the worker died mid-answer

    def log_message(self, format: str, *args: Any) -> None:
        return None


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _pending(url: str) -> int:
    store = Store(url)
    try:
        return sum(Outbox(store).depths().values())
    finally:
        store.close()


@pytest.mark.slow
def test_killing_the_dispatcher_at_random_never_loses_or_doubles_a_message(
    sqlite_url: str, tmp_path: Path
) -> None:
    upgrade(sqlite_url)
    setup = make_store(sqlite_url)
    clock = Clock(datetime.now(UTC))
    queued = {
        entry.public_id: entry
        for entry in (
            queue(Outbox(setup), clock, contact(n), f"mensagem {n}", line=LINES[n % len(LINES)])
            for n in range(MESSAGES)
        )
    }
    setup.close()
    rng = random.Random(20261128)
    sink = Sink(random.Random(rng.random()))
    server = threading.Thread(target=sink.serve_forever, daemon=True)
    server.start()
    log = tmp_path / "worker.log"
    kills: Counter[str] = Counter()
    started = time.monotonic()

    def run_worker() -> subprocess.Popen[bytes]:
        with log.open("ab") as sink_log:
            return subprocess.Popen(
                [sys.executable, str(WORKER), sqlite_url, sink.url],
                stdout=subprocess.DEVNULL,
                stderr=sink_log,
            )

    try:
        for round_number in range(ROUNDS):
            process = run_worker()
            if round_number % 3 == 2:
                time.sleep(rng.uniform(0.6, 1.3))  # start-up takes ~0.9 s: some die in it
                process.kill()
                kind = "delay"
            else:
                kind = rng.choice(("before", "after"))
                sink.arm(process.pid, after=rng.randint(1, 4), when=kind)
                sink.fired.wait(timeout=20)
                sink.disarm()
            returncode = process.wait(timeout=20)
            assert returncode == -signal.SIGKILL, (
                f"round {round_number}: the worker ended by itself ({returncode}): "
                f"the outbox drained before the rounds did; see {log}"
            )
            if _pending(sqlite_url):
                kills[kind] += 1
        final = run_worker()
        assert final.wait(timeout=60) == 0, log.read_text()
    finally:
        sink.shutdown()
        sink.server_close()

    reader = Store(sqlite_url)
    rows = all_rows(reader)
    reader.close()
    in_doubt = sum(1 for row in rows if row.last_error == IN_DOUBT)
    counts = Counter(sink.attempts)
    report = (
        f"{sum(kills.values())} kills with work pending ({dict(kills)}), {len(sink.attempts)} "
        f"sends for {MESSAGES} messages, {sink.deduplicated} in-doubt resends deduplicated by the "
        f"sink, {in_doubt} rows recovered in doubt, {time.monotonic() - started:.1f} s"
    )
    print(report)
    assert sum(kills.values()) >= 20, report
    assert set(sink.deliveries) == set(queued), report
    for reference, (to, text) in sink.deliveries.items():
        assert (to, text) == (queued[reference].contact, queued[reference].text), reference
    assert sum(counts.values()) - len(counts) == sink.deduplicated, report
    # Every send has its own claim: a row reached the provider at most once per attempt, so no two
    # workers ever sent it at the same time and every repeat followed a crash.
    attempts = {row.public_id: row.attempts for row in rows}
    assert all(counts[ref] <= attempts[ref] for ref in counts), report
    assert {row.state for row in rows} == {"sent"}, report
