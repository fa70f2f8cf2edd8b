"""``GET /v1/plan`` and the pool capacity alert (seed tip 5), over HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from api_scene import CUSTOMER, SAO_PAULO, Scene, instant_policy, scene

from zapguard.policy.config import PolicyConfig
from zapguard.store.api_keys import create_key

# -- GET /v1/plan -----------------------------------------------------------------------------


def test_plan_answers_the_lines_a_volume_needs_and_why(api: Scene) -> None:
    response = api.client.get("/v1/plan", params={"per_day": 9600, "campaign_share": 0.5})
    assert response.status_code == 200, response.text
    body = response.json()
    # 4,800 each way; a line is planned at 80% of 6,000 = 4,800.
    assert (body["per_day"], body["receptive_lines"], body["campaign_lines"]) == (9600, 1, 1)
    today = api.clock().astimezone(SAO_PAULO).date()
    assert body["full_capacity_on"] == (today + timedelta(days=15)).isoformat()
    assert all(reason["pt"] and reason["en"] for reason in body["reasons"])
    assert "4.800" in body["reasons"][0]["pt"] and "4,800" in body["reasons"][0]["en"]


def test_plan_rounds_lines_up(api: Scene) -> None:
    body = api.client.get("/v1/plan", params={"per_day": 9601, "campaign_share": 0}).json()
    assert (body["receptive_lines"], body["campaign_lines"]) == (3, 0)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"per_day": 0}, "per_day"),
        ({"per_day": 100, "campaign_share": 1.5}, "campaign_share"),
        ({"per_day": "muitas"}, "per_day"),
        ({}, "per_day"),
    ],
)
def test_plan_refuses_bad_parameters_in_portuguese_and_english(
    api: Scene, params: dict[str, Any], field: str
) -> None:
    response = api.client.get("/v1/plan", params=params)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert field in error["message_pt"] and field in error["message_en"]
    assert error["message_pt"].startswith("Requisição inválida")


def test_plan_needs_the_tenant_key_once_keys_exist(api: Scene) -> None:
    key, _ = create_key(api.services.store, tenant_id="default", name="t", at=api.clock())
    assert api.client.get("/v1/plan", params={"per_day": 10}).status_code == 401
    response = api.client.get(
        "/v1/plan", params={"per_day": 10}, headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 200


# -- the pool capacity alert --------------------------------------------------------------------


def _small_caps() -> PolicyConfig:
    """Lines of 5 messages a day, so a pool of two crosses 80% at its 9th message."""
    policy = instant_policy()
    return policy.model_copy(update={"volume": policy.volume.model_copy(update={"daily_cap": 5})})


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("redis counters", marks=pytest.mark.redis),
    ]
)
def pool(request: pytest.FixtureRequest, simulator_url: str) -> Iterator[Scene]:
    httpx.post(f"{simulator_url}/_simulator/reset")
    url = request.getfixturevalue("postgres_url" if request.param == "postgres" else "sqlite_url")
    counters = request.getfixturevalue("redis_url") if request.param == "redis counters" else None
    with scene(url, simulator_url, _small_caps(), counters_url=counters) as made:
        made.add_line("sac")
        made.add_line("sac2", phone="+55 11 91234-0009", provider_account="100200399")
        made.customer_writes("sac")
        made.customer_writes("sac2")
        yield made


def _send(api: Scene, line: str, count: int) -> None:
    for n in range(count):
        response = api.client.post(
            "/v1/messages", json={"to": CUSTOMER, "text": f"Resposta {n}", "line": line}
        )
        assert response.status_code in (200, 201, 202), response.text
        assert response.json()["status"] == "queued", response.text


def _alerts(api: Scene) -> list[dict[str, Any]]:
    events = api.client.get("/v1/events", params={"limit": 500}).json()
    return [e for e in events if e["kind"] in ("alert", "alert_cleared") and e["code"] == "ZG501"]


def test_a_pool_under_80_percent_raises_no_alert(pool: Scene) -> None:
    _send(pool, "sac", 4)
    _send(pool, "sac2", 4)  # 8 of 10: at 80%, not past it
    assert pool.services.pool_alerts.check() == []
    assert _alerts(pool) == []


def test_a_pool_past_80_percent_alerts_once_naming_the_lines_to_add(pool: Scene) -> None:
    _send(pool, "sac", 5)
    _send(pool, "sac2", 4)  # 9 of 10
    pool.services.pool_alerts.check()
    (alert,) = _alerts(pool)
    assert alert["kind"] == "alert" and alert["line"] is None
    data = alert["data"]
    assert (data["pool"], data["used"], data["cap"], data["add_lines"]) == (
        "receptive",
        "9",
        "10",
        "1",
    )
    assert "90% do limite somado de 10" in data["message_pt"]
    assert "Adicione 1 linha(s)" in data["message_pt"] and "dica 5" in data["message_pt"]
    assert "Add 1 line(s)" in data["message_en"] and "seed tip 5" in data["message_en"]

    # Not one per message, nor one per round: the pool stays over, the alert stays one.
    _send(pool, "sac2", 1)
    pool.services.pool_alerts.check()
    pool.services.pool_alerts.check()
    pool.services.pool_alerts.forget()  # another worker taking the job reads the recorded state
    assert pool.services.pool_alerts.check() == []
    assert len(_alerts(pool)) == 1


def test_a_new_crossing_after_the_pool_fell_back_alerts_again(pool: Scene) -> None:
    _send(pool, "sac", 5)
    _send(pool, "sac2", 4)
    pool.services.pool_alerts.check()

    pool.clock.advance(hours=25)  # the window empties
    (cleared,) = pool.services.pool_alerts.check()
    assert cleared.kind == "alert_cleared"
    assert pool.services.pool_alerts.check() == []

    pool.customer_writes("sac")
    pool.customer_writes("sac2")
    _send(pool, "sac", 5)
    _send(pool, "sac2", 4)
    (again,) = pool.services.pool_alerts.check()
    assert again.kind == "alert"
    assert [a["kind"] for a in _alerts(pool)] == ["alert", "alert_cleared", "alert"]


def test_the_pool_check_is_a_named_job_of_the_server(pool: Scene) -> None:
    from zapguard.gateway.pool_alerts import PoolCapacityJob

    registry = pool.services.jobs._registry  # the runner's registry: what every worker runs
    job = registry.get("pool-capacity")
    assert isinstance(job, PoolCapacityJob)
