"""Evolution API's error shape: ``{"status", "error", "response": {"message": [...]}}``
(``src/main.ts`` of EvolutionAPI/evolution-api v2)."""

from __future__ import annotations

from typing import Any

from zapguard.providers._nest import reason

__all__ = ["api_error", "evolution_error"]


def evolution_error(
    status: int,
    messages: list[str],
    *,
    extra: dict[str, Any] | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    """An Evolution error body; ``extra`` joins ``response`` (zapguard's decision or refusal)."""
    response: dict[str, Any] = {"message": messages}
    if extra:
        response.update(extra)
    return {"status": status, "error": error or reason(status), "response": response}


def api_error(status: int, code: str, text: str) -> dict[str, Any]:
    """One of zapguard's own API errors (``code``) in Evolution's shape."""
    return {"status": status, "error": code, "response": {"message": [text], "zapguard_code": code}}
