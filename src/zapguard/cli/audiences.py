"""``zapguard audience import|list|show``: contact lists for campaigns, read from spreadsheets.

``import`` reads a CSV (UTF-8 or Latin-1, ``;`` or ``,``) or an XLSX, normalizes each phone to
its canonical contact, records the consent the file carries as evidence, and keeps every row with
the reason it is excluded, if any. ``--json`` prints exactly one JSON object on stdout; the
progress bar goes to stderr (and only to a terminal).
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from zapguard.cli._errors import guarded
from zapguard.cli._options import (
    ConfigOption,
    DbOption,
    PresetOption,
    command_group,
    output_console,
    styled,
)
from zapguard.cli._runtime import open_runtime

if TYPE_CHECKING:
    from zapguard.campaigns.audiences.service import AudienceReport

audience_app = command_group(
    help="Públicos (listas de contatos) para campanhas. / Audiences (contact lists) for campaigns.",
)

SHOWN_PROBLEMS = 20
"""Problems listed in the table of ``import`` and ``show`` (``--json`` lists them all)."""

JsonOption = Annotated[
    bool,
    typer.Option("--json", help="Um objeto JSON no stdout. / One JSON object on stdout."),
]


def register(app: typer.Typer) -> None:
    app.add_typer(audience_app, name="audience")


@audience_app.command(
    "import",
    help=(
        "Importa um público de um CSV ou XLSX: telefone, nome, consentimento e as outras colunas "
        "como campos ({{cidade}}); cabeçalhos em português ou inglês, sem distinguir maiúsculas "
        "nem acentos (veja o README). Um nome que já existe é recusado, a menos que --replace. / "
        "Import an audience from a CSV or XLSX: phone, name, consent and the other columns as "
        "fields; headers in Portuguese or English, ignoring case and accents (see the README). "
        "An existing name is refused unless --replace."
    ),
)
@guarded
def import_file(
    file: Annotated[Path, typer.Argument(dir_okay=False, metavar="FILE")],
    name: Annotated[str, typer.Option("--name", help="Nome do público. / Audience name.")],
    column: Annotated[
        list[str] | None,
        typer.Option(
            "--column",
            metavar="FIELD=HEADER",
            help=(
                "Usa a coluna HEADER como FIELD (phone, name, consent, consent_at, "
                "consent_source, consent_text ou um nome de campo); repetível. / Map column "
                "HEADER to FIELD; repeatable."
            ),
        ),
    ] = None,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help=(
                "Substitui o público de mesmo nome (só quando a importação termina). / Replace "
                "the audience of the same name (only once the import has finished)."
            ),
        ),
    ] = False,
    timezone: Annotated[
        str,
        typer.Option(
            "--timezone",
            help=(
                "Fuso das datas sem fuso; padrão: horário de Brasília. / Zone of dates written "
                "without one; default: Brasília time."
            ),
        ),
    ] = "America/Sao_Paulo",
    as_json: JsonOption = False,
    config: ConfigOption = None,
    preset: PresetOption = None,
    db: DbOption = None,
) -> None:
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from zapguard.campaigns.audiences.readers import Sheet
    from zapguard.campaigns.audiences.service import import_audience
    from zapguard.cli._errors import error_console

    stderr = error_console()
    bar = Progress(
        TextColumn("importando / importing"),
        BarColumn(),
        TimeRemainingColumn(),
        console=stderr,
        transient=True,
        disable=not stderr.is_terminal,
        # stdout is the report's alone (one JSON object with --json): nothing of the bar goes there
        redirect_stdout=False,
        redirect_stderr=False,
    )
    task = bar.add_task("import", total=None)

    def sized(sheet: Sheet) -> None:
        unit = DownloadColumn() if sheet.kind == "csv" else MofNCompleteColumn()
        bar.columns = (*bar.columns, unit)
        bar.update(task, total=sheet.total)

    with open_runtime(config, preset, db) as runtime:
        with bar:
            report = import_audience(
                runtime.store,
                tenant_id=runtime.default_tenant,
                name=name,
                path=file,
                at=runtime.clock(),
                columns=column or (),
                replace=replace,
                zone=timezone,
                shown_as=str(file),
                on_open=sized,
                progress=lambda done: bar.update(task, completed=done),
            )
        _print(report, as_json)  # after the bar is gone


@audience_app.command("list", help="Lista os públicos. / List the audiences.")
@guarded
def list_command(
    as_json: JsonOption = False,
    config: ConfigOption = None,
    preset: PresetOption = None,
    db: DbOption = None,
) -> None:
    import json

    from rich import box
    from rich.table import Table

    from zapguard.campaigns.audiences.service import list_audiences

    with open_runtime(config, preset, db) as runtime:
        found = list_audiences(runtime.store, tenant_id=runtime.default_tenant)
    if as_json:
        items = [
            {
                "audience": record.name,
                "rows": record.rows,
                "usable": record.usable,
                "excluded": dict(record.excluded),
                "source": record.source,
                "imported_at": record.imported_at.isoformat(),
                "fields": list(record.fields),
            }
            for record in found
        ]
        sys.stdout.write(json.dumps(items, ensure_ascii=False) + "\n")
        return
    table = Table(box=box.SIMPLE_HEAD, title="Públicos / Audiences")
    for header in (
        "Nome / Name",
        "Linhas / Rows",
        "Utilizáveis / Usable",
        "Excluídas / Excluded",
        "Arquivo / File",
        "Importado / Imported",
    ):
        table.add_column(header)
    for record in found:
        table.add_row(
            record.name,
            str(record.rows),
            str(record.usable),
            str(sum(record.excluded.values())),
            record.source,
            _when(record.imported_at),
        )
    output_console().print(table)


@audience_app.command(
    "show", help="Contagens e problemas de um público. / An audience's counts and problems."
)
@guarded
def show(
    name: Annotated[str, typer.Argument(help="Nome do público. / Audience name.")],
    as_json: JsonOption = False,
    config: ConfigOption = None,
    preset: PresetOption = None,
    db: DbOption = None,
) -> None:
    from zapguard.campaigns.audiences.service import audience_report

    with open_runtime(config, preset, db) as runtime:
        report = audience_report(runtime.store, tenant_id=runtime.default_tenant, name=name)
        _print(report, as_json)


_REASONS = {
    "invalid_phone": "telefone inválido / invalid phone",
    "duplicate": "repetido / duplicate",
    "no_consent": "sem consentimento / no consent",
    "invalid_consent": "consentimento ilegível / unreadable consent",
    "invalid_consent_at": "data ilegível / unreadable date",
    "opted_out": "descadastrado / opted out",
}


def _print(report: AudienceReport, as_json: bool) -> None:
    """The report: one JSON object (streamed: the problems may be a million), or tables."""
    from rich import box
    from rich.table import Table

    from zapguard.campaigns.audiences.service import report_json

    if as_json:
        for piece in report_json(report):
            sys.stdout.write(piece)
        sys.stdout.write("\n")
        return
    record = report.record
    console = output_console()
    counts = Table(box=box.SIMPLE_HEAD, title=f"Público / Audience {record.name}")
    counts.add_column("")
    counts.add_column("", justify="right")
    counts.add_row("linhas / rows", str(record.rows))
    counts.add_row(styled("utilizáveis / usable", style="green"), str(record.usable))
    for reason, count in record.excluded.items():
        counts.add_row(_REASONS[reason], str(count))
    console.print(counts)
    problems = Table(box=box.SIMPLE_HEAD, title="Problemas / Problems")
    for header in ("Linha / Line", "Motivo / Reason", "Valor / Value"):
        problems.add_column(header)
    shown = 0
    for member in report.problems():
        if shown == SHOWN_PROBLEMS:
            break
        problems.add_row(
            str(member.file_line), _REASONS.get(member.reason or "", ""), member.value or ""
        )
        shown += 1
    if shown:
        console.print(problems)
        excluded = sum(record.excluded.values())
        if excluded > shown:
            console.print(
                f"... e mais {excluded - shown} (veja --json) / and {excluded - shown} more "
                "(see --json)"
            )


def _when(at: datetime) -> str:
    return at.isoformat(timespec="seconds")
