"""``zapguard consent grant|revoke|import|show``: marketing opt-ins with their evidence (LGPD art. 8 §2).

Evidence is append-only: a revocation never erases the grant it revokes. An import is all or
nothing: every bad row is reported with its line number and nothing is written unless
``--skip-bad`` says to write the good rows.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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
    styled,
)
from zapguard.cli._runtime import open_runtime
from zapguard.domain.models import Consent

consent_app = command_group(
    help="Consentimento de marketing, com evidência. / Marketing consent, with evidence.",
)

CSV_COLUMNS = ("contact", "granted_at", "source", "wording", "recorded_by")

AtOption = Annotated[
    datetime | None,
    typer.Option(
        "--at",
        formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d"],
        help="Quando (ISO-8601); padrão: agora. / When; default: now.",
    ),
]


def register(app: typer.Typer) -> None:
    app.add_typer(consent_app, name="consent")


@consent_app.command("grant", help="Registra um opt-in. / Record an opt-in.")
@guarded
def grant(
    contact: Annotated[str, typer.Argument(help="Telefone do contato. / Contact's phone.")],
    source: Annotated[
        str, typer.Option("--source", help="Onde foi dado (formulário, botão...). / Where given.")
    ],
    wording: Annotated[
        str | None, typer.Option("--wording", help="Texto mostrado ao contato. / Text shown.")
    ] = None,
    recorded_by: Annotated[
        str | None, typer.Option("--by", help="Quem registra. / Who records.")
    ] = None,
    at: AtOption = None,
    config: ConfigOption = None,
    preset: PresetOption = None,
    db: DbOption = None,
) -> None:
    from zapguard.domain.phones import normalize

    phone = normalize(contact)
    with open_runtime(config, preset, db) as runtime:
        runtime.store.tenants.ensure(tenant_id=runtime.default_tenant, name=runtime.default_tenant)
        runtime.store.consent.grant(
            consent=Consent(
                tenant_id=runtime.default_tenant,
                contact=phone,
                purpose="marketing",
                granted_at=_aware(at),
                source=source,
                wording=wording,
                recorded_by=recorded_by,
            )
        )
    output_console().print(styled(f"opt-in registrado / recorded: {phone}", style="green"))


@consent_app.command("revoke", help="Registra um opt-out. / Record an opt-out.")
@guarded
def revoke(
    contact: Annotated[str, typer.Argument()],
    how: Annotated[
        str, typer.Option("--how", help="Como (keyword, botão, manual...). / How.")
    ] = "manual",
    at: AtOption = None,
    config: ConfigOption = None,
    preset: PresetOption = None,
    db: DbOption = None,
) -> None:
    from zapguard.domain.phones import normalize

    phone = normalize(contact)
    with open_runtime(config, preset, db) as runtime:
        runtime.store.tenants.ensure(tenant_id=runtime.default_tenant, name=runtime.default_tenant)
        runtime.store.consent.revoke(
            tenant_id=runtime.default_tenant,
            contact=phone,
            at=_aware(at),
            how=how,
            purpose="marketing",
        )
    output_console().print(styled(f"opt-out registrado / recorded: {phone}", style="green"))


@consent_app.command("show", help="Histórico de evidências de um contato. / A contact's evidence.")
@guarded
def show(
    contact: Annotated[str, typer.Argument()],
    config: ConfigOption = None,
    preset: PresetOption = None,
    db: DbOption = None,
) -> None:
    from rich import box
    from rich.table import Table

    from zapguard.domain.phones import normalize

    phone = normalize(contact)
    with open_runtime(config, preset, db) as runtime:
        history = runtime.store.consent.history(tenant_id=runtime.default_tenant, contact=phone)
    table = Table(box=box.SIMPLE_HEAD, title=f"Consentimento / Consent {phone}")
    for header in (
        "Quando / When",
        "O quê / What",
        "Origem / Source",
        "Texto / Wording",
        "Por / By",
    ):
        table.add_column(header)
    for item in history:
        if item.revoked_at is not None:
            table.add_row(item.revoked_at.isoformat(), "revoke", item.revoked_how or "", "", "")
        elif item.granted_at is not None:
            table.add_row(
                item.granted_at.isoformat(),
                "grant",
                item.source,
                item.wording or "",
                item.recorded_by or "",
            )
    output_console().print(table)


@dataclass(frozen=True)
class _Row:
    number: int
    consent: Consent


@consent_app.command(
    "import",
    help=(
        "Importa opt-ins de um CSV com cabeçalho contact,granted_at,source[,wording,recorded_by]. / "
        "Import opt-ins from a CSV with a header."
    ),
)
@guarded
def import_csv(
    csv_file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, metavar="CSV")],
    skip_bad: Annotated[
        bool,
        typer.Option(
            "--skip-bad", help="Grava as linhas boas e relata as ruins. / Keep good rows."
        ),
    ] = False,
    config: ConfigOption = None,
    preset: PresetOption = None,
    db: DbOption = None,
) -> None:
    with open_runtime(config, preset, db) as runtime:
        rows, problems = _read_csv(csv_file, runtime.default_tenant)
        for problem in problems:
            error_console().print(styled(problem, style="yellow"), soft_wrap=True)
        if problems and not skip_bad:
            raise UsageError(
                f"{csv_file}: {len(problems)} linha(s) inválida(s), nada importado (use --skip-bad) / "
                f"{len(problems)} bad row(s), nothing imported"
            )
        runtime.store.tenants.ensure(tenant_id=runtime.default_tenant, name=runtime.default_tenant)
        with runtime.store.transaction():
            for row in rows:
                runtime.store.consent.grant(consent=row.consent)
    output_console().print(styled(f"{len(rows)} opt-in(s) importado(s) / imported", style="green"))


def _read_csv(path: Path, tenant: str) -> tuple[list[_Row], list[str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise UsageError(f"{path}: não é UTF-8 / not UTF-8: {error.reason}") from None
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in ("contact", "source") if c not in (reader.fieldnames or [])]
    if missing:
        raise UsageError(
            f"{path}: colunas obrigatórias ausentes / missing columns: {', '.join(missing)}; "
            f"esperado / expected: {', '.join(CSV_COLUMNS)}"
        )
    rows: list[_Row] = []
    problems: list[str] = []
    for number, raw in enumerate(reader, start=2):
        try:
            rows.append(_Row(number, _consent(raw, tenant)))
        except ValueError as error:  # InvalidPhoneNumber included
            problems.append(f"{path}:{number}: {error}")
    return rows, problems


def _consent(raw: dict[str, str | None], tenant: str) -> Consent:
    from zapguard.domain.phones import normalize

    source = (raw.get("source") or "").strip()
    if not source:
        raise ValueError("source vazio / empty source")
    granted = (raw.get("granted_at") or "").strip()
    try:
        parsed = datetime.fromisoformat(granted) if granted else None
    except ValueError:
        raise ValueError(f"granted_at inválido / invalid: {granted!r} (ISO-8601)") from None
    granted_at = _aware(parsed)
    return Consent(
        tenant_id=tenant,
        contact=normalize(raw.get("contact") or ""),
        purpose="marketing",
        granted_at=granted_at,
        source=source,
        wording=(raw.get("wording") or "").strip() or None,
        recorded_by=(raw.get("recorded_by") or "").strip() or "import",
    )


FUTURE_SLACK = timedelta(minutes=5)
"""How far ahead of this machine's clock a consent may be dated (clocks drift a little); a grant
dated later would outrank every opt-out the contact sends until then."""


def _aware(at: datetime | None) -> datetime:
    """``at`` as an aware instant: a date or naive time is taken as UTC; none means now. A date in
    the future is refused (:class:`UsageError`)."""
    now = datetime.now(UTC)
    if at is None:
        return now
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    if aware > now + FUTURE_SLACK:
        raise UsageError(
            f"data do consentimento no futuro / consent dated in the future: {aware.isoformat()}"
        )
    return aware
