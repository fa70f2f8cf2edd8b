"""What the three drop-in surfaces share: find the line by the provider's name for it, read
zapguard's optional hints from headers, submit, and describe a refusal in a dialect-neutral way.

Existing helpdesk software only changes its base URL, so it cannot send zapguard fields in the body.
Optional headers carry them: ``X-Zapguard-Category`` (reply, notification, marketing, welcome,
warmup; default reply), ``X-Zapguard-Author`` (agent = a person wrote it, bot, system; default bot,
so nothing is credited as human activity by accident) and ``Idempotency-Key``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

import httpx
from fastapi import Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError

from zapguard.api.errors import ApiError
from zapguard.domain.models import Author, Category, Decision, OutgoingMessage, Verdict
from zapguard.domain.phones import normalize
from zapguard.gateway.service import Services
from zapguard.gateway.submission import Submission
from zapguard.policy.explain import summary
from zapguard.service_config import ProviderSettings
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


def find_line(services: Services, tenant: str, account: str) -> LineRecord | None:
    """The tenant's line the provider calls ``account`` (phone_number_id, instance, session), or
    whose zapguard id is ``account``."""
    return services.store.tenant_line_for_account(tenant_id=tenant, account=account)


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
        ),
        template=template,
    )


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


def provider_for_path(
    services: Services, tenant: str, kind: str, segments: list[str]
) -> ProviderSettings | None:
    """The provider connection a passed-through call goes to: the tenant's line that a path
    segment names (its phone_number_id, instance or session), else the one connection of this
    kind the tenant's lines use."""
    settings = services.provider_settings
    records = [
        record
        for record in services.store.line_records(tenant_id=tenant)
        if record.line.provider in settings and settings[record.line.provider].kind == kind
    ]
    for record in records:
        if record.provider_account in segments and record.line.provider is not None:
            return settings[record.line.provider]
    used = {record.line.provider for record in records if record.line.provider is not None}
    return settings[used.pop()] if len(used) == 1 else None


def relay(
    services: Services,
    settings: ProviderSettings,
    request: Request,
    body: bytes,
    path: str,
    credential: tuple[str, str],
) -> Response | None:
    """Forward the request to the provider with its own credential; ``None`` if unreachable."""
    try:
        answer = services.http.request(
            request.method,
            f"{settings.base_url}/{path}",
            params=list(request.query_params.multi_items()),
            content=body,
            headers={
                credential[0]: credential[1],
                "Content-Type": request.headers.get("content-type", "application/json"),
            },
        )
    except httpx.InvalidURL:
        raise ApiError(
            "invalid_request", "Caminho inválido para o provedor.", "Invalid path for the provider."
        ) from None
    except httpx.TransportError:
        return None
    return Response(
        answer.content,
        status_code=answer.status_code,
        media_type=answer.headers.get("content-type"),
    )
