"""Picking the adapter a ``[providers.*]`` section names, and refusing sections that cannot work."""

from __future__ import annotations

import httpx
import pytest
from provider_kit import SECRET
from pydantic import SecretStr

from zapguard.config import ConfigError
from zapguard.providers.cloud.adapter import CloudProvider
from zapguard.providers.evolution.adapter import EvolutionProvider
from zapguard.providers.registry import ProviderConfigError, connect
from zapguard.providers.waha.adapter import WahaProvider
from zapguard.service_config import ProviderSettings


@pytest.mark.parametrize(
    ("kind", "adapter"),
    [
        ("cloud", CloudProvider),
        ("simulator", CloudProvider),
        ("evolution", EvolutionProvider),
        ("waha", WahaProvider),
    ],
)
def test_registry_picks_the_adapter_of_each_kind(kind: str, adapter: type) -> None:
    settings = ProviderSettings(kind=kind, base_url="http://127.0.0.1:9", token=SecretStr(SECRET))
    with httpx.Client() as client:
        assert isinstance(connect(settings, "line-1", client), adapter)


def test_registry_sends_a_bearer_to_the_simulator_even_without_a_token() -> None:
    seen: list[httpx.Request] = []

    def reply(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"messages": [{"id": "wamid.X"}]})

    settings = ProviderSettings(kind="simulator", base_url="http://127.0.0.1:8000/simulator/")
    with httpx.Client(transport=httpx.MockTransport(reply)) as client:
        connect(settings, "5511", client).send_text("+5511912345678", "oi")
    assert str(seen[0].url) == "http://127.0.0.1:8000/simulator/v21.0/5511/messages"
    assert seen[0].headers["authorization"].startswith("Bearer ")


@pytest.mark.parametrize("kind", ["cloud", "evolution"])
def test_registry_refuses_a_provider_that_needs_a_token_without_one(kind: str) -> None:
    settings = ProviderSettings(kind=kind, base_url="https://example.com")
    with httpx.Client() as client, pytest.raises(ProviderConfigError) as caught:
        connect(settings, "line-1", client)
    assert isinstance(caught.value, ConfigError)
    assert "token" in str(caught.value)
    assert " / " in str(caught.value)


def test_registry_lets_waha_run_without_an_api_key() -> None:
    settings = ProviderSettings(kind="waha", base_url="http://waha:3000")
    with httpx.Client() as client:
        assert isinstance(connect(settings, "default", client), WahaProvider)


def test_registry_refuses_an_unknown_kind() -> None:
    settings = ProviderSettings.model_construct(kind="zapi", base_url="https://x", token=None)
    with httpx.Client() as client, pytest.raises(ProviderConfigError, match="zapi"):
        connect(settings, "line-1", client)


def test_registry_refuses_a_line_without_an_account() -> None:
    settings = ProviderSettings(kind="waha", base_url="http://waha:3000")
    with httpx.Client() as client, pytest.raises(ProviderConfigError):
        connect(settings, " ", client)
