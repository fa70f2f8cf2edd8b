"""``zapguard keys create|list|revoke``: API keys per tenant (stored hashed, shown once)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from zapguard.cli._errors import guarded
from zapguard.cli._options import (
    ConfigOption,
    DbOption,
    PresetOption,
    command_group,
    output_console,
)
from zapguard.cli._runtime import open_runtime

keys_app = command_group(help="Chaves de API por empresa. / API keys per tenant.")


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")


TenantOption = Annotated[
    str | None,
    typer.Option(
        "--tenant",
        help=(
            "Empresa; padrão: app.tenant do zapguard.toml. / Tenant; default: app.tenant in "
            "zapguard.toml."
        ),
    ),
]


@keys_app.command(
    "create",
    help="Cria uma chave e a mostra uma única vez. / Create a key and show it once.",
)
@guarded
def create(
    name: Annotated[str, typer.Argument(help="Para que serve. / What it is for.")],
    tenant: TenantOption = None,
    admin: Annotated[
        bool,
        typer.Option(
            "--admin",
            help=(
                "Também permite as chamadas administrativas das superfícies dos provedores "
                "(webhook, logout, criar ou apagar instância, configurações...), só nas linhas da "
                "empresa. / Also allows the provider surfaces' administrative calls (webhook, "
                "logout, instance create or delete, settings...), only on the tenant's lines."
            ),
        ),
    ] = False,
    config: ConfigOption = None,
    preset: PresetOption = None,
    db: DbOption = None,
) -> None:
    from zapguard.store.api_keys import ADMIN_SCOPE, create_key

    with open_runtime(config, preset, db) as runtime:
        owner = tenant or runtime.default_tenant
        runtime.store.tenants.ensure(tenant_id=owner, name=owner)
        key, record = create_key(
            runtime.store,
            tenant_id=owner,
            name=name,
            at=datetime.now(UTC),
            scopes=[ADMIN_SCOPE] if admin else [],
        )
    typer.echo(key)
    kind = "administrativa / admin " if admin else ""
    typer.echo(
        f"chave {kind}{record.prefix} da empresa {owner}: guarde agora, não será mostrada de novo "
        f"/ key {record.prefix} of tenant {owner}: keep it now, it will not be shown again",
        err=True,
    )


@keys_app.command("list", help="Lista as chaves (sem o segredo). / List keys (no secrets).")
@guarded
def list_command(
    tenant: TenantOption = None,
    config: ConfigOption = None,
    preset: PresetOption = None,
    db: DbOption = None,
) -> None:
    from rich import box
    from rich.table import Table

    from zapguard.store.api_keys import list_keys

    with open_runtime(config, preset, db) as runtime:
        keys = list_keys(runtime.store, tenant_id=tenant or runtime.default_tenant)
    table = Table(
        "prefixo / prefix",
        "nome / name",
        "escopos / scopes",
        "criada / created",
        "revogada / revoked",
        box=box.SIMPLE,
    )
    for key in keys:
        table.add_row(
            key.prefix,
            key.name,
            " ".join(sorted(key.scopes)) or "-",
            key.created_at.isoformat(timespec="seconds"),
            key.revoked_at.isoformat(timespec="seconds") if key.revoked_at else "-",
        )
    output_console().print(table)


@keys_app.command("revoke", help="Revoga uma chave pelo prefixo. / Revoke a key by its prefix.")
@guarded
def revoke(
    prefix: Annotated[str, typer.Argument()],
    config: ConfigOption = None,
    preset: PresetOption = None,
    db: DbOption = None,
) -> None:
    from zapguard.store.api_keys import revoke_key

    with open_runtime(config, preset, db) as runtime:
        revoke_key(runtime.store, prefix=prefix, at=datetime.now(UTC))
    typer.echo(f"revogada / revoked: {prefix}", err=True)
