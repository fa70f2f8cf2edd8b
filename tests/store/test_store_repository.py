"""The SQL store, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from zapguard.domain.models import (
    AccountType,
    Author,
    Category,
    Consent,
    Decision,
    Event,
    Finding,
    Line,
    LineState,
    OutgoingMessage,
    Role,
    Severity,
    Verdict,
)
from zapguard.policy.bans import quarantined_neighbours
from zapguard.store import UNSET, BannedSets, Conflict, NotFound, Store

T0 = datetime(2025, 1, 6, 12, 0, tzinfo=UTC)
ANA = "+5531988776655"
BETO = "+5511987654321"


def hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


def line(
    line_id: str,
    phone: str,
    *,
    tenant: str = "acme",
    role: Role = Role.CAMPAIGN,
    device: str | None = None,
    network: str | None = None,
) -> Line:
    return Line(
        id=line_id,
        tenant_id=tenant,
        phone=phone,
        role=role,
        account=AccountType.BUSINESS,
        in_use_since=date(2024, 3, 1),
        pool=role.value,
        device=device,
        network=network,
    )


@pytest.fixture
def acme(store: Store) -> Store:
    store.tenants.ensure(tenant_id="acme", name="Acme Ltda")
    store.lines.add(line=line("rx", "+5531999990001", role=Role.RECEPTIVE), registered_at=T0)
    return store


def test_a_line_round_trips_with_its_bookkeeping(store: Store) -> None:
    store.tenants.ensure(tenant_id="acme")
    registered = datetime(2025, 1, 6, 9, 0, tzinfo=timezone(timedelta(hours=-3)))
    store.lines.add(line=line("c1", "+5531999990002", device="dev"), registered_at=registered)
    store.lines.update(tenant_id="acme", line_id="c1", health_score=70, health_at=T0)
    store.lines.update(tenant_id="acme", line_id="c1", ramp_anchor=date(2025, 1, 2))
    record = store.lines.record(line_id="c1", tenant_id="acme")
    assert record is not None
    assert record.line == line("c1", "+5531999990002", device="dev")
    assert record.registered_at == T0 and record.registered_at.tzinfo == UTC
    assert (record.health_score, record.health_at, record.ramp_anchor) == (70, T0, date(2025, 1, 2))
    store.lines.update(tenant_id="acme", line_id="c1", ramp_anchor=None, health_at=UNSET)
    record = store.lines.record(line_id="c1")
    assert record is not None and record.ramp_anchor is None and record.health_at == T0
    assert store.lines.get(line_id="c1", tenant_id="other") is None
    assert [item.id for item in store.lines.of_tenant(tenant_id="acme")] == ["c1"]


def test_a_duplicate_line_id_or_phone_is_refused(acme: Store) -> None:
    with pytest.raises(Conflict, match="linha já cadastrada / line already registered: rx"):
        acme.lines.add(line=line("rx", "+5531999990009"), registered_at=T0)
    with pytest.raises(Conflict, match="phone already registered on line rx"):
        acme.lines.add(line=line("c9", "+5531999990001"), registered_at=T0)
    with pytest.raises(NotFound, match="tenant not found: ghost"):
        acme.lines.add(line=line("g1", "+5531999990008", tenant="ghost"), registered_at=T0)


def test_consent_evidence_is_never_overwritten(acme: Store) -> None:
    first = Consent("acme", ANA, "marketing", hours(0), "web-form", "Aceito ofertas", "ana-bot")
    acme.consent.grant(consent=first)
    acme.consent.revoke(tenant_id="acme", contact=ANA, at=hours(1), how="keyword")
    assert acme.consent.current(tenant_id="acme", contact=ANA) == Consent(
        "acme", ANA, "marketing", hours(0), "web-form", "Aceito ofertas", "ana-bot",
        revoked_at=hours(1), revoked_how="keyword",
    )  # fmt: skip
    second = Consent("acme", ANA, "marketing", hours(5), "checkout", "Quero novidades", "loja")
    acme.consent.grant(consent=second)

    current = acme.consent.current(tenant_id="acme", contact=ANA)
    assert current == second and current.active
    history = acme.consent.history(tenant_id="acme", contact=ANA)
    assert history == [
        first,
        Consent("acme", ANA, "marketing", None, "", revoked_at=hours(1), revoked_how="keyword"),
        second,
    ]


def test_a_revocation_without_a_grant_is_still_recorded(acme: Store) -> None:
    acme.consent.revoke(tenant_id="acme", contact=BETO, at=hours(2), how="meta_user_preferences")
    current = acme.consent.current(tenant_id="acme", contact=BETO)
    assert current is not None and not current.active
    assert (current.granted_at, current.revoked_at) == (None, hours(2))
    assert len(acme.consent.history(tenant_id="acme", contact=BETO)) == 1
    assert acme.consent.current(tenant_id="acme", contact=ANA) is None
    assert acme.consent.contact(tenant_id="acme", phone=ANA) is None


def test_a_ban_quarantines_lines_sharing_its_device_or_network(store: Store) -> None:
    for tenant in ("acme", "other"):
        store.tenants.ensure(tenant_id=tenant)
    doomed = line("c1", "+5531999990001", device="dev-1", network="10.0.0.1")
    store.lines.add(line=doomed, registered_at=T0)
    store.lines.add(line=line("c2", "+5531999990002", device="dev-1"), registered_at=T0)
    store.lines.add(
        line=line("x1", "+5531999990003", tenant="other", network="10.0.0.1"), registered_at=T0
    )
    store.lines.add(line=line("c3", "+5531999990004", device="dev-2"), registered_at=T0)
    store.lines.add(line=line("c4", "+5531999990005", device="dev-1"), registered_at=T0)
    store.lines.set_state(tenant_id="acme", line_id="c4", state=LineState.RETIRED)

    assert store.bans.record(
        tenant_id="acme", line_id="c1", at=T0, quarantine=quarantined_neighbours
    ) == ["c2", "x1"]

    states = {item.id: item.state for item in store.lines.of_tenant(tenant_id="acme")}
    assert states == {
        "c1": LineState.BANNED,
        "c2": LineState.QUARANTINED,
        "c3": LineState.ACTIVE,
        "c4": LineState.RETIRED,
    }
    other = store.lines.get(line_id="x1")
    assert other is not None and other.state == LineState.QUARANTINED
    assert store.bans.everything() == BannedSets(
        frozenset({"+5531999990001"}), frozenset({"dev-1"}), frozenset({"10.0.0.1"})
    )
    assert store.bans.is_banned(phone="+5531999990001")
    assert store.bans.is_banned(device="dev-1")
    assert store.bans.among(
        phones=["+5531999990001", "+5531999990003"], devices=["dev-2"], networks=["10.0.0.1"]
    ) == BannedSets(frozenset({"+5531999990001"}), frozenset(), frozenset({"10.0.0.1"}))
    assert not store.bans.is_banned(phone="+5531999990002", device="dev-2")
    assert not store.bans.is_banned()
    # Banning again is harmless and quarantines nobody new.
    assert (
        store.bans.record(
            tenant_id="acme", line_id="c1", at=hours(1), quarantine=quarantined_neighbours
        )
        == []
    )
    with pytest.raises(NotFound):
        store.bans.record(tenant_id="other", line_id="c1", at=T0, quarantine=quarantined_neighbours)


def test_an_inbound_message_resets_the_unanswered_count(acme: Store) -> None:
    for i in range(3):
        acme.conversations.record_outbound(
            tenant_id="acme", line_id="rx", contact=ANA, at=hours(i), business_initiated=True
        )
    acme.conversations.record_outbound(
        tenant_id="acme", line_id="rx", contact=ANA, at=hours(4), business_initiated=False
    )
    assert acme.conversations.contact_stats(tenant_id="acme", contact=ANA) == (None, hours(4), 3)

    acme.conversations.record_inbound(tenant_id="acme", line_id="rx", contact=ANA, at=hours(5))
    acme.conversations.record_inbound(
        tenant_id="acme", line_id="rx", contact=ANA, at=hours(3)
    )  # arrives late

    assert acme.conversations.contact_stats(tenant_id="acme", contact=ANA) == (
        hours(5),
        hours(4),
        0,
    )
    conversation = acme.conversations.of_contact(tenant_id="acme", contact=ANA)["rx"]
    assert conversation.contact_wrote_first
    assert (conversation.first_inbound_at, conversation.last_inbound_at) == (hours(3), hours(5))
    assert (conversation.inbound_count, conversation.outbound_count) == (2, 4)
    record = acme.lines.record(line_id="rx")
    assert record is not None and record.last_sent_at == hours(4)
    assert acme.conversations.of_contact(tenant_id="acme", contact=BETO) == {}
    assert acme.conversations.contact_stats(tenant_id="acme", contact=BETO) == (None, None, 0)
    contact = acme.consent.contact(tenant_id="acme", phone=ANA)
    assert contact is not None and contact.aliases == ("+553188776655",)


def test_messages_on_another_tenants_line_are_refused(acme: Store) -> None:
    acme.tenants.ensure(tenant_id="other")
    with pytest.raises(NotFound, match="line not found: rx"):
        acme.conversations.record_inbound(tenant_id="other", line_id="rx", contact=ANA, at=T0)


def test_identical_texts_and_human_activity_are_remembered(acme: Store) -> None:
    for i in range(3):
        acme.conversations.record_outbound(
            tenant_id="acme", line_id="rx", contact=f"+55319888800{i:02d}", at=hours(i),
            business_initiated=True, fingerprint="promo-natal",
        )  # fmt: skip
    assert acme.conversations.identical_since(
        tenant_id="acme", fingerprint="promo-natal", since=hours(0)
    ) == [
        hours(1),
        hours(2),
    ]
    assert (
        acme.conversations.identical_since(tenant_id="other", fingerprint="promo-natal", since=T0)
        == []
    )
    acme.lines.record_human_activity(tenant_id="acme", line_id="rx", at=hours(2))
    acme.lines.record_human_activity(tenant_id="acme", line_id="rx", at=hours(1))
    record = acme.lines.record(line_id="rx")
    assert record is not None and record.last_human_at == hours(2)


def test_blocked_domains_count_only_new_ones(store: Store) -> None:
    assert store.blocklist.add(domains=["Evil.example.", "x.test"], source="urlhaus", at=T0) == 2
    assert store.blocklist.add(domains=["evil.example", "y.test", ""], source="manual", at=T0) == 1
    assert store.blocklist.everything() == {"evil.example", "x.test", "y.test"}


def test_events_and_decisions_are_logged(acme: Store) -> None:
    event = Event("status", T0, "acme", "rx", ANA, code="131048", data={"status": "failed"})
    assert acme.journal.record_event(event=event) > 0
    message = OutgoingMessage("acme", ANA, Category.MARKETING, Author.BOT, "Oferta!", line="rx")
    finding = Finding("ZG201", Severity.REJECT, "sem opt-in", "no opt-in")
    for i in range(3):
        acme.journal.record_decision(
            tenant_id="acme",
            at=hours(i),
            message=message,
            decision=Decision(Verdict.REJECT, "rx", (finding,), not_before=hours(9)),
        )
    latest = acme.journal.decisions(tenant_id="acme", limit=2)
    assert [record.at for record in latest] == [hours(2), hours(1)]
    assert latest[0].message == message
    assert (latest[0].verdict, latest[0].codes, latest[0].not_before) == (
        Verdict.REJECT,
        ("ZG201",),
        hours(9),
    )
    assert (latest[0].message_pt, latest[0].message_en) == ("ZG201: sem opt-in", "ZG201: no opt-in")


def test_a_failed_transaction_leaves_nothing_behind(acme: Store) -> None:
    with pytest.raises(RuntimeError), acme.transaction():
        acme.conversations.record_inbound(tenant_id="acme", line_id="rx", contact=ANA, at=T0)
        acme.consent.grant(consent=Consent("acme", ANA, "marketing", T0, "form"))
        raise RuntimeError("boom")
    assert acme.conversations.of_contact(tenant_id="acme", contact=ANA) == {}
    assert acme.consent.history(tenant_id="acme", contact=ANA) == []
    with acme.transaction():
        acme.conversations.record_inbound(tenant_id="acme", line_id="rx", contact=ANA, at=T0)
        assert acme.conversations.contact_stats(tenant_id="acme", contact=ANA).last_inbound_at == T0
    assert "rx" in acme.conversations.of_contact(tenant_id="acme", contact=ANA)


def test_naive_instants_are_refused(acme: Store) -> None:
    with pytest.raises(ValueError, match="naive"):
        acme.conversations.record_inbound(
            tenant_id="acme", line_id="rx", contact=ANA, at=datetime(2025, 1, 1)
        )
