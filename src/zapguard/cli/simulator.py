"""``zapguard simulator``: the Cloud-API-speaking WhatsApp simulator, served alone for demos and tests.

The same app the gateway can mount in-process (:func:`zapguard.providers.simulator.app.simulator_app`),
here on its own port, so a gateway configured with ``kind = "simulator"`` (or ``"cloud"`` pointed at
it) sends to something that answers like Meta does.

The secret that signs its webhooks comes from the environment (``ZAPGUARD_SIMULATOR_WEBHOOK_SECRET``)
or a file (``--webhook-secret-file``), never from the command line, where every user of the machine
can read it (``ps``, ``/proc/<pid>/cmdline``, shell history).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from zapguard.cli._errors import UsageError, guarded

SECRET_VARIABLE = "ZAPGUARD_SIMULATOR_WEBHOOK_SECRET"


def register(app: typer.Typer) -> None:
    app.command(
        "simulator",
        help=(
            "Sobe o simulador de WhatsApp (dialeto Cloud API) para demonstrações e testes. / "
            "Run the WhatsApp simulator (Cloud API dialect) for demos and tests."
        ),
    )(simulator)


@guarded
def simulator(
    host: Annotated[str, typer.Option(help="Endereço de escuta. / Listen address.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(min=1, max=65535, help="Porta de escuta. / Listen port.")
    ] = 8081,
    webhook_url: Annotated[
        str | None,
        typer.Option(
            help=(
                "Para onde enviar os webhooks (mensagens recebidas, status). / Where to POST "
                "webhooks (inbound messages, statuses)."
            ),
        ),
    ] = None,
    webhook_secret_file: Annotated[
        Path | None,
        typer.Option(
            "--webhook-secret-file",
            dir_okay=False,
            help=(
                f"Arquivo com o segredo que assina os webhooks (X-Hub-Signature-256); ou a "
                f"variável {SECRET_VARIABLE}. / File holding the secret that signs the webhooks; "
                f"or the {SECRET_VARIABLE} variable."
            ),
        ),
    ] = None,
    statuses: Annotated[
        bool,
        typer.Option(
            "--statuses",
            help=(
                "Envia webhooks 'sent' e 'delivered' após cada envio. / Post 'sent' and "
                "'delivered' webhooks after each send."
            ),
        ),
    ] = False,
) -> None:
    import uvicorn

    from zapguard.providers.simulator import app as provider

    secret = _secret(webhook_secret_file)
    app = provider.simulator_app(webhook_url=webhook_url, webhook_secret=secret, statuses=statuses)
    uvicorn.run(app, host=host, port=port, log_level="info")


def _secret(path: Path | None) -> str | None:
    """The webhook secret: the file's first line when a file is named, else the environment's."""
    if path is None:
        return os.environ.get(SECRET_VARIABLE) or None
    try:
        secret = path.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise UsageError(
            f"não consegui ler o segredo / cannot read the secret: {path}: "
            f"{error.strerror or error}"
        ) from None
    if not secret:
        raise UsageError(f"arquivo de segredo vazio / empty secret file: {path}")
    return secret
