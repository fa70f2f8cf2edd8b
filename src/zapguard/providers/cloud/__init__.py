"""Meta's WhatsApp Cloud API, as one package: :mod:`.adapter` sends, :mod:`.webhooks` reads its
webhooks, :mod:`.signature` checks ``X-Hub-Signature-256``, :mod:`.errors` writes the Graph API's
error shape and :mod:`.routes` is the drop-in surface's route table."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, ClassVar

import httpx

from zapguard.providers.base import Endpoint, Provider
from zapguard.providers.cloud import errors, routes, webhooks
from zapguard.providers.cloud.adapter import CloudProvider
from zapguard.providers.cloud.signature import HEADER, sign_cloud, verify_cloud
from zapguard.providers.happening import Happening
from zapguard.providers.package import ConnectionSettings, ProviderPackage
from zapguard.providers.signing import same_secret
from zapguard.providers.surface import RouteTable

__all__ = ["CloudPackage", "CloudProvider"]

log = logging.getLogger("zapguard.webhooks")


class CloudPackage(ProviderPackage):
    name: ClassVar[str] = "cloud"
    dialect: ClassVar[str] = "cloud"
    routes: ClassVar[RouteTable] = routes.ROUTES
    proof_headers: ClassVar[frozenset[str]] = frozenset({HEADER})
    token_needed: ClassVar[str | None] = "token de acesso da Cloud API / Cloud API access token"
    client_keeps_provider_token: ClassVar[bool] = True
    """A Cloud API client keeps its Meta token: media it downloads straight from Meta with it
    keeps working."""

    def adapter(self, endpoint: Endpoint, client: httpx.Client) -> Provider:
        return CloudProvider(endpoint, client)

    def parse(self, payload: Mapping[str, Any]) -> list[Happening]:
        return webhooks.parse(payload)

    def verifies(
        self, secret: str, headers: Mapping[str, str], body: bytes, payload: object
    ) -> bool:
        return verify_cloud(body, headers.get(HEADER), secret)

    def handshake(self, params: Mapping[str, str], verify_token: str, *, source: str) -> str | None:
        """Meta's subscription request (GET): ``hub.challenge`` when it carries our verify token."""
        token = params.get("hub.verify_token", "")
        if params.get("hub.mode") != "subscribe" or not same_secret(token, verify_token):
            log.warning("handshake recusado / handshake refused: provider %s", source)
            return None
        return params.get("hub.challenge")

    def part_for(self, payload: Mapping[str, Any], *, account: str | None, phone: str) -> object:
        """A batch loses the changes about other numbers."""
        return webhooks.part_for(payload, account=account, phone=phone)

    def forwarded(self, body: bytes, helpdesk_secret: str | None) -> tuple[bytes, dict[str, str]]:
        if not helpdesk_secret:
            return body, {}
        return body, {"X-Hub-Signature-256": sign_cloud(body, helpdesk_secret)}

    def owns(self, segment: str) -> bool:
        return routes.VERSION.fullmatch(segment) is not None

    def credential(self, settings: ConnectionSettings) -> dict[str, str] | None:
        """The connection's Meta token (``Authorization: Bearer``)."""
        if settings.token is not None:
            return {"Authorization": f"Bearer {settings.token.get_secret_value()}"}
        if self.default_token is not None:
            return {"Authorization": f"Bearer {self.default_token}"}
        return None

    def api_error(self, status: int, code: str, text: str) -> dict[str, Any]:
        return errors.api_error(status, code, text)
