"""Meta's template webhooks set the state of a tenant's template (ZG507), in the documented shapes of
``message_template_status_update`` and ``message_template_quality_update`` (developers.facebook.com/
documentation/business-messaging/whatsapp/webhooks/reference/message_template_status_update and
.../message_template_quality_update); late, repeated and reordered deliveries leave the state of
the latest instant, a tie resolved the same way whatever the order."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from webhook_payloads import load
from webhook_scene import META_WABA, Scene, build_waba_scene, deliver_meta

from zapguard.policy.snapshot import TemplateView
from zapguard.providers.cloud import webhooks as cloud
from zapguard.providers.happening import Kind
from zapguard.store import templates

WABA = META_WABA
T0 = 1773130000


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def scene(request: pytest.FixtureRequest) -> Iterator[Scene]:
    made = build_waba_scene(request.getfixturevalue(f"{request.param}_url"))
    yield made
    made.store.close()


deliver = deliver_meta


def state(scene: Scene, tenant: str = "loja-a") -> TemplateView | None:
    return templates.view(scene.store, tenant_id=tenant, name="pedido_enviado")


def status_update(event: str, *, at: int) -> dict[str, Any]:
    payload = copy.deepcopy(load("cloud_message_template_status_update"))
    payload["entry"][0]["time"] = at
    payload["entry"][0]["changes"][0]["value"]["event"] = event
    return payload


def quality_update(score: str, *, at: int) -> dict[str, Any]:
    payload = copy.deepcopy(load("cloud_message_template_quality_update"))
    payload["entry"][0]["time"] = at
    payload["entry"][0]["changes"][0]["value"]["new_quality_score"] = score
    return payload


def test_the_parser_reads_metas_documented_status_update() -> None:
    [happening] = cloud.parse(load("cloud_message_template_status_update"))

    assert happening.kind is Kind.QUALITY and happening.account == WABA
    assert happening.status == cloud.TEMPLATE_STATUS
    assert happening.data["template"] == "pedido_enviado"
    assert happening.data["template_status"] == "PAUSED"
    assert happening.data["language"] == "pt_BR" and happening.data["account_by"] == "waba"
    assert happening.at == datetime.fromtimestamp(1773140000, UTC)


def test_the_parser_reads_metas_documented_quality_update() -> None:
    [happening] = cloud.parse(load("cloud_message_template_quality_update"))

    assert happening.status == cloud.TEMPLATE_QUALITY
    assert happening.data["template_quality"] == "RED"
    assert "template_status" not in happening.data


def test_a_reinstated_template_reads_approved() -> None:
    [happening] = cloud.parse(status_update("REINSTATED", at=T0))

    assert happening.data["template_status"] == "APPROVED"


def test_a_status_update_without_a_template_name_is_a_parse_error() -> None:
    payload = status_update("PAUSED", at=T0)
    del payload["entry"][0]["changes"][0]["value"]["message_template_name"]

    with pytest.raises(cloud.WebhookParseError):
        cloud.parse(payload)


def test_a_status_update_sets_the_template_state_of_the_accounts_tenant(scene: Scene) -> None:
    assert deliver(scene, load("cloud_message_template_status_update")) == 200

    found = state(scene)
    assert found is not None and found.status == "PAUSED"
    assert state(scene, tenant="loja-b") is None


def test_a_quality_update_sets_the_template_quality_and_its_instant(scene: Scene) -> None:
    assert deliver(scene, load("cloud_message_template_quality_update")) == 200

    found = state(scene)
    assert found is not None and found.quality == "RED" and found.status is None
    assert found.quality_at == datetime.fromtimestamp(1773140000, UTC)


def test_a_template_update_does_not_pause_the_line(scene: Scene) -> None:
    deliver(scene, load("cloud_message_template_quality_update"))

    record = scene.store.lines.record(line_id="c-meta")
    assert record is not None and record.line.state.value == "active"


def test_replayed_and_reordered_webhooks_leave_the_latest_state(scene: Scene) -> None:
    paused, approved = status_update("PAUSED", at=T0), status_update("APPROVED", at=T0 + 3600)
    red, green = quality_update("RED", at=T0), quality_update("GREEN", at=T0 + 60)

    for payload in (approved, green, paused, red, approved, paused, red, green):
        assert deliver(scene, payload) == 200

    found = state(scene)
    assert found is not None and (found.status, found.quality) == ("APPROVED", "GREEN")


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_webhooks_of_the_same_instant_give_the_same_state_in_any_order(
    scene: Scene, order: tuple[int, ...]
) -> None:
    same = [status_update("APPROVED", at=T0), status_update("PAUSED", at=T0),
            quality_update("YELLOW", at=T0)]  # fmt: skip
    for index in order:
        deliver(scene, same[index])
    deliver(scene, quality_update("RED", at=T0))

    found = state(scene)
    assert found is not None and (found.status, found.quality) == ("PAUSED", "RED")


def test_a_template_update_for_an_account_without_lines_is_kept_for_a_person(
    scene: Scene,
) -> None:
    payload = copy.deepcopy(load("cloud_message_template_status_update"))
    payload["entry"][0]["id"] = "999999999"

    assert deliver(scene, payload) in (200, 202)
    assert len(scene.inbox()) == 1
