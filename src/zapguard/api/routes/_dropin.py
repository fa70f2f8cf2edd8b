"""What the three drop-in surfaces' send handlers share: read zapguard's optional hints from
headers, submit, and describe a refusal by the rules in a dialect-neutral way. (How a request
reaches a send handler, bound to one of the caller's lines, is :mod:`._surface`'s business.)

Existing helpdesk software only changes its base URL, so it cannot send zapguard fields in the body.
Optional headers carry them: ``X-Zapguard-Category`` (reply, notification, marketing, welcome,
warmup; default reply), ``X-Zapguard-Author`` (agent = a person wrote it, bot, system; default bot,
so nothing is credited as human activity by accident) and ``Idempotency-Key``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Final

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError

from zapguard.api.errors import ApiError
from zapguard.api.responses import ALLOW, RETRY_AFTER, WWW_AUTHENTICATE
from zapguard.api.schemas import ErrorOut
from zapguard.domain.models import Author, Category, Decision, OutgoingMessage, Verdict
from zapguard.domain.phones import normalize
from zapguard.gateway.outbox import MessageOptions
from zapguard.gateway.service import Services
from zapguard.gateway.submission import Submission
from zapguard.policy.explain import summary
from zapguard.store.records import LineRecord


@dataclass(frozen=True, slots=True)
class Hints:
    category: Category
    author: Author
    idempotency_key: str | None


def hints(request: Request, default_category: Category = Category.REPLY) -> Hints:
    headers = request.headers
    try:
        category = Category(headers.get("x-zapguard-category", default_category.value).lower())
        author = Author(headers.get("x-zapguard-author", Author.BOT.value).lower())
    except ValueError:
        raise ApiError(
            "invalid_request",
            "X-Zapguard-Category ou X-Zapguard-Author com valor desconhecido.",
            "X-Zapguard-Category or X-Zapguard-Author has an unknown value.",
        ) from None
    key = headers.get("idempotency-key")
    return Hints(category, author, key[:200] if key else None)


def problems(error: ValidationError) -> list[str]:
    """Each problem of a body the dialect's model refused, as ``field: problem``."""
    return [
        f"{'.'.join(str(part) for part in item['loc']) or 'body'}: {item['msg']}"
        for item in error.errors(include_url=False)
    ]


def submit(
    services: Services,
    *,
    tenant: str,
    line: LineRecord,
    to: str,
    text: str,
    media_url: str | None,
    hint: Hints,
    template: Mapping[str, Any] | None = None,
    options: MessageOptions | None = None,
) -> Submission:
    return services.submitter.submit(
        OutgoingMessage(
            tenant_id=tenant,
            contact=normalize(to),
            category=hint.category,
            author=hint.author,
            text=text,
            line=line.line.id,
            media_url=media_url,
            idempotency_key=hint.idempotency_key,
            template=_template_name(template),
        ),
        template=template,
        options=options,
    )


def _template_name(template: Mapping[str, Any] | None) -> str | None:
    """The name of the Cloud API template sent (ZG507 judges it by its last known state)."""
    name = template.get("name") if template is not None else None
    return name if isinstance(name, str) and name else None


def refusal(decision: Decision) -> dict[str, Any]:
    """The ``zapguard`` object every dialect's error body carries."""
    message_pt, message_en = summary(decision)
    return {
        "verdict": decision.verdict.value,
        "codes": decision.codes,
        "line": decision.line,
        "not_before": decision.not_before.isoformat() if decision.not_before else None,
        "message_pt": message_pt,
        "message_en": message_en,
    }


def refusal_text(decision: Decision) -> str:
    codes = ",".join(decision.codes) or decision.verdict.value
    message_pt, message_en = summary(decision)
    return f"[zapguard {codes}] {message_pt} / {message_en}"


async def _raw_body(request: Request) -> bytes:
    return await request.body()


RawBody = Annotated[bytes, Depends(_raw_body)]
"""The raw body, read on the event loop so that the route itself can be a plain (threaded) function:
the decision and the outbox write block on the database and must not stall the loop."""


def request_body(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI for a body the route reads itself (to answer errors in its own dialect), with the
    model's nested definitions inlined (a ``#/$defs`` reference would point outside the schema)."""
    schema = model.model_json_schema()
    definitions = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return inline(definitions[ref.removeprefix("#/$defs/")])
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": inline(schema)}},
        }
    }


def retry_after(decision: Decision, services: Services) -> dict[str, str]:
    if decision.verdict is not Verdict.DEFER or decision.not_before is None:
        return {}
    seconds = max(1, int((decision.not_before - services.clock()).total_seconds() + 0.999))
    return {"Retry-After": str(seconds)}


SEND_ERRORS: Final[dict[int, str]] = {
    400: (
        "Corpo ou número inválido, ou (Cloud API, Evolution) mensagem recusada pelas regras: o "
        "veredito vem no objeto zapguard. / Invalid body or number, or (Cloud API, Evolution) "
        "message refused by the rules: the verdict is in the zapguard object."
    ),
    401: "Chave ausente ou inválida. / Missing or invalid key.",
    404: (
        "Linha (instância, sessão, phone_number_id) que não é da empresa, no formato do "
        "provedor; ou um caminho fora da superfície, no formato do zapguard. / A line that is not "
        "the tenant's, in the provider's shape; or a path outside the surface, in zapguard's."
    ),
    405: (
        "Caminho conhecido, outro método: Allow lista os aceitos. / Known path, another method: "
        "Allow lists the accepted ones."
    ),
    409: (
        "Idempotency-Key já usada com outro pedido. / Idempotency-Key already used with a "
        "different request."
    ),
    413: (
        "Corpo grande demais; recusado antes de ser lido, no formato do zapguard. / Body too "
        "large; refused before it is read, in zapguard's shape."
    ),
    422: (
        "Caminho que seria lido de outro jeito pelo provedor (barra, '%' ou controle "
        "codificados), ou X-Zapguard-* com valor desconhecido; WAHA: recusada pelas regras. / A "
        "path the provider would read differently, or an unknown X-Zapguard-* value; WAHA: "
        "refused by the rules."
    ),
    429: (
        "Adiada pelas regras; Retry-After diz em quantos segundos. / Deferred by the rules; "
        "Retry-After says in how many seconds."
    ),
    503: (
        "Banco de dados indisponível; nada foi perdido. / Storage unavailable; nothing was lost."
    ),
}
"""What a drop-in send route can answer besides its success, each in the dialect's error shape
(404 and 405 may also come in zapguard's, for a path that leaves the surface once resolved)."""

_SEND_HEADERS: Final[dict[int, dict[str, Any]]] = {
    401: WWW_AUTHENTICATE,
    405: ALLOW,
    429: RETRY_AFTER,
}


def send_responses(
    success_status: int, success: Any, error: Any, *, errors: Mapping[int, str] = SEND_ERRORS
) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a drop-in send route: its success body, then each error status in
    the dialect's ``error`` shape."""
    responses: dict[int | str, dict[str, Any]] = {
        success_status: {"model": success, "description": "Aceita e na fila. / Accepted, queued."}
    }
    for status, description in errors.items():
        model: Any = error
        if status in (404, 405):
            model = error | ErrorOut
        elif status == 413:
            model = ErrorOut
        responses[status] = {"model": model, "description": description}
        if status in _SEND_HEADERS:
            responses[status]["headers"] = _SEND_HEADERS[status]
    return responses
