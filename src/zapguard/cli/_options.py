"""Options shared by several commands, and loading the configuration they name.

Only typer and the standard library are imported here: every command module imports this one, and
``zapguard --help`` must not pay for pydantic, the store or the web stack.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from zapguard.config_location import available_presets

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from zapguard.policy.config import PolicyConfig

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        envvar="ZAPGUARD_CONFIG",
        dir_okay=False,
        help=(
            "Arquivo de configuração; padrão: ./zapguard.toml se existir. "
            "/ Configuration file; default: ./zapguard.toml if present."
        ),
    ),
]

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="ZAPGUARD_DATABASE_URL",
        help=(
            "URL do banco (sqlite:///arquivo.db, postgresql://...); padrão: a do zapguard.toml. / "
            "Database URL; default: the one in zapguard.toml."
        ),
    ),
]

PresetOption = Annotated[
    str | None,
    typer.Option(
        "--preset",
        "-p",
        help=(
            f"Preset de limites ({', '.join(available_presets())}); vence o do arquivo. "
            "/ Threshold preset; wins over the file's."
        ),
    ),
]


def command_group(help: str) -> typer.Typer:
    """A group of commands (``lines``, ``consent``...), shown like the whole command line; its
    summary in the list of commands is the whole "pt / en" text (see :func:`whole_summaries`)."""
    return typer.Typer(help=help, short_help=help, no_args_is_help=True, rich_markup_mode=None)


def whole_summaries(app: typer.Typer) -> None:
    """Show each command's whole help in the list of commands: click would cut it at its first
    sentence, which drops the English half of "pt-BR. / en."."""
    for info in app.registered_commands:
        if info.short_help is None:
            info.short_help = info.help
    for group in app.registered_groups:
        if group.typer_instance is not None:
            whole_summaries(group.typer_instance)


def policy(config: Path | None, preset: str | None) -> PolicyConfig:
    """The thresholds in force for a command: the preset, then the file."""
    from zapguard.config import find_config, load_policy_config

    return load_policy_config(find_config(config), preset)


def styled(text: str, style: str = "") -> Text:
    """``rich.text.Text``, imported when something is printed, not when the command line starts."""
    from rich.text import Text

    return Text(text, style=style)


def output_console() -> Console:
    """A console on stdout, created per call so it follows the current ``sys.stdout``."""
    from rich.console import Console

    return Console(highlight=False)
