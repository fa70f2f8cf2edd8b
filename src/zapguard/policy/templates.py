"""ZG507: Cloud API templates Meta will not deliver, or is about to pause.

A message that sends a template (``OutgoingMessage.template``) is judged by the template's last known
state, as Meta's ``message_template_status_update`` and ``message_template_quality_update`` webhooks
(or a replay) told it: a status other than ``APPROVED`` (``PAUSED``, ``DISABLED``, ``REJECTED``,
``PENDING`` ...) is refused, since the send would only fail; a quality of ``RED`` defers the send
``red_defer_hours`` from Meta's rating, unless the user allowed the template anyway. A template never
seen is allowed: the provider checks it.

A finding about the template, not the line: another line of the business cures nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from zapguard.domain.models import Finding, Severity
from zapguard.policy.catalogue import finding, num_en, num_pt, when_en, when_pt
from zapguard.policy.context import Context

__all__ = ["APPROVED", "RED", "check_message"]

APPROVED = "APPROVED"
RED = "RED"


def check_message(ctx: Context) -> Iterator[Finding]:
    name = ctx.message.template
    view = ctx.snapshot.template
    if name is None or view is None or view.name != name:
        return
    if view.status is not None and view.status != APPROVED:
        yield finding(
            "ZG507",
            f"O modelo {name} está {view.status} na Meta (não APPROVED): o envio só falharia.",
            f"Template {name} is {view.status} at Meta (not APPROVED): the send would only fail.",
        )
        return
    if view.quality != RED or view.allow_red or view.quality_at is None:
        return
    hours = ctx.config.templates.red_defer_hours
    until = view.quality_at + timedelta(hours=hours)
    if until <= ctx.now:
        return
    until = until.astimezone(ctx.home_zone)
    yield finding(
        "ZG507",
        f"O modelo {name} tem qualidade RED na Meta: espere até {when_pt(until)} "
        f"({num_pt(hours)} h após a avaliação) ou libere o modelo (allow_red).",
        f"Template {name} has quality RED at Meta: wait until {when_en(until)} "
        f"({num_en(hours)} h after the rating) or allow the template (allow_red).",
        severity=Severity.DEFER,
        not_before=until,
    )
