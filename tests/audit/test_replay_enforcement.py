"""The replay records of what Meta and WhatsApp enforce after the fact: a line's ``provider`` and
``portfolio``, a portfolio's messaging limit (ZG506)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

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
        lines = {each.id: each for each in replay.store.lines.of_tenant(tenant_id=TENANT)}

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


# --- ZG506: the portfolio's messaging limit -------------------------------------------------------

START = datetime(2026, 3, 10, 9, 0, tzinfo=timezone(timedelta(hours=-3)))


def contact(n: int) -> str:
    return f"+55319880{n:05d}"


def notice(n: int, minute: int, on: str = "meta") -> dict[str, object]:
    return outbound(
        contact(n),
        (START + timedelta(minutes=minute)).isoformat(),
        on,
        category="notification",
        author="system",
        text=f"Seu boleto {n} vence amanhã.",
    )


def cloud(id: str, phone: str, portfolio: str) -> dict[str, object]:
    return line(id, phone, "campaign", provider="cloud", portfolio=portfolio)


def portfolio(id: str, limit: int | None, minute: int = 0) -> dict[str, object]:
    when = (START + timedelta(minutes=minute)).isoformat()
    return {"type": "portfolio", "at": when, "id": id, "limit": limit}


def test_the_portfolio_defers_a_new_contact_at_its_limit_until_the_oldest_reach_leaves(
    url: str,
) -> None:
    records = [cloud("meta", "+55 11 91234-0001", "p1"), portfolio("p1", 250)]
    records += [notice(n, n) for n in range(250)]
    records += [notice(250, 300), notice(3, 301)]  # a new contact; one already reached

    with bench(url) as replay:
        run = replay.replay(*records)
        alerts = [e for e in replay.store.journal.events(tenant_id=TENANT) if e.code == "ZG506"]

    assert run.report.skipped == []
    assert {d["verdict"] for d in run.decisions[:250]} == {"allow"}
    new, again = run.decisions[250], run.decisions[251]
    assert new["verdict"] == "defer" and new["codes"] == ["ZG506"]
    assert datetime.fromisoformat(new["not_before"]) == START + timedelta(hours=24)
    assert again["verdict"] == "allow"
    assert len(alerts) == 1 and alerts[0].kind == "alert"
    assert alerts[0].data == {"portfolio": "p1", "reached": "200", "limit": "250"}


def test_an_unknown_portfolio_is_limited_to_the_lowest_tier(url: str) -> None:
    records = [cloud("meta", "+55 11 91234-0001", "p1")]
    records += [notice(n, n) for n in range(251)]

    with bench(url) as replay:
        run = replay.replay(*records)

    assert run.decisions[-1]["verdict"] == "defer" and run.decisions[-1]["codes"] == ["ZG506"]


def test_an_unlimited_portfolio_record_lifts_the_limit(url: str) -> None:
    records = [cloud("meta", "+55 11 91234-0001", "p1"), portfolio("p1", None)]
    records += [notice(n, n) for n in range(251)]

    with bench(url) as replay:
        run = replay.replay(*records)

    assert {d["verdict"] for d in run.decisions} == {"allow"}


def test_a_line_of_another_portfolio_takes_what_the_full_one_cannot(url: str) -> None:
    records = [
        cloud("meta", "+55 11 91234-0001", "p1"),
        cloud("meta2", "+55 11 91234-0002", "p2"),
        portfolio("p1", 250),
    ]
    records += [notice(n, n) for n in range(251)]

    with bench(url) as replay:
        run = replay.replay(*records)

    last = run.decisions[-1]
    assert last["verdict"] == "reroute" and last["line"] == "meta2" and "ZG506" in last["codes"]


def test_replies_inside_the_service_window_are_not_counted(url: str) -> None:
    records = [cloud("meta", "+55 11 91234-0001", "p1")]
    records += [notice(n, n) for n in range(250)]
    records += [
        inbound(contact(999), (START + timedelta(minutes=260)).isoformat(), on="meta"),
        outbound(contact(999), (START + timedelta(minutes=261)).isoformat(), "meta"),
    ]

    with bench(url) as replay:
        run = replay.replay(*records)

    assert run.decisions[-1]["verdict"] == "allow"


def test_a_portfolio_record_with_a_limit_meta_does_not_have_is_a_bad_record(url: str) -> None:
    with bench(url) as replay:
        run = replay.replay(portfolio("p1", 300), skip_bad=True)

    assert [bad.line_number for bad in run.report.skipped] == [1]
    assert "limit" in run.report.skipped[0].reason


# --- ZG905: the per-user marketing limit ----------------------------------------------------------


def per_user_failure(when: str, on: str = "camp") -> dict[str, object]:
    return {"type": "status", "at": when, "line": on, "contact": ANA, "status": "failed",
            "code": 131049}  # fmt: skip


def promo(when: str, on: str = "camp", category: str = "marketing") -> dict[str, object]:
    return outbound(ANA, when, on, category=category, author="agent", text="Promoção de março!")


def test_marketing_to_a_contact_waits_after_131049_and_doubles_on_a_repeat(url: str) -> None:
    consent = {"type": "consent", "at": at("08:00"), "contact": ANA, "granted": True,
               "source": "formulário"}  # fmt: skip
    with bench(url) as replay:
        run = replay.replay(
            line("camp", "+55 11 91234-0002", "campaign"),
            line("camp2", "+55 11 91234-0003", "campaign"),
            consent,
            inbound(ANA, at("08:30"), on="camp"),
            per_user_failure(at("09:00")),
            promo(at("10:00")),  # held until 09:00 tomorrow
            promo(at("10:01"), on="camp2"),  # from another line too
            promo(at("10:02"), category="notification"),  # not marketing: not held
            per_user_failure(at("09:30", day=11)),  # a repeat: 48 h
            promo(at("10:00", day=11)),
        )
        failed = [e for e in replay.store.journal.events(tenant_id=TENANT) if e.kind == "failed"]

    verdicts = [(d["verdict"], d["codes"], d["not_before"]) for d in run.decisions]
    assert verdicts[0] == ("defer", ["ZG905"], at("09:00", day=11))
    assert verdicts[1][:2] == ("defer", ["ZG905"])
    assert verdicts[2][0] == "allow"
    assert verdicts[3] == ("defer", ["ZG905"], at("09:30", day=13))
    assert [e.data["points"] for e in failed] == ["1", "1"]  # the person's limit costs little


# --- ZG508: marketing Meta will not deliver -------------------------------------------------------


def test_cloud_marketing_to_a_plus_one_number_is_refused(url: str) -> None:
    us = "+1 202 456 1111"
    consent = {"type": "consent", "at": at("08:00"), "contact": us, "granted": True,
               "source": "formulário"}  # fmt: skip
    with bench(url) as replay:
        run = replay.replay(
            cloud("meta", "+55 11 91234-0001", "p1"),
            line("zap", "+55 11 91234-0002", "campaign", provider="waha"),
            consent,
            outbound(us, at("10:00"), "meta", category="marketing", text="Oferta!"),
            outbound(us, at("10:01"), "zap", category="marketing", text="Oferta de novo!"),
        )

    assert run.decisions[0]["verdict"] == "reject" and run.decisions[0]["codes"] == ["ZG508"]
    assert run.decisions[1]["verdict"] == "allow"
