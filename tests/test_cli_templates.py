"""``zapguard templates set|list`` and ``zapguard explain ZG507`` citing Meta's template webhooks."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from zapguard.cli import app


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ZAPGUARD_CONFIG", raising=False)
    return tmp_path


def zapguard(*args: str) -> Result:
    return CliRunner(env={"COLUMNS": "200"}).invoke(app, list(args))


def test_explain_zg507_cites_metas_template_webhooks_and_its_setting() -> None:
    result = zapguard("explain", "ZG507")

    assert result.exit_code == 0, result.output
    flat = "".join(result.stdout.split())
    assert "webhooks/reference/message_template_status_update" in flat
    assert "message_template_quality_update" in flat
    assert "templates.red_defer_hours" in flat
    assert "Dica do seed" not in result.stdout  # Meta's rule, not a seed tip


def test_templates_set_then_list_shows_the_state(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'z.db'}"
    assert zapguard("init", "--db", db).exit_code == 0

    made = zapguard("templates", "set", "pedido_enviado", "--quality", "red", "--db", db)
    allowed = zapguard("templates", "set", "pedido_enviado", "--allow-red", "--db", db)
    listed = zapguard("templates", "list", "--db", db)

    assert made.exit_code == 0 and allowed.exit_code == 0, made.output + allowed.output
    assert "RED" in made.stdout and "RED liberado / RED allowed: sim / yes" in allowed.stdout
    assert listed.exit_code == 0, listed.output
    assert "pedido_enviado" in listed.stdout and "RED" in listed.stdout


def test_templates_set_refuses_a_quality_meta_does_not_use(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'z.db'}"
    zapguard("init", "--db", db)

    result = zapguard("templates", "set", "pedido_enviado", "--quality", "roxo", "--db", db)

    assert result.exit_code == 2
    assert "qualidade inválida" in result.output and "invalid quality" in result.output
