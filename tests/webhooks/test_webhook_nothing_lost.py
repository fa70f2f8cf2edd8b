"""Everything received is applied, forwarded to the line's helpdesk, or kept in the inbox; customer
messages always reach the helpdesk (issue 7, item 10). ``a-evo`` has a helpdesk; ``b-evo``,
``a-waha`` and ``b-waha`` do not."""

from __future__ import annotations

from typing import Any

import pytest
from webhook_payloads import load
from webhook_scene import ANA, Scene

from zapguard.domain.models import LineState


def inbound_count(scene: Scene, tenant: str, line: str) -> int:
    conversation = scene.store.conversations.of_contact(tenant_id=tenant, contact=ANA).get(line)
    return 0 if conversation is None else conversation.inbound_count


# --- linked ids (@lid) ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "line", "tenant"),
    [
        ("evolution_messages_upsert_lid", "a-evo", "loja-a"),  # key.remoteJidAlt (Baileys 7)
        ("waha_message_lid", "a-waha", "loja-a"),  # NOWEB _data.key.remoteJidAlt
        ("waha_message_lid_gows", "a-waha", "loja-a"),  # GOWS _data.Info.SenderAlt
    ],
)
def test_a_message_from_a_linked_id_is_applied_to_the_phone_behind_it(
    two_tenants: Scene, name: str, line: str, tenant: str
) -> None:
    scene = two_tenants
    receipt = scene.post(line, scene.fixture(name, line))
    assert receipt.status_code == 200 and receipt.body["applied"] == 1
    assert inbound_count(scene, tenant, line) == 1
    assert scene.inbox() == []


def test_the_older_senderpn_field_names_the_phone_too(two_tenants: Scene) -> None:
    """Baileys 6.7 (Evolution before 2.3) put the phone of a linked id in ``key.senderPn``."""
    scene = two_tenants
    payload = scene.fixture("evolution_messages_upsert_lid", "b-evo")
    key = payload["data"]["key"]
    key["senderPn"] = key.pop("remoteJidAlt")
    assert scene.post("b-evo", payload).body["applied"] == 1
    assert inbound_count(scene, "loja-b", "b-evo") == 1


def test_a_linked_id_without_its_phone_reaches_the_helpdesk(two_tenants: Scene) -> None:
    scene = two_tenants
    payload = scene.fixture("evolution_messages_upsert_lid_without_phone", "a-evo")

    receipt = scene.post("a-evo", payload)

    assert receipt.status_code == 200 and receipt.body["applied"] == 0
    [forward] = receipt.forwards
    assert b"Oi, ainda est" in forward.body
    assert scene.inbox() == []  # the helpdesk has it: a person will see it there


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("evolution_messages_upsert_lid_without_phone", "b-evo"),
        ("waha_message_lid_webjs", "a-waha"),  # WEBJS gives no phone at all
    ],
)
def test_a_linked_id_without_its_phone_and_without_a_helpdesk_is_kept_in_the_inbox(
    two_tenants: Scene, name: str, line: str
) -> None:
    scene = two_tenants
    receipt = scene.post(line, scene.fixture(name, line))

    assert receipt.status_code == 200 and receipt.body["applied"] == 0
    [kept] = scene.inbox()
    assert receipt.body["stored"] == kept.id
    assert kept.line_id == line and "linked id" in kept.error
    assert inbound_count(scene, "loja-a", line) == inbound_count(scene, "loja-b", line) == 0


# --- groups ---------------------------------------------------------------------------------------


def test_a_group_message_reaches_the_helpdesk(two_tenants: Scene) -> None:
    scene = two_tenants
    receipt = scene.post("a-evo", scene.fixture("evolution_group_message", "a-evo"))
    assert len(receipt.forwards) == 1 and scene.inbox() == []


def test_a_group_message_on_a_line_without_a_helpdesk_is_kept(two_tenants: Scene) -> None:
    scene = two_tenants
    receipt = scene.post("b-waha", scene.fixture("waha_message_group", "b-waha"))
    [kept] = scene.inbox()
    assert receipt.body["stored"] == kept.id and "group message" in kept.error


# --- connection events ----------------------------------------------------------------------------


def test_an_evolution_status_instance_closed_with_401_pauses_the_line_and_alerts(
    two_tenants: Scene,
) -> None:
    scene = two_tenants
    receipt = scene.post("b-evo", scene.fixture("evolution_status_instance_closed", "b-evo"))
    assert receipt.status_code == 200 and receipt.body["applied"] == 1
    assert scene.record("b-evo").line.state is LineState.PAUSED
    assert ("alert", "b-evo", "connection_lost") in scene.events("b-evo")


@pytest.mark.parametrize("event", ["logout.instance", "remove.instance"])
def test_an_evolution_instance_logged_out_or_removed_pauses_the_line(
    two_tenants: Scene, event: str
) -> None:
    scene = two_tenants
    payload = {
        "event": event,
        "instance": "loja-b-recepcao",
        "data": None,
        "date_time": "2026-03-10T13:06:00.000Z",
        "server_url": "https://evo.example.com.br",
    }
    assert scene.post("b-evo", payload).status_code == 200
    assert scene.record("b-evo").line.state is LineState.PAUSED


def test_a_qrcode_update_is_recorded_without_the_qr_code(two_tenants: Scene) -> None:
    scene = two_tenants
    payload = scene.fixture("evolution_qrcode_updated", "b-evo")

    receipt = scene.post("b-evo", payload)

    assert receipt.status_code == 200 and receipt.body["applied"] == 1
    assert ("connection", "b-evo", "qr") in scene.events("b-evo")
    assert scene.record("b-evo").line.state is LineState.ACTIVE  # pairing is not an outage


def test_a_qrcode_for_an_unknown_instance_is_kept_without_the_qr_code(two_tenants: Scene) -> None:
    scene = two_tenants
    payload: dict[str, Any] = load("evolution_qrcode_updated")
    payload["instance"] = "instancia-nova"

    scene.post("b-evo", payload)  # signed by b-evo, about an instance no line has

    [kept] = scene.inbox()
    assert "instancia-nova" in kept.error
    assert "base64" not in kept.body and "iVBOR" not in kept.body  # a pairing code is a credential


# --- events nobody here knows ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "payload"),
    [
        ("b-evo", {"event": "messages.reaction.brand-new", "instance": "loja-b-recepcao",
                   "data": {"x": 1}, "date_time": "2026-03-10T13:00:00.000Z"}),
        ("b-waha", {"id": "evt_1", "timestamp": 1773147600000, "event": "chat.brand.new",
                    "session": "loja-b-campanha", "payload": {"x": 1}}),
        ("b-evo", {"event": "call", "instance": "loja-b-recepcao",
                   "data": {"from": "553188776655@s.whatsapp.net", "status": "offer"},
                   "date_time": "2026-03-10T13:00:00.000Z"}),
    ],
)  # fmt: skip
def test_an_unknown_event_on_a_line_without_a_helpdesk_is_kept(
    two_tenants: Scene, line: str, payload: dict[str, Any]
) -> None:
    scene = two_tenants
    receipt = scene.post(line, payload)
    [kept] = scene.inbox()
    assert receipt.status_code == 200 and receipt.body["stored"] == kept.id
    assert kept.line_id == line


def test_an_unknown_event_on_a_line_with_a_helpdesk_is_forwarded(two_tenants: Scene) -> None:
    scene = two_tenants
    payload = {
        "event": "messages.brand-new",
        "instance": "loja-a-recepcao",
        "data": {"x": 1},
        "date_time": "2026-03-10T13:00:00.000Z",
    }
    receipt = scene.post("a-evo", payload)
    assert len(receipt.forwards) == 1 and scene.inbox() == []


def test_an_informational_event_is_forwarded_but_not_kept(two_tenants: Scene) -> None:
    scene = two_tenants
    payload = {
        "event": "presence.update",
        "instance": "loja-a-recepcao",
        "data": {"id": "553188776655@s.whatsapp.net", "presences": {}},
        "date_time": "2026-03-10T13:00:00.000Z",
    }
    assert len(scene.post("a-evo", payload).forwards) == 1
    on_b = {**payload, "instance": "loja-b-recepcao"}
    assert scene.post("b-evo", on_b).status_code == 200
    assert scene.inbox() == []  # known and of no consequence: nothing for a person to do


def test_a_customer_message_always_reaches_the_helpdesk(two_tenants: Scene) -> None:
    """Applied (an opt-out, here) and forwarded: zapguard in the middle hides nothing."""
    scene = two_tenants
    receipt = scene.post("a-evo", scene.fixture("evolution_messages_upsert", "a-evo"))
    assert receipt.body["applied"] == 1 and len(receipt.forwards) == 1
    assert b"Sair" in receipt.forwards[0].body
