"""From a ``[providers.*]`` section to a working :class:`~zapguard.providers.base.Provider`.

The one place that knows which adapter serves which ``kind``. ``simulator`` is the Cloud API adapter
pointed at the simulator's ``base_url``: the simulator speaks that dialect precisely so the path a
message takes in a demo or a test is the production one. A configuration that cannot work (a kind
nobody knows, a provider that needs a token without one) is refused here, once, with a message that
says what to write, rather than failing on the first message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import httpx

from zapguard.config import ConfigError
from zapguard.providers.base import Endpoint, Provider
from zapguard.providers.cloud import CloudProvider
from zapguard.providers.evolution import EvolutionProvider
from zapguard.providers.waha import WahaProvider
from zapguard.service_config import ProviderSettings

SIMULATOR_TOKEN: Final = "simulator"
"""Bearer token sent to the simulator when the section names none (it accepts any value)."""

_ADAPTERS: Final[dict[str, Callable[[Endpoint, httpx.Client], Provider]]] = {
    "cloud": CloudProvider,
    "simulator": CloudProvider,
    "evolution": EvolutionProvider,
    "waha": WahaProvider,
}
_TOKEN_REQUIRED: Final[dict[str, str]] = {
    "cloud": "token de acesso da Cloud API / Cloud API access token",
    "evolution": "apikey da Evolution API / Evolution API apikey",
}
"""Kinds that cannot send without a token. WAHA may run without an api key; the simulator needs none."""


class ProviderConfigError(ConfigError):
    """A provider section that cannot be used; the message is pt-BR / en and names the fix."""


def connect(settings: ProviderSettings, account: str, client: httpx.Client) -> Provider:
    """The adapter for ``settings.kind``, for the line the provider calls ``account``.

    ``account`` is the Cloud API ``phone_number_id``, the Evolution instance or the WAHA session.
    """
    factory = _ADAPTERS.get(settings.kind)
    if factory is None:
        raise ProviderConfigError(
            f"tipo de provedor desconhecido {settings.kind!r}; use um de "
            f"{', '.join(sorted(_ADAPTERS))} / unknown provider kind {settings.kind!r}"
        )
    if not account.strip():
        raise ProviderConfigError(
            "linha sem conta no provedor (phone_number_id, instância ou sessão) / line without a "
            "provider account (phone_number_id, instance or session)"
        )
    token = settings.token.get_secret_value() if settings.token is not None else None
    if not token:
        needed = _TOKEN_REQUIRED.get(settings.kind)
        if needed is not None:
            raise ProviderConfigError(
                f"provedor {settings.kind!r} precisa de token ({needed}); defina token = "
                f'"env:NOME" na seção [providers.*] / provider {settings.kind!r} needs a token'
            )
        if settings.kind == "simulator":
            token = SIMULATOR_TOKEN
    endpoint = Endpoint(
        kind=settings.kind,
        base_url=settings.base_url,
        account=account,
        token=token,
        api_version=settings.api_version,
    )
    return factory(endpoint, client)
