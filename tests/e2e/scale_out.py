"""A deployment of several ``zapguard serve`` hosts over one PostgreSQL and one Redis, for the
multi-worker and failover specs: each "host" is a ``serve --workers N`` process tree on its own
port, every worker serving the API and dispatching the lanes whose leases it holds."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from e2e_processes import ZAPGUARD, create_key, free_port

LINES = 5


def write_config(
    folder: Path,
    *,
    database_url: str,
    counters_url: str,
    coordination_url: str,
    simulator_port: int,
    secret: str,
) -> Path:
    path = folder / "zapguard.toml"
    path.write_text(
        f"""
[app]
database_url = "{database_url}"
counters_url = "{counters_url}"
coordination_url = "{coordination_url}"
job_lease_seconds = 2

[volume]
gap_min_seconds = 0
gap_max_seconds = 0
merge_window_seconds = 0
pair_interval_seconds = 0
identical_max = 100000

[dispatch]
typing_chars_per_second = 0
poll_seconds = 0.2
lease_seconds = 5
in_doubt_wait_seconds = 0
workers = 8

[providers.simulator]
kind = "simulator"
base_url = "http://127.0.0.1:{simulator_port}"
app_secret = "{secret}"
""",
        encoding="utf-8",
    )
    return path


@dataclass
class Deployment:
    hosts: list[str]
    """Base URL of each host (each a ``serve --workers N`` on its own port)."""
    servers: list[subprocess.Popen[bytes]]
    simulator: str
    key: str
    outcomes: dict[str, str] = field(default_factory=dict)
    """Submission key -> public id of every accepted message (202)."""
    refused: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def workers_of(self, host: int) -> list[int]:
        """The process ids of a host's workers (children of its ``serve``)."""
        parent = self.servers[host].pid
        found = subprocess.run(
            ["pgrep", "-P", str(parent)], capture_output=True, text=True, check=False
        ).stdout.split()
        children = [int(pid) for pid in found]
        # uvicorn's own helper (the multiprocessing resource tracker) is no worker.
        return [pid for pid in children if "spawn_main" in _cmdline(pid)]

    def setup_lines(self, daily_cap: int) -> list[str]:
        contacts = []
        with httpx.Client(base_url=self.hosts[0], headers=self._auth, timeout=30) as api:
            for n in range(LINES):
                created = api.post(
                    "/v1/lines",
                    json={
                        "id": f"l{n}",
                        "phone": f"+55119123400{n:02d}",
                        "role": "receptive",
                        "in_use_since": "2022-01-03",
                        "provider": "simulator",
                        "provider_account": f"10020030{n}",
                        "daily_cap": daily_cap,
                    },
                )
                assert created.status_code == 201, created.text
                contact = f"+55319{88000000 + n:08d}"
                api.post(
                    "/v1/events",
                    json={"kind": "inbound", "line": f"l{n}", "contact": contact, "text": "Oi"},
                ).raise_for_status()
                contacts.append(contact)
        return contacts

    @property
    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def submit_all(self, count: int, contacts: list[str], *, threads: int = 16) -> None:
        """``count`` submissions spread over the lines and hosts, each retried on another host
        (same idempotency key) when its connection fails, until it gets an answer."""
        clients = [
            httpx.Client(base_url=host, headers=self._auth, timeout=30) for host in self.hosts
        ]
        run = uuid.uuid4().hex[:8]

        def one(n: int) -> None:
            key = f"{run}-{n}"
            line = n % LINES
            body = {"to": contacts[line], "text": f"Pedido {n} saiu", "line": f"l{line}"}
            for attempt in range(40):
                client = clients[(n + attempt) % len(clients)]
                try:
                    answer = client.post(
                        "/v1/messages", json=body, headers={"Idempotency-Key": key}
                    )
                except httpx.TransportError:
                    time.sleep(0.1)
                    continue
                if answer.status_code >= 500:
                    time.sleep(0.1)
                    continue
                with self._lock:
                    if answer.status_code == 202:
                        self.outcomes[key] = answer.json()["id"]
                    elif answer.status_code == 429:
                        self.refused += 1
                    else:
                        raise AssertionError(f"{answer.status_code}: {answer.text}")
                return
            raise AssertionError(f"submission {key} never got an answer")

        try:
            with ThreadPoolExecutor(threads) as pool:
                list(pool.map(one, range(count)))
        finally:
            for client in clients:
                client.close()

    def wait_delivered(self, count: int, timeout: float) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            attempts = httpx.get(f"{self.simulator}/_simulator/attempts").json()
            if attempts["delivered"] >= count:
                break
            time.sleep(0.2)
        delivered: list[dict[str, Any]] = httpx.get(f"{self.simulator}/_simulator/messages").json()
        return delivered


def job_holders(redis_url: str) -> dict[str, int]:
    """Job name -> process id of the worker holding its lease (Redis coordination: the lease's
    value is ``host:pid:random#token``)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        holders = {}
        for key in client.scan_iter("zapguard:lease:*"):
            value = client.get(key)
            if value is not None:
                holders[key.decode().removeprefix("zapguard:lease:")] = int(
                    value.decode().split(":")[1]
                )
        return holders
    finally:
        client.close()


@contextmanager
def logged_process(args: list[str], ready_url: str, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A server process whose output goes to ``log``: a pipe nobody reads would fill up with the
    tracebacks of a failover and block the server on its next log line."""
    with log.open("wb") as output:
        child = subprocess.Popen(args, stdout=output, stderr=subprocess.STDOUT)
        try:
            _wait_until_up(ready_url, child, log)
            yield child
        finally:
            child.terminate()
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def all_jobs_held(redis_url: str, jobs: int = 10, timeout: float = 15) -> dict[str, int]:
    """The job holders once every job is held (while the workers share them out, a job handed
    back is free until another worker's next heartbeat)."""
    deadline = time.monotonic() + timeout
    holders = job_holders(redis_url)
    while len(holders) < jobs and time.monotonic() < deadline:
        time.sleep(0.1)
        holders = job_holders(redis_url)
    return holders


def _wait_until_up(url: str, child: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if child.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"process exited {child.returncode}: {tail}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@contextmanager
def deployment(
    folder: Path,
    *,
    database_url: str,
    counters_url: str,
    coordination_url: str,
    hosts: int = 2,
    workers: int = 2,
) -> Iterator[Deployment]:
    simulator_port = free_port()
    config = write_config(
        folder,
        database_url=database_url,
        counters_url=counters_url,
        coordination_url=coordination_url,
        simulator_port=simulator_port,
        secret="segredo",
    )
    key = create_key(config)
    simulator = f"http://127.0.0.1:{simulator_port}"
    ports = [free_port() for _ in range(hosts)]
    with ExitStack() as stack:
        stack.enter_context(
            logged_process(
                [*ZAPGUARD, "simulator", "--port", str(simulator_port)],
                f"{simulator}/_simulator/messages",
                folder / "simulator.log",
            )
        )
        servers = [
            stack.enter_context(
                logged_process(
                    [
                        *ZAPGUARD,
                        "serve",
                        "--config",
                        str(config),
                        "--port",
                        str(port),
                        "--workers",
                        str(workers),
                    ],
                    f"http://127.0.0.1:{port}/healthz",
                    folder / f"serve-{port}.log",
                )
            )
            for port in ports
        ]
        yield Deployment(
            hosts=[f"http://127.0.0.1:{port}" for port in ports],
            servers=servers,
            simulator=simulator,
            key=key,
        )


def kill_hard(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)
