"""Two tenants on shared provider connections, served over real HTTP: the scene of the contract
(schemathesis) and tenant-isolation specs.

Three recording fakes stand in for the providers, each a real HTTP server on loopback that logs
every request it receives (whatever its method or path) and answers in the provider's own shapes:

- ``meta``: one Cloud API connection (an operator's Meta app, as a BSP runs it);
- ``evo``: one Evolution API server with one global key, serving both tenants' instances;
- ``waha``: one WAHA server with one global key, serving both tenants' sessions.

Tenant A (``loja``) and tenant B (``rival``) each have a Cloud, an Evolution and a WAHA line, an
admin key and a plain (non-admin) key, and a customer who wrote to every line (so a reply on any of
them is allowed by the rules).

Answer shapes: Cloud API reference "Messages" (``messages[].id``) and "Media" (upload answers
``{"id"}``); Evolution API v2 "Send Plain Text" (``key.id``, 201) and ``fetchInstances`` (a list of
instances with ``name`` and ``token``); WAHA "Send messages" (``id``, 201) and ``GET /api/sessions``
(a list of sessions with ``name``).
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from api_scene import CUSTOMER, Clock, Scene, instant_policy, serving
from pydantic import SecretStr
from starlette.types import Receive, Scope, Send

from zapguard.api.app import create_app
from zapguard.gateway.runtime import Sources, open_services
from zapguard.service_config import DispatchConfig, ProviderSettings, ServiceConfig
from zapguard.store.api_keys import ADMIN_SCOPE, create_key

A, B = "loja", "rival"
"""The two tenants' ids."""
META_TOKEN = "EAAG-token-do-app-do-operador"
EVOLUTION_KEY = "chave-global-da-evolution"
WAHA_KEY = "chave-global-do-waha"


@dataclass(frozen=True)
class Seen:
    """One request a fake provider received."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body) if self.body else None
        except (ValueError, UnicodeDecodeError):
            return None


@dataclass
class Fake:
    """A provider's server: logs every request, and what it answered, in its dialect."""

    kind: str
    url: str = ""
    exchanges: list[tuple[Seen, Any, int]] = field(default_factory=list)
    """Every request received, with the body and status answered, in order."""
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def seen(self) -> list[Seen]:
        with self._lock:
            return [seen for seen, _, _ in self.exchanges]

    def record(self, seen: Seen) -> tuple[Any, int]:
        with self._lock:
            content, status = self.answer(seen, next(self._ids))
            self.exchanges.append((seen, content, status))
            return content, status

    def clear(self) -> None:
        with self._lock:
            self.exchanges.clear()

    def answer(self, seen: Seen, number: int) -> tuple[Any, int]:
        path = seen.path.strip("/")
        if self.kind == "cloud":
            if seen.method == "POST" and path.endswith("/messages"):
                return {
                    "messaging_product": "whatsapp",
                    "contacts": [{"input": "x", "wa_id": "x"}],
                    "messages": [{"id": f"wamid.FAKE{number:08d}"}],
                }, 200
            if seen.method == "POST" and path.endswith("/media"):
                return {"id": f"90000{number:06d}"}, 200
            return {"success": True}, 200
        if self.kind == "evolution":
            if path.startswith("message/"):
                return {"key": {"id": f"3EB0FAKE{number:08d}", "fromMe": True}}, 201
            if path == "instance/fetchInstances":
                return [
                    {"name": "loja-a", "token": "token-da-instancia-a"},
                    {"name": "loja-b", "token": "token-da-instancia-b"},
                    {"name": "de-ninguem", "token": "token-de-ninguem"},
                ], 200
            return {"ok": True}, 200
        if path.startswith("api/send"):
            return {"id": f"true_5531988776655@c.us_FAKE{number:08d}"}, 201
        if path == "api/sessions":
            return [{"name": "sessao-a"}, {"name": "sessao-b"}, {"name": "default"}], 200
        return {"ok": True}, 200

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        raw = scope.get("raw_path") or scope["path"].encode()
        seen = Seen(
            method=scope["method"],
            path=raw.decode("latin-1"),
            query=scope.get("query_string", b"").decode("latin-1"),
            headers={k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]},
            body=body,
        )
        content, status = self.record(seen)
        encoded = json.dumps(content).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": encoded})


@dataclass(frozen=True)
class LineSpec:
    id: str
    tenant: str
    phone: str
    provider: str
    account: str
    business_account: str | None = None


LINES = (
    LineSpec("a-cloud", A, "+5511912340001", "meta", "100200301", "555000301"),
    LineSpec("a-evo", A, "+5511912340002", "evo", "loja-a"),
    LineSpec("a-waha", A, "+5511912340003", "waha", "sessao-a"),
    LineSpec("b-cloud", B, "+5511912340004", "meta", "100200302", "555000302"),
    LineSpec("b-evo", B, "+5511912340005", "evo", "loja-b"),
    LineSpec("b-waha", B, "+5511912340006", "waha", "sessao-b"),
)


def webhook_secret(line: LineSpec) -> str:
    """Each line's own webhook secret (the WAHA HMAC key, the Evolution instance token...)."""
    return f"segredo-do-webhook-{line.id}-0123456789"


@dataclass
class Fakes:
    cloud: Fake
    evolution: Fake
    waha: Fake

    @property
    def all(self) -> tuple[Fake, ...]:
        return (self.cloud, self.evolution, self.waha)

    def clear(self) -> None:
        for fake in self.all:
            fake.clear()

    def connections(self) -> dict[str, ProviderSettings]:
        return {
            "meta": ProviderSettings(
                kind="cloud", base_url=self.cloud.url, token=SecretStr(META_TOKEN)
            ),
            "evo": ProviderSettings(
                kind="evolution", base_url=self.evolution.url, token=SecretStr(EVOLUTION_KEY)
            ),
            "waha": ProviderSettings(
                kind="waha", base_url=self.waha.url, token=SecretStr(WAHA_KEY)
            ),
        }


@contextmanager
def provider_fakes() -> Iterator[Fakes]:
    fakes = Fakes(Fake("cloud"), Fake("evolution"), Fake("waha"))
    with ExitStack() as stack:
        for fake in fakes.all:
            fake.url = stack.enter_context(serving(fake))  # type: ignore[arg-type]
        yield fakes


@dataclass
class Keys:
    admin: str
    plain: str

    def bearer(self, admin: bool = True) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin if admin else self.plain}"}


@dataclass
class Tenants:
    scene: Scene
    fakes: Fakes
    keys: dict[str, Keys]

    @property
    def url(self) -> str:
        return str(self.scene.client.base_url).rstrip("/")


def make_keys(scene: Scene, tenant: str) -> Keys:
    store = scene.services.store
    store.tenants.ensure(tenant_id=tenant, name=tenant)
    admin, _ = create_key(
        store, tenant_id=tenant, name="admin", at=scene.clock(), scopes=[ADMIN_SCOPE]
    )
    plain, _ = create_key(store, tenant_id=tenant, name="app", at=scene.clock(), scopes=[])
    return Keys(admin, plain)


def add_lines(client: httpx.Client, keys: dict[str, Keys]) -> None:
    """Register every line of :data:`LINES` and let the customer write to each."""
    for line in LINES:
        headers = keys[line.tenant].bearer()
        body: dict[str, Any] = {
            "id": line.id,
            "phone": line.phone,
            "role": "receptive",
            "in_use_since": "2023-01-02",
            "provider": line.provider,
            "provider_account": line.account,
            "webhook_secret": webhook_secret(line),
        }
        if line.business_account:
            body["business_account"] = line.business_account
        response = client.post("/v1/lines", json=body, headers=headers)
        assert response.status_code == 201, response.text
        wrote = client.post(
            "/v1/events",
            json={"kind": "inbound", "line": line.id, "contact": CUSTOMER, "text": "Oi"},
            headers=headers,
        )
        assert wrote.status_code == 202, wrote.text


@contextmanager
def two_tenants(database_url: str) -> Iterator[Tenants]:
    """The whole scene, served by uvicorn on loopback (the dispatcher is driven by hand)."""
    with provider_fakes() as fakes:
        clock = Clock()
        services = open_services(
            Sources(
                database_url=database_url,
                counters_url=database_url,
                policy=instant_policy(),
                config=ServiceConfig(
                    providers=fakes.connections(),
                    dispatch=DispatchConfig(typing_chars_per_second=0),
                ),
            ),
            clock=clock,
        )
        try:
            with (
                serving(create_app(services, run_dispatcher=False)) as url,
                httpx.Client(base_url=url) as client,
            ):
                scene = Scene(services, client, url, clock)
                try:
                    keys = {tenant: make_keys(scene, tenant) for tenant in (A, B)}
                    add_lines(client, keys)
                    yield Tenants(scene, fakes, keys)
                finally:
                    scene.sim.close()
        finally:
            services.close()
