"""``zapguard lines add|list|show|secret|helpdesk|retire|delete``: register the business's numbers,
see how each one is doing, set a line's webhook secrets and where its webhooks are forwarded,
retire one for good or delete a mistaken registration.

Secrets never come on the command line (shells keep history, ``ps`` shows arguments): options take
``env:NAME`` (read from the environment variable ``NAME``) or ``file:PATH`` (the file's content,
without its final line break)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Final

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
from zapguard.domain.models import AccountType, Line, ProviderKind, Role, Severity

if TYPE_CHECKING:
    from zapguard.gateway.service import Services
    from zapguard.policy.snapshot import LineView
    from zapguard.store.records import LineRecord

lines_app = command_group(
    help="Linhas (números de WhatsApp) da empresa. / The business's lines (WhatsApp numbers).",
)


def register(app: typer.Typer) -> None:
    app.add_typer(lines_app, name="lines")


SECRET_KINDS: Final = ("webhook", "chatwoot", "helpdesk")
_FROM_HELP = (
    "env:NOME ou file:CAMINHO, nunca o segredo em si. / env:NAME or file:PATH, never the secret."
)


def read_secret(source: str) -> str:
    """The secret ``source`` points at: ``env:NAME`` or ``file:PATH``."""
    kind, _, where = source.partition(":")
    if kind == "env" and where:
        if where not in os.environ:
            raise UsageError(
                f"variável de ambiente {where} não definida / environment variable {where} is "
                "not set"
            )
        secret = os.environ[where]
    elif kind == "file" and where:
        try:
            secret = Path(where).read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as error:
            raise UsageError(
                f"não foi possível ler {where} / could not read {where}: {error.strerror}"
            ) from None
    else:
        raise UsageError(
            "informe o segredo como env:NOME ou file:CAMINHO (nunca na linha de comando) / give "
            "the secret as env:NAME or file:PATH (never on the command line)"
        )
    if not 16 <= len(secret) <= 512 or secret.strip() != secret:
        raise UsageError(
            "o segredo deve ter de 16 a 512 caracteres, sem espaços nas pontas / the secret must "
            "have 16 to 512 characters, without spaces at either end"
        )
    return secret


def _check_helpdesk(url: str | None, config: Path | None) -> None:
    """Refuse a helpdesk URL that points inside the network (``[server]`` may allow it)."""
    if url is None:
        return
    from zapguard.config import find_config, read_sections
    from zapguard.gateway.webhooks.targets import UnsafeTarget, check_url

    # Only [server] is read: registering a line needs none of the providers' secrets at hand.
    path = find_config(config)
    server = read_sections(path, ["server"]).get("server", {}) if path else {}
    allowed = isinstance(server, dict) and server.get("allow_private_helpdesk_urls") is True
    try:
        check_url(url, allow_private=allowed)
    except UnsafeTarget as refused:
        raise UsageError(
            f"URL do helpdesk recusada: {refused.pt} / helpdesk URL refused: {refused.en}"
        ) from None


@lines_app.command(
    "add",
    help=(
        "Cadastra uma linha; recusa número ou aparelho já banido (ZG601). / "
        "Register a line; refuses a number or device banned before (ZG601)."
    ),
)
@guarded
def add(
    line_id: Annotated[str, typer.Argument(metavar="ID", help="Identificador curto. / Short id.")],
    phone: Annotated[str, typer.Option("--phone", help="Número (E.164 ou local). / Number.")],
    role: Annotated[Role, typer.Option("--role", help="receptive | campaign")],
    in_use_since: Annotated[
        datetime,
        typer.Option(
            "--in-use-since",
            formats=["%Y-%m-%d"],
            help="Desde quando o número está em uso (idade real). / When the number came into use.",
        ),
    ],
    provider: Annotated[
        str,
        typer.Option(
            "--provider",
            help=(
                "Provedor da linha: o nome de uma seção providers.NOME do zapguard.toml. / The "
                "line's provider: the name of a providers.NAME section of zapguard.toml."
            ),
        ),
    ],
    account: Annotated[AccountType, typer.Option("--account")] = AccountType.BUSINESS,
    pool: Annotated[
        str | None, typer.Option("--pool", help="Padrão: o papel. / Default: role.")
    ] = None,
    device: Annotated[str | None, typer.Option("--device", help="Aparelho. / Device id.")] = None,
    network: Annotated[
        str | None, typer.Option("--network", help="IP ou proxy. / IP or proxy.")
    ] = None,
    daily_cap: Annotated[int | None, typer.Option("--daily-cap", min=1)] = None,
    timezone: Annotated[str, typer.Option("--timezone")] = "America/Sao_Paulo",
    provider_account: Annotated[
        str | None,
        typer.Option(
            "--provider-account",
            help=(
                "Nome da linha no provedor (phone_number_id, instância, sessão); os webhooks são "
                "roteados por ele. / The provider's name for the line; webhooks are routed by it."
            ),
        ),
    ] = None,
    helpdesk_url: Annotated[
        str | None,
        typer.Option(
            "--helpdesk-url",
            help=(
                "Para onde repassar os webhooks da linha. / Where the line's webhooks are forwarded."
            ),
        ),
    ] = None,
    business_account: Annotated[
        str | None,
        typer.Option(
            "--business-account",
            help=(
                "Cloud API: id da conta comercial do WhatsApp (WABA) do número; libera as chamadas "
                "de modelos dela na superfície Cloud API. / Cloud API: the number's WhatsApp "
                "Business Account id; enables its template calls on the Cloud API surface."
            ),
        ),
    ] = None,
    provider_kind: Annotated[
        ProviderKind | None,
        typer.Option(
            "--provider-kind",
            help=(
                "cloud | evolution | waha | web; padrão: o tipo do provedor (no simulador, "
                "nenhum). / Default: the provider's kind (on the simulator, none)."
            ),
        ),
    ] = None,
    portfolio: Annotated[
        str | None,
        typer.Option(
            "--portfolio",
            help=(
                "Cloud API: portfólio empresarial da Meta (limite de mensagens, ZG506). / Cloud "
                "API: the Meta business portfolio (messaging limit, ZG506)."
            ),
        ),
    ] = None,
    webhook_secret_from: Annotated[
        str | None,
        typer.Option(
            "--webhook-secret-from",
            help=f"Segredo dos webhooks do provedor para a linha. / Provider webhook secret. {_FROM_HELP}",
        ),
    ] = None,
    chatwoot_secret_from: Annotated[
        str | None,
        typer.Option(
            "--chatwoot-secret-from",
            help=f"Segredo do webhook do Chatwoot. / Chatwoot webhook secret. {_FROM_HELP}",
        ),
    ] = None,
    helpdesk_secret_from: Annotated[
        str | None,
        typer.Option(
            "--helpdesk-secret-from",
            help=f"Segredo que o helpdesk espera. / Secret the helpdesk expects. {_FROM_HELP}",
        ),
    ] = None,
    config: ConfigOption = None,
    preset: PresetOption = None,
    db: DbOption = None,
) -> None:
    from zapguard.domain.phones import normalize
    from zapguard.gateway.lines import provider_kind_for, register_line
    from zapguard.policy.zones import checked_zone

    checked_zone(timezone)
    line_kind = provider_kind_for(_configured(provider, config), provider_kind)
    _check_helpdesk(helpdesk_url, config)
    sources = {
        "webhook": webhook_secret_from,
        "chatwoot": chatwoot_secret_from,
        "helpdesk": helpdesk_secret_from,
    }
    secrets = {kind: read_secret(source) for kind, source in sources.items() if source}
    with open_runtime(config, preset, db) as runtime, runtime.store.transaction():
        line = Line(
            id=line_id,
            tenant_id=runtime.default_tenant,
            phone=normalize(phone),
            role=role,
            account=account,
            in_use_since=in_use_since.date(),
            pool=pool or role.value,
            device=device,
            network=network,
            provider=provider,
            daily_cap=daily_cap,
            timezone=timezone,
            provider_kind=line_kind,
            portfolio=portfolio,
        )
        now = datetime.now(UTC)
        warnings = register_line(
            line,
            runtime.store,
            now,
            provider_account=provider_account,
            helpdesk_url=helpdesk_url,
            business_account=business_account,
        )
        for kind, secret in secrets.items():
            runtime.store.line_secrets.set(
                tenant_id=runtime.default_tenant, line_id=line.id, kind=kind, secret=secret, at=now
            )
    output_console().print(
        styled(f"linha {line.id} cadastrada / line registered: {line.phone}", style="green")
    )
    for finding in warnings:
        style = "red" if finding.severity is Severity.REJECT else "yellow"
        error_console().print(
            styled(f"[{finding.code}] {finding.message_pt} / {finding.message_en}", style=style)
        )


@lines_app.command(
    "secret",
    help=(
        "Define ou remove um segredo da linha: webhook (provedor), chatwoot ou helpdesk. / "
        "Set or remove a line secret: webhook (provider), chatwoot or helpdesk."
    ),
)
@guarded
def secret(
    line_id: Annotated[str, typer.Argument(metavar="ID")],
    kind: Annotated[str, typer.Argument(metavar="TIPO/KIND", help="webhook | chatwoot | helpdesk")],
    source: Annotated[str | None, typer.Option("--from", help=_FROM_HELP)] = None,
    clear: Annotated[
        bool, typer.Option("--clear", help="Remove o segredo. / Remove the secret.")
    ] = False,
    config: ConfigOption = None,
    preset: PresetOption = None,
    db: DbOption = None,
) -> None:
    if kind not in SECRET_KINDS:
        raise UsageError(
            f"tipo de segredo desconhecido: {kind} (webhook, chatwoot, helpdesk) / unknown "
            f"secret kind: {kind} (webhook, chatwoot, helpdesk)"
        )
    if clear == (source is not None):
        raise UsageError(
            "use --from ou --clear (um dos dois) / use --from or --clear (one of them)"
        )
    value = None if clear else read_secret(source or "")
    with open_runtime(config, preset, db) as runtime:
        _known(runtime, line_id)
        runtime.store.line_secrets.set(
            tenant_id=runtime.default_tenant,
            line_id=line_id,
            kind=kind,
            secret=value,
            at=datetime.now(UTC),
        )
    done_pt, done_en = ("removido", "removed") if clear else ("definido", "set")
    output_console().print(
        styled(
            f"segredo {kind} da linha {line_id} {done_pt} / line {line_id} {kind} secret {done_en}"
        )
    )


@lines_app.command(
    "helpdesk",
    help=(
        "Muda para onde os webhooks da linha são repassados (--clear para parar). / Change where "
        "the line's webhooks are forwarded (--clear to stop)."
    ),
)
@guarded
def helpdesk(
    line_id: Annotated[str, typer.Argument(metavar="ID")],
    url: Annotated[str | None, typer.Argument(metavar="URL")] = None,
    clear: Annotated[
        bool, typer.Option("--clear", help="Para de repassar. / Stop forwarding.")
    ] = False,
    config: ConfigOption = None,
    preset: PresetOption = None,
    db: DbOption = None,
) -> None:
    if clear == (url is not None):
        raise UsageError("informe a URL ou --clear / give the URL or --clear")
    _check_helpdesk(url, config)
    with open_runtime(config, preset, db) as runtime:
        _known(runtime, line_id)
        runtime.store.lines.set_helpdesk_url(
            tenant_id=runtime.default_tenant, line_id=line_id, url=url
        )
    output_console().print(
        styled(f"helpdesk da linha {line_id}: {url or '—'} / line {line_id} helpdesk: {url or '—'}")
    )


@lines_app.command(
    "provider",
    help=(
        "Dá um provedor a uma linha (uma linha cadastrada por replay não tem), mantendo o "
        "histórico dela. / Give a line a provider (a line a replay registered has none), keeping "
        "its history."
    ),
)
@guarded
def provider(
    line_id: Annotated[str, typer.Argument(metavar="ID")],
    name: Annotated[
        str,
        typer.Option(
            "--provider",
            help=(
                "O nome de uma seção providers.NOME do zapguard.toml. / The name of a "
                "providers.NAME section of zapguard.toml."
            ),
        ),
    ],
    provider_account: Annotated[
        str | None,
        typer.Option(
            "--provider-account",
            help=(
                "Nome da linha no provedor (phone_number_id, instância, sessão). / The provider's "
                "name for the line."
            ),
        ),
    ] = None,
    config: ConfigOption = None,
    preset: PresetOption = None,
    db: DbOption = None,
) -> None:
    from zapguard.gateway.lines import InvalidLine, check_account
    from zapguard.store.errors import Conflict

    _configured(name, config)
    with open_runtime(config, preset, db) as runtime:
        _known(runtime, line_id)
        try:
            check_account(provider_account if provider_account is not None else line_id)
            runtime.store.lines.set_provider(
                tenant_id=runtime.default_tenant,
                line_id=line_id,
                provider=name,
                provider_account=provider_account,
            )
        except (Conflict, InvalidLine) as refused:
            raise UsageError(str(refused)) from None
    shown = f"{name} ({provider_account or '—'})"
    output_console().print(
        styled(
            f"linha {line_id} envia por {shown} / line {line_id} sends through {shown}",
            style="green",
        )
    )


def _known(runtime: Services, line_id: str) -> None:
    if runtime.store.lines.get(line_id=line_id, tenant_id=runtime.default_tenant) is None:
        raise UsageError(f"linha desconhecida / unknown line: {line_id!r}")


@lines_app.command(
    "list", help="Linhas com saúde, volume e aquecimento. / Lines with health, volume, warm-up."
)
@guarded
def list_lines(
    config: ConfigOption = None, preset: PresetOption = None, db: DbOption = None
) -> None:
    from rich import box
    from rich.table import Table

    from zapguard.policy import health, volume, warmup

    now = datetime.now(UTC)
    table = Table(box=box.SIMPLE_HEAD, title="Linhas / Lines")
    for header in (
        "ID",
        "Número / Phone",
        "Papel / Role",
        "Pool",
        "Estado / State",
        "Saúde / Health",
        "24 h / cap",
        "Aquecimento / Warm-up",
    ):
        table.add_column(header)
    with open_runtime(config, preset, db) as runtime:
        for record in runtime.store.lines.records(tenant_id=runtime.default_tenant):
            view = _view(runtime, record, now)
            cap = volume.window_cap(view, now, runtime.policy)
            state = warmup.ramp(view, now, runtime.policy.warmup, cap)
            ramp = (
                f"dia/day {state.day}: {view.sent_today}/{state.day_cap}"
                if state.day_cap is not None
                else "—"
            )
            table.add_row(
                view.line.id,
                view.line.phone,
                view.line.role.value,
                view.line.pool,
                view.line.state.value,
                str(health.line_health(view, now, runtime.policy.health)),
                f"{view.sent_in_window}/{cap}",
                ramp,
            )
    output_console().print(table)


@lines_app.command("show", help="Detalhes de uma linha. / One line in detail.")
@guarded
def show(
    line_id: Annotated[str, typer.Argument(metavar="ID")],
    config: ConfigOption = None,
    preset: PresetOption = None,
    db: DbOption = None,
) -> None:
    from rich import box
    from rich.table import Table

    from zapguard.policy import health, volume, warmup

    now = datetime.now(UTC)
    with open_runtime(config, preset, db) as runtime:
        record = runtime.store.lines.record(line_id=line_id, tenant_id=runtime.default_tenant)
        if record is None:
            raise UsageError(f"linha desconhecida / unknown line: {line_id!r}")
        view = _view(runtime, record, now)
        secret_kinds = runtime.store.line_secrets.kinds(line_id=line_id)
        cap = volume.window_cap(view, now, runtime.policy)
        day_cap = warmup.ramp(view, now, runtime.policy.warmup, cap).day_cap
        line = view.line
        rows = [
            ("Número / Phone", line.phone),
            ("Papel / Role", line.role.value),
            ("Conta / Account", line.account.value),
            ("Pool", line.pool),
            ("Estado / State", line.state.value),
            ("Aparelho / Device", line.device or "—"),
            ("Rede / Network", line.network or "—"),
            (
                "Provedor / Provider",
                f"{line.provider} ({record.provider_account or '—'})" if line.provider else "—",
            ),
            ("Helpdesk", record.helpdesk_url or "—"),
            ("Conta comercial (WABA) / Business account", record.business_account or "—"),
            ("Segredos / Secrets", ", ".join(sorted(secret_kinds)) or "—"),
            ("Em uso desde / In use since", line.in_use_since.isoformat()),
            ("Saúde / Health", str(health.line_health(view, now, runtime.policy.health))),
            ("Últimas 24 h / Last 24 h", f"{view.sent_in_window} de/of {cap}"),
            ("Hoje / Today", f"{view.sent_today}" + (f" de/of {day_cap}" if day_cap else "")),
            ("Última atividade humana / Last human activity", _when(record.last_human_at)),
            ("Último envio / Last send", _when(record.last_sent_at)),
        ]
    table = Table(box=box.SIMPLE, show_header=False, title=f"Linha / Line {line.id}")
    table.add_column(style="bold")
    table.add_column()
    for key, value in rows:
        table.add_row(key, value)
    output_console().print(table)


@lines_app.command(
    "retire",
    help=(
        "Aposenta uma linha: cancela a fila (devolvendo a cota) e a guarda com o histórico, "
        "como evidência; o número fica livre. / Retire a line: cancel its queue (quota given "
        "back) and keep it with its history, as evidence; its number is freed."
    ),
)
@guarded
def retire(
    line_id: Annotated[str, typer.Argument(metavar="ID")],
    config: ConfigOption = None,
    preset: PresetOption = None,
    db: DbOption = None,
) -> None:
    from zapguard.gateway.lines import retire_line
    from zapguard.gateway.outbox import Outbox

    with open_runtime(config, preset, db) as runtime:
        _known(runtime, line_id)
        retirement = retire_line(
            runtime.store,
            Outbox(runtime.store),
            runtime.decider.counters,
            tenant_id=runtime.default_tenant,
            line_id=line_id,
        )
    count = len(retirement.cancelled)
    output_console().print(
        styled(
            f"linha {line_id} aposentada; {count} mensagem(ns) da fila cancelada(s) / line "
            f"{line_id} retired; {count} queued message(s) cancelled",
            style="green",
        )
    )


@lines_app.command(
    "delete",
    help=(
        "Apaga uma linha que nunca enviou nem recebeu nada (cadastro por engano); com "
        "histórico, use 'lines retire'. / Delete a line that never sent or received anything "
        "(a mistaken registration); with history, use 'lines retire'."
    ),
)
@guarded
def delete(
    line_id: Annotated[str, typer.Argument(metavar="ID")],
    config: ConfigOption = None,
    preset: PresetOption = None,
    db: DbOption = None,
) -> None:
    from zapguard.gateway.lines import delete_line
    from zapguard.store.errors import Conflict

    with open_runtime(config, preset, db) as runtime:
        _known(runtime, line_id)
        try:
            delete_line(runtime.store, tenant_id=runtime.default_tenant, line_id=line_id)
        except Conflict as conflict:
            raise UsageError(f"{conflict} (zapguard lines retire {line_id})") from None
    output_console().print(
        styled(f"linha {line_id} apagada / line {line_id} deleted", style="green")
    )


def _configured(provider: str, config: Path | None) -> str:
    """Refuse a provider the configuration does not name: its line could never send; else its
    ``kind``. Only the names and kinds are read: registering a line needs none of the providers'
    secrets in the environment."""
    from zapguard.config import find_config, read_sections

    path = find_config(config)
    section = read_sections(path, ["providers"]).get("providers", {}) if path else {}
    known = sorted(section) if isinstance(section, dict) else []
    if provider not in known:
        names = ", ".join(known) or "nenhum / none"
        raise UsageError(
            f"provedor {provider!r} não configurado; configurados: {names}; crie a seção "
            f"[providers.{provider}] no zapguard.toml / provider {provider!r} is not configured; "
            f"configured: {names}; add a [providers.{provider}] section to zapguard.toml"
        )
    settings = section[provider]
    return str(settings.get("kind", "")) if isinstance(settings, dict) else ""


def _view(runtime: Services, record: LineRecord, now: datetime) -> LineView:
    from zapguard.gateway.snapshots import line_view

    return line_view(
        counters=runtime.decider.counters, config=runtime.policy, record=record, now=now
    )


def _when(instant: datetime | None) -> str:
    return instant.isoformat(timespec="seconds") if instant else "—"
