"""``GET /{code}``: the redirect behind the short links ZG703 writes into messages.

Point the business's short domain (``[links].short_domain``) at zapguard; a contact's tap on
``https://<short domain>/<code>`` lands here and is sent on to the original HTTPS link. No key: the
public follows these links. Registered last, so every other route wins.
"""

from __future__ import annotations

import re

from fastapi import APIRouter
from fastapi.responses import RedirectResponse

from zapguard.api.deps import ServicesDep
from zapguard.api.errors import ApiError
from zapguard.api.responses import errors
from zapguard.gateway.access import short_link

router = APIRouter(tags=["short links"])

_CODE = re.compile(r"[0-9A-Za-z]{8}")  # zapguard.policy.links.short_code


@router.get(
    "/{code}",
    summary="Link curto (ZG703) / Short link (ZG703)",
    response_class=RedirectResponse,
    status_code=302,
    responses={
        302: {
            "description": "Para o link original. / To the original link.",
            "headers": {"Location": {"schema": {"type": "string", "format": "uri"}}},
        },
        **errors("not_found", "storage_unavailable"),
    },
)
def follow(code: str, services: ServicesDep) -> RedirectResponse:
    url = short_link(services, code) if _CODE.fullmatch(code) else None
    if url is None:
        raise ApiError("not_found", "Link curto desconhecido.", "Unknown short link.")
    return RedirectResponse(url, status_code=302)
