"""ZG703: long links go out as the business's short links, and zapguard redirects them."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from api_scene import CUSTOMER, Scene, instant_policy, scene

LONG_LINK = "https://loja.example.com.br/pedidos/2026/03/acompanhar?pedido=1234&origem=whatsapp"


@pytest.fixture
def shortening(sqlite_url: str, simulator_url: str) -> Iterator[Scene]:
    httpx.post(f"{simulator_url}/_simulator/reset")
    policy = instant_policy()
    links = policy.links.model_copy(update={"short_domain": "lj.ex"})
    with scene(sqlite_url, simulator_url, policy.model_copy(update={"links": links})) as made:
        yield made


def test_a_long_link_goes_out_short_and_the_short_link_redirects_to_it(shortening: Scene) -> None:
    api = shortening
    api.add_line()
    api.customer_writes()

    sent = api.client.post(
        "/v1/messages", json={"to": CUSTOMER, "text": f"Acompanhe: {LONG_LINK}", "line": "sac"}
    )
    assert sent.status_code == 202, sent.text
    assert "ZG703" in sent.json()["decision"]["codes"]
    api.dispatch()
    [delivered] = api.delivered()
    assert LONG_LINK not in delivered["text"]
    short = delivered["text"].split("Acompanhe: ")[1]
    assert short.startswith("https://lj.ex/")

    followed = api.client.get("/" + short.rsplit("/", 1)[1], follow_redirects=False)
    assert followed.status_code == 302, (followed.text, short)
    assert followed.headers["location"] == LONG_LINK


def test_an_unknown_short_code_is_a_404(api: Scene) -> None:
    assert api.client.get("/AAAAAAAA").status_code == 404
    assert api.client.get("/favicon.ico").status_code == 404
