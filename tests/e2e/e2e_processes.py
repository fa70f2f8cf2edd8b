"""Real processes for the end-to-end specs: ``zapguard simulator`` and ``zapguard serve`` on loopback
ports, each its own OS process, plus the helpdesk (a tiny ``http.server`` in the test process) that
receives forwarded webhooks."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

ZAPGUARD = [sys.executable, "-m", "zapguard"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            _, err = process.communicate()
            raise RuntimeError(f"process exited {process.returncode}: {err.decode()[-2000:]}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


@contextmanager
def process(
    args: list[str], ready_url: str, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    child = subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    try:
        wait_until_up(ready_url, child)
        yield child
    finally:
        child.terminate()
        try:
            child.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()


@dataclass
class Helpdesk:
    """A helpdesk's webhook endpoint: records what zapguard forwards to it."""

    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""

    def wait_for(self, count: int, timeout: float = 10) -> list[tuple[dict[str, str], bytes]]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.received


@contextmanager
def helpdesk() -> Iterator[Helpdesk]:
    desk = Helpdesk()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", 0))
            body = self.rfile.read(length)
            desk.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    desk.url = f"http://127.0.0.1:{server.server_address[1]}/webhook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield desk
    finally:
        server.shutdown()
        server.server_close()


def write_config(folder: Path, simulator_port: int, secret: str) -> Path:
    path = folder / "zapguard.toml"
    path.write_text(
        f"""
[app]
database_url = "sqlite:///{folder / "zapguard.db"}"

[volume]
gap_min_seconds = 0
gap_max_seconds = 0
merge_window_seconds = 0

[server]
# The tests' helpdesk listens on loopback: an operator's choice, off by default (SSRF).
allow_private_helpdesk_urls = true

[dispatch]
typing_chars_per_second = 0
poll_seconds = 0.05

[providers.simulator]
kind = "simulator"
base_url = "http://127.0.0.1:{simulator_port}"
app_secret = "{secret}"
""",
        encoding="utf-8",
    )
    return path


def create_key(config: Path) -> str:
    done = subprocess.run(
        [*ZAPGUARD, "keys", "create", "e2e", "--config", str(config)],
        capture_output=True,
        check=True,
    )
    return done.stdout.decode().strip()


def run_client(script: Path, *args: str) -> dict[str, Any]:
    """Run a real client in its own process; it prints one JSON object."""
    done = subprocess.run([sys.executable, str(script), *args], capture_output=True, timeout=60)
    if done.returncode != 0:
        raise AssertionError(f"{script.name} failed: {done.stderr.decode()[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.decode().strip().splitlines()[-1])
    return result
