"""Keyed digests for webhook proofs, compared in constant time.

A webhook endpoint is a public URL: without a signature anyone who learns it can opt a customer out,
pause a line or fake human activity. Every comparison here goes through :func:`hmac.compare_digest`
so the time taken does not reveal how much of a forged signature was right. Each provider package's
``signature`` module says which header carries its proof and how it is computed.
"""

from __future__ import annotations

import hmac

__all__ = ["as_bytes", "hex_hmac", "same_digest", "same_secret"]


def as_bytes(text: str) -> bytes:
    """``text`` as bytes, whatever it holds (a JSON string may carry a lone surrogate)."""
    return text.encode("utf-8", errors="surrogatepass")


def hex_hmac(secret: str, message: bytes, digest: str) -> str:
    """The hex HMAC of ``message`` under ``secret`` with the hash ``digest`` (``sha256``...)."""
    return hmac.new(as_bytes(secret), message, digest).hexdigest()


def same_digest(given: str, expected: str) -> bool:
    """A header's digest against the expected one: case and surrounding blanks do not count."""
    return hmac.compare_digest(as_bytes(given.strip().lower()), as_bytes(expected))


def same_secret(given: str, expected: str) -> bool:
    """A secret carried as it is (a token, a verify token) against the expected one."""
    return hmac.compare_digest(as_bytes(given), as_bytes(expected))
