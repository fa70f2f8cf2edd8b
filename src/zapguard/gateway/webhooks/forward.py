"""Provider webhooks passed on to the helpdesk, so it keeps working with zapguard in the middle.

The helpdesk used to receive the provider's webhooks itself; now zapguard receives them, learns
from them, and hands each one on to the ``helpdesk_url`` of every line it concerned, once per line
(a retried or replayed webhook is not passed on again). What the helpdesk gets carries only the
credentials the helpdesk expects: the line's own ``helpdesk`` secret, never the provider's or the
operator's.

Each provider package says how its dialect carries the helpdesk secret
(``ProviderPackage.forwarded``):

- Cloud API: the part of the payload about the line (a batch for several numbers is split, so no
  tenant's helpdesk reads another's), signed ``X-Hub-Signature-256`` with the helpdesk secret;
  unsigned when the line has none;
- WAHA: ``X-Webhook-Hmac`` (SHA-512) and ``X-Webhook-Hmac-Algorithm`` with the helpdesk secret;
- Evolution API: the body's ``apikey`` (the instance token, a key to the provider's API) is
  replaced by the helpdesk secret, or by ``null`` when the line has none (what Evolution itself
  sends when it does not expose tokens).

Otherwise the bytes are the provider's own, so any field zapguard does not model still reaches the
helpdesk. Delivery goes only to a checked address (:mod:`.targets`: never an internal one unless
the operator allows it, resolved and pinned at each delivery), retries a few times with jittered
backoff, then gives up with a log line: a helpdesk that is down must never make zapguard refuse
the provider (which would retry, and re-apply).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

import httpx

from zapguard.gateway.webhooks.targets import Resolver, UnsafeTarget, resolve_target
from zapguard.providers.registry import package

__all__ = ["BACKOFF_CAP_SECONDS", "BACKOFF_SECONDS", "Forward", "build", "deliver"]

log = logging.getLogger("zapguard.webhooks.forward")

BACKOFF_SECONDS: Final = 0.5
BACKOFF_CAP_SECONDS: Final = 8.0


@dataclass(frozen=True, slots=True)
class Forward:
    url: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    line_id: str | None = None
    claim: str | None = None
    """The receipt that notes this forward as done (given back when it could not be delivered, so
    the provider's retry may try again)."""
    source: str | None = None
    """The ``[providers.<name>]`` connection the payload came from."""
    dialect: str | None = None


def build(
    dialect: str,
    url: str,
    body: bytes,
    helpdesk_secret: str | None,
    *,
    line_id: str | None = None,
    claim: str | None = None,
    source: str | None = None,
) -> Forward:
    """The forward of ``body`` to ``url``, carrying ``helpdesk_secret`` as ``dialect`` carries a
    webhook's proof (nothing when the line has no helpdesk secret)."""
    body, proof = package(dialect).forwarded(body, helpdesk_secret)
    headers = {"Content-Type": "application/json", **proof}
    return Forward(url, body, headers, line_id, claim, source, dialect)


def deliver(
    client: httpx.Client,
    forward: Forward,
    *,
    allow_private: bool = False,
    resolve: Resolver | None = None,
    attempts: int = 3,
    sleep: Callable[[float], None] = time.sleep,
    jitter: Callable[[], float] = random.random,
) -> bool:
    """POST ``forward``; True once the helpdesk answered 2xx. Retries network errors, 429 and 5xx
    up to ``attempts`` times; other answers are final. Never raises for the helpdesk's failures.

    The URL is checked again here, after resolving its name (``resolve``, the system's resolver by
    default), and the request goes to the address that was checked."""
    try:
        target = resolve_target(forward.url, allow_private=allow_private, resolve=resolve)
    except UnsafeTarget as refused:
        log.warning(
            "repasse ao helpdesk recusado: %s / helpdesk forward refused: %s",
            refused.pt,
            refused.en,
        )
        return False
    headers = {**forward.headers, "Host": target.host}
    extensions = {"sni_hostname": target.server_name}
    for attempt in range(1, max(1, attempts) + 1):
        try:
            response = client.post(
                target.url, content=forward.body, headers=headers, extensions=extensions
            )
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
                target.server_name,
                outcome,
                attempt,
            )
            return False
        delay = min(BACKOFF_CAP_SECONDS, BACKOFF_SECONDS * 2 ** (attempt - 1))
        sleep(delay * (0.5 + jitter()))
    return False
