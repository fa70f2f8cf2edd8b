"""Helpers for the provider tests: a recording mock transport and what a webhook receiver got.

The fixtures that start real servers (``served``, ``webhook_receiver``) are in ``conftest.py``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

SECRET = "EAAGsecret-token-do-not-print-42"


@dataclass
class Recorder:
    """An ``httpx.Client`` whose transport answers with ``reply`` and keeps every request."""

    reply: Callable[[httpx.Request], httpx.Response]
    requests: list[httpx.Request] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.reply(request)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handle), timeout=5.0)

    def only(self) -> httpx.Request:
        assert len(self.requests) == 1, self.requests
        return self.requests[0]

    @staticmethod
    def body(request: httpx.Request) -> Any:
        return json.loads(request.content)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    raw: bytes

    def json(self) -> Any:
        return json.loads(self.raw)


@dataclass
class Receiver:
    url: str
    received: list[Received]

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return list(self.received)
