"""Lines, pools, consent, events, metrics and the OpenAPI document."""

from __future__ import annotations

from api_scene import CUSTOMER, Scene

from zapguard.store.api_keys import create_key


def test_a_line_is_registered_listed_paused_and_resumed(api: Scene) -> None:
    created = api.add_line(pool="atendimento")
    assert created["state"] == "active" and created["health"] == 100

    assert [line["id"] for line in api.client.get("/v1/lines").json()] == ["sac"]
    assert api.client.get("/v1/pools").json() == [{"pool": "atendimento", "lines": ["sac"]}]
    assert api.client.post("/v1/lines/sac/pause").json()["state"] == "paused"
    assert api.client.post("/v1/lines/sac/resume").json()["state"] == "active"


def test_a_taken_number_is_a_conflict_and_a_banned_one_is_refused(api: Scene) -> None:
    api.add_line()
    again = api.client.post(
        "/v1/lines",
        json={
            "id": "sac2",
            "phone": "+5511912340001",
            "role": "receptive",
            "in_use_since": "2023-01-02",
            "provider": "simulator",
        },
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"

    api.client.post("/v1/events", json={"kind": "ban", "line": "sac"})
    reused = api.client.post(
        "/v1/lines",
        json={
            "id": "novo",
            "phone": "+5511912340001",
            "role": "receptive",
            "in_use_since": "2023-01-02",
            "provider": "simulator",
        },
    )
    assert reused.status_code in (409, 422)


def test_a_line_sharing_a_device_with_a_campaign_line_is_registered_with_a_warning(
    api: Scene,
) -> None:
    api.add_line(device="celular-1")
    campaign = api.client.post(
        "/v1/lines",
        json={
            "id": "promo",
            "phone": "+5511912340002",
            "role": "campaign",
            "in_use_since": "2023-01-02",
            "device": "celular-1",
            "provider": "simulator",
        },
    )
    assert campaign.status_code == 201
    assert [w["code"] for w in campaign.json()["warnings"]] == ["ZG401"]


def test_an_unknown_provider_or_time_zone_is_named(api: Scene) -> None:
    body = {
        "id": "x",
        "phone": "+5511912340009",
        "role": "receptive",
        "in_use_since": "2023-01-02",
        "provider": "simulator",
    }
    provider = api.client.post("/v1/lines", json={**body, "provider": "zap"})
    zone = api.client.post("/v1/lines", json={**body, "timezone": "America/Recif"})
    assert provider.status_code == zone.status_code == 422
    assert "zap" in provider.json()["error"]["message_en"]
    assert "America/Recif" in zone.json()["error"]["message_en"]


def test_consent_is_recorded_with_its_evidence_and_revoked_at_once(api: Scene) -> None:
    granted = api.client.post(
        f"/v1/contacts/{CUSTOMER}/consent",
        json={"source": "checkout", "wording": "Quero ofertas", "recorded_by": "loja"},
    )
    assert granted.status_code == 201
    assert granted.json()["active"] is True
    assert granted.json()["wording"] == "Quero ofertas"

    revoked = api.client.post("/v1/contacts/553188776655/consent/revoke", json={"how": "email"})
    assert revoked.json()["active"] is False
    assert len(revoked.json()["history"]) == 2


def test_a_consent_dated_in_the_future_is_refused_and_nothing_is_recorded(api: Scene) -> None:
    """A grant dated 2030 would outrank every opt-out the contact sends before then."""
    refused = api.client.post(
        f"/v1/contacts/{CUSTOMER}/consent",
        json={"source": "checkout-site", "granted_at": "2030-01-01T00:00:00-03:00"},
    )

    assert refused.status_code == 422
    error = refused.json()["error"]
    assert "granted_at está no futuro" in error["message_pt"]
    assert "granted_at is in the future" in error["message_en"]
    assert api.client.get(f"/v1/contacts/{CUSTOMER}/consent").json()["history"] == []


def test_an_opt_out_keyword_revokes_consent_and_queues_a_confirmation(api: Scene) -> None:
    api.add_line()
    api.client.post(f"/v1/contacts/{CUSTOMER}/consent", json={"source": "site"})

    response = api.client.post(
        "/v1/events", json={"kind": "inbound", "line": "sac", "contact": CUSTOMER, "text": "SAIR"}
    )

    assert response.json()["opted_out"] is True
    assert api.client.get(f"/v1/contacts/{CUSTOMER}/consent").json()["active"] is False
    api.dispatch()
    [confirmation] = api.delivered()
    assert "não receberá" in confirmation["text"]


def test_events_are_listed_newest_first(api: Scene) -> None:
    api.add_line()
    api.customer_writes()
    api.clock.advance(minutes=1)
    api.client.post("/v1/events", json={"kind": "human_activity", "line": "sac"})
    kinds = [event["kind"] for event in api.client.get("/v1/events").json()]
    assert kinds[:2] == ["human_activity", "inbound"]


def test_metrics_count_decisions_sends_and_queue_depth(api: Scene) -> None:
    api.add_line()
    api.customer_writes()
    api.client.post("/v1/messages", json={"to": CUSTOMER, "text": "Oi", "line": "sac"})

    before = api.client.get("/metrics").text
    api.dispatch()
    after = api.client.get("/metrics").text

    assert 'zapguard_decisions_total{code="none",verdict="allow"}' in before
    assert 'zapguard_outbox_depth{line="sac"} 1.0' in before
    assert 'zapguard_outbox_depth{line="sac"}' not in after or 'line="sac"} 0.0' in after
    assert "zapguard_sends_total" in after


def test_metrics_count_the_sql_statements_and_commits_a_message_costs(api: Scene) -> None:
    api.add_line()
    api.customer_writes()

    def counted(name: str, text: str) -> float:
        (value,) = [
            float(line.split()[-1]) for line in text.splitlines() if line.startswith(name + " ")
        ]
        return value

    before = api.client.get("/metrics").text
    api.client.post("/v1/messages", json={"to": CUSTOMER, "text": "Oi", "line": "sac"})
    after = api.client.get("/metrics").text

    for name in ("zapguard_sql_statements_total", "zapguard_sql_commits_total"):
        assert counted(name, after) > counted(name, before)


def test_the_openapi_document_describes_every_route_with_examples(api: Scene) -> None:
    document = api.client.get("/openapi.json").json()
    paths = document["paths"]
    for path in (
        "/v1/messages",
        "/v1/messages/advice",
        "/v1/lines",
        "/v1/pools",
        "/v1/contacts/{phone}/consent",
        "/v1/events",
        "/v1/decisions",
        "/healthz",
        "/metrics",
        "/{version}/{phone_number_id}/messages",
        "/message/sendText/{instance}",
        "/api/sendText",
    ):
        assert path in paths, path
        for operation in paths[path].values():
            assert operation.get("summary"), (path, operation)
    schemas = document["components"]["schemas"]
    for model in ("MessageIn", "SubmissionOut", "DecisionOut", "OutboxOut", "LineIn", "LineOut"):
        assert schemas[model]["examples"], model
    refusals = paths["/v1/messages"]["post"]["responses"]
    assert refusals["422"]["content"]["application/json"]["example"]["error"]["code"]


def test_the_home_page_says_zapguard_is_running(api: Scene) -> None:
    page = api.client.get("/")
    assert page.status_code == 200
    assert "zapguard está no ar" in page.text


def test_the_home_page_shows_a_tenants_lines_only_to_that_tenant(api: Scene) -> None:
    api.services.store.tenants.ensure(tenant_id="outra", name="outra")
    key, _ = create_key(api.services.store, tenant_id="outra", name="k", at=api.clock())

    anonymous = api.client.get("/")
    other = api.client.get("/", headers={"Authorization": f"Bearer {key}"})

    assert anonymous.status_code == 200 and other.status_code == 200
    assert "line-count" not in anonymous.text
    assert 'id="line-count">0<' in other.text
