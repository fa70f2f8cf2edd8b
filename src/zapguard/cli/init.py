"""``zapguard init``: write ``zapguard.toml`` (never over an existing one) and create the database.

The file holds every section, each key commented at its default with where that default comes from:
the policy (per preset), ``[app]``, and the service's ``[server]``, ``[dispatch]``, ``[retention]``
and ``[providers]`` (with a commented example connection)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from zapguard.cli._errors import guarded
from zapguard.cli._options import output_console
from zapguard.config_location import DEFAULT_CONFIG_NAME, available_presets


def register(app: typer.Typer) -> None:
    app.command(
        "init",
        help=(
            "Cria o zapguard.toml comentado (sem sobrescrever) e o banco de dados. / "
            "Write a commented zapguard.toml (never overwriting) and create the database."
        ),
    )(init)


@guarded
def init(
    config: Annotated[
        Path,
        typer.Option(
            "--config",
            "-c",
            envvar="ZAPGUARD_CONFIG",
            dir_okay=False,
            help="Arquivo a criar. / File to write.",
        ),
    ] = Path(DEFAULT_CONFIG_NAME),
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help=(
                "URL do banco; padrão: a do arquivo, senão sqlite:///zapguard.db. / "
                "Database URL; default: the file's, else sqlite:///zapguard.db."
            ),
        ),
    ] = None,
    preset: Annotated[
        str | None,
        typer.Option(
            "--preset",
            "-p",
            help=(
                f"Preset do arquivo novo ({', '.join(available_presets())}); padrão: seed. / "
                "Preset of the new file; default: seed."
            ),
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Substitui um arquivo existente. / Replace an existing file."),
    ] = False,
) -> None:
    from zapguard.config import (
        AppConfig,
        load_app_config,
        load_policy_config,
        render_default_config,
        write_config_text,
    )

    console = output_console()
    keep = config.exists() and not force
    if keep:
        thresholds = load_policy_config(config, preset)  # the kept file must be usable
        url = db or load_app_config(config).database_url
    else:
        text = render_default_config(preset, db)  # checks the preset and the URL before any I/O
        thresholds = load_policy_config(None, preset)
        url = db or AppConfig().database_url

    # The database first: when it fails, no configuration is left behind pointing at it.
    from zapguard.store.migrate import upgrade  # lazy: only this command needs the store

    upgrade(url)
    console.print(
        f"banco pronto / database ready: {_hide_password(url)}",
        style="green",
        markup=False,
        soft_wrap=True,
    )

    if keep:
        console.print(
            f"{config}: já existe, mantido (--force substitui) / "
            "already exists, kept (--force replaces it)",
            style="yellow",
            markup=False,
            soft_wrap=True,
        )
    else:
        write_config_text(config, text, overwrite=force)
        console.print(
            f"{config}: criado com o preset {thresholds.preset} / "
            f"written with the {thresholds.preset} preset",
            style="green",
            markup=False,
            soft_wrap=True,
        )


def _hide_password(url: str) -> str:
    return re.sub(r"(://[^/:@]*):[^/@]*@", r"\1:***@", url)
