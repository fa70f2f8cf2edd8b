"""The error every configuration problem is raised as.

Its own module so that what reads a section of the configuration (a provider package) can raise it
without loading the configuration loader and, through it, the policy.
"""

from __future__ import annotations

__all__ = ["ConfigError"]


class ConfigError(ValueError):
    """A configuration that cannot be used. ``str(error)`` is one line, pt-BR first, English beside.

    ``problems`` holds every problem found, one line each; the message joins them with ``; ``.
    """

    def __init__(self, *problems: str) -> None:
        self.problems: tuple[str, ...] = problems
        super().__init__("; ".join(problems))
