"""The command line of Meta's and WhatsApp's own enforcement: `zapguard portfolios` and `zapguard
explain` citing where each new rule's facts are published."""

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


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize(
    ("code", "cited"),
    [
        (
            "ZG506",
            "developers.facebook.com/documentation/business-messaging/whatsapp/messaging-limits",
        )
    ],
)
def test_explain_cites_where_the_rules_facts_are_published(code: str, cited: str) -> None:
    result = zapguard("explain", code)

    assert result.exit_code == 0, result.output
    assert cited in flat(result.stdout).replace(" ", "")
    assert "Dica do seed" not in result.stdout  # no seed tip: Meta's rule, not the seed's


def test_portfolios_set_then_list_shows_the_limit(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'z.db'}"
    assert zapguard("init", "--db", db).exit_code == 0

    assert zapguard("portfolios", "set", "771122", "--limit", "2000", "--db", db).exit_code == 0
    listed = zapguard("portfolios", "list", "--db", db)

    assert listed.exit_code == 0, listed.output
    assert "771122" in listed.stdout and "2000" in listed.stdout


def test_portfolios_set_refuses_a_limit_that_is_not_a_number(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'z.db'}"
    zapguard("init", "--db", db)

    result = zapguard("portfolios", "set", "771122", "--limit", "muitos", "--db", db)

    assert result.exit_code == 2
    assert "--limit" in result.output
