"""Provider webhooks passed on to the helpdesk, so it keeps working with zapguard in the middle.

The helpdesk used to receive the provider's webhooks itself; now zapguard receives them, learns
from them, and hands each one on to the ``helpdesk_url`` of every line it concerned: the same raw
bytes (a re-serialized body would break the helpdesk's own signature check and any field we do
not model), signed the way that provider signs, with the secret the helpdesk knows:

- Cloud API: ``X-Hub-Signature-256`` with ``forward_secret`` (default: the app secret, which is
  what a helpdesk configured for Meta directly already holds);
- WAHA: ``X-Webhook-Hmac`` (SHA-512) and ``X-Webhook-Hmac-Algorithm``, same secrets;
- Evolution API: unchanged, it carries its ``apikey`` in the body.

Delivery retries a few times with jittered backoff, then gives up with a log line: a helpdesk
that is down must never make zapguard refuse the provider (which would retry, and re-apply).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

import httpx

from zapguard.gateway.webhooks.signatures import (
    WAHA_ALGORITHM,
    sign_cloud,
    sign_waha,
)
from zapguard.service_config import ProviderSettings

log = logging.getLogger("zapguard.webhooks.forward")

BACKOFF_SECONDS: Final = 0.5
BACKOFF_CAP_SECONDS: Final = 8.0


@dataclass(frozen=True, slots=True)
class Forward:
    url: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def forward_secret(settings: ProviderSettings) -> str | None:
    secret = settings.forward_secret or settings.app_secret
    return secret.get_secret_value() if secret is not None else None


def build(settings: ProviderSettings, url: str, body: bytes) -> Forward:
    """The forward of ``body`` to ``url``, signed as its provider's dialect signs webhooks."""
    headers = {"Content-Type": "application/json"}
    secret = forward_secret(settings)
    if settings.dialect == "cloud" and secret:
        headers["X-Hub-Signature-256"] = sign_cloud(body, secret)
    elif settings.dialect == "waha" and secret:
        headers["X-Webhook-Hmac"] = sign_waha(body, secret)
        headers["X-Webhook-Hmac-Algorithm"] = WAHA_ALGORITHM
    return Forward(url, body, headers)


def deliver(
    client: httpx.Client,
    forward: Forward,
    *,
    attempts: int = 3,
    sleep: Callable[[float], None] = time.sleep,
    jitter: Callable[[], float] = random.random,
) -> bool:
    """POST ``forward``; True once the helpdesk answered 2xx. Retries network errors, 429 and 5xx
    up to ``attempts`` times; other answers are final. Never raises for the helpdesk's failures."""
    for attempt in range(1, max(1, attempts) + 1):
        try:
            response = client.post(forward.url, content=forward.body, headers=forward.headers)
        except httpx.HTTPError as error:
            outcome = type(error).__name__
            retry = True
        else:
            if response.is_success:
                return True
            outcome = str(response.status_code)
            retry = response.status_code == 429 or response.status_code >= 500
        if not retry or attempt >= attempts:
            log.warning(
                "repasse ao helpdesk falhou / helpdesk forward failed: %s (%s, tentativa/attempt "
                "%d)",
                _host(forward.url),
                outcome,
                attempt,
            )
            return False
        delay = min(BACKOFF_CAP_SECONDS, BACKOFF_SECONDS * 2 ** (attempt - 1))
        sleep(delay * (0.5 + jitter()))
    return False


def _host(url: str) -> str:
    """Only the host: helpdesk URLs may carry tokens in their path or query."""
    try:
        return httpx.URL(url).host or "?"
    except httpx.InvalidURL:
        return "?"
