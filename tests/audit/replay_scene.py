"""Builders for replay tests: log records, the command line, and the replayer over a SQLite store."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typer.testing import CliRunner, Result

from zapguard.audit.replay import Replayer, ReplayReport
from zapguard.cli import app
from zapguard.gateway.decider import Decider
from zapguard.gateway.events import EventApplier
from zapguard.policy.config import PolicyConfig
from zapguard.store import Store, counters_from_url, upgrade

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
DECISION_KEYS = {"index", "verdict", "codes", "line", "not_before", "message_pt", "message_en"}
TENANT = "default"
"""The tenant of the command line without a configured one."""

Record = dict[str, Any] | str
"""A log record, or a raw line of the log (to write malformed ones)."""


def at(clock: str, day: int = 10) -> str:
    """An instant of March 2026 in São Paulo: ``at("09:00")`` is Tuesday the 10th, 09:00 -03:00."""
    if clock.count(":") == 1:
        clock += ":00"
    return f"2026-03-{day:02d}T{clock}-03:00"


def line(id: str, phone: str, role: str = "receptive", **extra: Any) -> dict[str, Any]:
    """A line with its own device and network, in use for years."""
    return {
        "type": "line",
        "id": id,
        "phone": phone,
        "role": role,
        "device": f"device-{id}",
        "network": f"net-{id}",
        "in_use_since": "2023-01-10",
        **extra,
    }


def inbound(contact: str, when: str, on: str = "recv", text: str = "Oi!") -> dict[str, Any]:
    return {"type": "inbound", "at": when, "line": on, "contact": contact, "text": text}


def outbound(
    contact: str,
    when: str,
    on: str = "recv",
    category: str = "reply",
    author: str = "agent",
    text: str = "Olá! Seu pedido saiu para entrega.",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "type": "outbound",
        "at": when,
        "line": on,
        "contact": contact,
        "category": category,
        "author": author,
        "text": text,
        **extra,
    }


def as_text(*records: Record) -> str:
    return "".join(
        (r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records
    )


def write_log(path: Path, *records: Record) -> Path:
    path.write_text(as_text(*records), encoding="utf-8")
    return path


def zapguard(*args: str | Path, input: str | None = None) -> Result:
    """Run the command line (wide terminal, nothing inherited from the environment)."""
    runner = CliRunner(
        env={
            "COLUMNS": "200",
            "ZAPGUARD_CONFIG": None,
            "ZAPGUARD_DATABASE_URL": None,
            "ZAPGUARD_LOG_LEVEL": None,
        }
    )
    return runner.invoke(app, [str(arg) for arg in args], input=input)


def decisions(result: Result) -> list[dict[str, Any]]:
    """The decision lines of a replay: every line of stdout must be one JSON object."""
    found = [json.loads(text) for text in result.stdout.splitlines()]
    assert all(isinstance(each, dict) for each in found), result.stdout
    return found


def flat(text: str) -> str:
    """``text`` with every run of white space as one space, as wrapped lines read."""
    return " ".join(text.split())


@dataclass
class Run:
    decisions: list[dict[str, Any]]
    report: ReplayReport
    notes: list[str]


@dataclass
class Bench:
    """A replayer's store, counters and services, kept between runs like ``--db`` keeps them."""

    store: Store
    decider: Decider
    events: EventApplier

    def replay(self, *records: Record, skip_bad: bool = False) -> Run:
        out, notes = io.StringIO(), []
        replayer = Replayer(
            self.decider, self.events, TENANT, out, skip_bad=skip_bad, on_note=notes.append
        )
        report = replayer.run(as_text(*records).splitlines(keepends=True))
        return Run([json.loads(text) for text in out.getvalue().splitlines()], report, notes)


@contextmanager
def bench(url: str, config: PolicyConfig | None = None) -> Iterator[Bench]:
    """A migrated store at ``url`` with in-memory counters and the seed thresholds."""
    config = config or PolicyConfig()
    upgrade(url)
    store = Store(url)
    counters = counters_from_url("memory://")
    try:
        yield Bench(store, Decider(store, counters, config), EventApplier(store, config))
    finally:
        counters.close()
        store.close()
