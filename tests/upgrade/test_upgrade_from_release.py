"""Upgrading loses nothing: a database written by the previous release, filled through its API, is
migrated when this version's ``zapguard serve`` starts on it, on SQLite and on PostgreSQL. Every
record is there and usable afterwards, and a message that was queued is still sent, once.

The fixtures are that release's own dumps (``fixtures/``, made by ``make_release_fixtures.py``);
``release.json`` is what its API answered right before the dump.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from make_release_fixtures import (
    OPTED_IN,
    OPTED_OUT,
    SCHEMA,
    SECRET,
    ZAPGUARD,
    free_port,
    running,
)

FIXTURES = Path(__file__).with_name("fixtures")
RELEASE: dict[str, Any] = json.loads((FIXTURES / "release.json").read_text(encoding="utf-8"))

pytestmark = pytest.mark.slow


@dataclass
class Upgraded:
    api: httpx.Client
    simulator: httpx.Client
    before: dict[str, Any]
    """What the release's API answered before the upgrade."""

    def delivered(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = self.simulator.get("/_simulator/messages").json()
        return messages


def load_sqlite(tmp_path: Path) -> str:
    database = tmp_path / "release.db"
    with sqlite3.connect(database) as connection:
        connection.executescript((FIXTURES / "release.sqlite.sql").read_text(encoding="utf-8"))
    return f"sqlite:///{database}"


def load_postgres(url: str) -> str:
    """Load the release's dump into the (empty) schema the URL names; the same URL back."""
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    schema = parsed.query["options"].removeprefix("-csearch_path=")  # type: ignore[union-attr]
    dump = (FIXTURES / "release.postgresql.sql").read_text(encoding="utf-8")
    conninfo = parsed.set(query={}).render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
        connection.execute(dump.replace(SCHEMA, schema).encode())
    return url


@contextmanager
def upgraded(database_url: str, folder: Path, before: dict[str, Any]) -> Iterator[Upgraded]:
    """This version's simulator and server on the release's database (which ``serve`` migrates)."""
    simulator_port, port = free_port(), free_port()
    config = folder / "zapguard.toml"
    config.write_text(
        f"""
[app]
database_url = "{database_url}"

[volume]
gap_min_seconds = 0
gap_max_seconds = 0
merge_window_seconds = 0

[dispatch]
typing_chars_per_second = 0
poll_seconds = 0.05

[retention]
# The fixtures were written on the release's day; nothing of them may age out under the test.
outbox_days = 3650
receipts_days = 3650
inbox_days = 3650
media_days = 3650
penalties_days = 3650

[providers.simulator]
kind = "simulator"
base_url = "http://127.0.0.1:{simulator_port}"
app_secret = "{SECRET}"
""",
        encoding="utf-8",
    )
    url = f"http://127.0.0.1:{port}"
    simulator_url = f"http://127.0.0.1:{simulator_port}"
    with (
        running(
            [*ZAPGUARD, "simulator", "--port", str(simulator_port)],
            f"{simulator_url}/_simulator/messages",
        ),
        running(
            [*ZAPGUARD, "serve", "--config", str(config), "--port", str(port)], f"{url}/healthz"
        ),
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {before['key']}"}) as api,
        httpx.Client(base_url=simulator_url) as simulator,
    ):
        yield Upgraded(api, simulator, before)


@pytest.fixture(params=["sqlite", "postgresql"])
def release(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Upgraded]:
    engine = request.param
    if engine == "sqlite":
        database_url = load_sqlite(tmp_path)
    else:
        database_url = load_postgres(request.getfixturevalue("postgres_url"))
    with upgraded(database_url, tmp_path, RELEASE[engine]) as made:
        yield made


def wait_for(condition: Any, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


def test_the_release_key_still_opens_the_api(release: Upgraded) -> None:
    assert release.api.get("/v1/lines").status_code == 200


def test_every_line_keeps_its_role_pool_isolation_cap_and_state(release: Upgraded) -> None:
    kept = ("id", "phone", "role", "pool", "device", "network", "daily_cap", "state", "provider")
    now = {line["id"]: line for line in release.api.get("/v1/lines").json()}
    for line in release.before["lines"]:
        assert {k: now[line["id"]].get(k) for k in kept} == {k: line.get(k) for k in kept}


def test_consent_evidence_and_opt_outs_are_all_there(release: Upgraded) -> None:
    for phone in (OPTED_IN, OPTED_OUT):
        assert (
            release.api.get(f"/v1/contacts/{phone}/consent").json()
            == release.before["consent"][phone]
        )


def test_decisions_and_events_are_all_there(release: Upgraded) -> None:
    decisions = release.api.get("/v1/decisions", params={"limit": 100}).json()
    events = release.api.get("/v1/events", params={"limit": 100}).json()
    assert decisions == release.before["decisions"]
    assert events == release.before["events"]


def test_an_opt_out_recorded_before_the_upgrade_still_stops_marketing(release: Upgraded) -> None:
    refused = release.api.post(
        "/v1/messages",
        json={"to": OPTED_OUT, "pool": "campanhas", "text": "Promoção!", "category": "marketing"},
    )
    assert refused.status_code == 422, refused.text
    assert "ZG202" in refused.text


def test_queued_messages_wait_on_their_paused_line_and_are_sent_once_when_it_resumes(
    release: Upgraded,
) -> None:
    queued = release.before["queued"]
    for message in queued:
        assert release.api.get(f"/v1/messages/{message['id']}").json()["state"] == "queued"
    assert release.delivered() == []

    release.api.post("/v1/lines/sac/resume").raise_for_status()
    wait_for(lambda: len(release.delivered()) >= len(queued))
    time.sleep(1)  # twenty more dispatcher polls: nothing is sent a second time

    texts = sorted(message["text"] for message in release.delivered())
    assert texts == sorted(f"Olá! Seu pedido {n} saiu para entrega." for n in range(len(queued)))
    for message in queued:
        assert release.api.get(f"/v1/messages/{message['id']}").json()["state"] == "sent"


def test_a_retried_request_under_a_key_used_before_the_upgrade_is_not_queued_again(
    release: Upgraded,
) -> None:
    first = release.before["queued"][0]
    again = release.api.post(
        "/v1/messages",
        json={
            "to": first["message"]["to"],
            "line": "sac",
            "text": "Olá! Seu pedido 0 saiu para entrega.",
            "author": "agent",
            "idempotency_key": "pedido-0",
        },
    )
    assert again.status_code in (200, 202), again.text
    assert again.json()["id"] == first["id"]
