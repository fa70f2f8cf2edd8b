"""WAHA (WhatsApp HTTP API), as one package: :mod:`.adapter` sends, :mod:`.webhooks` reads its
webhooks, :mod:`.signature` checks ``X-Webhook-Hmac``, :mod:`.errors` writes its (NestJS) error
shape and :mod:`.routes` is the drop-in surface's route table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import httpx

from zapguard.providers.base import Endpoint, Provider
from zapguard.providers.happening import Happening
from zapguard.providers.package import ConnectionSettings, ProviderPackage, secret_value
from zapguard.providers.surface import RouteTable
from zapguard.providers.waha import errors, routes, webhooks
from zapguard.providers.waha.adapter import WahaProvider
from zapguard.providers.waha.signature import (
    ALGORITHM,
    ALGORITHM_HEADER,
    HEADER,
    sign_waha,
    verify_waha,
)

__all__ = ["WahaPackage", "WahaProvider"]


class WahaPackage(ProviderPackage):
    name: ClassVar[str] = "waha"
    dialect: ClassVar[str] = "waha"
    routes: ClassVar[RouteTable] = routes.ROUTES
    proof_headers: ClassVar[frozenset[str]] = frozenset({HEADER, ALGORITHM_HEADER})

    def adapter(self, endpoint: Endpoint, client: httpx.Client) -> Provider:
        return WahaProvider(endpoint, client)

    def parse(self, payload: Mapping[str, Any]) -> list[Happening]:
        return webhooks.parse(payload)

    def verifies(
        self, secret: str, headers: Mapping[str, str], body: bytes, payload: object
    ) -> bool:
        return verify_waha(body, headers.get(HEADER), secret, headers.get(ALGORITHM_HEADER))

    def forwarded(self, body: bytes, helpdesk_secret: str | None) -> tuple[bytes, dict[str, str]]:
        if not helpdesk_secret:
            return body, {}
        return body, {
            "X-Webhook-Hmac": sign_waha(body, helpdesk_secret),
            "X-Webhook-Hmac-Algorithm": ALGORITHM,
        }

    def owns(self, segment: str) -> bool:
        return segment.casefold() in routes.ROUTES.roots

    def credential(self, settings: ConnectionSettings) -> dict[str, str] | None:
        """WAHA's ``X-Api-Key`` (WAHA may run without a key: then none is sent)."""
        token = secret_value(settings.token)
        return {"X-Api-Key": token} if token else {}

    def api_error(self, status: int, code: str, text: str) -> dict[str, Any]:
        return errors.api_error(status, code, text)
