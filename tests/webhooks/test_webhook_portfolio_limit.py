"""Meta's tier webhooks set the messaging limit of the line's business portfolio (ZG506), in the
documented shapes of ``phone_number_quality_update`` and ``business_capability_update``; late,
repeated and reordered deliveries leave the limit of the latest instant."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from webhook_payloads import load
from webhook_scene import META_SECRET, META_WABA, Scene, build_waba_scene, deliver_meta

from zapguard.providers.cloud import webhooks as cloud
from zapguard.providers.cloud.signature import sign_cloud
from zapguard.store import portfolios

WABA = META_WABA


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def scene(request: pytest.FixtureRequest) -> Iterator[Scene]:
    made = build_waba_scene(request.getfixturevalue(f"{request.param}_url"))
    yield made
    made.store.close()


deliver = deliver_meta


def limit_of(scene: Scene) -> int | None:
    [use] = portfolios.uses(
        scene.store, tenant_id="loja-a", keys=["p1"], since=scene.clock[0], unknown_limit=250
    )
    assert use.known
    return use.limit


def tier(value: Any, *, at: int, event: str = "UPGRADE", field: str = "max") -> dict[str, Any]:
    payload = copy.deepcopy(load("cloud_quality_update_tier"))
    entry = payload["entry"][0]
    entry["time"] = at
    change = entry["changes"][0]["value"]
    change["event"] = event
    if field == "max":
        change["max_daily_conversations_per_business"] = value
    else:
        del change["max_daily_conversations_per_business"]
        change["current_limit"] = value
    return payload


def test_a_quality_update_with_a_tier_sets_the_portfolios_limit(scene: Scene) -> None:
    assert deliver(scene, load("cloud_quality_update_tier")) == 200

    assert limit_of(scene) == 2000


def test_a_business_capability_update_sets_the_limit_of_the_accounts_portfolio(
    scene: Scene,
) -> None:
    assert deliver(scene, load("cloud_business_capability_update")) == 200

    assert limit_of(scene) == 10000


def test_minus_one_is_unlimited(scene: Scene) -> None:
    payload = copy.deepcopy(load("cloud_business_capability_update"))
    payload["entry"][0]["changes"][0]["value"]["max_daily_conversations_per_business"] = -1

    assert deliver(scene, payload) == 200

    assert limit_of(scene) is None


def test_replayed_and_reordered_tier_webhooks_leave_the_latest_limit(scene: Scene) -> None:
    t0 = 1773148000
    older, newer = tier("TIER_2K", at=t0), tier("TIER_100K", at=t0 + 3600)

    for payload in (newer, older, newer, older):
        assert deliver(scene, payload) == 200

    assert limit_of(scene) == 100000


def test_an_unlimited_throughput_level_is_not_a_messaging_limit(scene: Scene) -> None:
    deliver(scene, tier("TIER_2K", at=1773148000))

    deliver(scene, tier("TIER_UNLIMITED", at=1773149000, event="THROUGHPUT_UPGRADE", field="cur"))

    assert limit_of(scene) == 2000


def test_the_parser_reads_every_documented_tier() -> None:
    expected = {"TIER_250": 250, "TIER_2K": 2000, "TIER_10K": 10000, "TIER_100K": 100000,
                "TIER_UNLIMITED": None, "TIER_1K": 1000, "TIER_50": 50}  # fmt: skip
    for name, limit in expected.items():
        [happening] = cloud.parse(tier(name, at=1773148000))
        found = cloud.messaging_limit(happening)
        assert found is not None and found.limit == limit, name
    [not_set] = cloud.parse(tier("TIER_NOT_SET", at=1773148000))
    assert cloud.messaging_limit(not_set) is None


def test_a_capability_update_for_an_account_without_lines_is_kept_for_a_person(
    scene: Scene,
) -> None:
    payload = copy.deepcopy(load("cloud_business_capability_update"))
    payload["entry"][0]["id"] = "999999999"
    body = json.dumps(payload).encode()

    receipt = scene.receiver.receive(
        provider="meta", headers={"X-Hub-Signature-256": sign_cloud(body, META_SECRET)}, body=body
    )

    assert receipt.status_code in (200, 202)
    assert len(scene.inbox()) == 1
