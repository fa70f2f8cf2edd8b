"""The ``zapguard`` command line: pt-BR first, English beside.

Exit codes (the same for every command):

=====  ======================================================================================
0      ok
1      ``check`` / ``replay`` found rejections (reserved for those commands)
2      bad input or configuration: an unknown rule code, a bad ``zapguard.toml``, an invalid phone
       number; one red line on stderr, no traceback
3      storage unreachable or failing (``zapguard.store.errors.StoreError``)
=====  ======================================================================================

One module per command group, each with a ``register(app)`` function: :mod:`.rules` (``rules``,
``explain``) and :mod:`.init` (``init``). The store-backed groups get their own modules when the
store exists: ``lines.py`` (register, list and pause lines), ``consent.py`` (record, revoke, import
opt-ins), ``check.py`` (judge one message, exit 1 on rejection) and ``replay.py`` (judge a past log).
Commands are registered only once they work; every command runs inside
:func:`zapguard.cli._errors.guarded`.
"""

from __future__ import annotations

import typer

from zapguard.cli import init, replay, rules

__all__ = ["app"]

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
)

rules.register(app)
init.register(app)
replay.register(app)
