"""ZG508: marketing Meta will not deliver. Since April 1, 2025 Meta does not deliver marketing
template messages to WhatsApp users with a +1 (United States) number; sending one through the Cloud
API only costs a failed send. Outside the contact's customer service window a Cloud API marketing
message can only be a template, so it is refused with the reason. Inside the window a free-form
message is still delivered and is left alone. The list of country codes is configurable.

A finding about the contact and the message, not the line: another line of the pool does not cure
it (a WhatsApp Web line would be another channel, a choice for a person).
"""

from __future__ import annotations

from collections.abc import Iterator

from zapguard.domain.models import Category, Finding, ProviderKind
from zapguard.policy.catalogue import finding
from zapguard.policy.context import Context
from zapguard.policy.portfolio import service_window_open
from zapguard.policy.snapshot import LineView

__all__ = ["blocked_country", "check_message"]


def blocked_country(phone: str, codes: list[str]) -> str | None:
    """The configured country code ``phone`` (E.164) starts with, if any (longest first)."""
    for code in sorted(codes, key=len, reverse=True):
        if phone.startswith("+" + code):
            return code
    return None


def check_message(ctx: Context, origin: LineView) -> Iterator[Finding]:
    if ctx.message.category is not Category.MARKETING:
        return
    if origin.line.provider_kind is not ProviderKind.CLOUD:
        return
    code = blocked_country(
        ctx.contact.phone, ctx.config.meta_delivery.marketing_blocked_country_codes
    )
    if code is None or service_window_open(origin.line, ctx.contact, ctx.now, ctx.config.portfolio):
        return
    yield finding(
        "ZG508",
        f"A Meta não entrega modelos de marketing para números +{code} pela Cloud API (desde "
        "abril de 2025): o envio só falharia.",
        f"Meta does not deliver marketing templates to +{code} numbers through the Cloud API "
        "(since April 2025): the send would only fail.",
        line=origin.line.id,
    )
