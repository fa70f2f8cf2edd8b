"""One webhook request, start to end: prove who sent it, read it, apply it, answer.

The answer matters as much as the work. A provider retries what it thinks failed, so:

- a proof that is configured but missing or wrong → 401, nothing stored (forgeries are not kept);
- a payload zapguard cannot read, or one about a line it does not know → kept in the webhook
  inbox, then 200: the provider stops retrying only once a person can see it;
- the inbox (or the database) failing → 500, so the provider retries later.

A provider without a secret configured is accepted unsigned, with a warning logged once per
provider: refusing would break a first setup silently (Meta only signs when the app secret is
known to the receiver, and a self-hosted WAHA or Evolution may run on a private network), while the
warning tells the operator the endpoint trusts anyone who finds it.

``provider`` is the ``[providers.<name>]`` key (the URL is ``/webhooks/{provider}``), or
``"chatwoot"`` with the line id (``/webhooks/chatwoot/{line}``).
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from zapguard.gateway.metrics import WEBHOOKS
from zapguard.gateway.webhooks import chatwoot, cloud, evolution, waha
from zapguard.gateway.webhooks.apply import CHATWOOT, DeliveryLedger, HappeningApplier, Reply
from zapguard.gateway.webhooks.forward import Forward, build
from zapguard.gateway.webhooks.model import Happening, Kind, WebhookParseError
from zapguard.gateway.webhooks.signatures import (
    CHATWOOT_HEADER,
    CHATWOOT_TIMESTAMP_HEADER,
    CLOUD_HEADER,
    SIGNATURE_HEADERS,
    WAHA_ALGORITHM_HEADER,
    WAHA_HEADER,
    verify_chatwoot,
    verify_cloud,
    verify_evolution,
    verify_waha,
)
from zapguard.policy.config import PolicyConfig
from zapguard.service_config import ProviderSettings
from zapguard.store.errors import StoreError
from zapguard.store.inbox import WebhookInbox
from zapguard.store.records import LineRecord
from zapguard.store.repository import Store

log = logging.getLogger("zapguard.webhooks")

SECRET_HEADERS: Final = frozenset(
    {"authorization", "apikey", "x-api-key", "cookie", "proxy-authorization"}
)
REDACTED: Final = "***"


@dataclass(frozen=True, slots=True)
class Receipt:
    status_code: int
    body: dict[str, Any]
    forwards: list[Forward] = field(default_factory=list)
    """The payload for each concerned line's helpdesk (:func:`~.forward.deliver` them)."""
    replies: list[Reply] = field(default_factory=list)
    """Opt-out confirmations to queue (ZG203)."""


class _Refused(Exception):
    def __init__(self, status_code: int, reason_pt: str, reason_en: str) -> None:
        super().__init__(reason_en)
        self.status_code = status_code
        self.reason_pt = reason_pt
        self.reason_en = reason_en


class WebhookReceiver:
    def __init__(
        self,
        store: Store,
        policy_config: PolicyConfig,
        providers: Mapping[str, ProviderSettings],
        ledger: DeliveryLedger,
        clock: Callable[[], datetime],
        *,
        chatwoot_secret: str | None = None,
    ) -> None:
        self._providers = dict(providers)
        self._applier = HappeningApplier(store, policy_config, ledger)
        self._ledger = ledger
        self._inbox = WebhookInbox(store)
        self._clock = clock
        self._chatwoot_secret = chatwoot_secret
        self._warned_unsigned: set[str] = set()

    # -- the Cloud API GET handshake ------------------------------------------------------------

    def handshake(self, provider: str, params: Mapping[str, str]) -> str | None:
        """The ``hub.challenge`` to echo when Meta's subscription request carries our verify token;
        ``None`` (answer 403) otherwise."""
        settings = self._providers.get(provider)
        if settings is None or settings.kind != "cloud" or settings.verify_token is None:
            return None
        token = params.get("hub.verify_token", "")
        expected = settings.verify_token.get_secret_value()
        if params.get("hub.mode") != "subscribe" or not hmac.compare_digest(
            token.encode(), expected.encode()
        ):
            log.warning("handshake recusado / handshake refused: provider %s", provider)
            return None
        return params.get("hub.challenge")

    # -- POST -----------------------------------------------------------------------------------

    def receive(
        self, *, provider: str, headers: Mapping[str, str], body: bytes, line: str | None = None
    ) -> Receipt:
        now = self._clock()
        lowered = {key.lower(): value for key, value in headers.items()}
        kind = CHATWOOT if provider == CHATWOOT else self._kind(provider)
        try:
            if kind is None:
                raise _Refused(
                    404,
                    f"provedor desconhecido: {provider}",
                    f"unknown provider: {provider}",
                )
            payload = self._authenticate(provider, kind, lowered, body, now, line)
        except _Refused as refused:
            WEBHOOKS.labels(kind or "unknown", "refused").inc()
            log.warning(
                "webhook recusado / webhook refused: provider %s, %s", provider, refused.reason_en
            )
            return Receipt(
                refused.status_code, {"error": refused.reason_pt, "error_en": refused.reason_en}
            )
        try:
            happenings = self._parse(kind, payload, line)
        except WebhookParseError as error:
            return self._keep(kind, provider, lowered, body, now, str(error))
        return self._apply(kind, provider, lowered, body, now, happenings)

    def _kind(self, provider: str) -> str | None:
        settings = self._providers.get(provider)
        return None if settings is None else settings.dialect

    def _authenticate(
        self,
        provider: str,
        kind: str,
        headers: Mapping[str, str],
        body: bytes,
        now: datetime,
        line: str | None,
    ) -> object:
        """Check the proof the provider sends; returns the decoded JSON (``None`` if undecodable)."""
        payload = _decode(body)
        if kind == CHATWOOT:
            if not line:
                raise _Refused(404, "linha não informada na URL", "no line in the URL")
            secret = self._chatwoot_secret
            good = secret and verify_chatwoot(
                body,
                headers.get(CHATWOOT_HEADER),
                headers.get(CHATWOOT_TIMESTAMP_HEADER),
                secret,
                now=now,
            )
        else:
            settings = self._providers[provider]
            if kind == "evolution":
                key = settings.webhook_apikey
                secret = key.get_secret_value() if key else None
                apikey = payload.get("apikey") if isinstance(payload, Mapping) else None
                good = secret and verify_evolution(apikey, secret)
            else:
                app_secret = settings.app_secret
                secret = app_secret.get_secret_value() if app_secret else None
                good = secret and (
                    verify_cloud(body, headers.get(CLOUD_HEADER), secret)
                    if kind == "cloud"
                    else verify_waha(
                        body, headers.get(WAHA_HEADER), secret, headers.get(WAHA_ALGORITHM_HEADER)
                    )
                )
        if not secret:
            if provider not in self._warned_unsigned:
                self._warned_unsigned.add(provider)
                log.warning(
                    "webhooks de %s aceitos sem assinatura: configure o segredo / webhooks from %s "
                    "accepted unsigned: configure its secret",
                    provider,
                    provider,
                )
            return payload
        if not good:
            raise _Refused(
                401,
                "assinatura ausente ou inválida",
                "missing or invalid signature",
            )
        return payload

    def _parse(self, kind: str, payload: object, line: str | None) -> list[Happening]:
        if not isinstance(payload, Mapping):
            raise WebhookParseError("corpo não é um objeto JSON / body is not a JSON object")
        if kind == "cloud":
            return cloud.parse(payload)
        if kind == "evolution":
            return evolution.parse(payload)
        if kind == "waha":
            return waha.parse(payload)
        assert line is not None
        return chatwoot.parse(payload, line=line)

    def _apply(
        self,
        kind: str,
        provider: str,
        headers: Mapping[str, str],
        body: bytes,
        now: datetime,
        happenings: list[Happening],
    ) -> Receipt:
        replies: list[Reply] = []
        concerned: dict[str, LineRecord] = {}
        unknown: list[str] = []
        try:
            for happening in happenings:
                record = self._applier.line_for(provider=provider, happening=happening)
                if record is None:
                    unknown.append(happening.account)
                    continue
                concerned.setdefault(record.line.id, record)
                reply = self._applier.apply(happening, record)
                if reply is not None:
                    replies.append(reply)
        except StoreError as error:
            WEBHOOKS.labels(kind, "failed").inc()
            log.error(
                "webhook não aplicado / webhook not applied: provider %s: %s", provider, error
            )
            return Receipt(500, {"error": "falha ao aplicar", "error_en": "could not apply"})
        forwards = self._forwards(
            kind, provider, self._with_public_ids(body, happenings), concerned.values()
        )
        if unknown:
            accounts = ", ".join(sorted(set(unknown)))
            error_text = (
                f"linha desconhecida para a conta {accounts} / unknown line for account {accounts}"
            )
            receipt = self._keep(kind, provider, headers, body, now, error_text)
            return Receipt(
                receipt.status_code,
                {**receipt.body, "applied": len(happenings) - len(unknown)},
                forwards,
                replies,
            )
        WEBHOOKS.labels(kind, "applied").inc()
        return Receipt(200, {"applied": len(happenings)}, forwards, replies)

    def _with_public_ids(self, body: bytes, happenings: list[Happening]) -> bytes:
        """The payload with each status's provider message id replaced by the id the helpdesk got
        when it sent the message through zapguard, so its statuses match its own records."""
        sent = {
            h.provider_message_id
            for h in happenings
            if h.kind is Kind.STATUS and h.provider_message_id is not None
        }
        if not sent:
            return body
        for provider_id, public_id in self._ledger.public_ids(sent).items():
            body = body.replace(json.dumps(provider_id).encode(), json.dumps(public_id).encode())
        return body

    def _forwards(self, kind: str, provider: str, body: bytes, concerned: Any) -> list[Forward]:
        if kind == CHATWOOT:
            return []  # it came from the helpdesk
        settings = self._providers[provider]
        return [build(settings, r.helpdesk_url, body) for r in concerned if r.helpdesk_url]

    def _keep(
        self,
        kind: str,
        provider: str,
        headers: Mapping[str, str],
        body: bytes,
        now: datetime,
        error: str,
    ) -> Receipt:
        try:
            item = self._inbox.keep(
                received_at=now,
                source=provider,
                headers=_safe_headers(headers),
                body=_safe_body(kind, body),
                error=error,
            )
        except StoreError as failure:
            WEBHOOKS.labels(kind, "failed").inc()
            log.error(
                "webhook não guardado / webhook not stored: provider %s: %s", provider, failure
            )
            return Receipt(500, {"error": "falha ao guardar", "error_en": "could not store"})
        WEBHOOKS.labels(kind, "stored").inc()
        log.warning(
            "webhook guardado na caixa de entrada / webhook kept in the inbox: provider %s, "
            "item %d: %s",
            provider,
            item,
            error,
        )
        return Receipt(200, {"stored": item, "error": error})


def _decode(body: bytes) -> object:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None


def _safe_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers worth keeping for a person: without proofs, keys and cookies."""
    return {
        key: value
        for key, value in headers.items()
        if key not in SIGNATURE_HEADERS and key not in SECRET_HEADERS
    }


def _safe_body(kind: str, body: bytes) -> bytes:
    """The body as received, except Evolution's ``apikey`` field, which is a secret."""
    if kind != "evolution":
        return body
    payload = _decode(body)
    if not isinstance(payload, dict) or "apikey" not in payload:
        return body
    return json.dumps({**payload, "apikey": REDACTED}, ensure_ascii=False).encode()
