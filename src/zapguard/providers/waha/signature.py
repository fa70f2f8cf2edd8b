"""WAHA's webhook proof: ``X-Webhook-Hmac: <hex HMAC-SHA512 of the raw body, hmac.key>`` and
``X-Webhook-Hmac-Algorithm: sha512`` (waha.devlike.pro/docs/how-to/events, "HMAC authentication")."""

from __future__ import annotations

from typing import Final

from zapguard.providers.signing import hex_hmac, same_digest

__all__ = ["ALGORITHM", "ALGORITHM_HEADER", "HEADER", "sign_waha", "verify_waha"]

HEADER: Final = "x-webhook-hmac"
ALGORITHM_HEADER: Final = "x-webhook-hmac-algorithm"
ALGORITHM: Final = "sha512"


def sign_waha(body: bytes, secret: str) -> str:
    """The ``X-Webhook-Hmac`` value WAHA would send for ``body`` (algorithm :data:`ALGORITHM`)."""
    return hex_hmac(secret, body, "sha512")


def verify_waha(
    body: bytes, header: str | None, secret: str, algorithm_header: str | None = None
) -> bool:
    """WAHA's HMAC. Only SHA-512 is accepted: a sender naming another algorithm is refused rather
    than believed (a forger must not pick a weaker hash)."""
    if not header or not secret:
        return False
    if algorithm_header is not None and algorithm_header.strip().lower() != ALGORITHM:
        return False
    return same_digest(header, sign_waha(body, secret))
