"""Meta's documented failed status with code 131049 holds marketing to that contact (ZG905); the same
webhook delivered again, or two of them in either order, give the same hold."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from webhook_scene import ANA, Scene, build_scene

from zapguard.policy.config import MarketingHoldConfig
from zapguard.policy.marketing_hold import held_until
from zapguard.store import marketing_holds

SENT = datetime.fromtimestamp(1773147800, tz=UTC)  # the documented payload's timestamp


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def scene(request: pytest.FixtureRequest) -> Iterator[Scene]:
    made = build_scene(request.getfixturevalue(f"{request.param}_url"))
    yield made
    made.store.close()


def failure(scene: Scene, wamid: str, ago: timedelta) -> dict[str, Any]:
    payload = copy.deepcopy(scene.fixture("cloud_status_failed", "a-meta"))
    status = payload["entry"][0]["changes"][0]["value"]["statuses"][0]
    status["id"] = wamid
    status["timestamp"] = str(int((SENT - ago).timestamp()))
    return payload


def failures(scene: Scene) -> list[datetime]:
    return marketing_holds.failures_since(
        scene.store, tenant_id="loja-a", contact=ANA, since=SENT - timedelta(days=30)
    )


def test_the_documented_131049_status_holds_marketing_to_the_contact(scene: Scene) -> None:
    receipt = scene.post("a-meta", scene.fixture("cloud_status_failed", "a-meta"))

    assert receipt.status_code == 200
    assert failures(scene) == [SENT]
    assert held_until(failures(scene), MarketingHoldConfig()) == SENT + timedelta(hours=24)
    # the other tenant's view of the same person is untouched
    assert (
        marketing_holds.failures_since(
            scene.store, tenant_id="loja-b", contact=ANA, since=SENT - timedelta(days=30)
        )
        == []
    )


def test_a_redelivered_131049_is_one_failure(scene: Scene) -> None:
    payload = scene.fixture("cloud_status_failed", "a-meta")
    for _ in range(3):
        scene.post("a-meta", payload)

    assert failures(scene) == [SENT]


@pytest.mark.parametrize("reverse", [False, True], ids=["in order", "reversed"])
def test_two_131049_in_either_order_give_the_same_hold(scene: Scene, reverse: bool) -> None:
    older = failure(scene, "wamid.OLD", timedelta(hours=30))
    newer = failure(scene, "wamid.NEW", timedelta(0))
    for payload in [newer, older] if reverse else [older, newer]:
        assert scene.post("a-meta", payload).status_code == 200

    assert held_until(failures(scene), MarketingHoldConfig()) == SENT + timedelta(hours=48)
