"""``zapguard simulator``: the command serves the simulator app with the options it was given."""

from __future__ import annotations

from typing import Any

import pytest
import typer
from fastapi import FastAPI
from typer.testing import CliRunner

from zapguard.cli import simulator as command


def _app() -> typer.Typer:
    app = typer.Typer()
    command.register(app)

    @app.callback()
    def main() -> None:  # a group, so the command is addressed by name as in `zapguard`
        pass

    return app


def test_simulator_command_help_is_bilingual() -> None:
    result = CliRunner().invoke(_app(), ["simulator", "--help"])
    assert result.exit_code == 0
    assert "simulador" in result.output
    assert "simulator" in result.output


def test_simulator_command_runs_uvicorn_with_the_simulator(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kwargs: calls.append((app, kwargs)))
    result = CliRunner().invoke(
        _app(), ["simulator", "--port", "9099", "--webhook-url", "http://127.0.0.1:8000/w"]
    )
    assert result.exit_code == 0, result.output
    [(app, kwargs)] = calls
    assert isinstance(app, FastAPI)
    assert kwargs["host"] == "127.0.0.1"
    assert kwargs["port"] == 9099
