"""A WhatsApp provider over real HTTP, for the demo and for every end-to-end test.

It speaks the Cloud API dialect (the shapes documented in :mod:`zapguard.providers.cloud.adapter`), so the
gateway talks to it through the same :class:`~zapguard.providers.cloud.CloudProvider` it would use in
production; nothing about the simulator leaks into the sending path.

* ``POST /{version}/{phone_number_id}/messages``: a ``Bearer`` token is required (any value);
  the body is validated like the real one (Graph-shaped 400 errors for a missing ``to``,
  ``text.body`` or an unsupported ``type``); a send answers the Cloud success body with a fresh
  ``wamid.`` id, a mark-read answers ``{"success": true}``.
* It deduplicates on ``biz_opaque_callback_data``: a second send with the same reference on the same
  line answers the first wamid and is *not* delivered again, but is counted as a duplicate attempt,
  so tests can see in-doubt resends. (Meta does not do this; it only echoes the field.)
* A delivered message records what a client of the real API can see of it: ``type``, ``text``
  (body, caption or template name), ``link``, ``reply_to`` (``context.message_id``, the message it
  quotes) and ``preview_url`` (``text.preview_url``).
* Control routes under ``/_simulator/``, for clients on this machine only (403 otherwise):
  ``GET messages`` (delivered, in order), ``GET attempts``,
  ``GET reads``, ``POST failures`` (queue failures for a line: 429 with ``Retry-After``, 5xx, or an
  account-locked 401/403 that the adapter reads as a ban), ``POST reset``, and ``POST inbound`` (a
  contact writes to a line: a Cloud ``messages`` webhook is POSTed to ``webhook_url``). A queued
  failure answers the line's next sends before any validation or deduplication, as a throttled or
  locked account answers whatever it is sent. ``attempts`` counts every send POST (failed,
  duplicate or delivered); mark-read calls are kept apart, under ``reads``.
* Webhooks are the exact Meta envelope (``object: whatsapp_business_account``, ``entry[].changes[]``
  with ``field: messages``), serialized as Meta does (compact, non-ASCII escaped) and signed
  ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`` when a secret is set. With
  ``statuses=True`` each accepted send is followed by ``sent`` then ``delivered`` status webhooks
  (``biz_opaque_callback_data`` echoed), posted from a background thread so the send answer never
  waits; off by default so tests stay deterministic. Status webhooks carry ``id``, ``status``,
  ``timestamp``, ``recipient_id`` and the echoed reference; the ``conversation`` and ``pricing``
  objects Meta may add are left out.

State lives in memory behind one lock: the app can be mounted inside another FastAPI app
(``app.mount("/simulator", simulator_app(...))``) or served alone (``zapguard simulator``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, Final

import httpx
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

__all__ = [
    "MEDIA_TYPES",
    "REFERENCE_MAX",
    "TEXT_MAX",
    "WABA_ID",
    "WEBHOOK_TIMEOUT",
    "FailureSpec",
    "InboundSpec",
    "SimulatorState",
    "simulator_app",
]

logger = logging.getLogger(__name__)

MEDIA_TYPES: Final = ("image", "video", "audio", "document")
TEXT_MAX: Final = 4096
"""Longest ``text.body`` the Cloud API accepts."""
REFERENCE_MAX: Final = 512
"""Longest ``biz_opaque_callback_data`` (Meta: "an arbitrary 512B string")."""
WABA_ID: Final = "0"
"""The ``entry[].id`` of simulated webhooks (Meta's own sample webhooks use ``"0"``)."""
WEBHOOK_TIMEOUT: Final = 10.0

# What a queued failure answers when no code is given: the Graph code the real API uses for it.
_DEFAULT_FAILURES: Final[dict[int, tuple[int, str, str]]] = {
    400: (100, "(#100) Invalid parameter", "Simulated invalid parameter"),
    401: (131031, "(#131031) Business Account locked", "Simulated account lock"),
    403: (131031, "(#131031) Business Account locked", "Simulated account lock"),
    429: (130429, "(#130429) Rate limit hit", "Cloud API message throughput has been reached."),
    500: (131000, "(#131000) Something went wrong", "Simulated server error"),
    503: (131016, "(#131016) Service unavailable", "Simulated unavailability"),
}


class FailureSpec(BaseModel):
    """``POST /_simulator/failures``: the next ``count`` sends on the line fail this way."""

    model_config = ConfigDict(extra="forbid")

    phone_number_id: Annotated[str, Field(min_length=1)]
    status: Annotated[int, Field(ge=400, le=599)]
    count: Annotated[int, Field(ge=1, le=10_000)] = 1
    code: int | None = None
    """Graph error code; default by status (429 → 130429, 5xx → 131000, 401/403 → 131031)."""
    retry_after: Annotated[float, Field(ge=0)] | None = None
    """``Retry-After`` seconds; a 429 sends 1 unless told."""


class InboundSpec(BaseModel):
    """``POST /_simulator/inbound``: the contact ``from`` writes ``text`` to the line."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    phone_number_id: Annotated[str, Field(min_length=1)]
    sender: Annotated[str, Field(alias="from", min_length=8)]
    text: Annotated[str, Field(min_length=1)]
    name: str = "Cliente"
    display_phone_number: str | None = None


@dataclass
class _Failure:
    status: int
    code: int
    message: str
    details: str
    retry_after: float | None


@dataclass
class SimulatorState:
    """Everything the simulator remembers; every access holds :attr:`lock`."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    messages: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    reads: list[dict[str, Any]] = field(default_factory=list)
    attempts: int = 0
    failed: int = 0
    by_reference: dict[tuple[str, str], str] = field(default_factory=dict)
    failures: dict[str, deque[_Failure]] = field(default_factory=dict)

    def reset(self) -> None:
        with self.lock:
            self.messages.clear()
            self.duplicates.clear()
            self.reads.clear()
            self.by_reference.clear()
            self.failures.clear()
            self.attempts = self.failed = 0


def _from_this_machine(request: Request) -> None:
    """Control routes answer loopback clients only: they list what customers were sent and can
    make the simulator post a *signed* webhook, so whoever reaches them speaks for the provider.
    Behind a proxy on this machine the client is the forwarded one (uvicorn trusts 127.0.0.1's
    ``X-Forwarded-For``), so a proxied outsider is refused too."""
    host = request.client.host if request.client is not None else ""
    try:
        local = ipaddress.ip_address(host).is_loopback
    except ValueError:
        local = False
    if not local:
        raise HTTPException(
            status_code=403,
            detail=(
                "rotas de controle do simulador só para esta máquina / the simulator's control "
                "routes answer this machine only"
            ),
        )


_CONTROL: Final = [Depends(_from_this_machine)]


async def _raw_body(request: Request) -> bytes:
    return await request.body()


_RawBody = Annotated[bytes, Depends(_raw_body)]
"""The raw request body: the routes parse and validate it themselves, so errors keep the real API's
shape, and stay plain ``def`` routes (run in the thread pool) so posting a webhook back into the
same server cannot block its event loop."""


def simulator_app(
    *,
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    statuses: bool = False,
) -> FastAPI:
    """A fresh simulator with its own memory (see the module docstring for its routes)."""
    state = SimulatorState()
    webhooks = _Webhooks(webhook_url, webhook_secret)
    app = FastAPI(
        title="zapguard simulator",
        description="Provedor de WhatsApp simulado (dialeto Cloud API). / Simulated WhatsApp "
        "provider (Cloud API dialect).",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.simulator = state

    @app.post("/{version}/{phone_number_id}/messages")
    def messages(
        version: str, phone_number_id: str, request_body: _RawBody, request: Request
    ) -> JSONResponse:
        authorization = request.headers.get("authorization", "")
        if not authorization.startswith("Bearer ") or not authorization[7:].strip():
            return _graph_error(
                401, 190, "Invalid OAuth access token - Cannot parse access token", None
            )
        body = _parse(request_body)
        if not isinstance(body, dict):
            return _graph_error(400, 100, "(#100) The request body must be a JSON object", None)
        if body.get("status") == "read":
            return _mark_read(state, phone_number_id, body)
        with state.lock:
            state.attempts += 1
            queued = state.failures.get(phone_number_id)
            failure = queued.popleft() if queued else None
            if failure is not None:
                state.failed += 1
        if failure is not None:
            headers = {}
            if failure.retry_after is not None:
                headers["Retry-After"] = f"{failure.retry_after:g}"
            return _graph_error(
                failure.status, failure.code, failure.message, failure.details, headers=headers
            )
        problem = _invalid(body)
        if problem is not None:
            with state.lock:
                state.failed += 1
            return _graph_error(400, 100, problem, None)
        return _accept(state, webhooks if statuses else None, phone_number_id, body)

    @app.get("/_simulator/messages", dependencies=_CONTROL)
    def delivered(phone_number_id: str | None = None) -> list[dict[str, Any]]:
        with state.lock:
            return [
                dict(message)
                for message in state.messages
                if phone_number_id is None or message["phone_number_id"] == phone_number_id
            ]

    @app.get("/_simulator/attempts", dependencies=_CONTROL)
    def attempts() -> dict[str, Any]:
        with state.lock:
            return {
                "attempts": state.attempts,
                "delivered": len(state.messages),
                "failed": state.failed,
                "duplicates": [dict(item) for item in state.duplicates],
            }

    @app.get("/_simulator/reads", dependencies=_CONTROL)
    def reads() -> list[dict[str, Any]]:
        with state.lock:
            return [dict(item) for item in state.reads]

    @app.post("/_simulator/failures", dependencies=_CONTROL)
    def failures(request_body: _RawBody) -> JSONResponse:
        try:
            spec = FailureSpec.model_validate(_parse(request_body))
        except ValidationError as error:
            return _bad_control(error)
        default = _DEFAULT_FAILURES.get(spec.status, _DEFAULT_FAILURES[500])
        code = spec.code if spec.code is not None else default[0]
        message = default[1] if spec.code is None else f"(#{code}) Simulated error"
        retry_after = spec.retry_after
        if retry_after is None and spec.status == 429:
            retry_after = 1.0
        failure = _Failure(spec.status, code, message, default[2], retry_after)
        with state.lock:
            queue = state.failures.setdefault(spec.phone_number_id, deque())
            queue.extend(failure for _ in range(spec.count))
            pending = len(queue)
        return JSONResponse({"phone_number_id": spec.phone_number_id, "pending": pending})

    @app.post("/_simulator/reset", dependencies=_CONTROL)
    def reset() -> dict[str, bool]:
        state.reset()
        return {"reset": True}

    @app.post("/_simulator/inbound", dependencies=_CONTROL)
    def inbound(request_body: _RawBody) -> JSONResponse:
        try:
            spec = InboundSpec.model_validate(_parse(request_body))
        except ValidationError as error:
            return _bad_control(error)
        if webhooks.url is None:
            return JSONResponse(
                {
                    "detail": "webhook_url não configurada no simulador / the simulator has no "
                    "webhook_url"
                },
                status_code=409,
            )
        wamid = _wamid()
        payload = _inbound_payload(spec, wamid)
        delivered_status = webhooks.post(payload)
        return JSONResponse({"wamid": wamid, "webhook_status": delivered_status})

    return app


def _parse(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError):
        return None


def _invalid(body: dict[str, Any]) -> str | None:
    """The Graph error message the real API would give this send body, or None if it is fine."""
    if body.get("messaging_product") != "whatsapp":
        return "(#100) The parameter messaging_product is required."
    to = body.get("to")
    if not isinstance(to, str) or not to.strip():
        return "(#100) The parameter to is required."
    reference = body.get("biz_opaque_callback_data")
    if reference is not None and (
        not isinstance(reference, str) or len(reference.encode()) > REFERENCE_MAX
    ):
        return f"(#100) Param biz_opaque_callback_data must be a string of at most {REFERENCE_MAX} bytes."
    kind = body.get("type", "text")
    if kind == "text":
        text = body.get("text")
        content = text.get("body") if isinstance(text, dict) else None
        if not isinstance(content, str) or not content:
            return "(#100) The parameter text['body'] is required."
        if len(content) > TEXT_MAX:
            return f"(#100) Param text['body'] must be at most {TEXT_MAX} characters long."
        return None
    if kind in MEDIA_TYPES:
        media = body.get(kind)
        if not isinstance(media, dict) or not (media.get("link") or media.get("id")):
            return f"(#100) The parameter {kind}['link'] or {kind}['id'] is required."
        return None
    if kind == "template":
        template = body.get("template")
        language = template.get("language") if isinstance(template, dict) else None
        if not isinstance(template, dict) or not template.get("name"):
            return "(#100) The parameter template['name'] is required."
        if not isinstance(language, dict) or not language.get("code"):
            return "(#100) The parameter template['language']['code'] is required."
        return None
    return (
        f"(#100) Param type must be one of text, template, {', '.join(MEDIA_TYPES)} - got {kind!r}."
    )


def _shown_text(kind: str, part: dict[str, Any]) -> str | None:
    """What the contact reads: the text, a media caption, or a template's name."""
    if kind == "text":
        return part.get("body")
    if kind == "template":
        return f"[template {part.get('name')}]"
    return part.get("caption")


def _accept(
    state: SimulatorState, webhooks: _Webhooks | None, phone_number_id: str, body: dict[str, Any]
) -> JSONResponse:
    to: str = body["to"].removeprefix("+")
    reference: str | None = body.get("biz_opaque_callback_data")
    kind: str = body.get("type", "text")
    at = datetime.now(UTC).isoformat()
    with state.lock:
        known = state.by_reference.get((phone_number_id, reference)) if reference else None
        if known is not None:
            state.duplicates.append(
                {
                    "phone_number_id": phone_number_id,
                    "reference": reference,
                    "wamid": known,
                    "at": at,
                }
            )
            return _sent_answer(to, known)
        wamid = _wamid()
        if reference:
            state.by_reference[(phone_number_id, reference)] = wamid
        part = body.get(kind, {})
        context = body.get("context")
        state.messages.append(
            {
                "phone_number_id": phone_number_id,
                "to": to,
                "type": kind,
                "text": _shown_text(kind, part),
                "link": part.get("link") if kind in MEDIA_TYPES else None,
                "reply_to": context.get("message_id") if isinstance(context, dict) else None,
                "preview_url": part.get("preview_url") if kind == "text" else None,
                "wamid": wamid,
                "reference": reference,
                "at": at,
            }
        )
    if webhooks is not None and webhooks.url is not None:
        threading.Thread(
            target=webhooks.post_statuses,
            args=(phone_number_id, wamid, to, reference),
            name="simulator-statuses",
            daemon=True,
        ).start()
    return _sent_answer(to, wamid)


def _mark_read(state: SimulatorState, phone_number_id: str, body: dict[str, Any]) -> JSONResponse:
    if body.get("messaging_product") != "whatsapp":
        return _graph_error(400, 100, "(#100) The parameter messaging_product is required.", None)
    message_id = body.get("message_id")
    if not isinstance(message_id, str) or not message_id:
        return _graph_error(400, 100, "(#100) The parameter message_id is required.", None)
    with state.lock:
        state.reads.append(
            {
                "phone_number_id": phone_number_id,
                "message_id": message_id,
                "typing_indicator": body.get("typing_indicator"),
                "at": datetime.now(UTC).isoformat(),
            }
        )
    return JSONResponse({"success": True})


def _sent_answer(to: str, wamid: str) -> JSONResponse:
    return JSONResponse(
        {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to}],
            "messages": [{"id": wamid}],
        }
    )


def _graph_error(
    status: int,
    code: int,
    message: str,
    details: str | None,
    *,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code}
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    error["fbtrace_id"] = secrets.token_urlsafe(12)
    return JSONResponse({"error": error}, status_code=status, headers=headers)


def _bad_control(error: ValidationError) -> JSONResponse:
    problems = [
        f"{'.'.join(str(part) for part in item['loc']) or 'body'}: {item['msg']}"
        for item in error.errors(include_url=False)
    ]
    return JSONResponse({"detail": problems}, status_code=422)


def _wamid() -> str:
    return "wamid." + base64.b64encode(secrets.token_bytes(30)).decode()


def _inbound_payload(spec: InboundSpec, wamid: str) -> dict[str, Any]:
    sender = spec.sender.removeprefix("+")
    value = {
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": spec.display_phone_number or spec.phone_number_id,
            "phone_number_id": spec.phone_number_id,
        },
        "contacts": [{"profile": {"name": spec.name}, "wa_id": sender}],
        "messages": [
            {
                "from": sender,
                "id": wamid,
                "timestamp": str(int(time.time())),
                "text": {"body": spec.text},
                "type": "text",
            }
        ],
    }
    return _envelope(value)


def _envelope(value: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": WABA_ID, "changes": [{"value": value, "field": "messages"}]}],
    }


class _Webhooks:
    """Posts webhooks to one URL, signed like Meta signs them."""

    def __init__(self, url: str | None, secret: str | None) -> None:
        self.url = url
        self._secret = secret

    def sign(self, raw: bytes) -> str | None:
        if not self._secret:
            return None
        digest = hmac.new(self._secret.encode(), raw, hashlib.sha256).hexdigest()
        return f"sha256={digest}"

    def post(self, payload: dict[str, Any]) -> int | None:
        """POST ``payload``; the receiver's status, or None when it could not be reached."""
        if self.url is None:
            return None
        raw = json.dumps(payload, ensure_ascii=True, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json"}
        signature = self.sign(raw)
        if signature is not None:
            headers["X-Hub-Signature-256"] = signature
        try:
            with httpx.Client(timeout=WEBHOOK_TIMEOUT) as client:
                return client.post(self.url, content=raw, headers=headers).status_code
        except httpx.HTTPError as error:
            logger.warning("simulator webhook not delivered: %s", type(error).__name__)
            return None

    def post_statuses(
        self, phone_number_id: str, wamid: str, to: str, reference: str | None
    ) -> None:
        for status in ("sent", "delivered"):
            entry: dict[str, Any] = {
                "id": wamid,
                "status": status,
                "timestamp": str(int(time.time())),
                "recipient_id": to,
            }
            if reference:
                entry["biz_opaque_callback_data"] = reference
            value = {
                "messaging_product": "whatsapp",
                "metadata": {
                    "display_phone_number": phone_number_id,
                    "phone_number_id": phone_number_id,
                },
                "statuses": [entry],
            }
            self.post(_envelope(value))
