"""Every line says what kind of WhatsApp connection it is (Cloud API, Evolution, WAHA or another
WhatsApp Web gateway) and, on the Cloud API, its Meta business portfolio: the rules about what Meta
and WhatsApp enforce after the fact read them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from api_scene import Scene, provider_scene

from zapguard.service_config import ProviderSettings


@pytest.fixture
def cloud_and_waha(sqlite_url: str) -> Iterator[Scene]:
    providers = {
        "meta": ProviderSettings(kind="cloud", base_url="https://graph.example.invalid"),
        "waha": ProviderSettings(kind="waha", base_url="https://waha.example.invalid"),
    }
    with provider_scene(sqlite_url, providers) as made:
        yield made


def register(api: Scene, **fields: object) -> tuple[int, dict[str, object]]:
    body = {"id": "mkt", "phone": "+55 11 91234-0002", "role": "campaign",
            "in_use_since": "2023-01-02", **fields}  # fmt: skip
    response = api.client.post("/v1/lines", json=body)
    return response.status_code, response.json()


def test_a_line_on_a_cloud_connection_is_a_cloud_line_with_its_portfolio(
    cloud_and_waha: Scene,
) -> None:
    status, line = register(cloud_and_waha, provider="meta", portfolio="771122")

    assert status == 201, line
    assert line["provider_kind"] == "cloud" and line["portfolio"] == "771122"
    listed = cloud_and_waha.client.get("/v1/lines/mkt").json()
    assert listed["provider_kind"] == "cloud" and listed["portfolio"] == "771122"


def test_a_line_on_a_waha_connection_is_a_waha_line(cloud_and_waha: Scene) -> None:
    status, line = register(cloud_and_waha, provider="waha")

    assert status == 201, line
    assert line["provider_kind"] == "waha" and line["portfolio"] is None


def test_a_kind_that_contradicts_the_connection_is_refused(cloud_and_waha: Scene) -> None:
    status, body = register(cloud_and_waha, provider="waha", provider_kind="cloud")

    assert status == 422
    assert "provider_kind" in body["error"]["message_en"]


def test_a_portfolio_on_a_whatsapp_web_line_is_refused(cloud_and_waha: Scene) -> None:
    status, body = register(cloud_and_waha, provider="waha", portfolio="771122")

    assert status == 422
    assert "portfolio" in body["error"]["message_en"]


def test_a_simulator_line_plays_the_kind_it_is_given_and_none_by_default(api: Scene) -> None:
    assert api.add_line("sac")["provider_kind"] is None

    played = api.add_line(
        "mkt", phone="+55 11 91234-0002", provider_account="200", provider_kind="cloud",
        portfolio="771122",
    )  # fmt: skip

    assert played["provider_kind"] == "cloud" and played["portfolio"] == "771122"
