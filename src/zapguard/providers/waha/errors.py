"""WAHA's error shape, NestJS's default: ``{"statusCode", "message", "error"}``."""

from __future__ import annotations

from typing import Any

from zapguard.providers._nest import reason

__all__ = ["api_error", "waha_error"]


def waha_error(
    status: int,
    message: str,
    *,
    zapguard: dict[str, Any] | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    """A WAHA error body; ``zapguard`` carries zapguard's own decision or refusal."""
    body: dict[str, Any] = {
        "statusCode": status,
        "message": message,
        "error": error or reason(status),
    }
    if zapguard is not None:
        body["zapguard"] = zapguard
    return body


def api_error(status: int, code: str, text: str) -> dict[str, Any]:
    """One of zapguard's own API errors (``code``) in WAHA's shape."""
    return {"statusCode": status, "message": text, "error": code}
