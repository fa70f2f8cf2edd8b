"""Evolution API v2 (Baileys), as one package: :mod:`.adapter` sends, :mod:`.webhooks` reads its
webhooks, :mod:`.signature` checks the body's ``apikey``, :mod:`.errors` writes its error shape and
:mod:`.routes` is the drop-in surface's route table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import httpx

from zapguard.providers.base import Endpoint, Provider
from zapguard.providers.evolution import errors, routes, webhooks
from zapguard.providers.evolution.adapter import EvolutionProvider
from zapguard.providers.evolution.signature import verify_evolution, with_apikey
from zapguard.providers.happening import Happening
from zapguard.providers.package import ConnectionSettings, ProviderPackage, secret_value
from zapguard.providers.surface import RouteTable

__all__ = ["EvolutionPackage", "EvolutionProvider"]

_REDACTED = "***"


class EvolutionPackage(ProviderPackage):
    name: ClassVar[str] = "evolution"
    dialect: ClassVar[str] = "evolution"
    routes: ClassVar[RouteTable] = routes.ROUTES
    token_needed: ClassVar[str | None] = "apikey da Evolution API / Evolution API apikey"

    def adapter(self, endpoint: Endpoint, client: httpx.Client) -> Provider:
        return EvolutionProvider(endpoint, client)

    def parse(self, payload: Mapping[str, Any]) -> list[Happening]:
        return webhooks.parse(payload)

    def verifies(
        self, secret: str, headers: Mapping[str, str], body: bytes, payload: object
    ) -> bool:
        apikey = payload.get("apikey") if isinstance(payload, Mapping) else None
        return verify_evolution(apikey, secret)

    def operator_secret(self, settings: ConnectionSettings) -> str | None:
        """The ``webhook_apikey`` an operator's instances share."""
        return secret_value(settings.webhook_apikey)

    def safe_body(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Without the ``apikey`` (the instance token) and a pairing QR code: credentials."""
        safe = dict(payload)
        if "apikey" in safe:
            safe["apikey"] = _REDACTED
        if str(safe.get("event", "")).lower().replace("_", ".") == "qrcode.updated":
            safe["data"] = _REDACTED
        return safe

    def forwarded(self, body: bytes, helpdesk_secret: str | None) -> tuple[bytes, dict[str, str]]:
        """The ``apikey`` replaced by the helpdesk secret, or ``null`` (what Evolution itself
        sends when it does not expose tokens)."""
        return with_apikey(body, helpdesk_secret), {}

    def owns(self, segment: str) -> bool:
        return segment.casefold() in routes.ROUTES.roots

    def credential(self, settings: ConnectionSettings) -> dict[str, str] | None:
        """Evolution's global ``apikey`` (auth.guard.ts)."""
        token = secret_value(settings.token)
        return {"apikey": token} if token else None

    def api_error(self, status: int, code: str, text: str) -> dict[str, Any]:
        return errors.api_error(status, code, text)
