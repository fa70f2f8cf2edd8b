"""Instants callers report (an event's ``at``, a consent's ``granted_at``): believed only when
they could be true.

A future date would keep a 24-hour window open, a penalty unpaid or an opt-in ahead of every later
opt-out until then; one before WhatsApp Business existed is a typo. Both are refused with what is
wrong, and the caller's clock may run a little ahead (``[server] future_tolerance_seconds``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from zapguard.api.errors import ApiError
from zapguard.gateway.service import Services
from zapguard.providers.happening import EARLIEST


def reported_instant(
    services: Services,
    at: datetime | None,
    *,
    field: str,
    refused_pt: str,
    refused_en: str,
) -> datetime:
    """``at``, or now when not given; :class:`ApiError` ``invalid_request`` naming ``field`` when
    it has no offset, lies further ahead than clocks drift, or before :data:`EARLIEST`."""
    now = services.clock()
    if at is None:
        return now
    tolerance = timedelta(seconds=services.config.server.future_tolerance_seconds)
    limit = (now + tolerance).isoformat(timespec="seconds")
    if at.tzinfo is None:
        pt, en = f"{field} precisa de fuso horário", f"{field} needs a time zone offset"
    elif at > now + tolerance:
        pt = f"{field} está no futuro ({at.isoformat()}; limite {limit})"
        en = f"{field} is in the future ({at.isoformat()}; limit {limit})"
    elif at < EARLIEST:
        pt = f"{field} é anterior a {EARLIEST.year} ({at.isoformat()})"
        en = f"{field} is before {EARLIEST.year} ({at.isoformat()})"
    else:
        return at
    raise ApiError(
        "invalid_request",
        f"{refused_pt}: {pt}.",
        f"{refused_en}: {en}.",
        details={"problems": [{"field": field, "problem": en}]},
    )
