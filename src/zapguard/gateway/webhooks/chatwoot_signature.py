"""Chatwoot's webhook proof (Chatwoot is a helpdesk, not a provider: its webhooks say who answered).

Since chatwoot/chatwoot PR #13573 (2026): ``X-Chatwoot-Signature: sha256=<hex HMAC-SHA256 of
"<timestamp>.<raw body>", webhook secret>`` with ``X-Chatwoot-Timestamp`` (Unix seconds) inside the
signed text, so an old delivery cannot be replayed with a fresh timestamp. Issue #13809 reports
API-channel inboxes whose shown secret differs from the signing key.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

from zapguard.providers.signing import hex_hmac, same_digest

__all__ = ["HEADER", "TIMESTAMP_HEADER", "TOLERANCE", "sign_chatwoot", "verify_chatwoot"]

HEADER: Final = "x-chatwoot-signature"
TIMESTAMP_HEADER: Final = "x-chatwoot-timestamp"
TOLERANCE: Final = timedelta(minutes=5)
"""How old a Chatwoot delivery may be (Chatwoot's PR asks receivers for about five minutes)."""
_TIMESTAMP_DIGITS: Final = 12
"""Unix seconds have 10 digits until the year 2286: a longer ``X-Chatwoot-Timestamp`` is no time."""


def sign_chatwoot(body: bytes, secret: str, timestamp: str) -> str:
    """The ``X-Chatwoot-Signature`` value for ``body`` sent at ``timestamp`` (Unix seconds)."""
    return "sha256=" + hex_hmac(secret, timestamp.encode() + b"." + body, "sha256")


def verify_chatwoot(
    body: bytes,
    header: str | None,
    timestamp: str | None,
    secret: str,
    *,
    now: datetime,
    tolerance: timedelta = TOLERANCE,
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
    return same_digest(header, sign_chatwoot(body, secret, stamp))
