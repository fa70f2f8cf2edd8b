"""The scene of the API specs: a simulator over real HTTP, services over a fresh SQLite file with a
hand-moved clock, and an HTTP client on the app, served by uvicorn on loopback (the dispatcher is driven by hand: ``dispatch()``)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import uvicorn
from fastapi import FastAPI

from zapguard.api.app import create_app
from zapguard.gateway.service import Services, open_services
from zapguard.policy.config import PolicyConfig
from zapguard.service_config import DispatchConfig, ProviderSettings, ServiceConfig

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
START = datetime(2026, 3, 10, 10, 0, tzinfo=SAO_PAULO)
"""A Tuesday, 10:00 in São Paulo."""
CUSTOMER = "+5531988776655"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Run ``app`` with uvicorn on a free loopback port in a thread; yields its base URL."""
    port = free_port()
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
        providers={"simulator": ProviderSettings(kind="simulator", base_url=simulator_url)},
        dispatch=DispatchConfig(typing_chars_per_second=0),
    )
    services = open_services(
        database_url=database_url,
        counters_url=counters_url or database_url,
        policy=policy or instant_policy(),
        config=config,
        default_tenant="default",
        simulator_url=None,
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
