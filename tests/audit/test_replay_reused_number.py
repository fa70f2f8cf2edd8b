"""A banned number registered again under a new line id: the design accepts the line in a replay
and refuses its sends (ZG601), where registering it live is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from replay_scene import TENANT, at, bench, decisions, inbound, line, outbound, write_log, zapguard

ANA = "+5531988776655"
BANNED = "+55 11 91234-0008"


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_banned_number_under_a_new_line_id_is_accepted_and_its_sends_refused(
    workdir: Path,
) -> None:
    log = write_log(
        workdir / "log.jsonl",
        line("antigo", BANNED, "campaign"),
        {"type": "ban", "at": at("09:00"), "line": "antigo"},
        line("novo", BANNED, "campaign", at=at("09:05")),
        inbound(ANA, at("09:10"), on="novo"),
        outbound(ANA, at("09:11"), on="novo"),
    )

    result = zapguard("replay", log)

    assert result.exit_code == 0, result.output
    [decision] = decisions(result)
    assert decision["verdict"] == "reject"
    assert decision["codes"] == ["ZG601"]
    assert decision["line"] == "novo"
    assert "[ZG601] O número da linha novo já foi banido" in result.stderr


def test_a_number_still_in_use_stops_the_replay_at_its_record(workdir: Path) -> None:
    log = write_log(
        workdir / "log.jsonl",
        line("um", BANNED),
        line("dois", BANNED),
    )

    result = zapguard("replay", log)

    assert result.exit_code == 2
    assert "linha 2" in result.stderr
    assert "um" in result.stderr  # the log's own line: its own tenant, so it is named


def test_replayed_lines_have_no_provider_and_cannot_be_sent_on(tmp_path: Path) -> None:
    with bench(f"sqlite:///{tmp_path / 'b.db'}") as replay:
        replay.replay(line("sac", "+55 11 91234-0001"))
        record = replay.store.lines.record(line_id="sac", tenant_id=TENANT)
    assert record is not None and record.line.provider is None
