"""Ban-level codes pause and alert (item 12); future-dated events are brought back to the receipt
time (item 13); no timestamp, however long, makes a parser answer 500 (item 15)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from webhook_payloads import load
from webhook_scene import ANA, NOW, Scene, build_scene

from zapguard.domain.models import LineState
from zapguard.gateway.webhooks.chatwoot_signature import sign_chatwoot
from zapguard.policy.config import PolicyConfig

# --- ban-level codes (item 12) --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["cloud_status_failed_131031", "cloud_status_failed_368"])
def test_a_ban_level_failure_pauses_the_line_and_alerts(two_tenants: Scene, name: str) -> None:
    scene = two_tenants
    assert scene.post("a-meta", scene.fixture(name, "a-meta")).status_code == 200
    assert scene.record("a-meta").line.state is LineState.PAUSED
    alerts = [e for e in scene.events("a-meta") if e[0] == "alert"]
    assert alerts == [("alert", "a-meta", "provider_ban_signal")]


def test_a_spam_rate_failure_costs_health_but_does_not_pause(two_tenants: Scene) -> None:
    scene = two_tenants
    scene.post("a-meta", scene.fixture("cloud_status_failed_131048", "a-meta"))
    assert scene.record("a-meta").line.state is LineState.ACTIVE


@pytest.mark.parametrize(
    ("reason", "paused"), [(402, True), (406, True), (440, False), (515, False)]
)
def test_baileys_disconnect_reasons_that_mean_a_ban_pause_the_line(
    two_tenants: Scene, reason: int, paused: bool
) -> None:
    """402 temporary ban, 406 banned; 440 (session replaced) and 515 (restart) are reconnected by
    Evolution itself."""
    scene = two_tenants
    payload = scene.fixture("evolution_connection_update_401", "b-evo")
    payload["data"]["statusReason"] = reason
    scene.post("b-evo", payload)
    assert (scene.record("b-evo").line.state is LineState.PAUSED) is paused


def test_the_ban_level_codes_are_configurable(sqlite_url: str) -> None:
    seed = PolicyConfig()
    health = seed.health.model_copy(update={"ban_codes": ["131026"]})
    scene = build_scene(sqlite_url, config=seed.model_copy(update={"health": health}))
    payload = scene.fixture("cloud_status_failed_131031", "a-meta")
    status = payload["entry"][0]["changes"][0]["value"]["statuses"][0]
    status["errors"][0]["code"] = 131026
    scene.post("a-meta", payload)
    assert scene.record("a-meta").line.state is LineState.PAUSED
    scene.store.close()


# --- future-dated events (item 13) ----------------------------------------------------------------


def in_2030(payload: dict[str, Any]) -> dict[str, Any]:
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    message["timestamp"] = str(int(datetime(2030, 1, 1, tzinfo=UTC).timestamp()))
    return payload


def test_an_inbound_dated_in_2030_opens_the_window_at_the_receipt_time(
    two_tenants: Scene, caplog: pytest.LogCaptureFixture
) -> None:
    scene = two_tenants
    with caplog.at_level(logging.WARNING):
        receipt = scene.post("a-meta", in_2030(scene.fixture("cloud_text", "a-meta")))

    assert receipt.status_code == 200 and receipt.body["applied"] == 1
    conversation = scene.store.conversations.of_contact(tenant_id="loja-a", contact=ANA)["a-meta"]
    assert conversation.last_inbound_at == NOW
    assert any(
        "2030-01-01" in r.getMessage() and "future" in r.getMessage() for r in caplog.records
    )


def test_a_clamped_event_keeps_its_original_time(two_tenants: Scene) -> None:
    scene = two_tenants
    payload = scene.fixture("evolution_connection_update_401", "b-evo")
    payload["date_time"] = "2031-05-05T10:00:00.000Z"
    scene.post("b-evo", payload)
    [alert] = [
        e
        for e in scene.store.journal.events(tenant_id="loja-b", line_id="b-evo")
        if e.kind == "alert"
    ]
    assert alert.at == NOW
    assert alert.data["original_at"].startswith("2031-05-05T10:00:00")


def test_an_event_a_little_ahead_of_our_clock_keeps_its_time(two_tenants: Scene) -> None:
    scene = two_tenants
    payload = scene.fixture("cloud_text", "a-meta")
    ahead = NOW + timedelta(minutes=2)
    payload["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] = str(
        int(ahead.timestamp())
    )
    scene.post("a-meta", payload)
    conversation = scene.store.conversations.of_contact(tenant_id="loja-a", contact=ANA)["a-meta"]
    assert conversation.last_inbound_at == ahead


# --- timestamps no parser may choke on (item 15) --------------------------------------------------

HUGE = "9" * 20


def test_a_huge_chatwoot_timestamp_is_a_401_not_a_500(two_tenants: Scene) -> None:
    scene = two_tenants
    body = json.dumps(load("chatwoot_agent_message")).encode()
    for stamp in (HUGE, "9" * 400, "1e308", "-1", "１２３"):
        headers = {
            "X-Chatwoot-Signature": sign_chatwoot(body, "segredo-chatwoot-da-loja-a", stamp),
            "X-Chatwoot-Timestamp": stamp,
        }
        receipt = scene.receiver.receive(
            provider="chatwoot", headers=headers, body=body, line="a-meta"
        )
        assert receipt.status_code == 401, stamp


@pytest.mark.parametrize(
    ("line", "name", "place"),
    [
        ("a-meta", "cloud_text", ("entry", 0, "changes", 0, "value", "messages", 0, "timestamp")),
        ("a-meta", "cloud_status_failed", ("entry", 0, "changes", 0, "value", "statuses", 0,
                                           "timestamp")),
        ("b-evo", "evolution_messages_upsert", ("data", "messageTimestamp")),
        ("b-evo", "evolution_connection_update_401", ("date_time",)),
        ("b-waha", "waha_message", ("payload", "timestamp")),
        ("b-waha", "waha_message_ack", ("timestamp",)),
    ],
)  # fmt: skip
@pytest.mark.parametrize("stamp", [HUGE, int(HUGE), 1e300, "+99999-01-01T00:00:00Z", 0.5])
def test_a_signed_payload_with_an_impossible_timestamp_goes_to_the_inbox(
    two_tenants: Scene, line: str, name: str, place: tuple[Any, ...], stamp: Any
) -> None:
    scene = two_tenants
    payload = scene.fixture(name, line)
    target: Any = payload
    for step in place[:-1]:
        target = target[step]
    target[place[-1]] = stamp

    receipt = scene.post(line, payload)

    assert receipt.status_code == 200, receipt.body
    [kept] = scene.inbox()
    assert receipt.body["stored"] == kept.id and "instant" in kept.error
