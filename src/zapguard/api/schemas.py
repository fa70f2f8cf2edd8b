"""Request and response bodies of the native ``/v1`` API, with the examples OpenAPI shows."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    StrictBool,
    WithJsonSchema,
    model_validator,
)

from zapguard.domain.models import (
    AccountType,
    Author,
    Category,
    Decision,
    Finding,
    LineState,
    ProviderKind,
    Role,
    StatusKind,
)
from zapguard.gateway.outbox import OutboxEntry
from zapguard.policy.explain import summary


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _iso_text(value: Any) -> Any:
    """JSON has no date type: a date or a time comes as ISO 8601 text. A number is refused,
    where pydantic would read it as seconds since 1970 (``"granted_at": 0`` is not 1970)."""
    if isinstance(value, int | float):
        raise ValueError(
            "escreva a data em ISO 8601, como texto / write the date in ISO 8601, as text"
        )
    return value


IsoDateTime = Annotated[datetime, BeforeValidator(_iso_text)]
IsoDate = Annotated[date, BeforeValidator(_iso_text)]


class ErrorBody(BaseModel):
    """What went wrong: a stable ``code`` clients branch on, and a sentence in pt-BR and English."""

    code: str = Field(
        description="Código estável (ver a descrição de cada resposta). / Stable code.",
        examples=["line_not_found"],
    )
    message_pt: str = Field(examples=["Linha não encontrada: sac."])
    message_en: str = Field(examples=["Line not found: sac."])
    details: dict[str, Any] | None = Field(
        None,
        description=(
            "Mais contexto, quando há: problems (campos inválidos), decision (a decisão das "
            "regras). / More context when there is some: problems, decision."
        ),
    )


class ErrorOut(BaseModel):
    """Every error of zapguard's own routes has this body."""

    error: ErrorBody


class MessageIn(_Body):
    to: str = Field(
        min_length=3,
        max_length=64,
        description="Número do contato (E.164, local ou JID). / Contact's number.",
    )
    text: str = Field("", max_length=4096, description="Texto. / Text (WhatsApp's limit: 4096).")
    line: str | None = Field(
        None, min_length=1, max_length=64, description="Linha de envio. / Line to send on."
    )
    pool: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        description="Ou um grupo de linhas. / Or a pool of lines.",
    )
    category: Category = Category.REPLY
    author: Author = Field(
        Author.BOT, description="Quem escreveu: agent = pessoa. / Who wrote it: agent = a person."
    )
    media_url: str | None = Field(None, max_length=2048)
    campaign_id: str | None = Field(None, max_length=200)
    idempotency_key: str | None = Field(
        None,
        max_length=200,
        description=(
            "Repetir a chamada com a mesma chave nunca envia duas vezes (ou use o cabeçalho "
            "Idempotency-Key); a mesma chave com outro pedido é 409 idempotency_conflict. / "
            "Retrying with the same key never sends twice; the same key with another request is "
            "409 idempotency_conflict."
        ),
    )

    @model_validator(mode="after")
    def _line_or_pool(self) -> MessageIn:
        if (self.line is None) == (self.pool is None):
            raise ValueError("informe line ou pool, um dos dois / give line or pool, one of them")
        return self

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            # What _line_or_pool checks: exactly one of them, as a string.
            "oneOf": [
                {"required": ["line"], "properties": {"line": {"type": "string"}}},
                {"required": ["pool"], "properties": {"pool": {"type": "string"}}},
            ],
            "examples": [
                {
                    "to": "+55 11 91234-5678",
                    "text": "Olá! Seu pedido 1234 saiu para entrega.",
                    "line": "sac",
                    "category": "reply",
                    "author": "agent",
                    "idempotency_key": "pedido-1234-entrega",
                }
            ],
        },
    )


_DECISION_EXAMPLE: dict[str, Any] = {
    "verdict": "allow",
    "codes": [],
    "line": "sac",
    "not_before": None,
    "message_pt": "Permitido: nenhuma regra disparou.",
    "message_en": "Allowed: no rule fired.",
    "risk": 0,
    "findings": [],
}
_MESSAGE_EXAMPLE: dict[str, Any] = {
    "id": "wamid.ZG56467FEB01DA4DCEBE1D6B29DFEDC827",
    "line": "sac",
    "to": "+5511912345678",
    "state": "queued",
    "attempts": 0,
    "created_at": "2026-03-10T13:00:00Z",
    "sent_at": None,
    "provider_message_id": None,
    "delivery_status": None,
    "last_error": None,
    "merged_into": None,
}


class FindingOut(BaseModel):
    code: str
    severity: str
    message_pt: str
    message_en: str
    line: str | None = None

    @classmethod
    def of(cls, finding: Finding) -> FindingOut:
        return cls(
            code=finding.code,
            severity=finding.severity.value,
            message_pt=finding.message_pt,
            message_en=finding.message_en,
            line=finding.line,
        )


class DecisionOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_DECISION_EXAMPLE]})

    verdict: str = Field(examples=["allow"])
    codes: list[str] = Field(examples=[["ZG503"]])
    line: str | None = Field(examples=["sac"])
    not_before: datetime | None = None
    message_pt: str
    message_en: str
    risk: int = 0
    findings: list[FindingOut] = []

    @classmethod
    def of(cls, decision: Decision) -> DecisionOut:
        message_pt, message_en = summary(decision)
        return cls(
            verdict=decision.verdict.value,
            codes=decision.codes,
            line=decision.line,
            not_before=decision.not_before,
            message_pt=message_pt,
            message_en=message_en,
            risk=decision.risk,
            findings=[FindingOut.of(f) for f in decision.findings],
        )


class OutboxOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_MESSAGE_EXAMPLE]})

    id: str = Field(description="Id da mensagem (estilo wamid). / Message id (wamid style).")
    line: str
    to: str
    state: str = Field(examples=["queued"])
    attempts: int
    created_at: datetime
    sent_at: datetime | None
    provider_message_id: str | None
    delivery_status: str | None
    last_error: str | None
    merged_into: str | None = None

    @classmethod
    def of(cls, entry: OutboxEntry, merged_into: str | None = None) -> OutboxOut:
        return cls(
            id=entry.public_id,
            line=entry.line_id,
            to=entry.contact,
            state=entry.state,
            attempts=entry.attempts,
            created_at=entry.created_at,
            sent_at=entry.sent_at,
            provider_message_id=entry.provider_message_id,
            delivery_status=entry.delivery_status,
            last_error=entry.last_error,
            merged_into=merged_into,
        )


class SubmissionOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": _MESSAGE_EXAMPLE["id"],
                    "status": "queued",
                    "decision": _DECISION_EXAMPLE,
                    "message": _MESSAGE_EXAMPLE,
                }
            ]
        }
    )

    id: str | None = Field(description="Id para acompanhar o envio. / Id to follow the send.")
    status: str = Field(examples=["queued"], description="queued | replayed")
    decision: DecisionOut | None
    message: OutboxOut | None


HTTP_URL = r"^https?://[^\s/?#@\\]+(?:[/?#]\S*)?$"
"""An http(s) URL with a host and no user part, spaces or backslashes (which host is allowed is
:func:`~zapguard.gateway.webhooks.targets.check_url`'s to say)."""

SecretKind = Literal["webhook", "chatwoot", "helpdesk"]
"""A line's secrets: ``webhook`` proves the provider's webhooks for the line, ``chatwoot`` the
Chatwoot inbox's, ``helpdesk`` is what zapguard signs the forwards to the line's helpdesk with."""
SECRET_MIN, SECRET_MAX = 16, 512


def _usable_secret(value: SecretStr | None) -> SecretStr | None:
    if value is None:
        return None
    secret = value.get_secret_value()
    if not SECRET_MIN <= len(secret) <= SECRET_MAX or secret.strip() != secret:
        raise ValueError(
            f"o segredo deve ter de {SECRET_MIN} a {SECRET_MAX} caracteres, sem espaços nas "
            f"pontas / the secret must have {SECRET_MIN} to {SECRET_MAX} characters, without "
            "spaces at either end"
        )
    if secret == "Apikey not found":  # what Evolution sends for an instance without a token
        raise ValueError("segredo inválido / invalid secret")
    return value


_WHITESPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
"""The characters ``str.isspace()`` is true for (Python 3.11), as a regex character class body."""

LineSecret = Annotated[
    SecretStr,
    AfterValidator(_usable_secret),
    WithJsonSchema(
        {
            "type": "string",
            "format": "password",
            "writeOnly": True,
            "minLength": SECRET_MIN,
            "maxLength": SECRET_MAX,
            # No whitespace at either end (what str.strip() removes, spelled out: regex
            # dialects disagree on \s), and the length within the bounds (said in the pattern too,
            # so that generators draw lengths that fit). "Apikey not found" is refused too.
            "pattern": rf"^[^{_WHITESPACE}][\s\S]{{{SECRET_MIN - 2},{SECRET_MAX - 2}}}[^{_WHITESPACE}]$",
        }
    ),
]
"""A secret as :func:`_usable_secret` takes it, and the OpenAPI document says so."""

_WEBHOOK_SECRET_HELP = (
    "Segredo dos webhooks do provedor para esta linha: chave HMAC do WAHA, token da instância "
    "Evolution, segredo do app Meta do cliente. Só escrita. / The provider's webhook secret for "
    "this line: WAHA HMAC key, Evolution instance token, the tenant's own Meta app secret. "
    "Write-only."
)
_CHATWOOT_SECRET_HELP = (
    "Segredo do webhook da caixa de entrada do Chatwoot desta linha. Só escrita. / The webhook "
    "secret of this line's Chatwoot inbox. Write-only."
)
_HELPDESK_SECRET_HELP = (
    "Segredo que o helpdesk espera nos webhooks repassados (assinatura ou apikey). Só escrita. / "
    "The secret the helpdesk expects on forwarded webhooks (signature or apikey). Write-only."
)


class LineIn(_Body):
    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    phone: str = Field(min_length=3, max_length=64)
    role: Role
    in_use_since: IsoDate = Field(
        description="Desde quando o número existe. / When it came into use."
    )
    account: AccountType = AccountType.BUSINESS
    pool: str | None = Field(None, max_length=64)
    device: str | None = Field(None, max_length=200)
    network: str | None = Field(None, max_length=200)
    daily_cap: int | None = Field(None, ge=1, le=1_000_000)
    timezone: str = "America/Sao_Paulo"
    provider: str = Field(
        min_length=1,
        max_length=32,
        description=(
            "Por onde a linha envia: o nome de uma seção [providers.NOME] da configuração. / "
            "What the line sends through: the name of a [providers.NAME] section of the "
            "configuration."
        ),
    )
    provider_account: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        pattern=r"^[^/\\?#%\x00-\x1f\x7f]+$",
        description=(
            "Nome da linha no provedor: phone_number_id, instância Evolution, sessão WAHA; sem "
            "'/', '\\', '?', '#' nem '%' (vai nas URLs do provedor). Sem ele, o id da linha é esse "
            "nome. / The provider's name for the line; no '/', '\\', '?', '#' or '%' (it goes "
            "into the provider's URLs). Without it, the line id is that name."
        ),
    )
    helpdesk_url: str | None = Field(
        None,
        max_length=2048,
        pattern=HTTP_URL,
        description=(
            "Para onde repassar os webhooks; endereços internos são recusados. / Where to forward "
            "webhooks; internal addresses are refused."
        ),
    )
    business_account: str | None = Field(
        None,
        max_length=200,
        pattern=r"^[0-9]+$",
        description=(
            "Cloud API: id da conta comercial do WhatsApp (WABA) do número; libera as chamadas de "
            "modelos dela. / Cloud API: the number's WhatsApp Business Account id; enables its "
            "template calls."
        ),
    )
    provider_kind: ProviderKind | None = Field(
        None,
        description=(
            "cloud, evolution, waha ou web (outro gateway do WhatsApp Web); por padrão, o tipo do "
            "provedor (no simulador, nenhum). / cloud, evolution, waha or web (any other WhatsApp "
            "Web gateway); by default the provider's kind (on the simulator, none)."
        ),
    )
    portfolio: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description=(
            "Cloud API: o portfólio empresarial da Meta do número (o limite de mensagens é dele, "
            "ZG506). / Cloud API: the number's Meta business portfolio (it owns the messaging "
            "limit, ZG506)."
        ),
    )
    webhook_secret: LineSecret | None = Field(None, description=_WEBHOOK_SECRET_HELP)
    chatwoot_secret: LineSecret | None = Field(None, description=_CHATWOOT_SECRET_HELP)
    helpdesk_secret: LineSecret | None = Field(None, description=_HELPDESK_SECRET_HELP)

    def secrets(self) -> dict[str, str]:
        """The secrets given, by kind."""
        given = {
            "webhook": self.webhook_secret,
            "chatwoot": self.chatwoot_secret,
            "helpdesk": self.helpdesk_secret,
        }
        return {kind: value.get_secret_value() for kind, value in given.items() if value}

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id": "sac",
                    "phone": "+55 11 91234-0001",
                    "role": "receptive",
                    "in_use_since": "2024-03-01",
                    "provider": "meta",
                    "provider_account": "100200300",
                }
            ]
        },
    )


class LineSecretIn(_Body):
    secret: LineSecret = Field(description="O segredo. Só escrita. / The secret. Write-only.")


class HelpdeskIn(_Body):
    url: str | None = Field(
        max_length=2048,
        pattern=HTTP_URL,
        description=(
            "Para onde repassar os webhooks da linha; null para parar. / Where to forward the "
            "line's webhooks; null to stop."
        ),
    )


class LineSecretsOut(BaseModel):
    """Which secrets the line has; the secrets themselves are never shown."""

    webhook: bool = False
    chatwoot: bool = False
    helpdesk: bool = False


class LineOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "sac",
                    "phone": "+5511912340001",
                    "role": "receptive",
                    "account": "business",
                    "pool": "receptive",
                    "state": "active",
                    "provider": "meta",
                    "provider_account": "100200300",
                    "helpdesk_url": None,
                    "business_account": None,
                    "secrets": {"webhook": True, "chatwoot": False, "helpdesk": False},
                    "in_use_since": "2024-03-01",
                    "timezone": "America/Sao_Paulo",
                    "daily_cap": None,
                    "health": 100,
                    "last_human_at": None,
                    "queued": 0,
                    "warnings": [],
                }
            ]
        }
    )

    id: str
    phone: str
    role: Role
    account: AccountType
    pool: str
    state: LineState
    provider: str | None
    provider_account: str | None
    helpdesk_url: str | None
    business_account: str | None = None
    provider_kind: ProviderKind | None = None
    portfolio: str | None = None
    secrets: LineSecretsOut = LineSecretsOut()
    in_use_since: date
    timezone: str
    daily_cap: int | None
    health: int
    last_human_at: datetime | None
    queued: int = 0
    warnings: list[FindingOut] = []


class PoolOut(BaseModel):
    pool: str
    lines: list[str]


class ConsentIn(_Body):
    source: str = Field(
        min_length=1,
        max_length=64,
        description="Onde o contato aceitou (site, loja...). / Where the contact opted in.",
    )
    wording: str | None = Field(None, max_length=2000, description="O texto aceito. / Wording.")
    granted_at: IsoDateTime | None = Field(
        None,
        description=(
            "Padrão: agora; no futuro (além de [server] future_tolerance_seconds) ou antes de "
            "2009, recusado. / Default: now; in the future or before 2009, refused."
        ),
    )
    recorded_by: str | None = Field(None, max_length=200)
    purpose: str = Field("marketing", max_length=32)

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "source": "checkout-site",
                    "wording": "Quero receber ofertas pelo WhatsApp",
                    "recorded_by": "loja-virtual",
                }
            ]
        },
    )


class ConsentRevokeIn(_Body):
    how: str = Field("api", max_length=64)
    purpose: str = Field("marketing", max_length=32)


class ConsentOut(BaseModel):
    contact: str
    purpose: str
    active: bool
    granted_at: datetime | None
    source: str | None
    wording: str | None
    revoked_at: datetime | None
    revoked_how: str | None
    history: list[dict[str, Any]]


class EventIn(_Body):
    kind: str = Field(
        pattern=r"^(inbound|human_activity|ban|status)$",
        description="inbound | human_activity | ban | status",
    )
    line: str
    contact: str | None = None
    text: str | None = Field(None, max_length=4096)
    status: StatusKind | None = None
    code: str | None = Field(None, max_length=32)
    at: IsoDateTime | None = Field(None, description="Padrão: agora. / Default: now.")

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            # An inbound message needs its contact (report_event checks it).
            "if": {"required": ["kind"], "properties": {"kind": {"const": "inbound"}}},
            "then": {"required": ["contact"], "properties": {"contact": {"type": "string"}}},
            "examples": [
                {"kind": "inbound", "line": "sac", "contact": "+5511912345678", "text": "Oi"}
            ],
        },
    )


class EventResultOut(BaseModel):
    """What a reported event did; only the field of its kind is present."""

    kind: str
    opted_out: bool | None = Field(
        None, description="inbound: era um descadastro (ZG203). / It was an opt-out."
    )
    quarantined: list[str] | None = Field(
        None,
        description=(
            "ban: linhas em quarentena por compartilhar aparelho ou rede. / ban: lines "
            "quarantined for sharing the device or network."
        ),
    )
    health: int | None = Field(None, description="status: a saúde da linha agora. / Line health.")


class EventOut(BaseModel):
    kind: str
    line: str | None
    contact: str | None
    at: datetime
    code: str | None = None
    data: dict[str, Any] = {}


class DecisionRecordOut(BaseModel):
    id: int
    at: datetime
    verdict: str
    codes: list[str]
    line: str | None
    not_before: datetime | None
    contact: str
    category: str
    message_pt: str
    message_en: str


class PlanReasonOut(BaseModel):
    pt: str
    en: str


class PlanDayOut(BaseModel):
    day: int
    date: date
    cap: int


class PlanOut(BaseModel):
    """``GET /v1/plan``: the lines a daily volume needs, and why (``zapguard plan --json``)."""

    per_day: int
    campaign_share: float
    preset: str
    receptive_lines: int
    campaign_lines: int
    full_capacity_on: date | None
    receptive_volume: int
    campaign_volume: int
    line_cap: int
    planned_per_line: int
    campaign_per_line: int
    warmup_days: list[PlanDayOut]
    reasons: list[PlanReasonOut]


class PortfolioIn(_Body):
    limit: int | None = Field(
        ge=1,
        le=1_000_000_000,
        description=(
            "Contatos únicos fora da janela em 24 h (250, 2000, 10000, 100000); null = ilimitado. "
            "/ Unique contacts outside the service window per 24 h; null = unlimited."
        ),
    )


class TemplateIn(_Body):
    status: str | None = Field(
        None,
        pattern=r"^[A-Za-z_]{1,32}$",
        description=(
            "Status na Meta (APPROVED, PAUSED, DISABLED, REJECTED, PENDING ...) a partir de agora; "
            "null: não muda. / Status at Meta as of now; null: unchanged."
        ),
    )
    quality: Literal["GREEN", "YELLOW", "RED", "UNKNOWN"] | None = Field(
        None,
        description="Qualidade a partir de agora; null: não muda. / Quality as of now; null: unchanged.",
    )
    allow_red: StrictBool = Field(
        description=(
            "Enviar mesmo com qualidade RED (ZG507 não adia). / Send even while RED (ZG507 does "
            "not defer)."
        ),
    )


class TemplateOut(BaseModel):
    name: str
    status: str | None
    """The latest status Meta (or a person) told; ``null``: never told."""
    quality: str | None
    quality_at: datetime | None
    allow_red: bool


class PortfolioOut(BaseModel):
    id: str
    limit: int | None
    """``null``: unlimited."""
    known: bool
    """The limit was learnt (a person, a Meta webhook); else it is the lowest tier."""
    limit_at: datetime | None
    reached: int
    """Contacts reached outside the service window in the moving 24 hours."""
