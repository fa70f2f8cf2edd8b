"""Building the served app from the command line's options, in this process or in each worker.

``zapguard serve --workers N`` runs N processes; each builds its own services (engine, dispatcher,
HTTP client) from the same options, passed through the environment as JSON, because a worker
process starts from an import string, not from the parent's objects.
"""

from __future__ import annotations

import ipaddress
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from fastapi import FastAPI

from zapguard.api.app import create_app
from zapguard.gateway.runtime import open_services, sources_from_files
from zapguard.gateway.service import Services
from zapguard.service_config import SIMULATOR

OPTIONS_VARIABLE = "ZAPGUARD_SERVE_OPTIONS"


@dataclass(frozen=True)
class ServeOptions:
    host: str
    port: int
    config: str | None = None
    preset: str | None = None
    db: str | None = None
    demo: bool = False
    """``--demo``: serve the simulator under ``/simulator`` (unless ``[providers.simulator]`` is
    configured), on loopback, in one process. Without it there is no in-app simulator at all."""

    @property
    def local(self) -> str:
        """Where this server reaches itself (a wildcard address is not one to connect to)."""
        return "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host

    def to_environment(self) -> None:
        os.environ[OPTIONS_VARIABLE] = json.dumps(asdict(self))

    @classmethod
    def from_environment(cls) -> ServeOptions:
        return cls(**json.loads(os.environ[OPTIONS_VARIABLE]))


def build_services(options: ServeOptions) -> tuple[Services, bool]:
    """The services for ``options``, and whether the in-app simulator serves the lines."""
    sources = sources_from_files(
        Path(options.config) if options.config else None, options.preset, options.db
    )
    simulated = options.demo and SIMULATOR not in sources.config.providers
    services = open_services(
        sources,
        simulator_url=f"http://{options.local}:{options.port}/simulator" if simulated else None,
    )
    return services, simulated


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def build_app(services: Services, options: ServeOptions, *, simulated: bool) -> FastAPI:
    return create_app(
        services,
        open_when_keyless=is_loopback(options.host),
        mount_simulator=simulated,
        simulator_webhook_url=f"http://{options.local}:{options.port}/webhooks/{SIMULATOR}",
        close_on_shutdown=True,
    )


def app_from_environment() -> FastAPI:
    """The app of one worker of ``zapguard serve --workers N`` (uvicorn's factory)."""
    options = ServeOptions.from_environment()
    services, simulated = build_services(options)
    return build_app(services, options, simulated=simulated)
