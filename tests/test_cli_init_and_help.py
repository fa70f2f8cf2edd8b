"""``zapguard init`` writes every section a person may need, and every ``--help`` shows what its
texts say (nothing eaten by markup); the simulator's webhook secret never goes on a command line."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner, Result

from zapguard.cli import app
from zapguard.service_config import (
    DispatchConfig,
    ProviderSettings,
    RetentionConfig,
    ServerConfig,
    ServiceConfig,
    load_service_config,
)

SERVICE_MODELS = {"server": ServerConfig, "dispatch": DispatchConfig, "retention": RetentionConfig}


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("ZAPGUARD_CONFIG", "ZAPGUARD_DATABASE_URL", "ZAPGUARD_SIMULATOR_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def zapguard(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner(env={"COLUMNS": "250", **(env or {})}).invoke(app, list(args))


def flat(text: str) -> str:
    return " ".join(text.split())


# --- zapguard init --------------------------------------------------------------------------------


def _written() -> str:
    assert zapguard("init").exit_code == 0
    return Path("zapguard.toml").read_text(encoding="utf-8")


def test_init_writes_the_service_sections_and_they_load_as_the_defaults() -> None:
    text = _written()

    for section in (*SERVICE_MODELS, "providers"):
        assert re.search(rf"^\[{section}\]$", text, flags=re.MULTILINE), section
    assert load_service_config(Path("zapguard.toml")) == ServiceConfig()


def test_every_service_setting_is_written_commented_with_its_description(workdir: Path) -> None:
    text = _written()

    for section, model in SERVICE_MODELS.items():
        block = text.split(f"[{section}]\n", 1)[1].split("\n[", 1)[0]
        for name, field in model.model_fields.items():
            assert re.search(rf"^# {name} = ", block, flags=re.MULTILINE), f"{section}.{name}"
            assert field.description, f"{section}.{name} has no description"
            assert f"# {field.description}" in block, f"{section}.{name}"


def test_the_commented_service_values_are_exactly_the_defaults() -> None:
    text = _written()
    document = tomllib.loads(_uncommented(text))

    for section, model in SERVICE_MODELS.items():
        assert model.model_validate(document[section]) == model(), section


def test_the_commented_provider_example_is_a_valid_provider_section() -> None:
    document = tomllib.loads(_uncommented(_written()))

    [(name, example)] = document["providers"].items()
    settings = ProviderSettings.model_validate(example)
    assert name and settings.kind in ("cloud", "evolution", "waha", "simulator")
    assert all(
        value.startswith("env:")
        for key, value in example.items()
        if "secret" in key or key == "token"
    )


def _uncommented(text: str) -> str:
    """Every commented setting and table header made real, as a person editing the file would."""
    return re.sub(r"^# (\[[a-z_.]+\]|[a-z_]+ = [^(].*)$", r"\1", text, flags=re.MULTILINE)


# --- help texts -----------------------------------------------------------------------------------


def _commands(group: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in group.commands.items():
        yield (*path, name)
        if hasattr(command, "commands"):  # a group (typer's own click)
            yield from _commands(command, (*path, name))


def _command(path: tuple[str, ...]) -> Any:
    command: Any = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]
    return command


ALL_COMMANDS = list(_commands(typer.main.get_command(app)))


@pytest.mark.parametrize("path", ALL_COMMANDS, ids=" ".join)
def test_every_help_text_is_shown_whole(path: tuple[str, ...]) -> None:
    result = zapguard(*path, "--help")
    assert result.exit_code == 0, result.output
    shown = flat(result.output)
    command = _command(path)
    texts = [command.help or ""] + [getattr(param, "help", None) or "" for param in command.params]
    for text in filter(None, texts):
        assert flat(text) in shown, f"{' '.join(path)}: {text!r} is not shown whole"


@pytest.mark.parametrize(
    "group", [(), *sorted({path[:-1] for path in ALL_COMMANDS if len(path) > 1})], ids=" ".join
)
def test_the_list_of_commands_shows_each_summary_in_both_languages(group: tuple[str, ...]) -> None:
    shown = flat(zapguard(*group, "--help").output)
    for path in ALL_COMMANDS:
        if path[:-1] == group:
            assert flat(_command(path).help or "") in shown, path


def test_the_garbled_help_texts_now_read_in_both_languages() -> None:
    assert "server.host" in flat(zapguard("serve", "--help").output)
    assert "providers.NOME" in flat(zapguard("lines", "add", "--help").output)
    assert "app.tenant" in flat(zapguard("keys", "create", "--help").output)


# --- the simulator's secret -------------------------------------------------------------------


@pytest.fixture
def simulator_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    def capture(**options: Any) -> Any:
        calls.append(options)
        return object()

    monkeypatch.setattr("zapguard.providers.simulator.app.simulator_app", capture)
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: None)
    return calls


def test_the_simulator_takes_no_secret_on_its_command_line(
    simulator_calls: list[dict[str, Any]],
) -> None:
    result = zapguard("simulator", "--webhook-secret", "visivel-no-ps")
    assert result.exit_code == 2
    assert simulator_calls == []
    assert "--webhook-secret " not in flat(zapguard("simulator", "--help").output) + " "


def test_the_simulator_reads_its_secret_from_the_environment(
    simulator_calls: list[dict[str, Any]],
) -> None:
    result = zapguard("simulator", env={"ZAPGUARD_SIMULATOR_WEBHOOK_SECRET": "do-ambiente"})
    assert result.exit_code == 0, result.output
    assert simulator_calls[0]["webhook_secret"] == "do-ambiente"


def test_the_simulator_reads_its_secret_from_a_file(
    simulator_calls: list[dict[str, Any]], workdir: Path
) -> None:
    (workdir / "segredo").write_text("do-arquivo\n", encoding="utf-8")
    result = zapguard("simulator", "--webhook-secret-file", "segredo")
    assert result.exit_code == 0, result.output
    assert simulator_calls[0]["webhook_secret"] == "do-arquivo"


def test_an_empty_or_missing_secret_file_is_a_clear_error(
    simulator_calls: list[dict[str, Any]], workdir: Path
) -> None:
    (workdir / "vazio").write_text("\n", encoding="utf-8")
    for name in ("vazio", "nao-existe"):
        result = zapguard("simulator", "--webhook-secret-file", name)
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output
    assert simulator_calls == []
