"""Exit codes and the one wrapper every command runs inside.

Expected failures (bad configuration, bad input, storage down) become one red line on stderr and an
exit code; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Final, ParamSpec, TypeVar

import typer

if TYPE_CHECKING:
    from rich.console import Console

EXIT_OK: Final = 0
EXIT_REJECTED: Final = 1
EXIT_BAD_INPUT: Final = 2
EXIT_STORE: Final = 3

_P = ParamSpec("_P")
_R = TypeVar("_R")


class UsageError(ValueError):
    """Bad input to a command (an unknown rule code, ...); the message is pt-BR / en."""


def error_console() -> Console:
    """A console on stderr, created per call so it follows the current ``sys.stderr``."""
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def fail(message: str, code: int) -> typer.Exit:
    """Print ``message`` as one red line on stderr; return the ``Exit`` to raise."""
    from rich.text import Text

    line = " ".join(message.split())
    error_console().print(Text(f"erro / error: {line}", style="red"), soft_wrap=True)
    return typer.Exit(code)


def exit_code_for(error: BaseException) -> int | None:
    """The exit code of an expected failure, or ``None`` for a bug."""
    # Imported here: a command that never loaded them cannot have raised them, and ``--help``
    # does not pay for pydantic.
    from zapguard.config import ConfigError
    from zapguard.store.errors import ConfigurationError, StoreError

    if isinstance(error, ConfigurationError):  # a storage URL or option that cannot be used
        return EXIT_BAD_INPUT
    if isinstance(error, StoreError):
        return EXIT_STORE
    if isinstance(error, ConfigError):
        return EXIT_BAD_INPUT
    if isinstance(error, ValueError) and type(error).__module__.startswith("zapguard."):
        return EXIT_BAD_INPUT
    return None


def guarded(command: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``command``, turning expected failures into one line on stderr and an exit code."""

    @functools.wraps(command)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return command(*args, **kwargs)
        except Exception as error:
            code = exit_code_for(error)
            if code is None:
                raise
            raise fail(str(error), code) from None

    return run
