"""Every threshold the rules use, with its default and where that default comes from.

The defaults are the ``seed`` preset: the numbers of the source document
(``shared/seed/como-nao-ter-o-numero-banido.md``, cited as "seed tip N") and, where the seed gives no
number, of the public reference named beside the field. ``zapguard.toml`` overrides any of them; the
``moderate`` and ``conservative`` presets (``zapguard/presets/*.toml``) bundle stricter sets.

This module only describes and validates; reading files lives in :mod:`zapguard.config`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "ConsentConfig",
    "HealthConfig",
    "IdentityConfig",
    "LinksConfig",
    "MarketingHoldConfig",
    "MetaDeliveryConfig",
    "PolicyConfig",
    "PortfolioConfig",
    "PresenceConfig",
    "QuarantineConfig",
    "RepliesConfig",
    "TemplatesConfig",
    "VolumeConfig",
    "WarmupConfig",
]

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _source(text: str) -> dict[str, Any]:
    return {"source": text}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IdentityConfig(_Section):
    personal_account_risk: Annotated[int, Field(ge=0, le=100)] = Field(
        15,
        json_schema_extra=_source(
            "seed tip 1: personal accounts are judged by stricter algorithms"
        ),
    )


class ConsentConfig(_Section):
    opt_out_keywords: dict[str, list[str]] = Field(
        default_factory=lambda: {
            "pt": ["sair", "parar", "cancelar", "descadastrar", "remover"],
            "en": ["stop", "unsubscribe"],
        },
        json_schema_extra=_source(
            "seed tip 2 (opt-outs honoured at once); keywords from the design's ZG203 list"
        ),
    )
    open_conversation_hours: Annotated[float, Field(gt=0, le=720)] = Field(
        24, json_schema_extra=_source("WhatsApp customer service window (Cloud API docs): 24 h")
    )


class VolumeConfig(_Section):
    daily_cap: Annotated[int, Field(ge=1, le=1_000_000)] = Field(
        6000, json_schema_extra=_source("seed tip 5: no more than 6000 messages a day")
    )
    window_hours: Annotated[float, Field(gt=0, le=168)] = Field(
        24, json_schema_extra=_source("seed tip 5: 'por dia', enforced as a rolling 24 h window")
    )
    merge_window_seconds: Annotated[float, Field(ge=0, le=3600)] = Field(
        4, json_schema_extra=_source("seed tip 5: put everything in one message; design ZG502: 4 s")
    )
    gap_min_seconds: Annotated[float, Field(ge=0, le=3600)] = Field(
        2.5, json_schema_extra=_source("design ZG503: random gap 2.5-7 s, like a person typing")
    )
    gap_max_seconds: Annotated[float, Field(ge=0, le=3600)] = Field(
        7, json_schema_extra=_source("design ZG503: random gap 2.5-7 s, like a person typing")
    )
    pair_interval_seconds: Annotated[float, Field(ge=0, le=3600)] = Field(
        6,
        json_schema_extra=_source(
            "Cloud API pair rate limit (error 131056): about 1 message every 6 s to one user"
        ),
    )
    quiet_start: Annotated[int, Field(ge=0, le=23)] = Field(
        8, json_schema_extra=_source("design ZG504: campaigns only in daytime, 08:00-20:00")
    )
    quiet_end: Annotated[int, Field(ge=1, le=24)] = Field(
        20, json_schema_extra=_source("design ZG504: campaigns only in daytime, 08:00-20:00")
    )
    campaign_days: list[str] = Field(
        default_factory=lambda: ["mon", "tue", "wed", "thu", "fri", "sat"],
        json_schema_extra=_source("design ZG504: Monday to Saturday"),
    )
    identical_max: Annotated[int, Field(ge=1, le=100_000)] = Field(
        3, json_schema_extra=_source("design ZG505: at most 3 identical campaign texts an hour")
    )
    identical_window_minutes: Annotated[float, Field(gt=0, le=10_080)] = Field(
        60, json_schema_extra=_source("design ZG505: one hour")
    )
    pool_alert_ratio: Annotated[float, Field(gt=0, le=1)] = Field(
        0.8,
        json_schema_extra=_source(
            "seed tip 5 ('se você planeja exceder esses volumes, recomendamos criar outro canal'): "
            "alert when a pool's 24 h use passes 80% of its combined cap (issue 9, capacity "
            "planning), so a new number can warm up before the pool runs out; `zapguard plan` "
            "sizes pools to stay under it"
        ),
    )
    pool_check_minutes: Annotated[float, Field(gt=0, le=1440)] = Field(
        5,
        json_schema_extra=_source(
            "zapguard's choice: how often the server compares each pool's 24 h use with "
            "pool_alert_ratio; 5 min is well inside the hours a new line needs to be ready"
        ),
    )

    @model_validator(mode="after")
    def _ranges_are_ordered(self) -> VolumeConfig:
        if self.gap_min_seconds > self.gap_max_seconds:
            raise ValueError("gap_min_seconds must be <= gap_max_seconds")
        if self.quiet_start >= self.quiet_end:
            raise ValueError("quiet_start must be < quiet_end")
        unknown = [day for day in self.campaign_days if day not in _WEEKDAYS]
        if unknown:
            raise ValueError(f"campaign_days: unknown day(s) {unknown}; allowed {list(_WEEKDAYS)}")
        return self

    @property
    def campaign_weekdays(self) -> frozenset[int]:
        return _weekday_numbers(tuple(self.campaign_days))


@lru_cache(maxsize=32)
def _weekday_numbers(days: tuple[str, ...]) -> frozenset[int]:
    return frozenset(_WEEKDAYS.index(day) for day in days)


class LinksConfig(_Section):
    blocked_domains: list[str] = Field(
        default_factory=list,
        json_schema_extra=_source(
            "seed tip 7: links flagged as spam; extend with `zapguard blocklist import`"
        ),
    )
    short_domain: str | None = Field(
        None,
        json_schema_extra=_source(
            "seed tip 7: a URL shortener is a good idea; off until configured"
        ),
    )
    shorten_over: Annotated[int, Field(ge=10, le=2000)] = Field(
        40, json_schema_extra=_source("design ZG703: long links are rewritten")
    )
    public_shorteners: list[str] = Field(
        default_factory=lambda: [
            "bit.ly",
            "tinyurl.com",
            "cutt.ly",
            "encurtador.com.br",
            "is.gd",
            "t.ly",
        ],
        json_schema_extra=_source(
            "seed tip 7: short links on a trusted (own) domain, not shared shorteners"
        ),
    )


class PresenceConfig(_Section):
    bot_alone_hours: Annotated[float, Field(gt=0, le=720)] = Field(
        24,
        json_schema_extra=_source("seed tip 8; design ZG801: warn at 24 h without human activity"),
    )


class WarmupConfig(_Section):
    day_one: Annotated[int, Field(ge=1, le=100_000)] = Field(
        20, json_schema_extra=_source("seed tip 9; design ZG901: day 1 = 20 messages")
    )
    growth: Annotated[float, Field(ge=1.0, le=10.0)] = Field(
        1.5, json_schema_extra=_source("design ZG901: x1.5 a day")
    )
    no_active_days: Annotated[int, Field(ge=0, le=60)] = Field(
        3,
        json_schema_extra=_source("seed tip 9 (real conversations first); design ZG901: days 1-3"),
    )
    restart_after_days: Annotated[float, Field(gt=0, le=365)] = Field(
        7, json_schema_extra=_source("design ZG901: the ramp restarts after 7 silent days")
    )


class RepliesConfig(_Section):
    unanswered_limit: Annotated[int, Field(ge=1, le=1000)] = Field(
        5,
        json_schema_extra=_source(
            "seed tip 2 (a dozen spam reports ban a number); design ZG902: 5"
        ),
    )


class HealthConfig(_Section):
    penalty_reported: Annotated[int, Field(ge=0, le=100)] = Field(
        20, json_schema_extra=_source("seed tip 2: a dozen reports ban a number; design ZG903")
    )
    penalty_blocked: Annotated[int, Field(ge=0, le=100)] = Field(
        10, json_schema_extra=_source("design ZG903")
    )
    penalty_spam_failure: Annotated[int, Field(ge=0, le=100)] = Field(
        5,
        json_schema_extra=_source(
            "design ZG903: Cloud API 131048/131056/130429, Web 429/463 (131049 is the person's "
            "limit, penalty_per_user_failure)"
        ),
    )
    penalty_other_failure: Annotated[int, Field(ge=0, le=100)] = Field(
        1, json_schema_extra=_source("design ZG903")
    )
    penalty_per_user_failure: Annotated[int, Field(ge=0, le=100)] = Field(
        1,
        json_schema_extra=_source(
            "issue 11 (ZG905): a per-user marketing limit is about the person, not the number, "
            "so it costs the line little"
        ),
    )
    per_user_codes: list[str] = Field(
        default_factory=lambda: ["131049"],
        json_schema_extra=_source(
            "Cloud API error codes (developers.facebook.com/documentation/business-messaging/"
            "whatsapp/support/error-codes): 131049, not delivered to maintain healthy ecosystem "
            "engagement, Meta's per-user marketing limit (ZG905)"
        ),
    )
    spam_codes: list[str] = Field(
        default_factory=lambda: ["131048", "131056", "130429", "429", "463"],
        json_schema_extra=_source("Cloud API error codes reference; WhatsApp Web rate/ban codes"),
    )
    ban_codes: list[str] = Field(
        default_factory=lambda: ["368", "131031", "130497"],
        json_schema_extra=_source(
            "Cloud API error codes page, 'Integrity errors' (developers.facebook.com/documentation/"
            "business-messaging/whatsapp/support/error-codes): 368 temporarily blocked for policy "
            "violations, 131031 account locked, 130497 restricted from messaging a country; a "
            "failed status or send with one of them pauses the line and raises an alert"
        ),
    )
    ban_disconnect_reasons: list[str] = Field(
        default_factory=lambda: ["401", "402", "403", "406"],
        json_schema_extra=_source(
            "Baileys DisconnectReason (src/Types/index.ts: 401 loggedOut, 403 forbidden) and "
            "Evolution API's codesToNotReconnect [401, 403, 402, 406] (whatsapp.baileys.service.ts; "
            "PR #739: 402 temporary ban, 406 permanent ban); 440 (connection replaced) and 515 "
            "(restart required) are left out: the gateway reconnects by itself"
        ),
    )
    recovery_per_hour: Annotated[float, Field(ge=0, le=100)] = Field(
        2, json_schema_extra=_source("design ZG903: +2 per quiet hour")
    )
    halve_below: Annotated[int, Field(ge=0, le=100)] = Field(
        80, json_schema_extra=_source("design ZG903: cap halves below 80")
    )
    pause_below: Annotated[int, Field(ge=0, le=100)] = Field(
        40, json_schema_extra=_source("design ZG903: line pauses below 40")
    )


class QuarantineConfig(_Section):
    reply_window_hours: Annotated[float, Field(gt=0, le=720)] = Field(
        24, json_schema_extra=_source("design ZG602: only replies to contacts who wrote in 24 h")
    )


_META_LIMITS = (
    "Meta, Messaging limits (developers.facebook.com/documentation/business-messaging/whatsapp/"
    "messaging-limits): since October 7, 2025 a business portfolio's numbers share one limit on "
    "unique users reached outside a customer service window in a moving 24 hours"
)


class PortfolioConfig(_Section):
    unknown_limit: Annotated[int, Field(ge=1, le=1_000_000)] = Field(
        250,
        json_schema_extra=_source(
            _META_LIMITS + "; 250 is the lowest tier a portfolio starts at, taken for a portfolio "
            "whose tier zapguard has not learnt"
        ),
    )
    window_hours: Annotated[float, Field(gt=0, le=168)] = Field(
        24, json_schema_extra=_source(_META_LIMITS + ": the moving 24 hours")
    )
    service_window_hours: Annotated[float, Field(gt=0, le=168)] = Field(
        24,
        json_schema_extra=_source(
            "Meta, customer service windows (developers.facebook.com/documentation/"
            "business-messaging/whatsapp/messages/send-messages#customer-service-windows): 24 h "
            "after the user's last message to the number; messages inside it are not counted"
        ),
    )
    alert_share: Annotated[float, Field(gt=0, le=1)] = Field(
        0.8,
        json_schema_extra=_source(
            "zapguard's choice (issue 11: an alert at 80 % of the tier, before sends start to wait)"
        ),
    )


class MarketingHoldConfig(_Section):
    first_hold_hours: Annotated[float, Field(gt=0, le=720)] = Field(
        24,
        json_schema_extra=_source(
            "Meta, per-user marketing template limits (developers.facebook.com/documentation/"
            "business-messaging/whatsapp/templates/marketing-templates): Meta publishes no "
            "duration; issue 11 (ZG905): 24 h from the 131049 status"
        ),
    )
    max_hold_days: Annotated[float, Field(gt=0, le=365)] = Field(
        7, json_schema_extra=_source("issue 11 (ZG905): doubling on each repeat up to 7 days")
    )
    repeat_within_days: Annotated[float, Field(gt=0, le=365)] = Field(
        30,
        json_schema_extra=_source(
            "zapguard's choice: a 131049 within 30 days of an earlier one for the same contact is "
            "a repeat (doubles the hold); an older one is forgotten"
        ),
    )


class MetaDeliveryConfig(_Section):
    marketing_blocked_country_codes: list[Annotated[str, Field(pattern=r"^[1-9][0-9]{0,3}$")]] = (
        Field(
            default_factory=lambda: ["1"],
            json_schema_extra=_source(
                "Meta, per-user marketing template message limits (developers.facebook.com/docs/"
                "whatsapp/cloud-api/guides/send-message-templates#per-user-marketing-template-"
                "message-limits; AWS End User Messaging, WhatsApp templates): since April 1, "
                "2025 Meta does not deliver marketing templates to +1 (United States) numbers"
            ),
        )
    )


class TemplatesConfig(_Section):
    red_defer_hours: Annotated[float, Field(gt=0, le=720)] = Field(
        24,
        json_schema_extra=_source(
            "issue 11 (ZG507): a template of quality RED is deferred 24 h from Meta's rating; Meta, "
            "message_template_quality_update (developers.facebook.com/documentation/"
            "business-messaging/whatsapp/webhooks/reference/message_template_quality_update): RED "
            "is low quality, the step before Meta pauses the template"
        ),
    )


class PolicyConfig(_Section):
    """All rule thresholds; ``preset`` names the bundle the values started from."""

    preset: str = "seed"
    identity: IdentityConfig = IdentityConfig()
    consent: ConsentConfig = ConsentConfig()
    volume: VolumeConfig = VolumeConfig()
    links: LinksConfig = LinksConfig()
    presence: PresenceConfig = PresenceConfig()
    warmup: WarmupConfig = WarmupConfig()
    replies: RepliesConfig = RepliesConfig()
    health: HealthConfig = HealthConfig()
    quarantine: QuarantineConfig = QuarantineConfig()
    portfolio: PortfolioConfig = PortfolioConfig()
    marketing_hold: MarketingHoldConfig = MarketingHoldConfig()
    meta_delivery: MetaDeliveryConfig = MetaDeliveryConfig()
    templates: TemplatesConfig = TemplatesConfig()
