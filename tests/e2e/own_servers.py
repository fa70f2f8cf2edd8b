"""Servers a failover test may restart: its own ``redis-server`` and its own PostgreSQL cluster on
free ports, so the shared servers other tests use are never touched."""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from e2e_processes import free_port


def unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: servers are required)")
    pytest.skip(reason)


def _wait(check: Callable[[], bool], what: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not come up")
        time.sleep(0.05)


class OwnRedis:
    def __init__(self) -> None:
        if shutil.which("redis-server") is None:
            unavailable("redis-server not installed: the restart test runs its own")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        import redis

        self._process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)

        def answers() -> bool:
            try:
                return bool(client.ping())
            except redis.ConnectionError:
                return False

        try:
            _wait(answers, "redis-server")
        finally:
            client.close()

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None


class OwnPostgres:
    """A throwaway PostgreSQL cluster (``initdb`` in a temporary folder), run as the ``postgres``
    user when this process is root (the server refuses to run as root)."""

    def __init__(self) -> None:
        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        initdb = binaries[-1] if binaries else shutil.which("initdb")
        if initdb is None:
            unavailable("PostgreSQL server binaries (initdb) not installed")
        assert initdb is not None
        self._bin = Path(initdb).parent
        self._as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.folder = Path(tempfile.mkdtemp(prefix="zapguard-pg-"))
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._process: subprocess.Popen[bytes] | None = None
        if self._as_user:
            shutil.chown(self.folder, "postgres", "postgres")
        subprocess.run(
            [
                *self._as_user,
                str(self._bin / "initdb"),
                "-D",
                str(self.folder / "data"),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )

    def start(self) -> None:
        import psycopg

        self._process = subprocess.Popen(
            [
                *self._as_user,
                str(self._bin / "postgres"),
                "-D",
                str(self.folder / "data"),
                "-p",
                str(self.port),
                "-k",
                str(self.folder),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
                "-c",
                "max_connections=200",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def answers() -> bool:
            try:
                with psycopg.connect(self.url, connect_timeout=1):
                    return True
            except psycopg.OperationalError:
                return False

        _wait(answers, "PostgreSQL")

    def stop(self) -> None:
        """A fast shutdown: every session is cut, as in a crash of the server or its host."""
        if self._process is not None:
            # The postmaster itself, not runuser (which passes no signal on): SIGINT is a fast
            # shutdown, every session terminated.
            postmaster = self.folder / "data" / "postmaster.pid"
            os.kill(int(postmaster.read_text().split()[0]), signal.SIGINT)
            self._process.wait(timeout=30)
            self._process = None

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
