"""The reason phrases NestJS servers (Evolution API, WAHA) put in their error bodies."""

from __future__ import annotations

from typing import Final

__all__ = ["REASONS", "reason"]

REASONS: Final = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


def reason(status: int) -> str:
    """The reason phrase of ``status``; ``Error`` for one these servers do not name."""
    return REASONS.get(status, "Error")
