"""The scene of the API specs: a simulator over real HTTP, services over a fresh SQLite file with a
hand-moved clock, and an HTTP client on the app, served by uvicorn on loopback (the dispatcher is driven by hand: ``dispatch()``)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import SecretStr

from zapguard.api.app import create_app
from zapguard.gateway.runtime import Sources, open_services
from zapguard.gateway.service import Services
from zapguard.policy.config import PolicyConfig
from zapguard.service_config import DispatchConfig, ProviderSettings, ServiceConfig

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
START = datetime(2026, 3, 10, 10, 0, tzinfo=SAO_PAULO)
"""A Tuesday, 10:00 in São Paulo."""
CUSTOMER = "+5531988776655"
SIMULATOR_SECRET = "segredo-do-simulador-nos-testes"
"""The app secret of the scene's simulator connection: webhooks to ``/webhooks/simulator`` are
signed with it (unsigned ones are refused)."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(app: FastAPI, port: int | None = None) -> Iterator[str]:
    """Run ``app`` with uvicorn on a loopback port (a free one unless given) in a thread; yields
    its base URL."""
    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Scene:
    services: Services
    client: httpx.Client
    simulator_url: str
    clock: Clock
    sim: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.sim = httpx.Client(base_url=self.simulator_url)

    def dispatch(self) -> int:
        """Let the dispatcher work everything due now (merge window and gaps are zero)."""
        total = 0
        while (sent := self.services.dispatcher.run_once()) > 0:
            total += sent
        return total

    def delivered(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = self.sim.get("/_simulator/messages").json()
        return messages

    def add_line(self, line_id: str = "sac", **fields: Any) -> dict[str, Any]:
        body = {
            "id": line_id,
            "phone": "+55 11 91234-0001",
            "role": "receptive",
            "in_use_since": "2023-01-02",
            "provider": "simulator",
            "provider_account": "100200300",
            **fields,
        }
        response = self.client.post("/v1/lines", json=body)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    def customer_writes(self, line: str = "sac", contact: str = CUSTOMER, text: str = "Oi") -> None:
        response = self.client.post(
            "/v1/events", json={"kind": "inbound", "line": line, "contact": contact, "text": text}
        )
        assert response.status_code == 202, response.text


def instant_policy() -> PolicyConfig:
    """The seed policy with no pacing gaps and no merge hold, so one dispatch sends at once."""
    seed = PolicyConfig()
    volume = seed.volume.model_copy(
        update={"gap_min_seconds": 0, "gap_max_seconds": 0, "merge_window_seconds": 0}
    )
    return seed.model_copy(update={"volume": volume})


@dataclass
class Upstream:
    """A provider's server as far as a spec needs it: records every call that reaches it."""

    url: str
    calls: list[dict[str, Any]] = field(default_factory=list)


def _json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except (ValueError, UnicodeDecodeError):
        return None  # a multipart upload, say: kept whole under "body"


@contextmanager
def upstream(answer: Callable[[str], tuple[Any, int]]) -> Iterator[Upstream]:
    """Serve a provider that records each call and answers ``answer(path)`` (body, status)."""
    app = FastAPI()
    seen: list[dict[str, Any]] = []

    @app.api_route("/{path:path}", methods=["GET", "POST", "PUT", "DELETE"])
    async def anything(path: str, request: Request) -> JSONResponse:
        body = await request.body()
        seen.append(
            {
                "method": request.method,
                "path": path,
                "query": dict(request.query_params),
                "authorization": request.headers.get("authorization"),
                "apikey": request.headers.get("apikey"),
                "x-api-key": request.headers.get("x-api-key"),
                "content-type": request.headers.get("content-type"),
                "json": _json_or_none(body),
                "body": body,
            }
        )
        content, status = answer(path)
        return JSONResponse(content, status_code=status)

    with serving(app) as url:
        yield Upstream(url, seen)


@contextmanager
def provider_scene(database_url: str, providers: dict[str, ProviderSettings]) -> Iterator[Scene]:
    """A scene whose lines use these provider connections instead of the simulator."""
    clock = Clock()
    services = open_services(
        Sources(
            database_url=database_url,
            counters_url=database_url,
            policy=instant_policy(),
            config=ServiceConfig(
                providers=providers, dispatch=DispatchConfig(typing_chars_per_second=0)
            ),
        ),
        clock=clock,
    )
    try:
        with (
            serving(create_app(services, run_dispatcher=False)) as url,
            httpx.Client(base_url=url) as client,
        ):
            made = Scene(services, client, url, clock)
            try:
                yield made
            finally:
                made.sim.close()
    finally:
        services.close()


@contextmanager
def scene(
    database_url: str,
    simulator_url: str,
    policy: PolicyConfig | None = None,
    counters_url: str | None = None,
    **app_options: Any,
) -> Iterator[Scene]:
    clock = Clock()
    config = ServiceConfig(
        providers={
            "simulator": ProviderSettings(
                kind="simulator", base_url=simulator_url, app_secret=SecretStr(SIMULATOR_SECRET)
            )
        },
        dispatch=DispatchConfig(typing_chars_per_second=0),
    )
    services = open_services(
        Sources(
            database_url=database_url,
            counters_url=counters_url or database_url,
            policy=policy or instant_policy(),
            config=config,
        ),
        clock=clock,
    )
    app = create_app(services, run_dispatcher=False, **app_options)
    try:
        with serving(app) as url, httpx.Client(base_url=url) as client:
            made = Scene(services, client, simulator_url, clock)
            try:
                yield made
            finally:
                made.sim.close()
    finally:
        services.close()
