"""`zapguard lines add --*-secret-from`, `lines secret` and `lines helpdesk`: a line's webhook secrets
come from the environment or a file, never from the command line; internal helpdesk URLs are
refused (issue 7, items 3 and 7)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from zapguard.cli import app
from zapguard.config import find_config, load_app_config
from zapguard.store import Store

SECRET = "chave-hmac-da-sessao-waha-loja"


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ZAPGUARD_CONFIG", raising=False)
    monkeypatch.delenv("ZAPGUARD_DATABASE_URL", raising=False)
    assert zapguard("init").exit_code == 0
    with (tmp_path / "zapguard.toml").open("a", encoding="utf-8") as config:
        config.write(
            '\n[providers.waha]\nkind = "waha"\nbase_url = "https://waha.example.com.br"\n'
        )
    return tmp_path


def zapguard(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner(env={"COLUMNS": "250", **(env or {})}).invoke(app, list(args))


def add(*extra: str, env: dict[str, str] | None = None) -> Result:
    return zapguard(
        "lines", "add", "sac", "--phone", "+55 11 91234-0001", "--role", "receptive",
        "--in-use-since", "2024-01-01", "--provider", "waha", *extra, env=env,
    )  # fmt: skip


def stored(kind: str) -> str | None:
    store = Store(load_app_config(find_config(None)).database_url)
    try:
        return store.line_secrets.get(line_id="sac", kind=kind)
    finally:
        store.close()


def test_a_secret_is_read_from_the_environment(tmp_path: Path) -> None:
    result = add("--webhook-secret-from", "env:ZG_WAHA_KEY", env={"ZG_WAHA_KEY": SECRET})
    assert result.exit_code == 0, result.output
    assert stored("webhook") == SECRET
    assert SECRET not in result.output


def test_a_secret_is_read_from_a_file_without_its_line_break(tmp_path: Path) -> None:
    (tmp_path / "chatwoot.key").write_text(SECRET + "\n", encoding="utf-8")
    assert add("--chatwoot-secret-from", f"file:{tmp_path / 'chatwoot.key'}").exit_code == 0
    assert stored("chatwoot") == SECRET


def test_a_secret_on_the_command_line_itself_is_refused() -> None:
    result = add("--helpdesk-secret-from", SECRET)
    assert result.exit_code == 2
    assert "env:" in result.output and "file:" in result.output
    assert zapguard("lines", "list").output.count("sac") == 0  # nothing registered


def test_a_missing_variable_is_named() -> None:
    result = add("--webhook-secret-from", "env:ZG_NAO_EXISTE")
    assert result.exit_code == 2 and "ZG_NAO_EXISTE" in result.output


def test_a_secret_is_changed_and_removed_later_and_shown_only_as_set(tmp_path: Path) -> None:
    assert add().exit_code == 0
    changed = zapguard(
        "lines", "secret", "sac", "helpdesk", "--from", "env:ZG_HELPDESK", env={"ZG_HELPDESK": SECRET}
    )  # fmt: skip
    assert changed.exit_code == 0, changed.output
    assert stored("helpdesk") == SECRET
    shown = zapguard("lines", "show", "sac")
    assert "helpdesk" in shown.output and SECRET not in shown.output

    assert zapguard("lines", "secret", "sac", "helpdesk", "--clear").exit_code == 0
    assert stored("helpdesk") is None


def test_an_unknown_secret_kind_or_line_is_refused() -> None:
    assert add().exit_code == 0
    assert zapguard("lines", "secret", "sac", "senha", "--clear").exit_code == 2
    assert zapguard("lines", "secret", "outra", "chatwoot", "--clear").exit_code == 2


@pytest.mark.parametrize(
    "url", ["http://169.254.169.254/latest/meta-data/", "http://10.1.2.3/hook", "ftp://x.com/"]
)
def test_an_internal_helpdesk_url_is_refused_at_registration_and_later(url: str) -> None:
    refused = add("--helpdesk-url", url)
    assert refused.exit_code == 2 and "helpdesk" in refused.output
    assert add().exit_code == 0  # the refused one registered nothing
    assert zapguard("lines", "helpdesk", "sac", url).exit_code == 2
    assert zapguard("lines", "helpdesk", "sac", "https://helpdesk.example.com/h").exit_code == 0


def test_an_operator_may_allow_helpdesks_on_the_private_network(tmp_path: Path) -> None:
    config = tmp_path / "zapguard.toml"
    text = config.read_text(encoding="utf-8")
    allow = "allow_private_helpdesk_urls = true\n"
    if "\n[server]\n" in text:  # `init` may already write a [server] section
        text = text.replace("\n[server]\n", "\n[server]\n" + allow, 1)
    else:
        text += "\n[server]\n" + allow
    config.write_text(text, encoding="utf-8")
    assert add("--helpdesk-url", "http://10.1.2.3/hook").exit_code == 0
    # Cloud metadata is never a helpdesk.
    assert zapguard("lines", "helpdesk", "sac", "http://169.254.169.254/").exit_code == 2
