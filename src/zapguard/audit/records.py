"""The replay log: one JSON object a line, in time order. This format is user-facing (README).

Each record is validated into a typed model; a malformed one raises :class:`BadRecord` with its line
number and what is wrong, in pt-BR and English.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from zapguard.domain.models import (
    AccountType,
    Author,
    Category,
    OutgoingMessage,
    ProviderKind,
    Role,
    StatusKind,
)
from zapguard.domain.phones import normalize
from zapguard.policy.zones import checked_zone


class BadRecord(ValueError):
    def __init__(self, line_number: int, reason: str) -> None:
        super().__init__(f"linha {line_number}: {reason}")
        self.line_number = line_number
        self.reason = reason


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LineRecord(_Record):
    type: Literal["line"]
    id: Annotated[str, Field(min_length=1, max_length=64)]
    phone: str
    role: Role
    account: AccountType = AccountType.BUSINESS
    device: str | None = None
    network: str | None = None
    in_use_since: date
    pool: str | None = None
    daily_cap: Annotated[int, Field(ge=1)] | None = None
    timezone: str | None = None
    at: AwareDatetime | None = None
    provider: ProviderKind | None = None
    """Cloud API or which WhatsApp Web gateway; without it the rules that need it do not apply."""
    portfolio: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    """The Meta business portfolio of a Cloud API line (ZG506)."""

    @model_validator(mode="after")
    def _portfolio_is_meta(self) -> LineRecord:
        if self.portfolio is not None and self.provider is not ProviderKind.CLOUD:
            raise ValueError(
                'portfolio só com provider "cloud" / portfolio only with provider "cloud"'
            )
        return self

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str | None) -> str | None:
        return None if name is None else checked_zone(name)


class ConsentRecord(_Record):
    type: Literal["consent"]
    at: AwareDatetime
    contact: str
    purpose: Literal["marketing"] = "marketing"
    granted: bool
    source: Annotated[str, Field(min_length=1)]
    wording: str | None = None


class InboundRecord(_Record):
    type: Literal["inbound"]
    at: AwareDatetime
    line: str
    contact: str
    text: str = ""


class MessageFields(_Record):
    """A message as a caller describes it (replay records, ``zapguard check`` files)."""

    contact: str
    category: Category
    author: Author
    text: str = ""
    line: str | None = None
    pool: str | None = None
    campaign_id: str | None = None
    media_url: str | None = None
    template: Annotated[str, Field(min_length=1, max_length=512)] | None = None
    """The name of the Cloud API template the message sends (ZG507)."""

    def to_message(self, tenant: str) -> OutgoingMessage:
        """The domain message, with the contact's number in canonical form."""
        return OutgoingMessage(
            tenant_id=tenant,
            contact=normalize(self.contact),
            category=self.category,
            author=self.author,
            text=self.text,
            line=self.line,
            pool=self.pool,
            campaign_id=self.campaign_id,
            media_url=self.media_url,
            template=self.template,
        )


class CheckedMessage(MessageFields):
    """What ``zapguard check`` reads: a message with ``line`` or ``pool``, and ``at`` (default:
    now)."""

    at: AwareDatetime | None = None


class OutboundRecord(MessageFields):
    type: Literal["outbound"]
    at: AwareDatetime
    line: str


class HumanActivityRecord(_Record):
    type: Literal["human_activity"]
    at: AwareDatetime
    line: str


class BanRecord(_Record):
    type: Literal["ban"]
    at: AwareDatetime
    line: str


class StatusRecord(_Record):
    type: Literal["status"]
    at: AwareDatetime
    line: str
    contact: str | None = None
    status: StatusKind
    code: StrictStr | StrictInt | None = None


META_TIERS = (250, 2000, 10000, 100000)
"""Meta's messaging limits but unlimited (developers.facebook.com/documentation/business-messaging/
whatsapp/messaging-limits)."""


class PortfolioRecord(_Record):
    """A Meta business portfolio's messaging limit from ``at`` on (ZG506); ``null`` is unlimited."""

    type: Literal["portfolio"]
    at: AwareDatetime
    id: Annotated[str, Field(min_length=1, max_length=200)]
    limit: Literal[250, 2000, 10000, 100000] | None


class TemplateRecord(_Record):
    """A Cloud API template's status and/or quality at Meta from ``at`` on (ZG507)."""

    type: Literal["template"]
    at: AwareDatetime
    name: Annotated[str, Field(min_length=1, max_length=512)]
    status: Annotated[str, Field(pattern=r"^[A-Za-z_]{1,32}$")] | None = None
    quality: Annotated[str, Field(pattern=r"^[A-Za-z_]{1,16}$")] | None = None

    @model_validator(mode="after")
    def _tells_something(self) -> TemplateRecord:
        if self.status is None and self.quality is None:
            raise ValueError("informe status ou quality / give status or quality")
        return self


Record = Annotated[
    LineRecord
    | ConsentRecord
    | InboundRecord
    | OutboundRecord
    | HumanActivityRecord
    | BanRecord
    | StatusRecord
    | PortfolioRecord
    | TemplateRecord,
    Field(discriminator="type"),
]
_RECORD = TypeAdapter(Record)
RECORD_TYPES = (
    "line",
    "consent",
    "inbound",
    "outbound",
    "human_activity",
    "ban",
    "status",
    "portfolio",
    "template",
)


@dataclass(frozen=True)
class Numbered:
    line_number: int
    record: Record


def parse_record(text: str, line_number: int) -> Record:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise BadRecord(line_number, f"JSON inválido / invalid JSON: {error.msg}") from None
    if not isinstance(raw, dict):
        raise BadRecord(line_number, "esperado um objeto JSON / expected a JSON object")
    if raw.get("type") not in RECORD_TYPES:
        raise BadRecord(
            line_number,
            f"tipo desconhecido / unknown type {raw.get('type')!r}; "
            f"válidos / valid: {', '.join(RECORD_TYPES)}",
        )
    try:
        return _RECORD.validate_python(raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:]) or 'registro'}: {e['msg']}"
            for e in error.errors()
        )
        raise BadRecord(line_number, f"registro inválido / invalid record: {problems}") from None


def read_records(lines: Iterable[str]) -> Iterator[Numbered | BadRecord]:
    """Each non-blank line as a parsed record, or the :class:`BadRecord` explaining it."""
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            yield Numbered(number, parse_record(text, number))
        except BadRecord as bad:
            yield bad
