"""A malformed record stops the replay with exit code 2, naming its line number and what is wrong;
``--skip-bad`` reports it on stderr, skips it and decides the rest."""

from __future__ import annotations

from pathlib import Path

import pytest
from replay_scene import (
    Record,
    as_text,
    at,
    decisions,
    flat,
    inbound,
    line,
    outbound,
    write_log,
    zapguard,
)

ANA = "553188776655"

BAD_RECORDS = [
    pytest.param('{"type": "inbound", "at": ', "JSON inválido / invalid JSON", id="bad-json"),
    pytest.param(
        {"type": "telepathy", "at": at("09:00:30")},
        "unknown type 'telepathy'; válidos / valid: line, consent, inbound, outbound",
        id="unknown-type",
    ),
    pytest.param(
        {"type": "inbound", "line": "recv", "contact": ANA}, "at: Field required", id="missing-at"
    ),
    pytest.param(
        inbound(ANA, "2026-03-10T09:00:30"), "at: Input should have timezone info", id="naive-at"
    ),
    pytest.param(inbound("12", at("09:00:30")), "invalid phone number: '12'", id="invalid-phone"),
    pytest.param(
        inbound(ANA, at("09:00:30"), on="nope"),
        "unknown line 'nope': declare-a antes / declare it first",
        id="unknown-line",
    ),
    pytest.param(
        inbound(ANA, at("08:59")),
        "out of time order: 2026-03-10T08:59:00-03:00 < 2026-03-10T09:00:00-03:00",
        id="out-of-order",
    ),
    pytest.param(
        {**outbound(ANA, at("09:00:30")), "category": "spam"},
        "category: Input should be",
        id="bad-enum",
    ),
    pytest.param(
        {**inbound(ANA, at("09:00:30")), "mood": "happy"},
        "mood: Extra inputs are not permitted",
        id="extra-key",
    ),
    pytest.param("[1, 2]", "expected a JSON object", id="not-an-object"),
]


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every replay runs in an empty folder (no ./zapguard.toml)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def log_with(bad: Record, folder: Path) -> Path:
    """Line 3 is ``bad``; an outbound reply follows it on line 4."""
    return write_log(
        folder / "log.jsonl",
        line("recv", "+55 11 91234-0001"),
        inbound(ANA, at("09:00")),
        bad,
        outbound(ANA, at("09:01")),
    )


@pytest.mark.parametrize(("bad", "reason"), BAD_RECORDS)
def test_a_malformed_record_stops_the_replay_naming_its_line_and_the_problem(
    workdir: Path, bad: Record, reason: str
) -> None:
    log = log_with(bad, workdir)

    result = zapguard("replay", log)

    assert result.exit_code == 2, result.output
    assert result.stdout == ""  # the reply on line 4 was never decided
    assert "Traceback" not in result.output
    [message] = result.stderr.strip().splitlines()
    assert message.startswith(f"erro / error: {log}: linha 3: ")
    assert reason in message
    assert "--skip-bad" in message


@pytest.mark.parametrize(("bad", "reason"), BAD_RECORDS)
def test_with_skip_bad_a_malformed_record_is_reported_skipped_and_the_rest_decided(
    workdir: Path, bad: Record, reason: str
) -> None:
    result = zapguard("replay", log_with(bad, workdir), "--skip-bad")

    assert result.exit_code == 0, result.output
    [decision] = decisions(result)
    assert decision["verdict"] == "allow" and decision["codes"] == [], decision
    [note] = [text for text in result.stderr.splitlines() if text.startswith("ignorado")]
    assert note.startswith("ignorado / skipped: linha 3: ")
    assert reason in note
    assert "3 records, 1 outbound, 0 opt-outs, 1 skipped" in flat(result.stderr)


def test_line_numbers_count_blank_lines(workdir: Path) -> None:
    log = write_log(
        workdir / "log.jsonl",
        line("recv", "+55 11 91234-0001"),
        "",
        "   ",
        inbound(ANA, at("09:00"), on="nope"),
    )

    result = zapguard("replay", log)

    assert result.exit_code == 2
    assert f"{log}: linha 4: " in result.stderr


def test_a_record_skipped_for_being_out_of_order_does_not_move_the_clock(workdir: Path) -> None:
    log = write_log(
        workdir / "log.jsonl",
        line("recv", "+55 11 91234-0001"),
        inbound(ANA, at("09:00")),
        inbound(ANA, at("08:00")),  # skipped
        outbound(ANA, at("08:30")),  # out of order too: the clock is still at 09:00
        outbound(ANA, at("09:05")),
    )

    result = zapguard("replay", log, "--skip-bad")

    assert result.exit_code == 0, result.output
    assert [d["index"] for d in decisions(result)] == [0]
    stderr = flat(result.stderr)
    assert "linha 3: fora de ordem / out of time order" in stderr
    assert "linha 4: fora de ordem / out of time order" in stderr
    assert "2 skipped" in stderr


def test_a_log_that_is_not_utf8_is_bad_input(workdir: Path) -> None:
    log = workdir / "log.jsonl"
    log.write_bytes('{"type": "inbound", "text": "não"}\n'.encode("latin-1"))

    result = zapguard("replay", log)

    assert result.exit_code == 2
    assert "not UTF-8" in result.stderr


# --- known bugs -----------------------------------------------------------------------------------


def test_a_line_with_an_unknown_time_zone_is_a_malformed_record(workdir: Path) -> None:
    log = write_log(
        workdir / "log.jsonl",
        line("recv", "+55 11 91234-0001", timezone="Mars/Olympus_Mons"),
        inbound(ANA, at("09:00")),
        outbound(ANA, at("09:01")),
    )

    result = zapguard("replay", log)

    assert result.exit_code == 2, result.output
    assert f"{log}: linha 1: " in result.stderr
    assert "Mars/Olympus_Mons" in result.stderr


def test_a_log_can_be_read_from_stdin(workdir: Path) -> None:
    text = as_text(
        line("recv", "+55 11 91234-0001"), inbound(ANA, at("09:00")), outbound(ANA, at("09:01"))
    )

    result = zapguard("replay", "-", input=text)

    assert result.exit_code == 0, result.output
    assert [d["verdict"] for d in decisions(result)] == ["allow"]
