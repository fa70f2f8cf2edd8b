"""What a provider package brings, and the names they are registered under.

A provider is one package (``providers/<name>/``): its adapter (the dispatcher's
:class:`~zapguard.providers.base.Provider`), its webhook parser, its webhook proof, its error shapes
and its drop-in route table. The package's ``__init__`` defines one :class:`ProviderPackage`
subclass; defining it registers it under :attr:`ProviderPackage.name` in :data:`PACKAGES`, as the
quota counter backends register their URL schemes. :mod:`zapguard.providers.registry` imports every
package and answers "which package serves this name"; the webhook receiver, the forwarder and the
API's error shapes ask it instead of branching on provider names.

Nothing here, and nothing a package imports, loads the policy or a web framework: an adapter is
usable from a script or a worker that has neither.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar, Protocol

import httpx

from zapguard.providers.base import Endpoint, Provider
from zapguard.providers.happening import Happening
from zapguard.providers.surface import RouteTable

__all__ = ["PACKAGES", "ConnectionSettings", "ProviderPackage", "Secret", "secret_value"]

PACKAGES: dict[str, type[ProviderPackage]] = {}
"""Provider kind (``[providers.*] kind``) → package, filled as packages are defined."""


class Secret(Protocol):
    """A secret that says its value only when asked (pydantic's ``SecretStr``)."""

    def get_secret_value(self) -> str: ...


class ConnectionSettings(Protocol):
    """The ``[providers.<name>]`` section a package reads (``ProviderSettings`` is one)."""

    @property
    def kind(self) -> str: ...
    @property
    def base_url(self) -> str: ...
    @property
    def api_version(self) -> str: ...
    @property
    def token(self) -> Secret | None: ...
    @property
    def app_secret(self) -> Secret | None: ...
    @property
    def verify_token(self) -> Secret | None: ...
    @property
    def webhook_apikey(self) -> Secret | None: ...


class ProviderPackage(ABC):
    """One provider's dialect, from sending to its webhooks and its drop-in surface."""

    name: ClassVar[str] = ""
    """The ``[providers.*] kind`` this package serves; registered when non-empty."""
    dialect: ClassVar[str] = ""
    """The wire format of its requests and webhooks (the simulator speaks the Cloud API's)."""
    routes: ClassVar[RouteTable]
    """The drop-in surface's route table (:mod:`zapguard.providers.surface`)."""
    proof_headers: ClassVar[frozenset[str]] = frozenset()
    """Headers (lower case) that carry the webhook proof: never stored, logged or forwarded."""
    token_needed: ClassVar[str | None] = None
    """What the token is, for a kind that cannot send without one (pt-BR / en); ``None``: optional."""
    default_token: ClassVar[str | None] = None
    """The token sent when the section names none."""
    client_keeps_provider_token: ClassVar[bool] = False
    """Whether a drop-in client may authenticate with its provider connection's own token instead
    of a zapguard key (the tenant is the one whose lines use that connection)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.name:
            PACKAGES[cls.name] = cls

    # -- sending --------------------------------------------------------------------------------

    @abstractmethod
    def adapter(self, endpoint: Endpoint, client: httpx.Client) -> Provider:
        """The adapter for one line."""

    # -- webhooks in ----------------------------------------------------------------------------

    @abstractmethod
    def parse(self, payload: Mapping[str, Any]) -> list[Happening]:
        """The happenings of a webhook body (raises ``WebhookParseError`` on a foreign shape)."""

    @abstractmethod
    def verifies(
        self, secret: str, headers: Mapping[str, str], body: bytes, payload: object
    ) -> bool:
        """Whether the request's proof verifies with ``secret`` (``headers`` in lower case)."""

    def operator_secret(self, settings: ConnectionSettings) -> str | None:
        """The connection's own webhook secret, held by the operator (the Meta app secret, the
        WAHA HMAC key)."""
        return secret_value(settings.app_secret)

    def handshake(self, params: Mapping[str, str], verify_token: str, *, source: str) -> str | None:
        """The answer to a subscription handshake (GET) on the connection ``source`` whose verify
        token is ``verify_token``; ``None`` refuses it. Only the Cloud API has one."""
        return None

    def safe_body(self, payload: dict[str, Any]) -> dict[str, Any]:
        """``payload`` without the credentials it carries, to keep in the inbox."""
        return payload

    # -- webhooks passed on to the helpdesk -----------------------------------------------------

    def part_for(self, payload: Mapping[str, Any], *, account: str | None, phone: str) -> object:
        """What of ``payload`` one line's helpdesk may see: by default all of it (one line)."""
        return payload

    @abstractmethod
    def forwarded(self, body: bytes, helpdesk_secret: str | None) -> tuple[bytes, dict[str, str]]:
        """``body`` and the headers to send it with, carrying ``helpdesk_secret`` as this dialect
        carries a webhook's proof (no proof when the line has no helpdesk secret)."""

    # -- the drop-in surface --------------------------------------------------------------------

    @abstractmethod
    def owns(self, segment: str) -> bool:
        """Whether a drop-in path whose first segment is ``segment`` belongs to this dialect."""

    @abstractmethod
    def credential(self, settings: ConnectionSettings) -> dict[str, str] | None:
        """The header carrying the connection's own key on a relayed call; ``None`` if it has
        none."""

    @abstractmethod
    def api_error(self, status: int, code: str, text: str) -> dict[str, Any]:
        """The body of one of zapguard's own API errors (``code``, ``text`` in pt-BR / en) in this
        dialect's error shape."""


def secret_value(secret: Secret | None) -> str | None:
    """The secret's value, ``None`` when unset or empty."""
    return None if secret is None else secret.get_secret_value() or None
