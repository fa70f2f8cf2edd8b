"""``zapguard blocklist import FILE``: domains flagged as spam (ZG702), from a plain list or a feed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from zapguard.cli._errors import UsageError, error_console, guarded
from zapguard.cli._options import (
    ConfigOption,
    DbOption,
    PresetOption,
    command_group,
    output_console,
)
from zapguard.cli._runtime import open_runtime
from zapguard.domain.blocklist import FORMATS, parse_blocklist

blocklist_app = command_group(help="Domínios bloqueados (ZG702). / Blocked link domains (ZG702).")


def register(app: typer.Typer) -> None:
    app.add_typer(blocklist_app, name="blocklist")


@blocklist_app.command(
    "import",
    help=(
        f"Importa uma lista ({', '.join(FORMATS)}): domínios, CSV do URLhaus ou do PhishTank. / "
        "Import a plain list, a URLhaus CSV or a PhishTank CSV."
    ),
)
@guarded
def import_blocklist(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, metavar="FILE")],
    fmt: Annotated[str, typer.Option("--format", help=" | ".join(FORMATS))] = "auto",
    config: ConfigOption = None,
    preset: PresetOption = None,
    db: DbOption = None,
) -> None:
    from rich.text import Text

    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise UsageError(f"{path}: não é UTF-8 / not UTF-8: {error.reason}") from None
    parsed = parse_blocklist(text, fmt)
    for number, reason in parsed.skipped[:20]:
        error_console().print(Text(f"{path}:{number}: {reason}", style="yellow"), soft_wrap=True)
    if len(parsed.skipped) > 20:
        error_console().print(f"... +{len(parsed.skipped) - 20}")
    with open_runtime(config, preset, db) as runtime:
        added = runtime.store.blocklist.add(
            domains=parsed.domains, source=f"{parsed.fmt}:{path.name}", at=datetime.now(UTC)
        )
    output_console().print(
        Text(
            f"{len(parsed.domains)} domínio(s) lido(s) ({parsed.fmt}), {added} novo(s), "
            f"{len(parsed.skipped)} linha(s) ignorada(s) / {len(parsed.domains)} read, {added} new, "
            f"{len(parsed.skipped)} skipped",
            style="green",
        )
    )
