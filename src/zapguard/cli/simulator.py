"""``zapguard simulator``: the Cloud-API-speaking WhatsApp simulator, served alone for demos and tests.

The same app the gateway can mount in-process (:func:`zapguard.providers.simulator.simulator_app`),
here on its own port, so a gateway configured with ``kind = "simulator"`` (or ``"cloud"`` pointed at
it) sends to something that answers like Meta does.
"""

from __future__ import annotations

from typing import Annotated

import typer

from zapguard.cli._errors import guarded


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
    webhook_secret: Annotated[
        str | None,
        typer.Option(
            envvar="ZAPGUARD_SIMULATOR_WEBHOOK_SECRET",
            help=(
                "Segredo que assina os webhooks (X-Hub-Signature-256). / Secret that signs the "
                "webhooks (X-Hub-Signature-256)."
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

    from zapguard.providers.simulator import simulator_app

    app = simulator_app(webhook_url=webhook_url, webhook_secret=webhook_secret, statuses=statuses)
    uvicorn.run(app, host=host, port=port, log_level="info")
