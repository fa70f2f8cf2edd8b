"""``zapguard audit FILE...``: how close a business's number is to a ban, from its chat exports and
replay logs. A summary on stderr, the JSON twin on stdout unless ``--json`` names a file, the HTML
report with ``--html``."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from zapguard.cli._errors import UsageError, error_console, guarded
from zapguard.cli._options import ConfigOption, PresetOption

if TYPE_CHECKING:
    from rich.console import Console

    from zapguard.audit.run import AuditResult

# Files above this size get a progress bar on stderr.
_PROGRESS_FROM_CHARS = 4_000_000


def register(app: typer.Typer) -> None:
    app.command(
        "audit",
        help=(
            "Audita conversas exportadas do WhatsApp (.txt, .zip) e logs de replay (.jsonl): risco "
            "de banimento, achados por regra, relatório HTML e JSON. / Audit WhatsApp chat exports "
            "and replay logs: ban risk, findings by rule, HTML and JSON reports."
        ),
    )(audit)


@guarded
def audit(
    files: Annotated[
        list[Path],
        typer.Argument(
            metavar="FILE...",
            help="Conversas exportadas (.txt, .zip) ou logs (.jsonl). / Chat exports or logs.",
        ),
    ],
    me: Annotated[
        str | None,
        typer.Option(
            "--me",
            help=(
                "Nome da empresa nas conversas; padrão: quem responde mais contatos. / The "
                "business's name in the chats; default: the author who answers most contacts."
            ),
        ),
    ] = None,
    json_out: Annotated[
        Path | None,
        typer.Option(
            "--json",
            help="Grava o JSON aqui (padrão: stdout). / Write the JSON here (default: stdout).",
        ),
    ] = None,
    html_out: Annotated[
        Path | None,
        typer.Option("--html", help="Grava o relatório HTML aqui. / Write the HTML report here."),
    ] = None,
    timezone: Annotated[
        str,
        typer.Option(
            "--timezone",
            help=(
                "Fuso das horas das conversas. / Time zone of the chats' times. (America/Sao_Paulo)"
            ),
        ),
    ] = "America/Sao_Paulo",
    author: Annotated[
        str,
        typer.Option(
            "--author",
            help=(
                "Quem escreveu as mensagens da empresa: bot (pior caso) ou agent (uma pessoa). / "
                "Who wrote the business's messages: bot (worst case) or agent (a person)."
            ),
        ),
    ] = "bot",
    alto_from: Annotated[
        int,
        typer.Option(
            "--alto-from",
            min=1,
            help=(
                "Mensagens recusadas a partir das quais o risco é alto (dica 2 do seed: uma "
                "dúzia de denúncias). / Refused messages from which the risk is high (seed tip 2)."
            ),
        ),
    ] = 12,
    config: ConfigOption = None,
    preset: PresetOption = None,
) -> None:
    from zapguard.audit.report_html import render_html
    from zapguard.audit.run import audit as run_audit
    from zapguard.cli._runtime import open_runtime
    from zapguard.domain.models import Author
    from zapguard.policy.zones import checked_zone, zone

    if author not in ("bot", "agent"):
        raise UsageError(f"--author: use bot ou agent / use bot or agent, not {author!r}")
    place = zone(checked_zone(timezone))
    console = error_console()
    with _progress(files, console) as progress:
        result = run_audit(
            files,
            services=lambda: open_runtime(config, preset, None, temporary=True),
            me=me,
            zone=place,
            author=Author(author),
            alto_from=alto_from,
            progress=progress,
        )
    report = result.to_json()
    text = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    if json_out is None:
        sys.stdout.write(text)
    else:
        json_out.write_text(text, encoding="utf-8")
    if html_out is not None:
        html_out.write_text(render_html(report), encoding="utf-8")
    _summary(result, console)


@contextmanager
def _progress(files: list[Path], console: Console) -> Iterator[Callable[[str, int, int], None]]:
    """A Rich progress bar over the characters read, for large inputs; nothing for small ones."""
    total = sum(path.stat().st_size for path in files if path.is_file())
    if total < _PROGRESS_FROM_CHARS:
        yield lambda _what, _done, _total: None
        return
    from rich.progress import Progress

    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("lendo / reading", total=total)

        def update(what: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, description=what)

        yield update


def _summary(result: AuditResult, console: Console) -> None:
    risk_en = {"baixo": "low", "médio": "medium", "alto": "high"}[result.risk]
    console.print(
        f"risco / risk: {result.risk} / {risk_en}; "
        f"{result.business_messages} mensagens da empresa / business messages; regras / rules: "
        + (", ".join(f"{f.code}×{f.count}" for f in result.ranked()) or "-"),
        markup=False,
        soft_wrap=True,
    )
