"""``zapguard check MESSAGE.json``: one advisory decision against the stored state (nothing reserved)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from zapguard.cli._errors import EXIT_REJECTED, UsageError, guarded
from zapguard.cli._options import ConfigOption, DbOption, PresetOption, output_console
from zapguard.cli._runtime import open_runtime
from zapguard.domain.models import Verdict

if TYPE_CHECKING:
    from zapguard.audit.records import CheckedMessage


def register(app: typer.Typer) -> None:
    app.command(
        "check",
        help=(
            "Decide uma mensagem contra o estado gravado, sem enviar nem reservar cota; sai com 1 "
            "se rejeitada. / Decide one message against the stored state, without sending or "
            "reserving quota; exits 1 when rejected."
        ),
    )(check)


@guarded
def check(
    message_file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, metavar="MESSAGE.json")
    ],
    config: ConfigOption = None,
    preset: PresetOption = None,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Saída em JSON. / JSON output.")] = False,
) -> None:
    from zapguard.audit.replay import decision_json

    parsed = _read_message(message_file)
    with open_runtime(config, preset, db) as runtime:
        message = parsed.to_message(runtime.default_tenant)
        decision = runtime.decider.advise(message, parsed.at or datetime.now(UTC))
    document = decision_json(0, decision)
    document.pop("index")
    if as_json:
        typer.echo(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        _show(document)
    if decision.verdict is Verdict.REJECT:
        raise typer.Exit(EXIT_REJECTED)


def _read_message(path: Path) -> CheckedMessage:
    from pydantic import ValidationError

    from zapguard.audit.records import CheckedMessage

    try:
        raw: Any = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise UsageError(f"{path}: JSON inválido / invalid JSON: {error}") from None
    try:
        return CheckedMessage.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'mensagem'}: {e['msg']}"
            for e in error.errors()
        )
        raise UsageError(f"{path}: mensagem inválida / invalid message: {problems}") from None


_STYLE = {"allow": "green", "reroute": "cyan", "defer": "yellow", "reject": "red"}


def _show(document: dict[str, Any]) -> None:
    from rich.panel import Panel
    from rich.text import Text

    body = Text.assemble(document["message_pt"], "\n\n", (document["message_en"], "dim"))
    title = f"{document['verdict'].upper()} · linha / line {document['line']}"
    if document["not_before"]:
        title += f" · not_before {document['not_before']}"
    output_console().print(Panel(body, title=title, border_style=_STYLE[document["verdict"]]))
