"""Who sent this webhook? Each provider's proof, checked in constant time.

A webhook endpoint is a public URL: without a signature anyone who learns it can opt a customer out,
pause a line or fake human activity. Every comparison here goes through :func:`hmac.compare_digest`
so the time taken does not reveal how much of a forged signature was right.

Sources:

- Meta Cloud API: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body, app secret>``
  (developers.facebook.com/documentation/business-messaging/whatsapp/webhooks, "Validating
  payloads"; the same scheme pywa 4.5 verifies).
- WAHA: ``X-Webhook-Hmac: <hex HMAC-SHA512 of the raw body, hmac.key>`` and
  ``X-Webhook-Hmac-Algorithm: sha512`` (waha.devlike.pro/docs/how-to/events, "HMAC
  authentication").
- Chatwoot (since chatwoot/chatwoot PR #13573, 2026): ``X-Chatwoot-Signature: sha256=<hex
  HMAC-SHA256 of "<timestamp>.<raw body>", webhook secret>`` with ``X-Chatwoot-Timestamp`` (Unix
  seconds) inside the signed text, so an old delivery cannot be replayed with a fresh timestamp.
  Issue #13809 reports API-channel inboxes whose shown secret differs from the signing key.
- Evolution API v2 does not sign; every webhook body carries an ``apikey`` field
  (``webhook.controller.ts``: ``{event, instance, data, destination, date_time, sender,
  server_url, apikey}``). ``channel.service.ts`` (``sendDataWebhook``) fills it with the
  *instance's own token* (``instance.token``, the per-instance API key), never the global
  ``AUTHENTICATION_API_KEY``, and only when ``AUTHENTICATION_EXPOSE_IN_FETCH_INSTANCES=true``;
  otherwise it is ``null`` (and an instance without a token sends the text ``"Apikey not
  found"``). zapguard compares it with the line's own webhook secret (the instance token) or with
  the provider connection's ``webhook_apikey`` (an operator whose instances share one token).
  The token also opens Evolution's API for that instance: it is never stored, logged or
  forwarded.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime, timedelta
from typing import Final

CLOUD_HEADER: Final = "x-hub-signature-256"
WAHA_HEADER: Final = "x-webhook-hmac"
WAHA_ALGORITHM_HEADER: Final = "x-webhook-hmac-algorithm"
WAHA_ALGORITHM: Final = "sha512"
CHATWOOT_HEADER: Final = "x-chatwoot-signature"
CHATWOOT_TIMESTAMP_HEADER: Final = "x-chatwoot-timestamp"
CHATWOOT_TOLERANCE: Final = timedelta(minutes=5)
"""How old a Chatwoot delivery may be (Chatwoot's PR asks receivers for about five minutes)."""
_TIMESTAMP_DIGITS: Final = 12
"""Unix seconds have 10 digits until the year 2286: a longer ``X-Chatwoot-Timestamp`` is no time."""
EVOLUTION_NO_KEY: Final = "Apikey not found"
"""What Evolution sends as ``apikey`` for an instance without a token: never a proof."""

SIGNATURE_HEADERS: Final = frozenset(
    {CLOUD_HEADER, WAHA_HEADER, WAHA_ALGORITHM_HEADER, CHATWOOT_HEADER, CHATWOOT_TIMESTAMP_HEADER}
)
"""Headers that are proofs: never stored, logged or forwarded as they came."""


def _hex_hmac(secret: str, message: bytes, digest: str) -> str:
    return hmac.new(_bytes(secret), message, digest).hexdigest()


def _bytes(text: str) -> bytes:
    """``text`` as bytes, whatever it holds (a JSON string may carry a lone surrogate)."""
    return text.encode("utf-8", errors="surrogatepass")


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(_bytes(given.strip().lower()), _bytes(expected))


def sign_cloud(body: bytes, secret: str) -> str:
    """The ``X-Hub-Signature-256`` value Meta would send for ``body``."""
    return "sha256=" + _hex_hmac(secret, body, "sha256")


def verify_cloud(body: bytes, header: str | None, secret: str) -> bool:
    if not header or not secret:
        return False
    return _same(header, sign_cloud(body, secret))


def sign_waha(body: bytes, secret: str) -> str:
    """The ``X-Webhook-Hmac`` value WAHA would send for ``body`` (algorithm :data:`WAHA_ALGORITHM`)."""
    return _hex_hmac(secret, body, "sha512")


def verify_waha(
    body: bytes, header: str | None, secret: str, algorithm_header: str | None = None
) -> bool:
    """WAHA's HMAC. Only SHA-512 is accepted: a sender naming another algorithm is refused rather
    than believed (a forger must not pick a weaker hash)."""
    if not header or not secret:
        return False
    if algorithm_header is not None and algorithm_header.strip().lower() != WAHA_ALGORITHM:
        return False
    return _same(header, sign_waha(body, secret))


def sign_chatwoot(body: bytes, secret: str, timestamp: str) -> str:
    """The ``X-Chatwoot-Signature`` value for ``body`` sent at ``timestamp`` (Unix seconds)."""
    return "sha256=" + _hex_hmac(secret, timestamp.encode() + b"." + body, "sha256")


def verify_chatwoot(
    body: bytes,
    header: str | None,
    timestamp: str | None,
    secret: str,
    *,
    now: datetime,
    tolerance: timedelta = CHATWOOT_TOLERANCE,
) -> bool:
    """Chatwoot's signature, and a timestamp within ``tolerance`` of ``now`` (replay guard).

    The timestamp is checked for shape before it is read: any header value, however long, is a
    ``False`` here, never an overflow."""
    stamp = (timestamp or "").strip()
    if not header or not secret or not stamp.isascii() or not stamp.isdigit():
        return False
    if len(stamp) > _TIMESTAMP_DIGITS:
        return False
    try:
        sent = datetime.fromtimestamp(int(stamp), tz=UTC)
    except (OverflowError, OSError, ValueError):
        return False
    if abs(now - sent) > tolerance:
        return False
    return _same(header, sign_chatwoot(body, secret, stamp))


def verify_evolution(apikey: object, expected: str) -> bool:
    """Evolution's ``apikey`` body field against a line's token or the connection's key."""
    if not isinstance(apikey, str) or not apikey or not expected or apikey == EVOLUTION_NO_KEY:
        return False
    return hmac.compare_digest(_bytes(apikey), _bytes(expected))
