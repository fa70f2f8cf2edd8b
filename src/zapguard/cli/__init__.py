"""The ``zapguard`` command line: pt-BR first, English beside.

Exit codes (the same for every command):

=====  ======================================================================================
0      ok
1      ``check`` judged the message a rejection
2      bad input or configuration: an unknown rule code, a bad ``zapguard.toml``, an invalid phone
       number; one red line on stderr, no traceback
3      storage unreachable or failing (``zapguard.store.errors.StoreError``)
=====  ======================================================================================

One module per command group, each with a ``register(app)`` function: :mod:`.rules` (``rules``,
``explain``), :mod:`.init`, :mod:`.lines` (``lines add|list|show``), :mod:`.portfolios`
(``portfolios set|list``), :mod:`.templates` (``templates set|list``), :mod:`.consent` (``consent grant|revoke|import|show``), :mod:`.blocklist` (``blocklist import``), :mod:`.check` (one advisory
decision), :mod:`.replay` (judge a recorded log), :mod:`.serve` (the HTTP gateway), :mod:`.keys`
(``keys create|list|revoke``), :mod:`.simulator` (a simulated provider on its own port), :mod:`.inbox`
(webhooks kept for inspection), :mod:`.purge` (the retention job), :mod:`.plan` (capacity planning),
:mod:`.warmup` (``warmup plan``) and :mod:`.audiences` (``audience import|list|show``). Every command runs inside
:func:`zapguard.cli._errors.guarded`. Logs go to stderr; ``--verbose`` (or ``ZAPGUARD_LOG_LEVEL``)
shows every decision as it is taken.

Starting the command line imports typer and these modules only: each command imports what it works
with (pydantic, the store, the web stack) when it runs, so ``zapguard --help``, ``rules`` and
``explain`` start fast (``benchmarks/bench_cli_startup.py``; a test checks which packages they
load).
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Annotated

import typer

from zapguard.cli import (
    audiences,
    audit,
    blocklist,
    check,
    consent,
    inbox,
    init,
    keys,
    lines,
    plan,
    portfolios,
    purge,
    replay,
    rules,
    serve,
    simulator,
    templates,
    warmup,
)
from zapguard.cli._options import whole_summaries

__all__ = ["app", "main"]

app = typer.Typer(
    name="zapguard",
    help=(
        "zapguard: regras que protegem os números de WhatsApp da empresa contra banimento. / "
        "zapguard: rules that keep a business's WhatsApp numbers from being banned."
    ),
    epilog=(
        "Códigos de saída: 0 ok, 1 rejeições encontradas, 2 entrada ou configuração inválida, "
        "3 banco inacessível. / Exit codes: 0 ok, 1 rejections found, 2 bad input or "
        "configuration, 3 storage unreachable."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    # Plain help: no markup to eat "[providers]" from a text, and no rich layout to import for it.
    rich_markup_mode=None,
)


@app.callback()
def main(
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            help="Registra cada decisão no stderr. / Log every decision on stderr.",
        ),
    ] = False,
) -> None:
    level = "INFO" if verbose else os.environ.get("ZAPGUARD_LOG_LEVEL", "WARNING").upper()
    logging.basicConfig(
        level=level if level in logging.getLevelNamesMapping() else "WARNING",
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)  # migrations are not news


rules.register(app)
init.register(app)
lines.register(app)
portfolios.register(app)
templates.register(app)
consent.register(app)
audiences.register(app)
blocklist.register(app)
check.register(app)
replay.register(app)
audit.register(app)
serve.register(app)
keys.register(app)
simulator.register(app)
inbox.register(app)
purge.register(app)
plan.register(app)
warmup.register(app)
whole_summaries(app)
