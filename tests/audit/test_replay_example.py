"""``zapguard replay`` on the bundled example log: the shape of its output, and every rule at work."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from replay_scene import DECISION_KEYS, EXAMPLES, bench, decisions, flat, zapguard
from typer.testing import Result

from zapguard.config import load_policy_config
from zapguard.policy.catalogue import CATALOGUE

DEMO = EXAMPLES / "demo.jsonl"
CONFIG = EXAMPLES / "zapguard.toml"
OFFSET = re.compile(r"[+-]\d{2}:\d{2}$")


@pytest.fixture(scope="module")
def result() -> Result:
    return zapguard("replay", DEMO, "--config", CONFIG)


@pytest.fixture(scope="module")
def lines(result: Result) -> list[dict[str, Any]]:
    assert result.exit_code == 0, result.output
    return decisions(result)


def outbound_records() -> list[dict[str, Any]]:
    records = [json.loads(text) for text in DEMO.read_text(encoding="utf-8").splitlines() if text]
    return [record for record in records if record["type"] == "outbound"]


def test_stdout_holds_only_json_decision_lines_and_the_summary_goes_to_stderr(
    result: Result,
) -> None:
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("\n")
    for text in result.stdout.splitlines():
        assert isinstance(json.loads(text), dict), text
    assert "Resumo / Summary" in result.stderr
    assert "Resumo" not in result.stdout


def test_every_decision_line_has_exactly_the_documented_keys(lines: list[dict[str, Any]]) -> None:
    assert lines
    for line in lines:
        assert set(line) == DECISION_KEYS, line
        assert line["verdict"] in {"allow", "reroute", "defer", "reject"}
        assert isinstance(line["codes"], list)
        assert all(code in CATALOGUE for code in line["codes"])
        assert isinstance(line["line"], str)
        assert line["message_pt"] and line["message_en"]


def test_indexes_count_the_outbound_records_only(lines: list[dict[str, Any]]) -> None:
    assert [line["index"] for line in lines] == list(range(len(outbound_records())))


def test_not_before_is_an_instant_with_an_offset_exactly_when_deferred(
    lines: list[dict[str, Any]],
) -> None:
    deferred = [line for line in lines if line["verdict"] == "defer"]
    assert deferred
    for line in lines:
        if line["verdict"] == "defer":
            assert OFFSET.search(line["not_before"]), line
            assert datetime.fromisoformat(line["not_before"]).utcoffset() is not None
        else:
            assert line["not_before"] is None, line


def test_deferrals_name_a_time_after_the_message_they_hold_back(
    lines: list[dict[str, Any]],
) -> None:
    for line, record in zip(lines, outbound_records(), strict=True):
        if line["verdict"] == "defer":
            assert datetime.fromisoformat(line["not_before"]) > datetime.fromisoformat(record["at"])


def test_the_example_fires_every_rule_of_the_catalogue_but_the_inbound_opt_out(
    lines: list[dict[str, Any]],
) -> None:
    fired = {code for line in lines for code in line["codes"]}

    assert fired == set(CATALOGUE) - {"ZG203"}


def test_the_example_opt_out_shows_in_the_summary(result: Result) -> None:
    summary = flat(result.stderr)

    assert "1 opt-outs" in summary
    assert f"{len(outbound_records())} outbound" in summary
    assert "0 skipped" in summary


def test_the_summary_counts_the_verdicts_of_the_decision_lines(
    result: Result, lines: list[dict[str, Any]]
) -> None:
    for verdict in ("allow", "reroute", "defer", "reject"):
        count = sum(line["verdict"] == verdict for line in lines)
        assert re.search(rf"│ {verdict}\s+│\s+{count} │", result.stderr), verdict


def test_the_replayer_reports_the_example_opt_out_without_a_decision_for_it(
    tmp_path: Path, lines: list[dict[str, Any]]
) -> None:
    with bench(f"sqlite:///{tmp_path / 'demo.db'}", load_policy_config(CONFIG)) as replay:
        run = replay.replay(*DEMO.read_text(encoding="utf-8").splitlines())

    assert run.report.opt_outs == 1
    assert run.report.outbound == len(run.decisions) == len(outbound_records())
    assert run.report.skipped == []
    # The command line and the replayer judge the same log the same way.
    assert run.decisions == lines
