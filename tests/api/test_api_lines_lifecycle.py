"""A line's life over the API: registered with a believable date, retired with its history kept, or
deleted when it has none; and conflicts that tell one tenant nothing about another."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from api_scene import CUSTOMER, Scene

from zapguard.domain.models import AccountType, Line, Role, StatusKind
from zapguard.gateway.snapshots import line_quota_key
from zapguard.store.api_keys import create_key


def _key(api: Scene, tenant: str) -> dict[str, str]:
    api.services.store.tenants.ensure(tenant_id=tenant, name=tenant)
    key, _ = create_key(api.services.store, tenant_id=tenant, name="test", at=api.clock())
    return {"Authorization": f"Bearer {key}"}


def _line_body(line_id: str = "sac", **fields: Any) -> dict[str, Any]:
    return {
        "id": line_id,
        "phone": "+55 11 91234-0001",
        "role": "receptive",
        "in_use_since": "2023-01-02",
        "provider": "simulator",
        "provider_account": "100200300",
        **fields,
    }


def _quota_in_use(api: Scene, line_id: str = "sac") -> int:
    since = api.clock() - timedelta(days=2)
    return api.services.counters.count(line_quota_key("default", line_id), since)


# --- in_use_since --------------------------------------------------------------------------------


def test_a_line_dated_more_than_a_day_ahead_is_refused_with_a_clear_422(api: Scene) -> None:
    later = (api.clock().date() + timedelta(days=2)).isoformat()

    refused = api.client.post("/v1/lines", json=_line_body(in_use_since=later))

    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "invalid_request"
    assert "in_use_since" in error["message_pt"] and later in error["message_en"]
    tomorrow = (api.clock().date() + timedelta(days=1)).isoformat()
    assert api.client.post("/v1/lines", json=_line_body(in_use_since=tomorrow)).status_code == 201


def test_a_stored_line_dated_9999_does_not_break_decisions_that_consider_it(api: Scene) -> None:
    api.add_line()
    api.services.store.lines.add(
        line=Line(
            id="promo",
            tenant_id="default",
            phone="+5511912340002",
            role=Role.CAMPAIGN,
            account=AccountType.BUSINESS,
            in_use_since=date(9999, 12, 31),
            pool="campaign",
            provider="simulator",
        ),
        registered_at=api.clock(),
    )
    api.customer_writes()
    api.client.post(f"/v1/contacts/{CUSTOMER}/consent", json={"source": "site"})

    marketing = api.client.post(
        "/v1/messages",
        json={"to": CUSTOMER, "text": "Promoção!", "line": "sac", "category": "marketing"},
    )

    assert marketing.status_code == 422, marketing.text
    assert marketing.json()["error"]["code"] == "message_rejected"
    assert api.client.get("/v1/lines/promo").status_code == 200


# --- retire ------------------------------------------------------------------------------------


def test_retiring_a_line_cancels_its_queue_gives_the_quota_back_and_keeps_its_history(
    api: Scene,
) -> None:
    api.add_line()
    api.customer_writes()
    queued = [
        api.client.post("/v1/messages", json={"to": CUSTOMER, "text": f"Oi {n}", "line": "sac"})
        for n in range(2)
    ]
    assert [response.status_code for response in queued] == [202, 202]
    assert _quota_in_use(api) == 2

    retired = api.client.post("/v1/lines/sac/retire")

    assert retired.status_code == 200, retired.text
    assert retired.json()["state"] == "retired"
    assert retired.json()["queued"] == 0
    for response in queued:
        message = api.client.get(f"/v1/messages/{response.json()['id']}").json()
        assert message["state"] == "cancelled"
    assert _quota_in_use(api) == 0
    assert api.dispatch() == 0 and api.delivered() == []
    assert api.client.get("/v1/lines/sac").json()["state"] == "retired"
    assert api.client.get("/v1/decisions").json()  # the evidence stays
    assert api.client.post("/v1/lines/sac/resume").status_code == 409


def test_a_retired_line_sends_nothing_more(api: Scene) -> None:
    api.add_line()
    api.customer_writes()
    api.client.post("/v1/lines/sac/retire")

    refused = api.client.post("/v1/messages", json={"to": CUSTOMER, "text": "Oi", "line": "sac"})

    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "message_rejected"


def test_retiring_twice_answers_the_retired_line(api: Scene) -> None:
    api.add_line()
    api.client.post("/v1/lines/sac/retire")
    again = api.client.post("/v1/lines/sac/retire")
    assert again.status_code == 200 and again.json()["state"] == "retired"


def test_a_banned_line_stays_banned(api: Scene) -> None:
    api.add_line()
    api.client.post("/v1/events", json={"kind": "ban", "line": "sac"})
    refused = api.client.post("/v1/lines/sac/retire")
    assert refused.status_code == 409
    assert api.client.get("/v1/lines/sac").json()["state"] == "banned"


def test_a_retired_lines_number_and_account_may_be_registered_again(api: Scene) -> None:
    """The same number on the Cloud API keeps its phone_number_id: both are free once retired,
    and the provider's webhooks then reach the new line."""
    api.add_line()
    api.customer_writes()
    api.client.post("/v1/lines/sac/retire")

    again = api.client.post("/v1/lines", json=_line_body("sac2"))

    assert again.status_code == 201, again.text
    record = api.services.store.lines.for_account(provider="simulator", account="100200300")
    assert record is not None and record.line.id == "sac2"
    assert (
        api.client.post("/v1/lines", json=_line_body("sac3", phone="+5511912340003")).status_code
        == 409
    )  # while sac2 uses the account, nobody else may


# --- delete ------------------------------------------------------------------------------------


def test_a_line_that_never_sent_or_received_anything_can_be_deleted(api: Scene) -> None:
    api.add_line()

    deleted = api.client.delete("/v1/lines/sac")

    assert deleted.status_code == 204
    assert api.client.get("/v1/lines/sac").status_code == 404
    assert api.client.post("/v1/lines", json=_line_body()).status_code == 201


def test_a_line_with_secrets_but_no_history_is_deleted_with_its_secrets(api: Scene) -> None:
    body = _line_body(webhook_secret="s" * 32, helpdesk_secret="h" * 32)
    assert api.client.post("/v1/lines", json=body).status_code == 201

    assert api.client.delete("/v1/lines/sac").status_code == 204

    registered = api.client.post("/v1/lines", json=_line_body())
    assert registered.status_code == 201
    assert registered.json()["secrets"] == {"webhook": False, "chatwoot": False, "helpdesk": False}


def test_a_line_that_paid_for_a_failure_has_history_and_cannot_be_deleted(api: Scene) -> None:
    api.add_line()
    api.services.events.status(
        tenant="default", line_id="sac", at=api.clock(), status=StatusKind.FAILED, code="131048"
    )

    assert api.client.delete("/v1/lines/sac").status_code == 409


def test_a_line_with_history_cannot_be_deleted_and_the_answer_says_to_retire_it(
    api: Scene,
) -> None:
    api.add_line()
    api.customer_writes()

    refused = api.client.delete("/v1/lines/sac")

    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "conflict"
    assert "/v1/lines/sac/retire" in error["message_pt"]
    assert "/v1/lines/sac/retire" in error["message_en"]
    assert api.client.get("/v1/lines/sac").status_code == 200


def test_an_unknown_line_cannot_be_retired_or_deleted(api: Scene) -> None:
    assert api.client.post("/v1/lines/ghost/retire").status_code == 404
    assert api.client.delete("/v1/lines/ghost").status_code == 404


def test_another_tenants_key_cannot_retire_or_delete_my_line(api: Scene) -> None:
    mine, theirs = _key(api, "default"), _key(api, "globex")
    api.client.headers.update(mine)
    api.add_line()

    assert api.client.post("/v1/lines/sac/retire", headers=theirs).status_code == 404
    assert api.client.delete("/v1/lines/sac", headers=theirs).status_code == 404
    assert api.client.get("/v1/lines/sac").json()["state"] == "active"


# --- conflicts across tenants -----------------------------------------------------------------


def test_a_conflict_with_another_tenants_line_names_nothing_of_it(api: Scene) -> None:
    mine, theirs = _key(api, "default"), _key(api, "globex")
    api.client.headers.update(mine)
    api.add_line("vendas-secretas")

    for body in (
        _line_body("x1", provider_account="999"),  # the same phone
        _line_body("x2", phone="+5511912340002"),  # the same provider account
    ):
        refused = api.client.post("/v1/lines", json=body, headers=theirs)
        assert refused.status_code == 409, refused.text
        assert "vendas-secretas" not in refused.text
        assert "default" not in refused.text

    own = api.client.post("/v1/lines", json=_line_body("x3", provider_account="999"))
    assert own.status_code == 409 and "vendas-secretas" in own.text
