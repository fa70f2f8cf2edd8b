"""The rules applied outside a decision: what registering a line meets (ZG601, ZG101, ZG401) and
which neighbours a ban quarantines (ZG602). Pure functions over lines: no store, no clock."""

from dataclasses import replace

from zapguard.domain.models import AccountType, LineState, Severity
from zapguard.policy.bans import quarantined_neighbours
from zapguard.policy.registration import registration_findings

from .builders import campaign_line, line


def _codes(new, others=(), phones=(), devices=()):
    findings = registration_findings(
        new, others=others, banned_phones=set(phones), banned_devices=set(devices)
    )
    return [(f.code, f.severity) for f in findings]


def test_a_clean_business_line_registers_without_findings():
    assert _codes(line()) == []


def test_a_banned_number_or_device_is_refused_at_registration():
    assert _codes(line(), phones={"+5511912340001"}) == [("ZG601", Severity.REJECT)]
    assert _codes(line(device="d1"), devices={"d1"}) == [("ZG601", Severity.REJECT)]


def test_the_refusal_names_the_number_before_the_device():
    [finding] = registration_findings(
        line(device="d1"), others=[], banned_phones={"+5511912340001"}, banned_devices={"d1"}
    )
    assert "number" in finding.message_en and "número" in finding.message_pt


def test_a_personal_account_is_warned_about_at_registration():
    assert _codes(line(account=AccountType.PERSONAL)) == [("ZG101", Severity.WARN)]


def test_a_campaign_line_on_a_receptive_lines_device_is_warned_about():
    receptive = line("recv", device="shared")
    findings = registration_findings(
        campaign_line(device="shared"), others=[receptive], banned_phones=(), banned_devices=()
    )
    assert [(f.code, f.severity) for f in findings] == [("ZG401", Severity.WARN)]
    assert "recv" in findings[0].message_en


def test_a_receptive_line_on_a_campaign_lines_network_is_warned_about_too():
    assert _codes(line("recv2", network="10.0.0.9"), [campaign_line(network="10.0.0.9")]) == [
        ("ZG401", Severity.WARN)
    ]


def test_lines_of_one_role_may_share_a_device():
    assert _codes(line("recv2", device="shared"), [line("recv", device="shared")]) == []


def test_a_ban_quarantines_the_lines_sharing_its_device_or_network_of_any_tenant():
    banned = line("c1", device="dev-1", network="10.0.0.1")
    others = [
        line("c2", device="dev-1"),
        replace(line("x1", network="10.0.0.1"), tenant_id="other"),
        line("c3", device="dev-2"),
    ]
    assert quarantined_neighbours(banned, others) == ["c2", "x1"]


def test_a_ban_spares_lines_that_are_banned_retired_or_quarantined_already():
    banned = line("c1", device="dev-1")
    others = [
        line(other_id, device="dev-1", state=state)
        for other_id, state in (
            ("b", LineState.BANNED),
            ("r", LineState.RETIRED),
            ("q", LineState.QUARANTINED),
            ("p", LineState.PAUSED),
        )
    ]
    assert quarantined_neighbours(banned, others) == ["p"]


def test_a_ban_never_quarantines_the_banned_line_itself():
    banned = line("c1", device="dev-1")
    assert quarantined_neighbours(banned, [banned]) == []
