"""What the storage layer raises; nothing else escapes it.

::

    StoreError                  every storage failure (driver errors are wrapped into it)
    ├── ConfigurationError      a URL or option the store cannot use
    ├── NotFound                a tenant, line or contact that does not exist
    └── Conflict                a duplicate or a write that breaks an invariant

Messages are read by people: pt-BR first, English beside it. The driver's own exception, when there
is one, is kept as ``__cause__``.
"""

from __future__ import annotations


class StoreError(Exception):
    """Any failure of the storage layer."""


class ConfigurationError(StoreError):
    """A storage URL or option that cannot be used."""


class NotFound(StoreError):
    """The thing asked for does not exist."""


class Conflict(StoreError):
    """The write would duplicate something or break an invariant."""
