"""A webhook counts once (issue 7, items 8 and 16): a status applies once per line, message and
status, and a payload is forwarded to a line's helpdesk once, however often the provider (or
someone replaying it) sends it again."""

from __future__ import annotations

import pytest
from webhook_scene import BY_ID, Scene

from zapguard.gateway.webhooks.forward import Forward
from zapguard.policy.config import PolicyConfig

SPAM = PolicyConfig().health.penalty_spam_failure
OTHER = PolicyConfig().health.penalty_other_failure


@pytest.mark.parametrize(
    ("name", "line", "cost"),
    [
        ("cloud_status_failed_131048", "a-meta", SPAM),  # Meta 131048, ten times: not 83 → 33
        ("waha_message_ack_error", "a-waha", OTHER),  # message.ack ERROR, same event id
        ("evolution_messages_update_error", "a-evo", OTHER),  # messages.update ERROR
    ],
)
def test_a_redelivered_failed_status_costs_health_once(
    two_tenants: Scene, name: str, line: str, cost: int
) -> None:
    scene = two_tenants
    payload = scene.fixture(name, line)

    receipts = [scene.post(line, payload) for _ in range(10)]

    assert {r.status_code for r in receipts} == {200}
    assert scene.record(line).health_score == 100 - cost
    assert [kind for kind, _, _ in scene.events(line)].count("failed") == 1


def test_two_failures_of_two_messages_cost_twice(two_tenants: Scene) -> None:
    """Once per message, not once per line: a second message's failure is news."""
    scene = two_tenants
    first = scene.fixture("cloud_status_failed_131048", "a-meta")
    second = scene.fixture("cloud_status_failed_131048", "a-meta")
    second["entry"][0]["changes"][0]["value"]["statuses"][0]["id"] = "wamid.outra-mensagem"

    scene.post("a-meta", first)
    scene.post("a-meta", second)
    scene.post("a-meta", first)

    assert scene.record("a-meta").health_score == 100 - 2 * SPAM


def test_the_same_message_failing_on_two_lines_costs_each_line(two_tenants: Scene) -> None:
    scene = two_tenants
    for line in ("a-bsp", "b-bsp"):
        scene.post(line, scene.fixture("cloud_status_failed_131048", line))
    assert scene.record("a-bsp").health_score == scene.record("b-bsp").health_score == 100 - SPAM


def test_a_replayed_webhook_is_forwarded_to_the_helpdesk_once(two_tenants: Scene) -> None:
    scene = two_tenants
    payload = scene.fixture("cloud_text", "a-meta")

    receipts = [scene.post("a-meta", payload) for _ in range(5)]

    forwards = [forward for receipt in receipts for forward in receipt.forwards]
    assert len(forwards) == 1
    assert forwards[0].url == BY_ID["a-meta"].helpdesk_url
    assert [r.body["forwarded"] for r in receipts] == [1, 0, 0, 0, 0]


def test_a_forward_that_could_not_be_delivered_is_passed_on_when_the_provider_retries(
    two_tenants: Scene,
) -> None:
    scene = two_tenants
    payload = scene.fixture("evolution_messages_upsert", "a-evo")
    [first] = scene.post("a-evo", payload).forwards

    scene.receiver.undelivered(first)  # the helpdesk was down: deliver() gave up
    [again] = scene.post("a-evo", payload).forwards
    assert scene.post("a-evo", payload).forwards == []  # delivered this time: once is enough

    assert isinstance(again, Forward) and again.body == first.body
    # The opt-out was applied once, whatever happened to the forward.
    assert [e[0] for e in scene.events("a-evo")].count("opt_out") == 1


def test_a_forward_the_helpdesk_never_took_is_kept_for_a_person(two_tenants: Scene) -> None:
    """Customer messages always reach someone: when the helpdesk is down, the inbox has them."""
    scene = two_tenants
    [forward] = scene.post("a-meta", scene.fixture("cloud_text", "a-meta")).forwards

    scene.receiver.undelivered(forward)

    [kept] = scene.inbox()
    assert (kept.tenant_id, kept.line_id, kept.source) == ("loja-a", "a-meta", "meta")
    assert "helpdesk" in kept.error and kept.body == forward.body.decode()
    assert kept.headers == {}  # the signature made with the helpdesk secret is not kept


def test_an_undelivered_evolution_forward_keeps_no_secret(two_tenants: Scene) -> None:
    scene = two_tenants
    scene.store.line_secrets.set(
        tenant_id="loja-a",
        line_id="a-evo",
        kind="helpdesk",
        secret="segredo-do-helpdesk-evo-a",
        at=scene.clock[0],
    )
    [forward] = scene.post("a-evo", scene.fixture("evolution_messages_upsert", "a-evo")).forwards
    assert b"segredo-do-helpdesk-evo-a" in forward.body  # what the helpdesk expects

    scene.receiver.undelivered(forward)

    [kept] = scene.inbox()
    assert "segredo-do-helpdesk-evo-a" not in kept.body


def test_an_unchanged_payload_about_two_lines_is_forwarded_once_to_each(two_tenants: Scene) -> None:
    """The operator's connection covers both tenants' lines: each helpdesk gets its own part."""
    scene = two_tenants
    for line, url in (("a-bsp", "https://helpdesk-a.example.com/bsp"), ("b-bsp", None)):
        scene.store.lines.set_helpdesk_url(tenant_id=BY_ID[line].tenant, line_id=line, url=url)
    payload = scene.fixture("cloud_text", "a-bsp")

    first = scene.post("a-bsp", payload)
    second = scene.post("a-bsp", payload)

    assert [f.url for f in first.forwards] == ["https://helpdesk-a.example.com/bsp"]
    assert second.forwards == []
