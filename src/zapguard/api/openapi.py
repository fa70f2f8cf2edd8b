"""The OpenAPI document as zapguard serves it: FastAPI's, without FastAPI's default error.

FastAPI gives every operation with a parameter a 422 response in its own ``HTTPValidationError``
shape, which zapguard never answers (every error has the ``ErrorOut`` shape: see
:mod:`zapguard.api.responses`). Operations whose input can fail validation declare their 422
themselves; the default one is removed, so the document lists only answers that can happen.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

_DEFAULT_ERROR = "#/components/schemas/HTTPValidationError"
_DEFAULT_SCHEMAS = ("HTTPValidationError", "ValidationError")


def install(app: FastAPI) -> None:
    """Serve :func:`document` as the app's OpenAPI document (built once, then cached)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def document(app: FastAPI) -> dict[str, Any]:
    schema = get_openapi(
        title=app.title,
        version=app.version,
        openapi_version=app.openapi_version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
    )
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            responses = operation.get("responses", {})
            if _is_default_error(responses.get("422")):
                del responses["422"]
    components = schema.get("components", {}).get("schemas", {})
    for name in _DEFAULT_SCHEMAS:
        components.pop(name, None)
    return schema


def _is_default_error(response: Any) -> bool:
    if not isinstance(response, dict):
        return False
    content = response.get("content", {}).get("application/json", {})
    return bool(content.get("schema", {}).get("$ref") == _DEFAULT_ERROR)
