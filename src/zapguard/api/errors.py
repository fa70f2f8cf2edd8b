"""Error responses of the native API: a stable machine ``code`` and a message in pt-BR and English.

Every error the ``/v1`` routes answer has this body, whatever raised it::

    {"error": {"code": "line_not_found", "message_pt": "...", "message_en": "...", "details": {...}}}

Codes are part of the API contract (clients branch on them); messages are for people. The drop-in
surfaces (Cloud API, Evolution, WAHA) answer in their own dialects instead; see their modules.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from zapguard.domain.phones import InvalidPhoneNumber
from zapguard.gateway.outbox import IdempotencyConflict
from zapguard.gateway.submission import LineCannotSend
from zapguard.policy.context import PolicyInputError
from zapguard.providers.registry import package
from zapguard.store.errors import Conflict, NotFound, StoreError

log = logging.getLogger("zapguard.api")

# code → (HTTP status, pt-BR, en): the catalogue of errors the API can answer.
ERROR_CODES: dict[str, tuple[int, str, str]] = {
    "invalid_request": (422, "Requisição inválida.", "Invalid request."),
    "malformed_json": (400, "O corpo não é JSON válido.", "The body is not valid JSON."),
    "invalid_phone": (422, "Número de telefone inválido.", "Invalid phone number."),
    "unauthorized": (
        401,
        "Chave de API ausente ou inválida.",
        "Missing or invalid API key.",
    ),
    "invalid_signature": (
        401,
        "Webhook sem prova ou com assinatura inválida.",
        "Webhook without proof or with an invalid signature.",
    ),
    "handshake_refused": (
        403,
        "Verificação do webhook recusada: modo ou token de verificação errado.",
        "Webhook verification refused: wrong mode or verify token.",
    ),
    "not_found": (404, "Recurso não encontrado.", "Resource not found."),
    "line_not_found": (404, "Linha não encontrada.", "Line not found."),
    "message_not_found": (404, "Mensagem não encontrada.", "Message not found."),
    "pool_not_found": (404, "Grupo de linhas não encontrado.", "Pool not found."),
    "conflict": (409, "Conflito com o estado atual.", "Conflicts with the current state."),
    "idempotency_conflict": (
        409,
        "Idempotency-Key já usada com outro pedido.",
        "Idempotency-Key already used with a different request.",
    ),
    "line_refused": (422, "Linha recusada pelas regras.", "Line refused by the rules."),
    "line_cannot_send": (
        422,
        "A linha não tem provedor neste servidor.",
        "The line has no provider on this server.",
    ),
    "message_rejected": (
        422,
        "Mensagem recusada pelas regras.",
        "Message refused by the rules.",
    ),
    "message_deferred": (
        429,
        "Mensagem adiada: tente de novo depois do horário indicado.",
        "Message deferred: try again after the time given.",
    ),
    "payload_too_large": (
        413,
        "Corpo da requisição grande demais.",
        "Request body too large.",
    ),
    "method_not_allowed": (405, "Método não permitido.", "Method not allowed."),
    "storage_unavailable": (
        503,
        "Banco de dados indisponível; nada foi perdido, tente de novo.",
        "Storage unavailable; nothing was lost, try again.",
    ),
    "internal_error": (500, "Erro interno.", "Internal error."),
}


class ApiError(Exception):
    """An error to answer with ``code``; ``message_pt``/``message_en`` override the catalogue's."""

    def __init__(
        self,
        code: str,
        message_pt: str | None = None,
        message_en: str | None = None,
        *,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        status, default_pt, default_en = ERROR_CODES[code]
        self.code = code
        self.status = status
        self.message_pt = message_pt or default_pt
        self.message_en = message_en or default_en
        self.details = details
        self.headers = headers
        super().__init__(f"{code}: {self.message_en}")


def error_body(
    code: str, message_pt: str, message_en: str, details: dict[str, Any] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message_pt": message_pt, "message_en": message_en}
    if details:
        body["details"] = details
    return {"error": body}


def set_dialect(name: str) -> Callable[[Request], Awaitable[None]]:
    """A router dependency: errors raised under this router answer in ``name``'s dialect."""

    async def mark(request: Request) -> None:
        request.state.dialect = name

    return mark


def _respond(error: ApiError, request: Request | None = None) -> JSONResponse:
    dialect = getattr(request.state, "dialect", None) if request is not None else None
    if dialect is None:
        body = error_body(error.code, error.message_pt, error.message_en, error.details)
    else:  # a drop-in surface answers in its provider's error shape
        text = f"{error.message_pt} / {error.message_en}"
        body = package(dialect).api_error(error.status, error.code, text)
    return JSONResponse(body, status_code=error.status, headers=error.headers)


def split_bilingual(text: str) -> tuple[str, str]:
    """Our own exceptions read ``pt-BR / en``; answer each half in its field."""
    pt, sep, en = text.partition(" / ")
    return (pt, en) if sep else (text, text)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, error: ApiError) -> JSONResponse:
        return _respond(error, request)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        problems = [
            {
                "field": ".".join(str(part) for part in item["loc"] if part != "body"),
                "problem": item["msg"],
            }
            for item in error.errors()
        ]
        if any(item.get("type") == "json_invalid" for item in error.errors()):
            return _respond(ApiError("malformed_json", details={"problems": problems}))
        named = "; ".join(f"{p['field'] or 'corpo/body'}: {p['problem']}" for p in problems)
        return _respond(
            ApiError(
                "invalid_request",
                f"Requisição inválida: {named}.",
                f"Invalid request: {named}.",
                details={"problems": problems},
            )
        )

    @app.exception_handler(InvalidPhoneNumber)
    async def _phone(_: Request, error: InvalidPhoneNumber) -> JSONResponse:
        pt, en = split_bilingual(str(error))
        return _respond(ApiError("invalid_phone", pt, en))

    @app.exception_handler(PolicyInputError)
    async def _policy_input(_: Request, error: PolicyInputError) -> JSONResponse:
        pt, en = split_bilingual(str(error))
        return _respond(ApiError("invalid_request", pt, en))

    @app.exception_handler(IdempotencyConflict)
    async def _idempotency(request: Request, error: IdempotencyConflict) -> JSONResponse:
        # Every surface (native and drop-ins) answers it, each in its own dialect.
        pt, en = split_bilingual(str(error))
        return _respond(ApiError("idempotency_conflict", pt, en), request)

    @app.exception_handler(LineCannotSend)
    async def _cannot_send(request: Request, error: LineCannotSend) -> JSONResponse:
        pt, en = split_bilingual(str(error))
        log.warning("line_cannot_send: %s", en)
        return _respond(ApiError("line_cannot_send", pt, en), request)

    @app.exception_handler(NotFound)
    async def _not_found(_: Request, error: NotFound) -> JSONResponse:
        pt, en = split_bilingual(str(error))
        return _respond(ApiError("not_found", pt, en))

    @app.exception_handler(Conflict)
    async def _conflict(_: Request, error: Conflict) -> JSONResponse:
        pt, en = split_bilingual(str(error))
        return _respond(ApiError("conflict", pt, en))

    @app.exception_handler(StoreError)
    async def _store(_: Request, error: StoreError) -> JSONResponse:
        log.error("storage failure: %s", error)
        return _respond(ApiError("storage_unavailable"))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, error: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}.get(
            error.status_code, "invalid_request"
        )
        return _respond(ApiError(code, headers=dict(error.headers or {})))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return _respond(ApiError("internal_error"))
