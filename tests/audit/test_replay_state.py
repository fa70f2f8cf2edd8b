"""What a replay remembers between records: statuses, bans, sends, opt-outs; presets and ``--db``."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from replay_scene import (
    TENANT,
    at,
    bench,
    decisions,
    flat,
    inbound,
    line,
    outbound,
    write_log,
    zapguard,
)

from zapguard.store import counters_from_url

ANA, BIA, CAIO, DUDA = "+5531988776655", "+5531988776600", "+5531988776611", "+5531988776622"


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every replay runs in an empty folder (no ./zapguard.toml)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'bench.db'}"


# --- statuses -------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["131048", 131048], ids=["string", "number"])
def test_a_status_code_may_be_a_string_or_a_number(url: str, code: str | int) -> None:
    status = {"type": "status", "at": at("09:00"), "line": "recv", "contact": ANA,
              "status": "failed", "code": code}  # fmt: skip

    with bench(url) as replay:
        run = replay.replay(line("recv", "+55 11 91234-0001"), status)
        record = replay.store.lines.record(line_id="recv", tenant_id=TENANT)

    assert run.report.skipped == [] and run.report.records == 2
    assert record is not None and record.health_score == 95  # 131048 is a spam code: -5


def test_a_status_without_a_code_or_contact_is_accepted(url: str) -> None:
    status = {"type": "status", "at": at("09:00"), "line": "recv", "status": "reported"}

    with bench(url) as replay:
        replay.replay(line("recv", "+55 11 91234-0001"), status)
        record = replay.store.lines.record(line_id="recv", tenant_id=TENANT)

    assert record is not None and record.health_score == 80


# --- bans -----------------------------------------------------------------------------------------


def test_a_line_on_a_banned_device_is_accepted_with_a_note_and_its_sends_refused(
    workdir: Path,
) -> None:
    log = write_log(
        workdir / "log.jsonl",
        line("antigo", "+55 11 91234-0008", "campaign", device="galaxy-j"),
        {"type": "ban", "at": at("09:00"), "line": "antigo"},
        line("reuso", "+55 11 91234-0009", "campaign", device="galaxy-j"),
        inbound(ANA, at("09:10"), on="reuso"),
        outbound(ANA, at("09:11"), on="reuso"),
    )

    result = zapguard("replay", log)

    assert result.exit_code == 0, result.output
    [decision] = decisions(result)
    assert decision["verdict"] == "reject"
    assert decision["codes"] == ["ZG601"]
    assert decision["line"] == "reuso"
    assert "[ZG601] O aparelho da linha reuso já foi banido" in result.stderr


# --- what counts as sent --------------------------------------------------------------------------


def test_allowed_sends_count_towards_the_cap_and_refused_or_deferred_ones_do_not(url: str) -> None:
    with bench(url) as replay:
        run = replay.replay(
            line("sac", "+55 21 99876-0007", daily_cap=2),
            inbound(ANA, at("12:00"), on="sac"),
            outbound(ANA, at("12:11"), on="sac"),
            outbound(ANA, at("12:12"), on="sac", category="marketing", text="Promoção!"),
            outbound(ANA, at("12:13"), on="sac"),
            outbound(ANA, at("12:14"), on="sac"),
            outbound(ANA, at("12:15"), on="sac"),
            # 12:11 left the window; had 12:12, 12:14 or 12:15 counted, the line would still be full.
            outbound(ANA, at("12:11:30", day=11), on="sac"),
        )

    verdicts = [(d["verdict"], d["codes"]) for d in run.decisions]
    assert verdicts == [
        ("allow", []),
        ("reject", ["ZG201", "ZG301"]),
        ("allow", []),
        ("defer", ["ZG501"]),
        ("defer", ["ZG501"]),
        ("allow", []),
    ]
    assert run.decisions[3]["not_before"] == at("12:11", day=11)
    assert "2 of 2 messages in the last 24 h on line sac" in run.decisions[3]["message_en"]


def test_rerouted_sends_count_on_the_line_that_sent_them(url: str) -> None:
    with bench(url) as replay:
        run = replay.replay(
            line("recv", "+55 11 91234-0001"),
            line("camp", "+55 11 91234-0002", "campaign", daily_cap=2),
            *(
                outbound(who, at(f"10:0{n}"), on="recv", category="notification")
                for n, who in enumerate((ANA, BIA, CAIO))
            ),
            outbound(DUDA, at("10:05"), on="camp", category="notification"),
        )

    assert [(d["verdict"], d["codes"], d["line"]) for d in run.decisions] == [
        ("reroute", ["ZG302"], "camp"),
        ("reroute", ["ZG302"], "camp"),
        ("reject", ["ZG302"], "recv"),  # the campaign line is full: nowhere to go
        ("defer", ["ZG501"], "camp"),
    ]
    assert "2 of 2 messages" in run.decisions[3]["message_en"]


# --- opt-outs -------------------------------------------------------------------------------------


def test_the_opt_out_confirmation_is_not_a_decision_line(workdir: Path, url: str) -> None:
    records = (
        line("recv", "+55 11 91234-0001"),
        {"type": "consent", "at": at("08:00"), "contact": ANA, "granted": True,
         "source": "formulario-site"},
        inbound(ANA, at("09:00"), text="Descadastrar"),
    )  # fmt: skip

    result = zapguard("replay", write_log(workdir / "log.jsonl", *records))

    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "3 records, 0 outbound, 1 opt-outs, 0 skipped" in flat(result.stderr)
    with bench(url) as replay:
        report = replay.replay(*records).report
    assert (report.opt_outs, report.outbound) == (1, 0)


# --- presets and --db -----------------------------------------------------------------------------


def fill(db: str, line_id: str, upto: int, since: datetime) -> None:
    """Reserve quota on ``line_id`` until it holds ``upto`` sends, one a millisecond from ``since``."""
    counters = counters_from_url(db)
    key = f"line:{TENANT}:{line_id}"
    try:
        for n in range(counters.count(key, since - timedelta(days=1)), upto):
            assert counters.reserve(key, since + timedelta(milliseconds=n), [], f"fill-{n}")
    finally:
        counters.close()


def test_the_conservative_preset_holds_a_line_to_800_a_day_where_the_seed_allows_6000(
    workdir: Path,
) -> None:
    db = f"sqlite:///{workdir / 'state.db'}"
    setup = write_log(
        workdir / "setup.jsonl",
        line("recv", "+55 11 91234-0001"),
        inbound(ANA, at("08:00")),
    )
    assert zapguard("replay", setup, "--db", db).exit_code == 0
    fill(db, "recv", 800, datetime.fromisoformat(at("08:30")))

    def reply(clock: str, *options: str) -> dict[str, object]:
        log = write_log(workdir / f"{clock}.jsonl", outbound(ANA, at(clock)))
        result = zapguard("replay", log, "--db", db, *options)
        assert result.exit_code == 0, result.output
        [decision] = decisions(result)
        return decision

    conservative = reply("10:00", "--preset", "conservative")
    assert conservative["verdict"] == "defer"
    assert "800 of 800 messages in the last 24 h" in conservative["message_en"]
    assert "800 de 800 mensagens nas últimas 24 h" in conservative["message_pt"]

    assert reply("10:01")["verdict"] == "allow"  # the seed preset: 801 of 6,000

    fill(db, "recv", 6000, datetime.fromisoformat(at("08:30")))
    seed = reply("10:02")
    assert seed["verdict"] == "defer"
    assert "6,000 of 6,000 messages in the last 24 h" in seed["message_en"]
    assert "6.000 de 6.000 mensagens" in seed["message_pt"]


def test_a_db_keeps_lines_and_sends_from_one_replay_to_the_next(workdir: Path) -> None:
    db = f"sqlite:///{workdir / 'state.db'}"
    first = write_log(
        workdir / "first.jsonl",
        line("sac", "+55 21 99876-0007", daily_cap=2),
        inbound(ANA, at("12:00"), on="sac"),
        outbound(ANA, at("12:01"), on="sac"),
    )
    second = write_log(
        workdir / "second.jsonl",
        outbound(ANA, at("12:30"), on="sac"),
        outbound(ANA, at("12:31"), on="sac"),
    )

    assert [d["verdict"] for d in decisions(zapguard("replay", first, "--db", db))] == ["allow"]
    result = zapguard("replay", second, "--db", db)

    assert result.exit_code == 0, result.output
    assert [(d["verdict"], d["codes"]) for d in decisions(result)] == [
        ("allow", []),
        ("defer", ["ZG501"]),  # the first replay's send still counts
    ]
    # Without --db every replay starts empty: the line is unknown.
    alone = zapguard("replay", second)
    assert alone.exit_code == 2
    assert "unknown line 'sac'" in alone.stderr


# --- known bugs -----------------------------------------------------------------------------------


@contextmanager
def host_time_zone(name: str) -> Iterator[None]:
    """Run as if on a machine whose local time zone is ``name``."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


def test_a_replay_does_not_depend_on_the_time_zone_of_the_machine(tmp_path: Path) -> None:
    records = (
        line("recv", "+55 11 91234-0001", in_use_since="2026-03-09"),
        inbound(ANA, at("01:00")),
        outbound(ANA, at("01:30"), author="bot"),  # 25.5 h after the line came into use
    )
    seen = []
    for n, zone in enumerate(("America/Sao_Paulo", "UTC", "America/Los_Angeles")):
        with host_time_zone(zone), bench(f"sqlite:///{tmp_path / f'{n}.db'}") as replay:
            seen.append(replay.replay(*records).decisions)

    assert seen[0][0]["codes"] == ["ZG801"]
    assert seen[1] == seen[0]
    assert seen[2] == seen[0]
