"""The responses each operation of the OpenAPI document declares besides its success.

Every error of zapguard's own routes has one body (:class:`~zapguard.api.schemas.ErrorOut`, the
shared ``ErrorOut`` component); an operation lists the codes it can answer, grouped by status, and
the description of each status names those codes in pt-BR and English. The groups below are what
whole families of routes can answer, whatever their handler does:

* every route behind an API key can answer ``unauthorized`` (401) and, when the database is out of
  reach, ``storage_unavailable`` (503);
* every route that reads a JSON body can answer ``malformed_json`` (400), ``invalid_request`` (422)
  and ``payload_too_large`` (413, checked while the body streams in: ``[server] max_body_bytes``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from zapguard.api.errors import ERROR_CODES
from zapguard.api.schemas import ErrorOut

KEYED: Final = ("unauthorized", "storage_unavailable")
"""What any route behind an API key may answer."""
JSON_BODY: Final = ("malformed_json", "invalid_request", "payload_too_large")
"""What any route reading a JSON body may answer."""
PARAMETERS: Final = ("invalid_request",)
"""What any route with path or query parameters may answer."""

RETRY_AFTER: Final = {
    "Retry-After": {
        "description": (
            "Segundos até poder tentar de novo (RFC 9110 §10.2.3). / Seconds until a retry may "
            "succeed."
        ),
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    }
}
ALLOW: Final = {
    "Allow": {
        "description": "Os métodos que o caminho aceita. / The methods the path accepts.",
        "schema": {"type": "string"},
    }
}
WWW_AUTHENTICATE: Final = {
    "WWW-Authenticate": {
        "description": "Como se autenticar (RFC 9110 §11.6.1). / How to authenticate.",
        "schema": {"type": "string"},
    }
}

_HEADERS: Final[dict[str, dict[str, Any]]] = {
    "message_deferred": RETRY_AFTER,
    "unauthorized": WWW_AUTHENTICATE,
    "method_not_allowed": ALLOW,
}


def _by_status(groups: tuple[Iterable[str] | str, ...]) -> dict[int, list[str]]:
    codes: list[str] = []
    for group in groups:
        for code in (group,) if isinstance(group, str) else group:
            if code not in codes:
                codes.append(code)
    by_status: dict[int, list[str]] = {}
    for code in codes:
        by_status.setdefault(ERROR_CODES[code][0], []).append(code)
    return dict(sorted(by_status.items()))


def _response(named: list[str]) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": " | ".join(
            f"`{code}`: {ERROR_CODES[code][1]} / {ERROR_CODES[code][2]}" for code in named
        )
    }
    headers = {name: spec for code in named for name, spec in _HEADERS.get(code, {}).items()}
    if headers:
        response["headers"] = headers
    return response


def errors(*groups: Iterable[str] | str) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of an operation that can answer these error codes (or groups of them)."""
    return {
        status: {"model": ErrorOut, **_response(named)}
        for status, named in _by_status(groups).items()
    }


def raw_errors(*groups: Iterable[str] | str) -> dict[str, Any]:
    """The same as :func:`errors`, as raw OpenAPI for ``openapi_extra``: for a route whose own
    answer is not JSON (FastAPI would give every response of such a route its media type)."""
    return {
        "responses": {
            str(status): {
                **_response(named),
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}
                },
            }
            for status, named in _by_status(groups).items()
        }
    }
