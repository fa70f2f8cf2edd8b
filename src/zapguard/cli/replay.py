"""``zapguard replay LOG.jsonl``: one JSON decision per outbound record on stdout; notes on stderr."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, TextIO

import typer

from zapguard.cli._errors import EXIT_BAD_INPUT, UsageError, error_console, fail, guarded
from zapguard.cli._options import ConfigOption, DbOption, PresetOption
from zapguard.cli._runtime import open_runtime


def register(app: typer.Typer) -> None:
    app.command(
        "replay",
        help=(
            "Julga um log gravado (JSONL) com as regras: uma decisão JSON por mensagem enviada. / "
            "Judge a recorded log (JSONL): one JSON decision per outbound message."
        ),
    )(replay)


@guarded
def replay(
    log: Annotated[
        str,
        typer.Argument(
            metavar="LOG.jsonl",
            help="Log JSONL, ou - para ler do stdin. / JSONL log, or - to read stdin.",
        ),
    ],
    config: ConfigOption = None,
    preset: PresetOption = None,
    db: DbOption = None,
    skip_bad: Annotated[
        bool,
        typer.Option(
            "--skip-bad",
            help=(
                "Pula registros malformados (relatados no stderr) em vez de parar. / "
                "Skip malformed records (reported on stderr) instead of stopping."
            ),
        ),
    ] = False,
) -> None:
    from rich.table import Table

    from zapguard.audit.records import BadRecord
    from zapguard.audit.replay import Replayer

    notes = error_console()
    with open_runtime(config, preset, db, temporary=True) as runtime:
        replayer = Replayer(
            decider=runtime.decider,
            events=runtime.events,
            tenant=runtime.default_tenant,
            out=sys.stdout,
            skip_bad=skip_bad,
            on_note=lambda text: notes.print(text, style="yellow", markup=False, soft_wrap=True),
        )
        try:
            if log == "-":
                report = replayer.run(sys.stdin)
            else:
                with _open_log(Path(log)) as lines:
                    report = replayer.run(lines)
        except BadRecord as bad:
            raise fail(
                f"{log}: {bad} (use --skip-bad para pular / to skip)", EXIT_BAD_INPUT
            ) from None
        except UnicodeDecodeError as error:
            raise fail(f"{log}: não é UTF-8 / not UTF-8: {error.reason}", EXIT_BAD_INPUT) from None
    table = Table(title="Resumo / Summary", show_header=True)
    table.add_column("veredito / verdict")
    table.add_column("mensagens / messages", justify="right")
    for verdict in ("allow", "reroute", "defer", "reject"):
        table.add_row(verdict, str(report.verdicts.get(verdict, 0)))
    notes.print(table)
    notes.print(
        f"{report.records} registros, {report.outbound} mensagens de saída, "
        f"{report.opt_outs} descadastros, {len(report.skipped)} ignorados / "
        f"{report.records} records, {report.outbound} outbound, {report.opt_outs} opt-outs, "
        f"{len(report.skipped)} skipped; "
        f"regras / rules: {', '.join(f'{c}×{n}' for c, n in sorted(report.codes.items())) or '-'}",
        markup=False,
        soft_wrap=True,
    )


def _open_log(path: Path) -> TextIO:
    if not path.is_file():
        raise UsageError(f"arquivo não encontrado / file not found: {path}")
    return path.open(encoding="utf-8")
