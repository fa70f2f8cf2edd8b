"""Provider names to provider packages, and a ``[providers.*]`` section to a working adapter.

Every package under :mod:`zapguard.providers` registers itself under its kind when imported
(:class:`~zapguard.providers.package.ProviderPackage`); this module imports them all, so asking it
for a name always finds the package if one exists. A configuration that cannot work (a kind nobody
knows, a provider that needs a token without one) is refused here, once, with a message that says
what to write, rather than failing on the first message.
"""

from __future__ import annotations

import functools

import httpx

from zapguard.config_error import ConfigError
from zapguard.providers import cloud, evolution, simulator, waha
from zapguard.providers.base import Endpoint, Provider
from zapguard.providers.package import PACKAGES, ConnectionSettings, ProviderPackage

__all__ = ["ProviderConfigError", "connect", "dialect_kinds", "known", "package"]

_LOADED = (cloud, evolution, simulator, waha)
"""The packages, imported for their registration."""


class ProviderConfigError(ConfigError):
    """A provider section that cannot be used; the message is pt-BR / en and names the fix."""


def known() -> list[str]:
    """Every registered provider kind, sorted."""
    return sorted(PACKAGES)


@functools.cache
def package(name: str) -> ProviderPackage:
    """The package registered as ``name``; :class:`ProviderConfigError` when none is."""
    found = PACKAGES.get(name)
    if found is None:
        raise ProviderConfigError(
            f"tipo de provedor desconhecido {name!r}; use um de {', '.join(known())} / unknown "
            f"provider kind {name!r}"
        )
    return found()


@functools.cache
def dialect_kinds(dialect: str) -> frozenset[str]:
    """The provider kinds whose requests and webhooks speak ``dialect``."""
    return frozenset(name for name in PACKAGES if package(name).dialect == dialect)


def connect(settings: ConnectionSettings, account: str, client: httpx.Client) -> Provider:
    """The adapter for ``settings.kind``, for the line the provider calls ``account``.

    ``account`` is the Cloud API ``phone_number_id``, the Evolution instance or the WAHA session.
    """
    chosen = package(settings.kind)
    if not account.strip():
        raise ProviderConfigError(
            "linha sem conta no provedor (phone_number_id, instância ou sessão) / line without a "
            "provider account (phone_number_id, instance or session)"
        )
    token = settings.token.get_secret_value() if settings.token is not None else None
    if not token:
        if chosen.token_needed is not None:
            raise ProviderConfigError(
                f"provedor {settings.kind!r} precisa de token ({chosen.token_needed}); defina token "
                f'= "env:NOME" na seção [providers.*] / provider {settings.kind!r} needs a token'
            )
        token = chosen.default_token or token
    endpoint = Endpoint(
        kind=settings.kind,
        base_url=settings.base_url,
        account=account,
        token=token,
        api_version=settings.api_version,
    )
    return chosen.adapter(endpoint, client)
