"""The Graph API's error shape, as the Cloud API drop-in answers in it.

``{"error": {"message", "type": "OAuthException", "code", "error_subcode"?, "error_data":
{"messaging_product": "whatsapp", "details"}, "fbtrace_id"}}`` (Graph API "Handling errors"). Codes
used: 190 invalid OAuth access token, 100 invalid parameter, 10 permission denied, 2500 unknown
path components, 2 service temporarily unavailable.
"""

from __future__ import annotations

import uuid
from typing import Any

__all__ = ["api_error", "graph_error"]


def graph_error(
    message: str,
    code: int,
    *,
    details: str | None = None,
    subcode: int | None = None,
    zapguard: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A Graph API error body; ``zapguard`` carries zapguard's own decision or refusal."""
    error: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": details or message},
        "fbtrace_id": uuid.uuid4().hex[:24],
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    if zapguard is not None:
        error["zapguard"] = zapguard
    return {"error": error}


def api_error(status: int, code: str, text: str) -> dict[str, Any]:
    """One of zapguard's own API errors (``code``) in the Graph API's shape."""
    # Graph API: 190 = invalid OAuth access token; 100 = invalid parameter.
    return {
        "error": {
            "message": text,
            "type": "OAuthException",
            "code": 190 if status == 401 else 100,
            "error_data": {"messaging_product": "whatsapp", "details": text},
            "zapguard_code": code,
        }
    }
