"""Write the upgrade specs' fixtures: a database as a release of zapguard left it, filled through its
own CLI and HTTP API, dumped as SQL text (one file per database engine).

Run it with the release's code installed (its ``zapguard`` on this interpreter), from the checkout of
that release::

    python tests/upgrade/make_release_fixtures.py tests/upgrade/fixtures RELEASE

Only public interfaces are used (``zapguard keys create``, ``zapguard serve``, ``/v1/...``), so the
script reads the same against any release. What it leaves behind (see :data:`SCENE`): three lines, one
paused with a message queued on it, consent evidence granted and revoked, inbound events, decisions of
every verdict, and an API key, the state a business has when it upgrades.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg

ZAPGUARD = [sys.executable, "-m", "zapguard"]
SECRET = "segredo-do-simulador-da-fixture"
POSTGRES = os.environ.get("ZAPGUARD_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
SCHEMA = "zg_release_fixture"
"""The PostgreSQL schema the release writes to; the specs load the dump into a schema of their own."""

LINES = [
    {
        "id": "sac",
        "phone": "+55 11 91234-0001",
        "role": "receptive",
        "in_use_since": "2023-01-02",
        "provider": "simulator",
        "provider_account": "100200301",
        "device": "aparelho-sac",
        "network": "rede-loja",
    },
    {
        "id": "vendas",
        "phone": "+55 11 91234-0002",
        "role": "receptive",
        "in_use_since": "2023-05-10",
        "pool": "atendimento",
        "provider": "simulator",
        "provider_account": "100200302",
        "daily_cap": 900,
    },
    {
        "id": "promo1",
        "phone": "+55 21 99876-0003",
        "role": "campaign",
        "in_use_since": "2024-02-01",
        "pool": "campanhas",
        "provider": "simulator",
        "provider_account": "100200303",
        "device": "aparelho-campanha",
        "network": "rede-4g",
    },
]
CUSTOMERS = ["+5531988776655", "+5531988776656", "+5531988776657"]
OPTED_IN = "+5521977001122"
OPTED_OUT = "+5521977003344"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running(args: list[str], ready: str) -> Iterator[None]:
    child = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            if child.poll() is not None:
                raise RuntimeError(f"{args} exited: {child.communicate()[1].decode()[-2000:]}")
            try:
                httpx.get(ready, timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield
    finally:
        child.terminate()
        child.communicate(timeout=20)


def write_config(folder: Path, database_url: str, simulator_port: int) -> Path:
    # A merge window of ten minutes holds every queued message in the outbox long enough to pause
    # its line, so the dump holds queued rows.
    path = folder / "zapguard.toml"
    path.write_text(
        f"""
[app]
database_url = "{database_url}"

[volume]
gap_min_seconds = 0
gap_max_seconds = 0
merge_window_seconds = 600

[dispatch]
typing_chars_per_second = 0
poll_seconds = 0.05

[providers.simulator]
kind = "simulator"
base_url = "http://127.0.0.1:{simulator_port}"
app_secret = "{SECRET}"
""",
        encoding="utf-8",
    )
    return path


def fill(database_url: str, folder: Path) -> dict[str, Any]:
    """Fill a new database through the release's API; what the specs must find afterwards."""
    simulator_port, port = free_port(), free_port()
    config = write_config(folder, database_url, simulator_port)
    key = (
        subprocess.run(
            [*ZAPGUARD, "keys", "create", "loja", "--config", str(config)],
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .strip()
    )
    url = f"http://127.0.0.1:{port}"
    serve = [*ZAPGUARD, "serve", "--config", str(config), "--port", str(port)]
    simulator = [*ZAPGUARD, "simulator", "--port", str(simulator_port)]
    with (
        running(simulator, f"http://127.0.0.1:{simulator_port}/_simulator/messages"),
        running(serve, f"{url}/healthz"),
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}) as api,
    ):
        for line in LINES:
            api.post("/v1/lines", json=line).raise_for_status()
        for n, customer in enumerate(CUSTOMERS):
            api.post(
                "/v1/events",
                json={"kind": "inbound", "line": "sac", "contact": customer, "text": f"Oi {n}"},
            ).raise_for_status()
        api.post(
            f"/v1/contacts/{OPTED_IN}/consent",
            json={"source": "site", "wording": "Aceito receber ofertas", "purpose": "marketing"},
        ).raise_for_status()
        api.post(
            f"/v1/contacts/{OPTED_OUT}/consent", json={"source": "loja", "purpose": "marketing"}
        ).raise_for_status()
        api.post(
            f"/v1/contacts/{OPTED_OUT}/consent/revoke", json={"how": "SAIR"}
        ).raise_for_status()
        queued = []
        for n, customer in enumerate(CUSTOMERS):
            answer = api.post(
                "/v1/messages",
                json={
                    "to": customer,
                    "line": "sac",
                    "text": f"Olá! Seu pedido {n} saiu para entrega.",
                    "author": "agent",
                    "idempotency_key": f"pedido-{n}",
                },
            )
            answer.raise_for_status()
            queued.append(answer.json())
        refused = api.post(
            "/v1/messages",
            json={
                "to": OPTED_OUT,
                "pool": "campanhas",
                "text": "Promoção!",
                "category": "marketing",
            },
        ).json()
        api.post("/v1/lines/sac/pause").raise_for_status()
        lines = api.get("/v1/lines").json()
        decisions = api.get("/v1/decisions", params={"limit": 100}).json()
        events = api.get("/v1/events", params={"limit": 100}).json()
        consent = {
            phone: api.get(f"/v1/contacts/{phone}/consent").json()
            for phone in (OPTED_IN, OPTED_OUT)
        }
        delivered = httpx.get(f"http://127.0.0.1:{simulator_port}/_simulator/messages").json()
    if delivered:
        raise RuntimeError(f"nothing should have been sent yet: {delivered}")
    return {
        "key": key,
        "lines": lines,
        "queued": queued,
        "refused": refused,
        "decisions": decisions,
        "events": events,
        "consent": consent,
    }


def dump_sqlite(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        return "\n".join(connection.iterdump()) + "\n"


def dump_postgres() -> str:
    """The schema as plain SQL INSERTs (no COPY, no psql meta-commands), loadable by any client."""
    done = subprocess.run(
        ["pg_dump", "--no-owner", "--no-privileges", "--inserts", "-n", SCHEMA, _libpq(POSTGRES)],
        capture_output=True,
        check=True,
    )
    return (
        "\n".join(line for line in done.stdout.decode().splitlines() if not line.startswith("\\"))
        + "\n"
    )


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def main(out: Path, release: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        sqlite_file = folder / "release.db"
        seen = {"sqlite": fill(f"sqlite:///{sqlite_file}", folder)}
        (out / "release.sqlite.sql").write_text(dump_sqlite(sqlite_file), encoding="utf-8")

        with psycopg.connect(_libpq(POSTGRES), autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')
            admin.execute(f'CREATE SCHEMA "{SCHEMA}"')
        try:
            postgres = f"{_libpq(POSTGRES)}?options=-csearch_path%3D{SCHEMA}"
            seen["postgresql"] = fill(postgres, folder)
            (out / "release.postgresql.sql").write_text(dump_postgres(), encoding="utf-8")
        finally:
            with psycopg.connect(_libpq(POSTGRES), autocommit=True) as admin:
                admin.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')
    seen_file = out / "release.json"
    seen_file.write_text(
        json.dumps({"release": release, "schema": SCHEMA, **seen}, indent=1, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
