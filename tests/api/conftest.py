"""Fixtures of the API specs: one simulator per module (reset per test), a fresh scene per test."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from api_scene import Scene, scene, serving

from zapguard.providers.simulator.app import simulator_app


@pytest.fixture(scope="module")
def simulator_url() -> Iterator[str]:
    with serving(simulator_app()) as url:
        yield url


@pytest.fixture
def api(sqlite_url: str, simulator_url: str) -> Iterator[Scene]:
    httpx.post(f"{simulator_url}/_simulator/reset")
    with scene(sqlite_url, simulator_url) as made:
        yield made
