"""One webhook request, start to end: prove who sent it, read it, apply it, answer.

**Who may touch which line.** A webhook secret belongs to a line or to a provider connection:

- the line's own ``webhook`` secret (its Meta app's secret, its WAHA HMAC key, its Evolution
  instance token) proves webhooks for that line only; for Chatwoot the line's ``chatwoot`` secret
  proves what ``/webhooks/chatwoot/{line}`` receives (Chatwoot has no operator-level secret);
- the provider connection's secret in ``[providers.<name>]`` (``app_secret``, ``webhook_apikey``) is
  the operator's, trusted for every line of that connection.

A happening applies to a line only if the request's proof verifies with one of those. One tenant's
secret therefore never acts on another tenant's line: happenings about lines the proof does not
cover are not applied, and the payload is kept in the webhook inbox saying so.

**Deny by default.** No proof at all → 401, nothing stored (forgeries are not kept). A provider
connection may opt in to unsigned webhooks (``allow_unsigned_webhooks = true``, logged at start)
for a closed network; even then a line with its own secret needs its proof.

**Nothing is lost.** Every part of a payload is applied, passed on to the line's helpdesk, or kept
in the inbox: a payload zapguard cannot read, one about a line it does not know, and anything
``UNHANDLED`` on a line without a helpdesk (a group message, a contact with only a linked id, an
unknown event) are kept, then 200: the provider stops retrying only once a person can see it. The
inbox (or the database) failing → 503, so the provider retries later. A parser never causes a 5xx.

**Time.** An event dated more than ``[server] future_tolerance_seconds`` ahead of the receipt is
moved to the receipt time (its own time kept in ``data["original_at"]``, and logged): a clock gone
wrong must not keep a 24-hour window open for years.

**Forwards** go to each covered line's helpdesk once per payload (a replayed webhook is not passed
on again), carrying only that line's helpdesk secret (:mod:`.forward`).

``provider`` is the ``[providers.<name>]`` key (the URL is ``/webhooks/{provider}``), or
``"chatwoot"`` with the line id (``/webhooks/chatwoot/{line}``).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Final

from zapguard.gateway.metrics import WEBHOOKS
from zapguard.gateway.webhooks import chatwoot, chatwoot_signature
from zapguard.gateway.webhooks.apply import (
    CHATWOOT,
    NOT_APPLIED,
    DeliveryLedger,
    HappeningApplier,
    Reply,
)
from zapguard.gateway.webhooks.forward import Forward, build
from zapguard.policy.config import PolicyConfig
from zapguard.providers.happening import Happening, Kind, WebhookParseError
from zapguard.providers.package import PACKAGES, ProviderPackage
from zapguard.providers.registry import package
from zapguard.service_config import ProviderSettings
from zapguard.store.errors import StoreError
from zapguard.store.inbox import WebhookInbox, first_sighting, forget_sighting
from zapguard.store.records import LineRecord
from zapguard.store.repository import Store

__all__ = [
    "CHATWOOT_SECRET",
    "DEFAULT_FUTURE_TOLERANCE",
    "HELPDESK_SECRET",
    "SECRET_HEADERS",
    "SIGNATURE_HEADERS",
    "WEBHOOK_SECRET",
    "Proof",
    "Receipt",
    "WebhookReceiver",
]

log = logging.getLogger("zapguard.webhooks")

SECRET_HEADERS: Final = frozenset(
    {"authorization", "apikey", "x-api-key", "cookie", "proxy-authorization"}
)
WEBHOOK_SECRET: Final = "webhook"
CHATWOOT_SECRET: Final = "chatwoot"
HELPDESK_SECRET: Final = "helpdesk"
DEFAULT_FUTURE_TOLERANCE: Final = timedelta(minutes=5)
SIGNATURE_HEADERS: Final = frozenset(
    {chatwoot_signature.HEADER, chatwoot_signature.TIMESTAMP_HEADER}.union(
        *(registered.proof_headers for registered in PACKAGES.values())
    )
)
"""Headers that are proofs: never stored, logged or forwarded as they came."""


@dataclass(frozen=True, slots=True)
class Receipt:
    status_code: int
    body: dict[str, Any]
    forwards: list[Forward] = field(default_factory=list)
    """The payload for each concerned line's helpdesk (:func:`~.forward.deliver` them)."""
    replies: list[Reply] = field(default_factory=list)
    """Opt-out confirmations to queue (ZG203)."""


@dataclass(frozen=True, slots=True)
class Proof:
    """What a request's proof covers."""

    operator: bool = False
    """The provider connection's own secret verified: every line of the connection."""
    lines: frozenset[str] = frozenset()
    """Lines whose own secret verified."""
    unsigned: bool = False
    """No proof, on a connection that accepts unsigned webhooks: lines without their own secret."""

    @property
    def anything(self) -> bool:
        return self.operator or bool(self.lines) or self.unsigned

    def covers(self, line_id: str, *, has_own_secret: bool) -> bool:
        if self.operator or line_id in self.lines:
            return True
        return self.unsigned and not has_own_secret


class _Refused(Exception):
    def __init__(self, status_code: int, reason_pt: str, reason_en: str) -> None:
        super().__init__(reason_en)
        self.status_code = status_code
        self.reason_pt = reason_pt
        self.reason_en = reason_en


def _no_proof() -> _Refused:
    return _Refused(401, "assinatura ausente ou inválida", "missing or invalid signature")


@dataclass
class _Outcome:
    """What one request did, line by line, gathered to answer it."""

    applied: int = 0
    replies: list[Reply] = field(default_factory=list)
    concerned: dict[str, LineRecord] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    """Why (part of) the payload goes to the inbox."""
    inbox_lines: set[str] = field(default_factory=set)


class WebhookReceiver:
    def __init__(
        self,
        store: Store,
        policy_config: PolicyConfig,
        providers: Mapping[str, ProviderSettings],
        ledger: DeliveryLedger,
        clock: Callable[[], datetime],
        *,
        future_tolerance: timedelta = DEFAULT_FUTURE_TOLERANCE,
    ) -> None:
        self._store = store
        self._providers = dict(providers)
        self._applier = HappeningApplier(store, policy_config, ledger)
        self._ledger = ledger
        self._inbox = WebhookInbox(store)
        self._clock = clock
        self._future_tolerance = future_tolerance
        for name, settings in sorted(self._providers.items()):
            _log_trust(name, settings)

    # -- the Cloud API GET handshake ------------------------------------------------------------

    def handshake(self, provider: str, params: Mapping[str, str]) -> str | None:
        """The ``hub.challenge`` to echo when Meta's subscription request carries our verify token;
        ``None`` (answer 403) otherwise."""
        settings = self._providers.get(provider)
        if settings is None or settings.verify_token is None:
            return None
        return package(settings.kind).handshake(
            params, settings.verify_token.get_secret_value(), source=provider
        )

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
                    404, f"provedor desconhecido: {provider}", f"unknown provider: {provider}"
                )
            if kind == CHATWOOT and not line:
                raise _Refused(404, "linha não informada na URL", "no line in the URL")
            return self._receive(provider, kind, lowered, body, now, line)
        except _Refused as refused:
            WEBHOOKS.labels(kind or "unknown", "refused").inc()
            log.warning(
                "webhook recusado / webhook refused: provider %s, %s", provider, refused.reason_en
            )
            return Receipt(
                refused.status_code, {"error": refused.reason_pt, "error_en": refused.reason_en}
            )
        except StoreError as error:
            WEBHOOKS.labels(kind or "unknown", "failed").inc()
            log.error(
                "webhook não aplicado / webhook not applied: provider %s: %s", provider, error
            )
            return Receipt(503, {"error": "falha ao aplicar", "error_en": "could not apply"})

    def undelivered(self, forward: Forward) -> None:
        """A forward the helpdesk never took: kept in the inbox, so a person still sees what the
        customer wrote, and released, so a provider that sends it again may pass it on again."""
        if forward.line_id is None:
            return
        try:
            if forward.claim is not None:
                forget_sighting(self._store, line_id=forward.line_id, message_id=forward.claim)
            self._keep(
                forward.dialect or "unknown",
                forward.source or "unknown",
                {},
                forward.body,
                self._clock(),
                f"repasse ao helpdesk da linha {forward.line_id} falhou / forward to line "
                f"{forward.line_id}'s helpdesk failed",
                line_id=forward.line_id,
            )
        except StoreError as error:
            log.error("repasse não guardado / undelivered forward not kept: %s", error)

    def _kind(self, provider: str) -> str | None:
        settings = self._providers.get(provider)
        return None if settings is None else settings.dialect

    def _receive(
        self,
        provider: str,
        kind: str,
        headers: Mapping[str, str],
        body: bytes,
        now: datetime,
        line: str | None,
    ) -> Receipt:
        payload = _decode(body)

        def verifies(secret: str) -> bool:
            return _verifies(kind, secret, headers, body, payload, now)

        # The proofs that need no reading first: a forgery costs no parsing and no lookups.
        proof = self._up_front_proof(provider, kind, verifies, line)
        happenings, parse_error = self._read(kind, payload, line)
        records = [self._line_for(provider, h) for h in happenings]
        named = {r.line.id: r for r in records if r is not None}
        if proof is None:
            proof = self._line_proof(provider, verifies, named)
        if parse_error is not None or not happenings:
            why = parse_error or "nada a aplicar no webhook / nothing to apply in the webhook"
            owner = next(iter(proof.lines)) if len(proof.lines) == 1 else None
            return self._keep(kind, provider, headers, body, now, why, line_id=owner)
        outcome = _Outcome()
        own_secrets = self._own_secret_lines(kind, named)
        for happening, record in zip(happenings, records, strict=True):
            self._one(happening, record, proof, own_secrets, outcome, now)
        forwards = self._forwards(kind, provider, body, payload, happenings, outcome.concerned)
        result: dict[str, Any] = {"applied": outcome.applied, "forwarded": len(forwards)}
        if outcome.reasons:
            owner = next(iter(outcome.inbox_lines)) if len(outcome.inbox_lines) == 1 else None
            reasons = "; ".join(dict.fromkeys(outcome.reasons))
            kept = self._keep(kind, provider, headers, body, now, reasons, line_id=owner)
            return Receipt(kept.status_code, {**kept.body, **result}, forwards, outcome.replies)
        WEBHOOKS.labels(kind, "applied").inc()
        return Receipt(200, result, forwards, outcome.replies)

    # -- reading and proving --------------------------------------------------------------------

    def _read(
        self, kind: str, payload: object, line: str | None
    ) -> tuple[list[Happening], str | None]:
        try:
            return self._parse(kind, payload, line), None
        except WebhookParseError as error:
            return [], str(error)
        except Exception:  # a parser bug must cost a person's look, never the provider's retry
            log.exception("leitor de webhook falhou / webhook reader failed: %s", kind)
            return [], "erro interno ao ler o webhook / internal error reading the webhook"

    def _parse(self, kind: str, payload: object, line: str | None) -> list[Happening]:
        if not isinstance(payload, Mapping):
            raise WebhookParseError("corpo não é um objeto JSON / body is not a JSON object")
        if kind == CHATWOOT:  # a helpdesk, not a provider: the URL names the line
            assert line is not None
            return chatwoot.parse(payload, line=line)
        return package(kind).parse(payload)

    def _line_for(self, provider: str, happening: Happening) -> LineRecord | None:
        return self._applier.line_for(provider=provider, happening=happening)

    def _up_front_proof(
        self, provider: str, kind: str, verifies: Callable[[str], bool], line: str | None
    ) -> Proof | None:
        """The proof a request carries for a known set of lines: the Chatwoot line of the URL, or
        every line of the connection when the operator's secret verifies. ``None``: it depends on
        the lines the payload names (:meth:`_line_proof`). Refused (401) for Chatwoot."""
        if kind == CHATWOOT:
            assert line is not None
            secret = self._store.line_secrets.get(line_id=line, kind=CHATWOOT_SECRET)
            if secret is None:
                log.warning(
                    "webhook do Chatwoot para a linha %s, que não tem segredo do Chatwoot / "
                    "Chatwoot webhook for line %s, which has no Chatwoot secret",
                    line,
                    line,
                )
            if secret is not None and verifies(secret):
                return Proof(lines=frozenset({line}))
            raise _no_proof()
        operator = _operator_secret(self._providers[provider])
        if operator is not None and verifies(operator):
            return Proof(operator=True)
        return None

    def _line_proof(
        self, provider: str, verifies: Callable[[str], bool], named: Mapping[str, LineRecord]
    ) -> Proof:
        """The lines whose own secret verifies the request; refused (401) when none does."""
        if named:
            candidates = {
                line_id: secret
                for line_id in named
                if (secret := self._store.line_secrets.get(line_id=line_id, kind=WEBHOOK_SECRET))
            }
        else:  # unreadable, or about no known line: whose secret signed it, if anyone's?
            candidates = self._store.line_secrets.of_provider(
                provider=provider, kind=WEBHOOK_SECRET
            )
        signers = frozenset(line_id for line_id, secret in candidates.items() if verifies(secret))
        if signers:
            return Proof(lines=signers)
        if self._providers[provider].allow_unsigned_webhooks:
            return Proof(unsigned=True)
        raise _no_proof()

    def _own_secret_lines(self, kind: str, named: Mapping[str, LineRecord]) -> set[str]:
        secret_kind = CHATWOOT_SECRET if kind == CHATWOOT else WEBHOOK_SECRET
        return {
            line_id
            for line_id in named
            if secret_kind in self._store.line_secrets.kinds(line_id=line_id)
        }

    # -- applying -------------------------------------------------------------------------------

    def _one(
        self,
        happening: Happening,
        record: LineRecord | None,
        proof: Proof,
        own_secrets: set[str],
        outcome: _Outcome,
        now: datetime,
    ) -> None:
        if record is None:
            if happening.kind is not Kind.IGNORED:
                outcome.reasons.append(_uncovered(happening.account))
            return
        line_id = record.line.id
        if not proof.covers(line_id, has_own_secret=line_id in own_secrets):
            # The same words as for an account nobody has: the answer goes to whoever signed the
            # request, who must not learn that another tenant's line is behind the account.
            outcome.reasons.append(_uncovered(happening.account))
            log.warning(
                "webhook não aplicado: a prova não cobre a linha %s / webhook not applied: the "
                "proof does not cover line %s",
                line_id,
                line_id,
            )
            return
        outcome.concerned.setdefault(line_id, record)
        if happening.kind is Kind.UNHANDLED:
            if not record.helpdesk_url:
                outcome.reasons.append(f"linha {line_id}: {happening.data.get('reason', '-')}")
                outcome.inbox_lines.add(line_id)
            return
        if happening.kind in NOT_APPLIED:
            return
        happening = self._clamped(happening, now)
        outcome.applied += 1
        reply = self._applier.apply(happening, record, received_at=now)
        if reply is not None:
            outcome.replies.append(reply)

    def _clamped(self, happening: Happening, now: datetime) -> Happening:
        """``happening`` at the receipt time when it claims to be further ahead than clocks drift."""
        if happening.at <= now + self._future_tolerance:
            return happening
        log.warning(
            "acontecimento no futuro trazido para agora / future event moved to now: %s on %s "
            "dated %s, received %s",
            happening.kind.value,
            happening.account,
            happening.at.isoformat(),
            now.isoformat(),
        )
        data = {**happening.data, "original_at": happening.at.isoformat()}
        return replace(happening, at=now, data=data)

    # -- forwarding -----------------------------------------------------------------------------

    def _forwards(
        self,
        kind: str,
        provider: str,
        body: bytes,
        payload: object,
        happenings: list[Happening],
        concerned: Mapping[str, LineRecord],
    ) -> list[Forward]:
        if kind == CHATWOOT:
            return []  # it came from the helpdesk
        dialect = package(self._providers[provider].kind)
        claim = "forward:" + hashlib.sha256(body).hexdigest()
        forwards = []
        for line_id, record in concerned.items():
            if not record.helpdesk_url:
                continue
            if not first_sighting(self._store, line_id=line_id, message_id=claim, at=self._clock()):
                log.info("webhook já repassado / webhook already forwarded: line %s", line_id)
                continue
            part = self._part_for(dialect, body, payload, record)
            part = self._with_public_ids(part, happenings, record)
            secret = self._store.line_secrets.get(line_id=line_id, kind=HELPDESK_SECRET)
            forwards.append(
                build(
                    dialect.dialect,
                    record.helpdesk_url,
                    part,
                    secret,
                    line_id=line_id,
                    claim=claim,
                    source=provider,
                )
            )
        return forwards

    def _part_for(
        self, dialect: ProviderPackage, body: bytes, payload: object, record: LineRecord
    ) -> bytes:
        """What of ``body`` this line's helpdesk may see: a Cloud API batch loses the changes
        about other numbers; every other dialect's payload is about one line already."""
        if not isinstance(payload, Mapping):
            return body
        part = dialect.part_for(payload, account=record.provider_account, phone=record.line.phone)
        return body if part == payload else json.dumps(part).encode()

    def _with_public_ids(
        self, body: bytes, happenings: list[Happening], record: LineRecord
    ) -> bytes:
        """The payload with each status's provider message id replaced by the id the helpdesk got
        when it sent the message through zapguard, so its statuses match its own records."""
        sent = {
            h.provider_message_id
            for h in happenings
            if h.kind is Kind.STATUS and h.provider_message_id is not None
        }
        if not sent:
            return body
        issued = self._ledger.public_ids(sent, tenant_id=record.line.tenant_id)
        for provider_id, public_id in issued.items():
            body = body.replace(json.dumps(provider_id).encode(), json.dumps(public_id).encode())
        return body

    # -- the inbox ------------------------------------------------------------------------------

    def _keep(
        self,
        kind: str,
        provider: str,
        headers: Mapping[str, str],
        body: bytes,
        now: datetime,
        error: str,
        *,
        line_id: str | None = None,
    ) -> Receipt:
        owner = None if line_id is None else self._store.lines.record(line_id=line_id)
        try:
            item = self._inbox.keep(
                received_at=now,
                source=provider,
                headers=_safe_headers(headers),
                body=_safe_body(kind, body),
                error=error,
                tenant_id=None if owner is None else owner.line.tenant_id,
                line_id=line_id,
            )
        except StoreError as failure:
            WEBHOOKS.labels(kind, "failed").inc()
            log.error(
                "webhook não guardado / webhook not stored: provider %s: %s", provider, failure
            )
            return Receipt(503, {"error": "falha ao guardar", "error_en": "could not store"})
        WEBHOOKS.labels(kind, "stored").inc()
        log.warning(
            "webhook guardado na caixa de entrada / webhook kept in the inbox: provider %s, "
            "item %d: %s",
            provider,
            item,
            error,
        )
        return Receipt(200, {"stored": item, "error": error})


def _uncovered(account: str) -> str:
    """Why a happening was not applied, naming only what the payload itself said."""
    return (
        f"nenhuma linha que a prova do webhook cubra para a conta {account}: não aplicado / no "
        f"line the webhook's proof covers for account {account}: not applied"
    )


def _operator_secret(settings: ProviderSettings) -> str | None:
    """The provider connection's own webhook secret, held by the operator."""
    return package(settings.kind).operator_secret(settings)


def _verifies(
    kind: str,
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    payload: object,
    now: datetime,
) -> bool:
    if kind == CHATWOOT:
        return chatwoot_signature.verify_chatwoot(
            body,
            headers.get(chatwoot_signature.HEADER),
            headers.get(chatwoot_signature.TIMESTAMP_HEADER),
            secret,
            now=now,
        )
    return package(kind).verifies(secret, headers, body, payload)


def _log_trust(name: str, settings: ProviderSettings) -> None:
    """Say at start how each provider connection's webhooks are proven."""
    if settings.allow_unsigned_webhooks:
        log.warning(
            "[providers.%s] aceita webhooks SEM assinatura para as linhas sem segredo próprio "
            "(allow_unsigned_webhooks) / [providers.%s] accepts UNSIGNED webhooks for lines "
            "without a secret of their own (allow_unsigned_webhooks)",
            name,
            name,
        )
    elif _operator_secret(settings) is None:
        log.info(
            "[providers.%s] sem segredo de webhook: só linhas com segredo próprio recebem "
            "webhooks / [providers.%s] has no webhook secret: only lines with their own secret "
            "accept webhooks",
            name,
            name,
        )


def _decode(body: bytes) -> object:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


def _safe_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers worth keeping for a person: without proofs, keys and cookies."""
    return {
        key: value
        for key, value in headers.items()
        if key not in SIGNATURE_HEADERS and key not in SECRET_HEADERS
    }


def _safe_body(kind: str, body: bytes) -> bytes:
    """The body as received, except the credentials it carries (Evolution's ``apikey``, the
    instance token, and a pairing QR code)."""
    if kind not in PACKAGES:
        return body
    payload = _decode(body)
    if not isinstance(payload, dict):
        return body
    safe = package(kind).safe_body(payload)
    return body if safe == payload else json.dumps(safe).encode()
