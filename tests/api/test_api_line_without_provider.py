"""A line registered by a replayed log has no provider: a message for it is refused when submitted,
saying which line and how to give it a provider, instead of waiting in the queue forever; and a
message for another line or for a pool is never rerouted onto it."""

from __future__ import annotations

from datetime import date

import pytest
from api_scene import CUSTOMER, Scene

from zapguard.domain.models import AccountType, Line, Role


def replayed_line(api: Scene, line_id: str = "a-replayed", *, pool: str = "receptive") -> None:
    """Register a line as ``zapguard replay`` does: no provider, only ever judged."""
    api.services.store.lines.add(
        line=Line(
            id=line_id,
            tenant_id="default",
            phone="+5511912349999",
            role=Role.RECEPTIVE,
            account=AccountType.BUSINESS,
            in_use_since=date(2023, 1, 2),
            pool=pool,
        ),
        registered_at=api.clock(),
    )


def queued(api: Scene) -> int:
    return len(api.client.get("/v1/messages").json())


def test_a_message_for_a_line_without_provider_is_refused_naming_the_line_and_the_fix(
    api: Scene,
) -> None:
    replayed_line(api)
    api.customer_writes("a-replayed")

    response = api.client.post(
        "/v1/messages", json={"to": CUSTOMER, "text": "Chega hoje!", "line": "a-replayed"}
    )

    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "line_cannot_send"
    for message in (error["message_pt"], error["message_en"]):
        assert "a-replayed" in message
        assert "zapguard lines provider a-replayed --provider" in message
    assert queued(api) == 0


def test_a_drop_in_send_on_a_line_without_provider_is_refused_in_the_dialects_shape(
    api: Scene,
) -> None:
    replayed_line(api)
    api.customer_writes("a-replayed")

    response = api.client.post(
        "/message/sendText/a-replayed", json={"number": CUSTOMER.lstrip("+"), "text": "Oi"}
    )

    assert response.status_code == 422, response.text
    body = response.json()
    assert body["status"] == 422
    assert "a-replayed" in body["response"]["message"][0]
    assert queued(api) == 0


def test_a_full_line_is_not_rerouted_onto_a_line_without_provider(api: Scene) -> None:
    api.add_line("sac", daily_cap=1)
    replayed_line(api)
    for line_id in ("sac", "a-replayed"):
        api.customer_writes(line_id)
    first = api.client.post("/v1/messages", json={"to": CUSTOMER, "text": "1", "line": "sac"})
    assert first.status_code == 202

    second = api.client.post("/v1/messages", json={"to": CUSTOMER, "text": "2", "line": "sac"})

    assert second.status_code == 429, second.text  # deferred on its own line, not rerouted
    assert second.json()["error"]["details"]["decision"]["line"] == "sac"
    assert [m["line"] for m in api.client.get("/v1/messages").json()] == ["sac"]


def test_a_pool_message_goes_to_the_pool_line_that_can_send(api: Scene) -> None:
    replayed_line(api)  # sorts first, and has as much headroom as the live one
    api.add_line("b-sac")
    for line_id in ("a-replayed", "b-sac"):
        api.customer_writes(line_id)

    response = api.client.post(
        "/v1/messages", json={"to": CUSTOMER, "text": "Chega hoje!", "pool": "receptive"}
    )

    assert response.status_code == 202, response.text
    assert response.json()["message"]["line"] == "b-sac"


@pytest.mark.parametrize("lines", [["a-replayed"], ["a-replayed", "b-replayed"]])
def test_a_pool_of_lines_without_provider_is_refused_naming_them(
    api: Scene, lines: list[str]
) -> None:
    for number, line_id in enumerate(lines):
        api.services.store.lines.add(
            line=Line(
                id=line_id,
                tenant_id="default",
                phone=f"+551191234999{number}",
                role=Role.RECEPTIVE,
                account=AccountType.BUSINESS,
                in_use_since=date(2023, 1, 2),
                pool="antigo",
            ),
            registered_at=api.clock(),
        )

    response = api.client.post(
        "/v1/messages", json={"to": CUSTOMER, "text": "Oi", "pool": "antigo"}
    )

    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "line_cannot_send"
    assert "antigo" in error["message_en"] and all(line in error["message_en"] for line in lines)
    assert queued(api) == 0
