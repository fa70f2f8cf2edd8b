"""The HTTP plumbing every adapter shares: one POST, its failures, and what a refusal says.

Each adapter speaks its own provider's dialect, but they fail the same ways on the wire: the call
times out, the connection cannot be made, or the provider answers with an error status. This module
turns the first two into a retryable :class:`~zapguard.providers.base.ProviderError` (``code``
``"timeout"`` or ``"network"``) and gives adapters what they need to classify the third: the parsed
body, ``Retry-After`` in seconds, and a message fit to print.

Secrets never reach an error: messages are written here, name only the request path (never the base
URL, which could carry credentials, nor headers), and any text a provider sends back is scrubbed of
the endpoint's token before it is quoted.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Final
from urllib.parse import urlsplit

import httpx

from zapguard.providers.base import ProviderError

QUOTED_LIMIT: Final = 300
"""Characters of a provider's own error text kept in a message (enough to read, not a dump)."""

_HIDDEN: Final = "***"


def post_json(
    client: httpx.Client,
    url: str,
    body: Mapping[str, Any],
    *,
    headers: Mapping[str, str],
    timeout: float | None = None,
) -> httpx.Response:
    """POST ``body`` as JSON; timeouts and connection failures become retryable errors.

    ``timeout`` (seconds) replaces the client's for this one call, for calls the provider holds open
    on purpose (Evolution's ``sendPresence`` answers after the typing delay).
    """
    path = urlsplit(url).path or "/"
    try:
        if timeout is None:
            return client.post(url, json=dict(body), headers=dict(headers))
        return client.post(url, json=dict(body), headers=dict(headers), timeout=timeout)
    except httpx.TimeoutException:
        raise ProviderError(
            f"tempo esgotado falando com o provedor / provider call timed out: POST {path}",
            code="timeout",
            retryable=True,
        ) from None
    except httpx.TransportError as error:
        raise ProviderError(
            f"falha de conexão com o provedor / could not reach the provider: POST {path} "
            f"({type(error).__name__})",
            code="network",
            retryable=True,
        ) from None


def json_object(response: httpx.Response) -> dict[str, Any]:
    """The response body when it is a JSON object, else an empty dict (HTML error pages, blanks)."""
    try:
        parsed: Any = response.json()
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def retry_after(response: httpx.Response, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` in seconds (RFC 9110: delay-seconds or an HTTP-date), when present and sane."""
    raw = response.headers.get("retry-after")
    if raw is None:
        return None
    raw = raw.strip()
    try:
        seconds = float(raw)
    except ValueError:
        try:
            when = parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(seconds, 0.0)


def scrub(text: str, *secrets: str | None) -> str:
    """``text`` with every secret replaced by ``***``, squeezed to one line and cut to length."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, _HIDDEN)
    line = " ".join(text.split())
    return line if len(line) <= QUOTED_LIMIT else line[: QUOTED_LIMIT - 1] + "…"


def digits(to: str) -> str:
    """The E.164 number without its ``+``, as every provider wants it; refuses anything else."""
    number = to.removeprefix("+")
    if not number.isascii() or not number.isdigit() or not 8 <= len(number) <= 15:
        raise ProviderError(
            f"número inválido (esperado E.164 com +) / invalid number (expected E.164 with +): {to!r}",
            code="invalid_number",
        )
    return number


def bad_response(path: str, what: str) -> ProviderError:
    """A success status whose body lacks the message id: the send may or may not have happened."""
    return ProviderError(
        f"resposta do provedor sem {what} / provider answer without {what}: POST {path}",
        code="bad_response",
    )
