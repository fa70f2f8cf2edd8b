"""Cloud API templates as people manage them (ZG507): say a template's status or quality when Meta's
webhooks did not reach zapguard, let a RED template go out anyway, see each template's state."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Final

from zapguard.policy.snapshot import TemplateView
from zapguard.store import templates
from zapguard.store.repository import Store

__all__ = ["QUALITIES", "InvalidTemplate", "TemplateView", "set_template", "template_states"]

QUALITIES: Final = ("GREEN", "YELLOW", "RED", "UNKNOWN")
"""Meta's template quality scores (message_template_quality_update)."""
_STATUS: Final = re.compile(r"^[A-Z_]{1,32}$")
_NAME: Final = re.compile(r"^\S{1,512}$")


class InvalidTemplate(ValueError):
    """A template name, status or quality zapguard cannot keep; pt-BR / en."""


def set_template(
    store: Store,
    *,
    tenant_id: str,
    name: str,
    now: datetime,
    status: str | None = None,
    quality: str | None = None,
    allow_red: bool | None = None,
) -> TemplateView:
    """A person says template ``name``'s status or quality as of ``now`` (a later webhook from Meta
    replaces it), or whether it may go out while RED; the template's state afterwards."""
    if not _NAME.match(name):
        raise InvalidTemplate(f"nome de modelo inválido / invalid template name: {name!r}")
    status = status.strip().upper() if status is not None else None
    quality = quality.strip().upper() if quality is not None else None
    if status is not None and not _STATUS.match(status):
        raise InvalidTemplate(
            f"status inválido: {status!r} (APPROVED, PAUSED, DISABLED, REJECTED, PENDING ...) / "
            f"invalid status: {status!r}"
        )
    if status is None and quality is None and allow_red is None:
        raise InvalidTemplate(
            "informe status, quality ou allow_red / give status, quality or allow_red"
        )
    if quality is not None and quality not in QUALITIES:
        raise InvalidTemplate(
            f"qualidade inválida: {quality!r} ({', '.join(QUALITIES)}) / invalid quality: "
            f"{quality!r} ({', '.join(QUALITIES)})"
        )
    store.tenants.ensure(tenant_id=tenant_id)
    with store.transaction():
        if status is not None:
            templates.record_status(store, tenant_id=tenant_id, name=name, status=status, at=now)
        if quality is not None:
            templates.record_quality(store, tenant_id=tenant_id, name=name, quality=quality, at=now)
        if allow_red is not None:
            templates.set_allow_red(store, tenant_id=tenant_id, name=name, allow_red=allow_red)
    found = templates.view(store, tenant_id=tenant_id, name=name)
    assert found is not None  # written just above
    return found


def template_states(store: Store, *, tenant_id: str) -> list[TemplateView]:
    """Every template of the tenant zapguard heard of, by name."""
    return templates.of_tenant(store, tenant_id=tenant_id)
