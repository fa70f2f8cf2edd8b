"""``/v1/portfolios`` and ``zapguard portfolios``: a person sets a portfolio's messaging limit and
sees how much of it the moving 24 hours hold (ZG506)."""

from __future__ import annotations

from api_scene import CUSTOMER, Scene


def cloud_line(api: Scene) -> None:
    api.add_line("mkt", role="campaign", provider_kind="cloud", portfolio="p1")


def test_an_unknown_portfolio_shows_the_lowest_tier(api: Scene) -> None:
    cloud_line(api)

    [found] = api.client.get("/v1/portfolios").json()

    assert found == {"id": "p1", "limit": 250, "known": False, "limit_at": None, "reached": 0}


def test_a_person_sets_the_limit_and_sends_count_toward_it(api: Scene) -> None:
    cloud_line(api)
    response = api.client.put("/v1/portfolios/p1", json={"limit": 2000})
    assert response.status_code == 200, response.text
    assert response.json()["limit"] == 2000 and response.json()["known"] is True

    sent = api.client.post(
        "/v1/messages",
        json={"to": CUSTOMER, "text": "Seu boleto vence amanhã.", "line": "mkt",
              "category": "notification", "author": "system"},
    )  # fmt: skip
    assert sent.status_code == 202, sent.text

    [found] = api.client.get("/v1/portfolios").json()
    assert found["reached"] == 1


def test_null_is_unlimited(api: Scene) -> None:
    response = api.client.put("/v1/portfolios/p1", json={"limit": None})

    assert response.status_code == 200 and response.json()["limit"] is None


def test_a_limit_below_one_is_refused(api: Scene) -> None:
    response = api.client.put("/v1/portfolios/p1", json={"limit": 0})

    assert response.status_code == 422
