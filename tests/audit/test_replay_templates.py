"""The replay's ``template`` record, ``{"type": "template", "at", "name", "status"?, "quality"?}``,
and an outbound record's ``"template": NAME`` (ZG507): a template whose last known status is not
APPROVED is refused, a RED one waits 24 h from its rating, one never seen passes."""

from __future__ import annotations

from typing import Any

import pytest
from replay_scene import at, bench, line, outbound

ANA = "+5531988776655"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest) -> str:
    found: str = request.getfixturevalue(f"{request.param}_url")
    return found


def cloud() -> dict[str, Any]:
    return line("meta", "+55 11 91234-0001", "campaign", provider="cloud", portfolio="p1")


def template(when: str, name: str = "pedido_enviado", **state: str) -> dict[str, Any]:
    return {"type": "template", "at": when, "name": name, **state}


def sends(when: str, name: str = "pedido_enviado") -> dict[str, Any]:
    return outbound(ANA, when, "meta", category="notification", text=f"[{name}] 123", template=name)


def verdicts(run: Any) -> list[tuple[str, list[str]]]:
    return [(d["verdict"], d["codes"]) for d in run.decisions]


def test_a_paused_template_is_refused_until_meta_approves_it_again(url: str) -> None:
    with bench(url) as replay:
        run = replay.replay(
            cloud(),
            template(at("08:00"), status="PAUSED"),
            sends(at("09:00")),
            template(at("10:00"), status="APPROVED"),
            sends(at("10:30")),
        )

    assert run.report.skipped == []
    assert verdicts(run) == [("reject", ["ZG507"]), ("allow", [])]


def test_a_red_template_waits_24_hours_from_its_rating(url: str) -> None:
    with bench(url) as replay:
        run = replay.replay(
            cloud(),
            template(at("08:00"), status="APPROVED", quality="RED"),
            sends(at("09:00")),
            sends(at("08:00", day=11)),
        )

    assert verdicts(run)[0] == ("defer", ["ZG507"])
    assert run.decisions[0]["not_before"] == at("08:00", day=11)
    assert verdicts(run)[1] == ("allow", [])


def test_a_template_never_seen_and_a_message_without_template_pass(url: str) -> None:
    with bench(url) as replay:
        run = replay.replay(
            cloud(),
            template(at("08:00"), name="outro", status="REJECTED"),
            sends(at("09:00")),
            outbound(ANA, at("09:05"), "meta", category="notification", text="[outro] 1"),
        )

    assert verdicts(run) == [("allow", []), ("allow", [])]


def test_a_template_record_must_tell_a_status_or_a_quality(url: str) -> None:
    with bench(url) as replay:
        run = replay.replay(cloud(), template(at("08:00")), skip_bad=True)

    assert [bad.line_number for bad in run.report.skipped] == [2]
    assert "status" in run.report.skipped[0].reason
