"""Each provider's documented payloads become the same provider-neutral happenings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from webhook_payloads import load

from zapguard.gateway.webhooks import Kind, WebhookParseError, chatwoot
from zapguard.providers.cloud import webhooks as cloud
from zapguard.providers.evolution import webhooks as evolution
from zapguard.providers.waha import webhooks as waha

ANA = "+5531988776655"
AT = datetime(2026, 3, 10, 13, 0, tzinfo=UTC)


# --- Cloud API ------------------------------------------------------------------------------------


def test_a_cloud_text_message_is_an_inbound_from_the_canonical_contact() -> None:
    [happening] = cloud.parse(load("cloud_text"))
    assert happening.kind is Kind.INBOUND
    assert happening.account == "106540352242922"
    assert happening.contact == ANA  # wa_id 553188776655 lacks the 9th digit
    assert happening.text == "Vocês entregam no sábado?"
    assert happening.provider_message_id == "wamid.HBgMNTUzMTg4Nzc2NjU1FQIAEhggQTFCMkMzRDRFNUY2"
    assert happening.at == AT


def test_a_batched_cloud_payload_is_read_whole_in_order() -> None:
    happenings = cloud.parse(load("cloud_batch"))
    summary = [(h.kind, h.account, h.provider_message_id) for h in happenings]
    assert summary == [
        (Kind.INBOUND, "106540352242922", "wamid.A1"),
        (Kind.INBOUND, "106540352242922", "wamid.A2"),
        (Kind.INBOUND, "106540352242922", "wamid.A3"),
        (Kind.INBOUND, "106540352242922", "wamid.A4"),
        (Kind.STATUS, "106540352242922", "wamid.S1"),
        (Kind.STATUS, "206540352242923", "wamid.S2"),
        (Kind.STATUS, "206540352242923", "wamid.S3"),
        (Kind.INBOUND, "206540352242923", "wamid.B1"),
    ]
    texts = [h.text for h in happenings if h.kind is Kind.INBOUND]
    assert texts == ["Oi", "Sim, quero", "Segunda via", None, "Bom dia"]
    assert [h.reference for h in happenings[5:7]] == ["zg-msg-41", "zg-msg-40"]


def test_a_cloud_read_status_needs_no_delivered_before_it() -> None:
    [happening] = cloud.parse(load("cloud_status_read_without_delivered"))
    assert (happening.kind, happening.status, happening.reference) == (
        Kind.STATUS,
        "read",
        "zg-msg-7",
    )
    assert happening.error_code is None


def test_a_cloud_failed_status_carries_its_error_code_and_reference() -> None:
    [happening] = cloud.parse(load("cloud_status_failed"))
    assert happening.status == "failed"
    assert happening.error_code == "131049"
    assert happening.reference == "zg-msg-9"
    assert happening.contact == ANA


def test_cloud_user_preferences_stop_is_a_preference_of_the_canonical_contact() -> None:
    [happening] = cloud.parse(load("cloud_user_preferences_stop"))
    assert (happening.kind, happening.status, happening.contact) == (Kind.PREFERENCE, "stop", ANA)


def test_a_cloud_quality_update_names_the_line_by_its_phone() -> None:
    [happening] = cloud.parse(load("cloud_quality_update"))
    assert happening.kind is Kind.QUALITY
    assert happening.status == "FLAGGED"
    assert happening.account == "+5511912340001"
    assert happening.data["account_by"] == "phone"
    assert happening.data["current_limit"] == "TIER_1K"


def test_a_cloud_group_message_is_unhandled_not_an_error() -> None:
    payload = load("cloud_text")
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    message["group_id"] = "120363025246125888"
    [happening] = cloud.parse(payload)
    assert happening.kind is Kind.UNHANDLED  # a person must see it, through helpdesk or inbox
    assert "group message" in happening.data["reason"]


def test_a_cloud_account_ban_is_a_banned_connection() -> None:
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "time": 1773148000,
                "changes": [
                    {
                        "field": "account_update",
                        "value": {
                            "phone_number": "5511912340001",
                            "event": "DISABLED_UPDATE",
                            "ban_info": {
                                "waba_ban_state": "DISABLE",
                                "waba_ban_date": "March 10, 2026",
                            },
                        },
                    }
                ],
            }
        ],
    }
    [happening] = cloud.parse(payload)
    assert (happening.kind, happening.status, happening.account) == (
        Kind.CONNECTION,
        "banned",
        "+5511912340001",
    )


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"object": "page", "entry": []}, "object"),
        ({"object": "whatsapp_business_account"}, "entry"),
        ({"object": "whatsapp_business_account", "entry": "x"}, "entry"),
        (
            {
                "object": "whatsapp_business_account",
                "entry": [{"changes": [{"field": "messages", "value": {"messages": []}}]}],
            },
            "metadata",
        ),
    ],
)
def test_a_payload_not_shaped_like_the_cloud_api_is_a_parse_error(
    payload: dict[str, object], reason: str
) -> None:
    with pytest.raises(WebhookParseError, match=reason) as raised:
        cloud.parse(payload)
    assert " / " in str(raised.value)  # pt-BR / English


# --- Evolution API --------------------------------------------------------------------------------


def test_an_evolution_upsert_from_the_contact_is_an_inbound() -> None:
    [happening] = evolution.parse(load("evolution_messages_upsert"))
    assert (happening.kind, happening.account, happening.contact, happening.text) == (
        Kind.INBOUND,
        "loja-recepcao",
        ANA,
        "Sair",
    )
    assert happening.at == AT


def test_an_evolution_upsert_from_me_was_typed_by_a_person() -> None:
    [happening] = evolution.parse(load("evolution_messages_upsert_from_me"))
    assert (happening.kind, happening.human, happening.text) == (
        Kind.OUTGOING,
        True,
        "Entregamos sim, até as 14h.",
    )


def test_an_evolution_send_message_went_through_the_api_so_not_a_person() -> None:
    [happening] = evolution.parse(load("evolution_send_message"))
    assert (happening.kind, happening.human, happening.contact) == (Kind.OUTGOING, False, ANA)


def test_an_evolution_messages_update_is_a_status() -> None:
    [happening] = evolution.parse(load("evolution_messages_update"))
    assert (happening.kind, happening.status, happening.provider_message_id) == (
        Kind.STATUS,
        "delivered",
        "3EB0C431C26A1916E07A",
    )


def test_an_evolution_close_carries_its_disconnect_reason() -> None:
    [happening] = evolution.parse(load("evolution_connection_update_401"))
    assert (happening.kind, happening.status, happening.error_code) == (
        Kind.CONNECTION,
        "close",
        "401",
    )


def test_evolution_group_messages_are_unhandled() -> None:
    [happening] = evolution.parse(load("evolution_group_message"))
    assert happening.kind is Kind.UNHANDLED and "group message" in happening.data["reason"]


def test_an_evolution_payload_without_instance_is_a_parse_error() -> None:
    payload = load("evolution_messages_upsert")
    del payload["instance"]
    with pytest.raises(WebhookParseError, match="instance"):
        evolution.parse(payload)


# --- WAHA -----------------------------------------------------------------------------------------


def test_a_waha_message_is_an_inbound() -> None:
    [happening] = waha.parse(load("waha_message"))
    assert (happening.kind, happening.account, happening.contact, happening.text) == (
        Kind.INBOUND,
        "loja-campanha",
        ANA,
        "PARAR",
    )


def test_a_waha_message_any_from_me_is_an_outgoing_by_a_person_on_the_app() -> None:
    [happening] = waha.parse(load("waha_message_any_from_me"))
    assert (happening.kind, happening.contact, happening.human) == (Kind.OUTGOING, ANA, True)


def test_a_waha_message_any_received_is_left_to_the_message_event() -> None:
    payload = load("waha_message")
    payload["event"] = "message.any"
    [happening] = waha.parse(payload)
    assert happening.kind is Kind.IGNORED


def test_a_waha_ack_is_a_status() -> None:
    [happening] = waha.parse(load("waha_message_ack"))
    assert (happening.kind, happening.status, happening.contact) == (Kind.STATUS, "read", ANA)


def test_a_failed_waha_session_is_a_logged_out_connection() -> None:
    [happening] = waha.parse(load("waha_session_status"))
    assert (happening.kind, happening.status, happening.data["provider_status"]) == (
        Kind.CONNECTION,
        "logged_out",
        "FAILED",
    )


# --- Chatwoot -------------------------------------------------------------------------------------


def test_a_chatwoot_agent_message_is_human_activity_on_the_line() -> None:
    [happening] = chatwoot.parse(load("chatwoot_agent_message"), line="recv")
    assert (happening.kind, happening.account, happening.human, happening.contact) == (
        Kind.OUTGOING,
        "recv",
        True,
        ANA,
    )


@pytest.mark.parametrize("name", ["chatwoot_bot_message", "chatwoot_automation_message"])
def test_chatwoot_bot_and_automation_messages_are_not_human(name: str) -> None:
    [happening] = chatwoot.parse(load(name), line="recv")
    assert happening.human is False


@pytest.mark.parametrize("name", ["chatwoot_private_note", "chatwoot_incoming"])
def test_chatwoot_private_notes_and_incoming_messages_are_ignored(name: str) -> None:
    assert [h.kind for h in chatwoot.parse(load(name), line="recv")] == [Kind.IGNORED]
