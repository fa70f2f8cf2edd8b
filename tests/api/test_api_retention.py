"""Retention: working data goes when it can no longer matter; evidence never does."""

from __future__ import annotations

from api_scene import CUSTOMER, Scene
from sqlalchemy import func, select
from sqlalchemy.sql.schema import Table

from zapguard.store.schema import consents, decisions, events, outbox, quota_reservations


def count(api: Scene, table: Table) -> int:
    with api.services.store.engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(table)) or 0)


def test_purge_drops_settled_messages_and_old_quota_but_keeps_the_evidence(api: Scene) -> None:
    api.add_line()
    api.client.post(f"/v1/contacts/{CUSTOMER}/consent", json={"source": "site"})
    api.customer_writes()
    api.client.post("/v1/messages", json={"to": CUSTOMER, "text": "Enviada", "line": "sac"})
    api.dispatch()

    api.clock.advance(days=31)
    api.customer_writes()
    waiting = api.client.post(
        "/v1/messages", json={"to": CUSTOMER, "text": "Na fila", "line": "sac"}
    )
    assert count(api, outbox) == 2 and count(api, quota_reservations) == 2

    purged = api.services.purge()

    assert purged["outbox"] == 1 and purged["quota"] == 1
    assert [m["id"] for m in api.client.get("/v1/messages").json()] == [waiting.json()["id"]]
    assert count(api, quota_reservations) == 1  # today's reservation still counts toward the cap
    assert count(api, consents) == 1
    assert count(api, decisions) == 2
    assert count(api, events) == 2  # the two inbound messages


def test_purge_runs_from_the_command_line(api: Scene) -> None:
    from typer.testing import CliRunner

    from zapguard.cli import app

    url = str(api.services.store.engine.url)
    result = CliRunner().invoke(app, ["purge", "--db", url])
    assert result.exit_code == 0, result.output
    assert "outbox: 0" in result.stdout


def test_purge_reports_media_bindings_and_health_penalties(api: Scene) -> None:
    from typer.testing import CliRunner

    from zapguard.cli import app

    url = str(api.services.store.engine.url)
    result = CliRunner().invoke(app, ["purge", "--db", url])
    assert result.exit_code == 0, result.output
    assert "media: 0" in result.stdout and "penalties: 0" in result.stdout
