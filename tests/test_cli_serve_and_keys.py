"""`zapguard serve` and `zapguard keys`: a server is never open to the network without a key."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from zapguard.api.factory import is_loopback
from zapguard.cli import app


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ZAPGUARD_CONFIG", raising=False)
    monkeypatch.delenv("ZAPGUARD_DATABASE_URL", raising=False)
    return tmp_path


def zapguard(*args: str) -> Result:
    return CliRunner(env={"COLUMNS": "250"}).invoke(app, list(args))


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.0.10", "::", "zapguard.example"])
def test_serve_refuses_a_non_loopback_address_without_any_key(
    host: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[object] = []
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: started.append(args))

    result = zapguard("serve", "--host", host)

    assert result.exit_code == 2
    assert "zapguard keys create" in flat(result.stderr)
    assert started == []


def test_serve_listens_anywhere_once_a_key_exists(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, object]] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kwargs: calls.append(kwargs))
    assert zapguard("keys", "create", "helpdesk").exit_code == 0

    result = zapguard("serve", "--host", "0.0.0.0", "--port", "8099")

    assert result.exit_code == 0, result.stderr
    assert calls == [{"host": "0.0.0.0", "port": 8099, "access_log": False, "log_level": "warning"}]


def test_several_workers_need_a_simulator_of_their_own(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[object] = []
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: started.append(args))

    result = zapguard("serve", "--workers", "2", "--demo")  # the demo line is on the simulator

    assert started == []
    assert result.exit_code == 2
    assert "zapguard simulator" in flat(result.stderr)


def test_loopback_addresses_are_recognised() -> None:
    assert all(is_loopback(host) for host in ("127.0.0.1", "::1", "localhost", "127.0.0.2"))
    assert not any(is_loopback(host) for host in ("0.0.0.0", "10.0.0.1", "example.com"))


def test_a_key_is_shown_once_listed_by_prefix_and_revoked() -> None:
    created = zapguard("keys", "create", "chatwoot", "--tenant", "acme")
    assert created.exit_code == 0
    key = created.stdout.strip()
    assert key.startswith("zg_")
    prefix = key.split("_")[1]

    listed = zapguard("keys", "list", "--tenant", "acme")
    assert prefix in listed.stdout and "chatwoot" in listed.stdout
    assert key not in listed.stdout

    assert zapguard("keys", "revoke", prefix).exit_code == 0
    again = zapguard("keys", "revoke", prefix)
    assert again.exit_code == 3
    assert "revogada" in flat(again.stderr)


def test_an_admin_key_is_created_with_its_scope_and_listed_with_it() -> None:
    admin = zapguard("keys", "create", "operacao", "--admin", "--tenant", "acme")
    plain = zapguard("keys", "create", "helpdesk", "--tenant", "acme")
    assert admin.exit_code == plain.exit_code == 0
    assert "admin" in flat(admin.stderr)

    listed = zapguard("keys", "list", "--tenant", "acme").stdout.splitlines()
    [admin_row] = [line for line in listed if admin.stdout.strip().split("_")[1] in line]
    [plain_row] = [line for line in listed if plain.stdout.strip().split("_")[1] in line]
    assert "admin" in admin_row and "operacao" in admin_row
    assert "admin" not in plain_row


def test_the_admin_option_is_explained_in_portuguese_first() -> None:
    help_text = flat(zapguard("keys", "create", "--help").stdout)
    assert "--admin" in help_text
    assert help_text.index("Também permite") < help_text.index("Also allows")
