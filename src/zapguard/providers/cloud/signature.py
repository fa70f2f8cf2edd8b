"""The Cloud API's webhook proof: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body,
app secret>`` (developers.facebook.com/documentation/business-messaging/whatsapp/webhooks,
"Validating payloads"; the same scheme pywa 4.5 verifies)."""

from __future__ import annotations

from typing import Final

from zapguard.providers.signing import hex_hmac, same_digest

__all__ = ["HEADER", "sign_cloud", "verify_cloud"]

HEADER: Final = "x-hub-signature-256"


def sign_cloud(body: bytes, secret: str) -> str:
    """The ``X-Hub-Signature-256`` value Meta would send for ``body``."""
    return "sha256=" + hex_hmac(secret, body, "sha256")


def verify_cloud(body: bytes, header: str | None, secret: str) -> bool:
    if not header or not secret:
        return False
    return same_digest(header, sign_cloud(body, secret))
