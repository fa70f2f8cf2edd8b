"""A webhook only touches lines of the tenant it was signed for (issue 7, item 3).

Two tenants share the operator's provider connections; every line has its own secrets. A payload
signed with tenant A's secret but naming tenant B's line must change nothing on B's line, whatever
the provider and whatever the payload says (an opt-out, a failure, a lost connection, a person's
answer)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from webhook_payloads import load
from webhook_scene import ANA, BSP_SECRET, BY_ID, Scene

from zapguard.config import ConfigError
from zapguard.domain.models import Author, Category, Decision, LineState, OutgoingMessage, Verdict
from zapguard.service_config import load_service_config


def state_of(scene: Scene, line: str, tenant: str) -> tuple[Any, ...]:
    """Everything a webhook could have changed on ``line``."""
    record = scene.record(line)
    conversations = scene.store.conversations.of_contact(tenant_id=tenant, contact=ANA)
    return (
        record.line.state,
        record.health_score,
        record.health_at,
        record.last_human_at,
        scene.consent_active(tenant),
        conversations.get(line),
        scene.events(line),
    )


# (fixture, provider of the victim line): payloads that would each change something.
ATTACKS = [
    ("cloud_user_preferences_stop", "b-meta"),  # opt-out
    ("cloud_status_failed_131048", "b-meta"),  # health
    ("cloud_status_failed_131031", "b-meta"),  # pause
    ("cloud_quality_update", "b-meta"),  # pause (names the number)
    ("evolution_messages_upsert", "b-evo"),  # opt-out "Sair"
    ("evolution_connection_update_401", "b-evo"),  # pause
    ("evolution_messages_upsert_from_me", "b-evo"),  # human activity
    ("waha_message", "b-waha"),  # opt-out "PARAR"
    ("waha_session_status", "b-waha"),  # pause
    ("waha_message_any_from_me", "b-waha"),  # human activity
]
SIGNER = {"b-meta": "a-meta", "b-evo": "a-evo", "b-waha": "a-waha"}


def aimed_at(scene: Scene, name: str, victim: str) -> dict[str, Any]:
    payload = scene.fixture(name, victim)
    if name == "cloud_quality_update":  # names the number, not the phone_number_id
        value = payload["entry"][0]["changes"][0]["value"]
        value["display_phone_number"] = BY_ID[victim].phone.lstrip("+")
    return payload


@pytest.mark.parametrize(("name", "victim"), ATTACKS)
def test_another_tenants_secret_cannot_act_on_a_line_it_names(
    two_tenants: Scene, name: str, victim: str
) -> None:
    scene = two_tenants
    before = state_of(scene, victim, "loja-b")

    receipt = scene.post(victim, aimed_at(scene, name, victim), signed_by=SIGNER[victim])

    assert receipt.status_code == 401
    assert receipt.forwards == [] and receipt.replies == []
    assert state_of(scene, victim, "loja-b") == before
    assert scene.inbox() == []  # a forgery is not kept


@pytest.mark.parametrize(("name", "victim"), ATTACKS)
def test_the_same_payload_signed_with_the_lines_own_secret_applies(
    two_tenants: Scene, name: str, victim: str
) -> None:
    """The counterpart: the attacks above fail because of the proof, not because of the payload."""
    scene = two_tenants
    before = state_of(scene, victim, "loja-b")

    receipt = scene.post(victim, aimed_at(scene, name, victim))

    assert receipt.status_code == 200, receipt.body
    assert state_of(scene, victim, "loja-b") != before


@pytest.mark.parametrize("name", ["chatwoot_agent_message", "chatwoot_bot_message"])
def test_another_tenants_chatwoot_secret_cannot_act_on_a_line(
    two_tenants: Scene, name: str
) -> None:
    scene = two_tenants
    before = state_of(scene, "b-meta", "loja-b")

    receipt = scene.post("b-meta", load(name), signed_by="a-meta", chatwoot=True)

    assert receipt.status_code == 401
    assert state_of(scene, "b-meta", "loja-b") == before
    own = scene.post("b-meta", load("chatwoot_agent_message"), chatwoot=True)
    assert own.status_code == 200 and scene.record("b-meta").last_human_at is not None


def test_a_line_without_a_chatwoot_secret_accepts_no_chatwoot_webhook(two_tenants: Scene) -> None:
    """Chatwoot has no operator-level secret any more: no secret on the line, no webhook."""
    scene = two_tenants
    receipt = scene.post(
        "a-evo", load("chatwoot_agent_message"), chatwoot=True, secret="qualquer-segredo-aqui"
    )
    assert receipt.status_code == 401
    assert scene.record("a-evo").last_human_at is None


def test_a_batch_signed_for_one_tenant_applies_only_to_that_tenants_line(
    two_tenants: Scene,
) -> None:
    """A Cloud API batch naming both tenants' numbers, signed with tenant A's app secret."""
    scene = two_tenants
    batch = load("cloud_batch")
    accounts = iter(["111000111", "222000222"])
    for entry in batch["entry"]:
        account = next(accounts)
        for change in entry["changes"]:
            change["value"]["metadata"]["phone_number_id"] = account
    before_b = state_of(scene, "b-meta", "loja-b")

    receipt = scene.post("a-meta", batch)

    assert receipt.status_code == 200
    assert state_of(scene, "b-meta", "loja-b") == before_b
    assert scene.store.conversations.of_contact(tenant_id="loja-a", contact=ANA)[
        "a-meta"
    ].inbound_count
    [kept] = scene.inbox()
    # The reason names the account the payload named, never the other tenant's line.
    assert "222000222" in kept.error and "proof covers" in kept.error and "b-meta" not in kept.error
    # Tenant A's helpdesk gets only tenant A's part of the batch.
    [forward] = receipt.forwards
    assert forward.url == BY_ID["a-meta"].helpdesk_url
    assert b"222000222" not in forward.body and b"111000111" in forward.body


def test_the_operators_connection_secret_covers_every_line_of_that_connection(
    two_tenants: Scene,
) -> None:
    scene = two_tenants
    for line in ("a-bsp", "b-bsp"):
        receipt = scene.post(line, scene.fixture("cloud_status_failed_131048", line))
        assert receipt.status_code == 200
        assert scene.record(line).health_score == 95
    # ... and only that connection's: the operator's secret is no key to the "meta" lines.
    forged = scene.post("b-meta", scene.fixture("cloud_status_failed", "b-meta"), secret=BSP_SECRET)
    assert forged.status_code == 401


def test_an_evolution_apikey_is_compared_with_the_instance_token(two_tenants: Scene) -> None:
    """Evolution v2 fills ``apikey`` with the instance's own token (``channel.service.ts``); an
    instance without one sends the text "Apikey not found", which proves nothing."""
    scene = two_tenants
    payload = scene.fixture("evolution_connection_update_401", "a-evo")
    assert scene.post("a-evo", payload, secret="Apikey not found").status_code == 401
    assert scene.record("a-evo").line.state is LineState.ACTIVE
    assert scene.post("a-evo", payload).status_code == 200
    assert scene.record("a-evo").line.state is LineState.PAUSED


def test_an_unreadable_payload_signed_by_a_line_is_kept_under_that_line(two_tenants: Scene) -> None:
    scene = two_tenants
    payload = {"event": "messages.upsert", "data": {"key": {}}}  # no instance: cannot be read

    receipt = scene.post("b-evo", payload)

    assert receipt.status_code == 200
    [kept] = scene.inbox()
    assert (kept.tenant_id, kept.line_id) == ("loja-b", "b-evo")
    assert "token-da-instancia" not in kept.body  # the instance token is a secret


def test_a_chatwoot_secret_in_the_server_section_is_a_configuration_error_saying_where_it_went(
    tmp_path: Path,
) -> None:
    config = tmp_path / "zapguard.toml"
    config.write_text('[server]\nchatwoot_secret = "segredo"\n', encoding="utf-8")

    with pytest.raises(ConfigError) as raised:
        load_service_config(config)

    message = str(raised.value)
    assert "chatwoot_secret" in message
    assert "zapguard lines secret" in message and "/secrets/chatwoot" in message
    assert 'segredo"' not in message and "'segredo'" not in message  # the value is not echoed


def test_a_forward_secret_in_a_provider_is_a_configuration_error_saying_where_it_went(
    tmp_path: Path,
) -> None:
    config = tmp_path / "zapguard.toml"
    config.write_text(
        '[providers.meta]\nkind = "cloud"\nbase_url = "https://graph.facebook.com"\n'
        'forward_secret = "segredo"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="/secrets/helpdesk"):
        load_service_config(config)


def test_a_tenants_status_webhook_never_settles_another_tenants_message(two_tenants: Scene) -> None:
    """``biz_opaque_callback_data`` names zapguard's own message id: a tenant signing a status for
    its own line cannot use it to mark another tenant's message failed."""
    scene = two_tenants
    message = OutgoingMessage(
        tenant_id="loja-b", contact=ANA, category=Category.REPLY, author=Author.AGENT, text="Oi"
    )
    entry = scene.outbox.enqueue(
        message=message,
        decision=Decision(Verdict.ALLOW, "b-meta"),
        decision_id=None,
        now=datetime(2026, 3, 10, 12, tzinfo=UTC),
    )
    payload = scene.fixture("cloud_status_failed", "a-meta")
    status = payload["entry"][0]["changes"][0]["value"]["statuses"][0]
    status["biz_opaque_callback_data"] = entry.public_id
    status["id"] = "wamid.desconhecido"

    assert scene.post("a-meta", payload).status_code == 200

    settled = scene.outbox.get(tenant_id="loja-b", public_id=entry.public_id)
    assert settled is not None and settled.delivery_status is None


def test_two_sections_for_one_evolution_server_are_a_configuration_error(tmp_path: Path) -> None:
    """Instance names are unique per server, not per section: two sections for one server would
    let two tenants each hold the same instance, one under each section's name."""
    config = tmp_path / "zapguard.toml"
    config.write_text(
        '[providers.evo_a]\nkind = "evolution"\nbase_url = "https://evo.example.com.br"\n'
        '[providers.evo_b]\nkind = "evolution"\nbase_url = "https://EVO.example.com.br/"\n',
        encoding="utf-8",
    )

    with pytest.raises(ConfigError) as raised:
        load_service_config(config)

    message = str(raised.value)
    assert "[providers.evo_a]" in message and "[providers.evo_b]" in message
    assert "mesmo servidor" in message and "same evolution server" in message


def test_several_meta_apps_may_share_the_graph_api(tmp_path: Path) -> None:
    config = tmp_path / "zapguard.toml"
    config.write_text(
        '[providers.meta_a]\nkind = "cloud"\nbase_url = "https://graph.facebook.com"\n'
        '[providers.meta_b]\nkind = "cloud"\nbase_url = "https://graph.facebook.com"\n',
        encoding="utf-8",
    )

    assert set(load_service_config(config).providers) == {"meta_a", "meta_b"}
