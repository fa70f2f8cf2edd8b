"""The replay records of what Meta and WhatsApp enforce after the fact: a line's ``provider`` and
``portfolio``, a portfolio's messaging limit (ZG506)."""

from __future__ import annotations

import pytest
from replay_scene import TENANT, at, bench, inbound, line, outbound

from zapguard.domain.models import ProviderKind

ANA, BIA, CAIO = "+5531988776655", "+5531988776600", "+5531988776611"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest) -> str:
    found: str = request.getfixturevalue(f"{request.param}_url")
    return found


def test_a_line_record_may_say_its_provider_and_portfolio(url: str) -> None:
    with bench(url) as replay:
        run = replay.replay(
            line("meta", "+55 11 91234-0001", "campaign", provider="cloud", portfolio="771122"),
            line("zap", "+55 11 91234-0002", "campaign", provider="waha"),
            line("old", "+55 11 91234-0003"),
        )
        lines = {each.id: each for each in replay.store.list_lines(tenant_id=TENANT)}

    assert run.report.skipped == []
    assert lines["meta"].provider_kind is ProviderKind.CLOUD
    assert lines["meta"].portfolio == "771122"
    assert lines["zap"].provider_kind is ProviderKind.WAHA and lines["zap"].portfolio is None
    assert lines["old"].provider_kind is None and lines["old"].portfolio is None


def test_a_portfolio_on_a_line_that_is_not_cloud_is_a_bad_record(url: str) -> None:
    with bench(url) as replay:
        run = replay.replay(
            line("zap", "+55 11 91234-0002", "campaign", provider="evolution", portfolio="1"),
            skip_bad=True,
        )

    assert [bad.line_number for bad in run.report.skipped] == [1]
    assert "portfolio" in run.report.skipped[0].reason


def test_an_unknown_provider_is_a_bad_record(url: str) -> None:
    with bench(url) as replay:
        run = replay.replay(line("x", "+55 11 91234-0002", provider="telegram"), skip_bad=True)

    assert [bad.line_number for bad in run.report.skipped] == [1]
    assert "provider" in run.report.skipped[0].reason


def test_a_line_without_provider_is_judged_as_before(url: str) -> None:
    with bench(url) as replay:
        run = replay.replay(
            line("recv", "+55 11 91234-0001"),
            inbound(ANA, at("09:00")),
            outbound(ANA, at("09:01")),
        )

    assert [d["verdict"] for d in run.decisions] == ["allow"]
