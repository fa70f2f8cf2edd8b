"""Fixtures for the provider tests; plain helpers live in ``provider_kit``.

``served`` starts an ASGI app with uvicorn on 127.0.0.1 on a port the OS picks, in a background
thread, and stops it when the test ends; ``webhook_receiver`` is a tiny ``http.server`` that keeps
every POST it gets (headers and raw body), standing in for zapguard's webhook endpoint.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
import uvicorn
from provider_kit import Received, Receiver, Recorder


@pytest.fixture
def recorder() -> Callable[[Callable[[httpx.Request], httpx.Response]], Recorder]:
    return Recorder


@pytest.fixture
def webhook_receiver() -> Iterator[Receiver]:
    received: list[Received] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            received.append(
                Received(self.path, {k.lower(): v for k, v in self.headers.items()}, raw)
            )
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    try:
        yield Receiver(f"http://127.0.0.1:{server.server_address[1]}/webhooks/meta", received)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


class _Servers:
    """Serves ASGI apps over real HTTP until :meth:`stop`."""

    def __init__(self) -> None:
        self._running: list[tuple[uvicorn.Server, threading.Thread, socket.socket]] = []

    def __call__(self, app: Any) -> str:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        config = uvicorn.Config(app, lifespan="off", ws="none", log_level="warning")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        self._running.append((server, thread, sock))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"

    def stop(self) -> None:
        for server, _, _ in self._running:
            server.should_exit = True
        for _, thread, sock in self._running:
            thread.join(10)
            sock.close()


@pytest.fixture
def served() -> Iterator[Callable[[Any], str]]:
    """Serve an ASGI app over real HTTP for one test; returns its base URL."""
    servers = _Servers()
    yield servers
    servers.stop()


@pytest.fixture(scope="module")
def served_for_module() -> Iterator[Callable[[Any], str]]:
    """Like ``served``, for apps shared by a whole test module."""
    servers = _Servers()
    yield servers
    servers.stop()
