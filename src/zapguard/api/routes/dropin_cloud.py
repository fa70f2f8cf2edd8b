"""Drop-in for the WhatsApp Cloud API: ``POST /{version}/{phone_number_id}/messages``.

A client of the Cloud API (pywa, a helpdesk) points its Graph base URL at zapguard; its Bearer token
is a zapguard API key, or the Meta token of the provider connection its lines use. Other Graph
calls are deny-by-default (:mod:`zapguard.providers.cloud.routes`): the allowed ones (media, the
number's profile, templates of the line's business account...) reach the line's provider with its
token, so the client needs no second base URL. An accepted message gets the Cloud API's own
success body at once, with an id that later status webhooks carry; a refused one gets a Graph error
body, ``code`` 131049 ("not delivered to maintain healthy ecosystem engagement", the Cloud API's
own policy refusal) or 130429 (rate limit) for a deferral, with the zapguard verdict inside. The
same edge marks a message read (``"status": "read"``): that goes to the line's provider as it is.

Shapes: Meta for Developers, WhatsApp Cloud API reference, "Messages" (request body:
messaging_product, recipient_type, to, type, text.body / text.preview_url / image.link ...,
context.message_id for a reply; response: messaging_product, contacts[].input / wa_id,
messages[].id), "Mark messages as read" and "Error codes" (Graph error object: message, type,
code, error_data.details, error_subcode, fbtrace_id).
"""

from __future__ import annotations

import json
from typing import Any, Final, Literal

from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from zapguard.api.routes import _dropin
from zapguard.api.routes._surface import Call, Refusal, Surface, relay
from zapguard.domain.models import Category, Verdict
from zapguard.domain.phones import InvalidPhoneNumber
from zapguard.gateway.outbox import MessageOptions
from zapguard.providers.cloud import errors
from zapguard.providers.registry import dialect_kinds

_MEDIA_TYPES = ("image", "document", "video", "audio")
CLOUD_KINDS: Final = dialect_kinds("cloud")
"""Provider kinds that speak the Cloud API (the simulator speaks it too)."""
_READ_FIELDS: Final = ("messaging_product", "status", "message_id", "typing_indicator")
"""What a mark-as-read body may carry ("Mark messages as read"; typing indicator guide)."""


class _Text(BaseModel):
    model_config = ConfigDict(extra="ignore")
    body: str = Field(min_length=1, max_length=4096)
    preview_url: bool | None = None


class _Context(BaseModel):
    """A reply: the message it quotes."""

    model_config = ConfigDict(extra="ignore")
    message_id: str = Field(min_length=1, max_length=300)


class _Media(BaseModel):
    model_config = ConfigDict(extra="ignore")
    link: str = Field(pattern=r"^https?://")
    caption: str | None = Field(None, max_length=1024)


class _Language(BaseModel):
    model_config = ConfigDict(extra="allow")
    code: str = Field(min_length=2, max_length=16)


class _Template(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str = Field(min_length=1, max_length=512)
    language: _Language
    components: list[dict[str, Any]] = []

    def as_text(self) -> str:
        """What the rules read for a template: its name and every text parameter (links in the
        parameters are judged like links in a text)."""
        parameters = [
            str(parameter.get("text"))
            for component in self.components
            for parameter in component.get("parameters", [])
            if isinstance(parameter, dict) and parameter.get("type") == "text"
        ]
        return " ".join([f"[{self.name}]", *parameters])


class CloudMessage(BaseModel):
    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                {
                    "messaging_product": "whatsapp",
                    "recipient_type": "individual",
                    "to": "5511912345678",
                    "type": "text",
                    "text": {"preview_url": False, "body": "Olá! Seu pedido saiu para entrega."},
                }
            ]
        },
    )
    messaging_product: Literal["whatsapp"]
    recipient_type: Literal["individual"] = "individual"
    to: str = Field(min_length=3, max_length=64)
    type: str = "text"
    text: _Text | None = None
    image: _Media | None = None
    document: _Media | None = None
    video: _Media | None = None
    audio: _Media | None = None
    template: _Template | None = None
    context: _Context | None = None

    def options(self) -> MessageOptions:
        return MessageOptions(
            reply_to=self.context.message_id if self.context else None,
            link_preview=self.text.preview_url if self.type == "text" and self.text else None,
        )


class GraphErrorDetail(BaseModel):
    """The Graph API error object ("Error codes"), with zapguard's verdict or refusal inside."""

    message: str
    type: str
    code: int
    error_subcode: int | None = None
    error_data: dict[str, Any] | None = None
    fbtrace_id: str | None = None
    zapguard: dict[str, Any] | None = Field(
        None, description="A decisão ou recusa do zapguard. / zapguard's decision or refusal."
    )
    zapguard_code: str | None = None


class GraphError(BaseModel):
    error: GraphErrorDetail


class _SentContact(BaseModel):
    input: str
    wa_id: str


class _SentMessage(BaseModel):
    id: str


class CloudSent(BaseModel):
    """The Cloud API's answer to an accepted message ("Messages": contacts, messages[].id)."""

    messaging_product: Literal["whatsapp"]
    contacts: list[_SentContact]
    messages: list[_SentMessage]


class CloudMarkedRead(BaseModel):
    """The provider's answer to marking a message read, relayed as it came."""

    success: bool


def graph_error(
    status: int,
    message: str,
    code: int,
    *,
    details: str | None = None,
    subcode: int | None = None,
    zapguard: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A Graph API error answer (:func:`zapguard.providers.cloud.errors.graph_error`)."""
    body = errors.graph_error(message, code, details=details, subcode=subcode, zapguard=zapguard)
    return JSONResponse(body, status_code=status, headers=headers)


def _invalid(details: str) -> JSONResponse:
    # 100 = "Invalid parameter", the Graph API's code for a malformed request.
    return graph_error(400, "(#100) Invalid parameter", 100, details=details)


def send_message(call: Call) -> Response:
    """A message (judged, queued) or, with ``"status": "read"``, marking one read (relayed)."""
    try:
        parsed = json.loads(call.raw)
    except (ValueError, UnicodeDecodeError):
        parsed = None
    if isinstance(parsed, dict) and "status" in parsed:
        return _mark_read(call, parsed)
    try:
        body = CloudMessage.model_validate_json(call.raw)
    except ValidationError as error:
        return _invalid("; ".join(_dropin.problems(error)))
    text, media_url = _content(body)
    template = body.template if body.type == "template" else None
    if text is None and media_url is None and template is None:
        return _invalid(
            f"tipo {body.type!r} sem conteúdo ou não suportado (text, template, image, document, "
            f"video, audio) / type {body.type!r} has no content or is not supported"
        )
    services = call.services
    try:
        submission = _dropin.submit(
            services,
            tenant=call.tenant,
            line=call.record,
            to=body.to,
            text=template.as_text() if template is not None else text or "",
            media_url=media_url,
            # A template starts or resumes a conversation: a notification unless told otherwise.
            hint=_dropin.hints(
                call.request, Category.NOTIFICATION if template is not None else Category.REPLY
            ),
            template=template.model_dump() if template is not None else None,
            options=body.options(),
        )
    except InvalidPhoneNumber as error:
        return _invalid(str(error))
    if submission.entry is None:
        decision = submission.decision
        assert decision is not None
        deferred = decision.verdict is Verdict.DEFER
        return graph_error(
            429 if deferred else 400,
            f"({'#130429' if deferred else '#131049'}) {_dropin.refusal_text(decision)}",
            130429 if deferred else 131049,
            details=_dropin.refusal_text(decision),
            zapguard=_dropin.refusal(decision),
            headers=_dropin.retry_after(decision, services),
        )
    entry = submission.entry
    return JSONResponse(
        {
            "messaging_product": "whatsapp",
            "contacts": [{"input": body.to, "wa_id": entry.contact.lstrip("+")}],
            "messages": [{"id": entry.public_id}],
        }
    )


def _mark_read(call: Call, body: dict[str, Any]) -> Response:
    """Marking a received message read (and showing "typing…" with it) delivers nothing to
    anyone: it goes to the line's own Cloud API provider, with only the fields it documents."""
    if body.get("status") != "read" or not isinstance(body.get("message_id"), str):
        return _invalid(
            "status deve ser 'read', com message_id / status must be 'read', with message_id"
        )
    settings = call.services.settings_of(call.record.line)
    if settings is None or settings.kind not in CLOUD_KINDS:
        return _invalid(
            "marcar como lida só em linhas da Cloud API / mark-as-read only on Cloud API lines"
        )
    kept = {key: body[key] for key in _READ_FIELDS if key in body}
    return relay(call, body=json.dumps(kept).encode())


def _content(body: CloudMessage) -> tuple[str | None, str | None]:
    if body.type == "text" and body.text is not None:
        return body.text.body, None
    if body.type in _MEDIA_TYPES:
        media = getattr(body, body.type)
        if isinstance(media, _Media):
            return media.caption or "", media.link
    return None, None


def refuse(refusal: Refusal) -> Response:
    """A request zapguard does not pass, as the Graph API answers it."""
    details = refusal.text
    zapguard = refusal.details()
    if refusal.reason == "not_found":
        # Graph's own answer for an id it cannot use, the same whether the id belongs to another
        # tenant or to nobody.
        return graph_error(
            400,
            f"Unsupported request. Object with ID '{refusal.subject or ''}' does not exist, cannot be "
            "loaded due to missing permissions, or does not support this operation",
            100,
            subcode=33,
            details=details,
            zapguard=zapguard,
        )
    if refusal.reason in ("refused", "admin"):
        return graph_error(
            403,
            "(#10) Application does not have permission for this action",
            10,
            details=details,
            zapguard=zapguard,
        )
    if refusal.reason == "unknown":
        return graph_error(404, "Unknown path components", 2500, details=details, zapguard=zapguard)
    if refusal.reason == "method":
        return graph_error(
            405,
            "Unsupported request method",
            100,
            details=details,
            zapguard=zapguard,
            headers=refusal.headers,
        )
    if refusal.reason in ("unreachable", "unconfigured"):
        return graph_error(
            refusal.status,
            "Service temporarily unavailable",
            2,
            details=details,
            zapguard=zapguard,
        )
    return graph_error(
        refusal.status, "(#100) Invalid parameter", 100, details=details, zapguard=zapguard
    )


SURFACE: Final = Surface(
    name="cloud",
    sends={"message": send_message},
    refuse=refuse,
)
