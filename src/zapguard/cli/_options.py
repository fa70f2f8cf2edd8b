"""Options shared by several commands, and loading the configuration they name."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from zapguard.config import available_presets, find_config, load_policy_config
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


def policy(config: Path | None, preset: str | None) -> PolicyConfig:
    """The thresholds in force for a command: the preset, then the file."""
    return load_policy_config(find_config(config), preset)


def output_console() -> Console:
    """A console on stdout, created per call so it follows the current ``sys.stdout``."""
    return Console(highlight=False)
