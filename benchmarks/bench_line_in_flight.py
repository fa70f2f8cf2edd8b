"""One line's delivery rate with one send in flight (the default) next to several
(``[dispatch] line_in_flight_max``), against a provider that takes a fixed time to answer.

Each run queues ``--messages`` messages on one line of a fresh SQLite store, each to another
contact, with no pacing gap and no typing (an API line at full speed), starts the dispatcher with
``--senders`` send threads and times until the provider has them all. The provider answers after
``--latency-ms`` (20 ms: a provider's API round trip on a good day). Rows run interleaved, each
``--repeats`` times; the figure is the median. Nothing here is asserted: it is a measurement.

    .venv/bin/python benchmarks/bench_line_in_flight.py [--messages 400] [--json]

The last line printed is one JSON object with every figure and the ratios to one in flight.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

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
from zapguard.gateway.outbox import Outbox
from zapguard.policy.config import VolumeConfig
from zapguard.providers.base import NO_OPTIONS, SendOptions, Sent
from zapguard.service_config import DispatchConfig
from zapguard.store import LineRecord, Store, upgrade


class SlowProvider:
    """Answers every send after a fixed time; counts them."""

    supports_typing = False

    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.sent = 0
        self.done = threading.Event()
        self.expected = 0
        self._lock = threading.Lock()

    def send_text(
        self,
        to: str,
        text: str,
        *,
        reference: str | None = None,
        options: SendOptions = NO_OPTIONS,
    ) -> Sent:
        time.sleep(self.latency)
        with self._lock:
            self.sent += 1
            if self.sent >= self.expected:
                self.done.set()
            return Sent(f"wamid.bench{self.sent}")


def run(folder: Path, messages: int, in_flight: int, senders: int, latency: float) -> float:
    url = f"sqlite:///{folder / f'bench-{in_flight}-{time.monotonic_ns()}.db'}"
    upgrade(url)
    store = Store(url)
    now = datetime.now(UTC)
    store.tenants.ensure(tenant_id="t")
    store.lines.add(
        line=Line(
            id="api",
            tenant_id="t",
            phone="+5511912340001",
            role=Role.RECEPTIVE,
            account=AccountType.BUSINESS,
            in_use_since=date(2022, 1, 10),
            pool="api",
        ),
        registered_at=now - timedelta(days=400),
    )
    outbox = Outbox(store)
    for n in range(messages):
        message = OutgoingMessage(
            tenant_id="t",
            contact=f"+55319{88000000 + n:08d}",
            category=Category.REPLY,
            author=Author.BOT,
            text=f"Pedido {n} saiu",
            line="api",
        )
        outbox.enqueue(
            message=message, decision=Decision(Verdict.ALLOW, "api"), decision_id=None, now=now
        )
    provider = SlowProvider(latency)
    provider.expected = messages

    def provider_for(_: LineRecord) -> Any:
        return provider

    dispatcher = Dispatcher(
        store,
        provider_for,
        DispatchConfig(
            workers=senders,
            line_in_flight_max=in_flight,
            typing_chars_per_second=0,
            poll_seconds=0.01,
        ),
        VolumeConfig(gap_min_seconds=0, gap_max_seconds=0, merge_window_seconds=0),
        clock=lambda: datetime.now(UTC),
    )
    started = time.perf_counter()
    dispatcher.start()
    provider.done.wait(600)
    elapsed = time.perf_counter() - started
    dispatcher.stop(timeout=30)
    store.close()
    return messages / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--senders", type=int, default=8)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--json", action="store_true", help="print only the JSON object")
    args = parser.parse_args()
    rates: dict[int, list[float]] = {level: [] for level in args.levels}
    with tempfile.TemporaryDirectory(prefix="zapguard-bench-") as scratch:
        for _ in range(args.repeats):
            for level in args.levels:
                rates[level].append(
                    run(Path(scratch), args.messages, level, args.senders, args.latency_ms / 1000)
                )
    medians = {level: statistics.median(values) for level, values in rates.items()}
    base = medians[args.levels[0]]
    result = {
        "machine": platform.platform(),
        "python": sys.version.split()[0],
        "messages": args.messages,
        "senders": args.senders,
        "latency_ms": args.latency_ms,
        "per_second": {str(level): round(rate, 1) for level, rate in medians.items()},
        "ratio_to_one_in_flight": {
            str(level): round(rate / base, 2) for level, rate in medians.items()
        },
    }
    if not args.json:
        for level, rate in medians.items():
            print(f"line_in_flight_max={level}: {rate:8.1f} msg/s  ({rate / base:.2f}x)")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
