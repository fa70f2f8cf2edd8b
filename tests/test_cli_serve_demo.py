"""``zapguard serve`` mounts the simulator only for ``--demo``, and the demo stays on this machine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.routing import Mount
from typer.testing import CliRunner, Result

from zapguard.cli import app


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ZAPGUARD_CONFIG", raising=False)
    monkeypatch.delenv("ZAPGUARD_DATABASE_URL", raising=False)
    return tmp_path


def zapguard(*args: str) -> Result:
    return CliRunner(env={"COLUMNS": "250"}).invoke(app, list(args))


def _served(monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[Result, list[Any]]:
    apps: list[Any] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kwargs: apps.append(app))
    return zapguard("serve", *args), apps


def _mounts(app: FastAPI) -> list[str]:
    return [route.path for route in app.routes if isinstance(route, Mount)]


def test_serve_without_demo_has_no_simulator(monkeypatch: pytest.MonkeyPatch) -> None:
    result, apps = _served(monkeypatch)
    assert result.exit_code == 0, result.output
    [served] = apps
    assert _mounts(served) == []


def test_serve_demo_mounts_the_simulator(monkeypatch: pytest.MonkeyPatch) -> None:
    result, apps = _served(monkeypatch, "--demo")
    assert result.exit_code == 0, result.output
    [served] = apps
    assert _mounts(served) == ["/simulator"]


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.0.10"])
def test_the_demo_refuses_to_listen_beyond_this_machine_even_with_a_key(
    host: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert zapguard("keys", "create", "helpdesk").exit_code == 0
    result, apps = _served(monkeypatch, "--demo", "--host", host)
    assert result.exit_code == 2
    assert apps == []
    assert "loopback" in " ".join(result.stderr.split())


def test_serve_without_demo_warns_about_lines_left_on_the_simulator(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert _served(monkeypatch, "--demo")[0].exit_code == 0  # registers 'sac' on the simulator

    result, _ = _served(monkeypatch)

    assert result.exit_code == 0, result.output
    warning = " ".join(result.stderr.split())
    assert "'simulator'" in warning and "--demo" in warning
    again, _ = _served(monkeypatch, "--demo")
    assert "warning" not in again.stderr
