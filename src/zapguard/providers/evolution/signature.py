"""Evolution API's webhook proof, which is no signature: the body's ``apikey`` field.

Evolution API v2 does not sign; every webhook body carries an ``apikey`` field
(``webhook.controller.ts``: ``{event, instance, data, destination, date_time, sender, server_url,
apikey}``). ``channel.service.ts`` (``sendDataWebhook``) fills it with the *instance's own token*
(``instance.token``, the per-instance API key), never the global ``AUTHENTICATION_API_KEY``, and
only when ``AUTHENTICATION_EXPOSE_IN_FETCH_INSTANCES=true``; otherwise it is ``null`` (and an
instance without a token sends the text ``"Apikey not found"``). zapguard compares it with the
line's own webhook secret (the instance token) or with the provider connection's ``webhook_apikey``
(an operator whose instances share one token). The token also opens Evolution's API for that
instance: it is never stored, logged or forwarded.
"""

from __future__ import annotations

import json
from typing import Final

from zapguard.providers.signing import same_secret

__all__ = ["NO_KEY", "verify_evolution", "with_apikey"]

NO_KEY: Final = "Apikey not found"
"""What Evolution sends as ``apikey`` for an instance without a token: never a proof."""


def verify_evolution(apikey: object, expected: str) -> bool:
    """Evolution's ``apikey`` body field against a line's token or the connection's key."""
    if not isinstance(apikey, str) or not apikey or not expected or apikey == NO_KEY:
        return False
    return same_secret(apikey, expected)


def with_apikey(body: bytes, apikey: str | None) -> bytes:
    """An Evolution body whose ``apikey`` is ``apikey`` (``null`` for none), whatever it was."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return body
    if not isinstance(payload, dict) or ("apikey" not in payload and apikey is None):
        return body
    return json.dumps({**payload, "apikey": apikey}).encode()
