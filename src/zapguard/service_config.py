"""The service's own settings in ``zapguard.toml``: ``[server]``, ``[dispatch]`` and ``[providers.*]``.

Not policy (presets never touch them). Secrets may be written as ``"env:NAME"`` so the file can be
committed: the value is then read from the environment variable ``NAME`` when the file is loaded, and
a missing variable is an error naming it. Secrets are ``SecretStr``: they never print.

    [providers.meta]
    kind = "cloud"                       # cloud | evolution | waha | simulator
    base_url = "https://graph.facebook.com"
    token = "env:ZAPGUARD_META_TOKEN"    # Cloud API bearer token / Evolution or WAHA api key
    app_secret = "env:ZAPGUARD_META_APP_SECRET"
    verify_token = "env:ZAPGUARD_META_VERIFY_TOKEN"

Webhook secrets held here are the operator's: ``app_secret`` (Cloud API, WAHA) and
``webhook_apikey`` (Evolution) prove webhooks for every line of that provider connection. A secret
that belongs to one tenant's line (its own Meta app, its WAHA HMAC key, its Evolution instance
token, its Chatwoot inbox, its helpdesk) is set on the line instead (``POST /v1/lines``, ``zapguard
lines secret``) and proves webhooks for that line only.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from zapguard.config import ConfigError, read_sections

PROVIDER_KINDS: Final = ("cloud", "evolution", "waha", "simulator")
SIMULATOR: Final = "simulator"
"""The provider every line uses unless told otherwise: the in-app simulator."""

SERVICE_SECTIONS: Final = ("server", "dispatch", "retention", "providers")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _moved(data: Any, name: str, pt: str, en: str) -> Any:
    """Refuse a setting that no longer lives here, saying where it went."""
    if isinstance(data, Mapping) and name in data:
        raise PydanticCustomError("moved", f"{name}: {pt} / {en}")
    return data


CHATWOOT_SECRET_MOVED_PT: Final = (
    "o segredo do Chatwoot agora é de cada linha (cada caixa de entrada tem o seu): remova-o daqui "
    "e defina-o com 'zapguard lines secret LINHA chatwoot --from env:NOME' ou "
    "PUT /v1/lines/{linha}/secrets/chatwoot"
)
CHATWOOT_SECRET_MOVED_EN: Final = (
    "the Chatwoot secret now belongs to each line (each inbox has its own): remove it from here "
    "and set it with 'zapguard lines secret LINE chatwoot --from env:NAME' or "
    "PUT /v1/lines/{line}/secrets/chatwoot"
)


class ServerConfig(_Section):
    host: str = Field(
        "127.0.0.1",
        description=(
            "endereço de escuta / listen address (source: loopback, so nothing is reachable from "
            "the network until an API key exists)"
        ),
    )
    port: Annotated[int, Field(ge=1, le=65535)] = Field(
        8000, description="porta de escuta / listen port (source: uvicorn's default port)"
    )
    max_body_bytes: Annotated[int, Field(ge=1024, le=64 * 1024 * 1024)] = Field(
        1024 * 1024,
        description=(
            "tamanho máximo do corpo de uma requisição / request body size limit "
            "(source: Cloud API webhooks stay well under 1 MiB; media goes by link, not inline)"
        ),
    )
    allow_private_helpdesk_urls: bool = Field(
        False,
        description=(
            "aceita helpdesk_url em endereço privado, de loopback ou link-local (rede interna); "
            "metadados de nuvem nunca / accept helpdesk_url on private, loopback or link-local "
            "addresses (an internal network); cloud metadata never (source: OWASP SSRF "
            "Prevention Cheat Sheet: a server that POSTs to user-given URLs must refuse internal "
            "targets unless the deployment needs them)"
        ),
    )
    future_tolerance_seconds: Annotated[float, Field(ge=0, le=86400)] = Field(
        300,
        description=(
            "quanto um acontecimento pode estar no futuro (relógios diferentes); além disso é "
            "trazido para a hora do recebimento / how far in the future an event may be dated "
            "(clock skew); beyond it the receipt time is used (source: Chatwoot's and Stripe's "
            "webhook timestamp tolerance, 5 minutes)"
        ),
    )
    public_url: str | None = Field(
        None,
        description=(
            "URL pública do zapguard, para links curtos e webhooks / zapguard's public URL, for "
            "short links and webhooks"
        ),
    )

    @model_validator(mode="before")
    @classmethod
    def _chatwoot_secret_moved(cls, data: Any) -> Any:
        return _moved(data, "chatwoot_secret", CHATWOOT_SECRET_MOVED_PT, CHATWOOT_SECRET_MOVED_EN)


class DispatchConfig(_Section):
    """How the dispatcher works the outbox. Pacing gaps and merge window are policy (``[volume]``)."""

    enabled: bool = Field(
        True,
        description=(
            "despachar a fila neste processo; false: só decide e enfileira / send the outbox "
            "from this process; false: it only decides and queues"
        ),
    )
    workers: Annotated[int, Field(ge=1, le=256)] = Field(
        4,
        description=(
            "envios simultâneos (linhas diferentes) / concurrent sends (distinct lines) (source: "
            "zapguard's choice: one send per line at a time; four lines at once fit two cores)"
        ),
    )
    lanes: Annotated[int, Field(ge=1, le=1024)] = Field(
        8,
        description=(
            "faixas de linhas: cada uma é uma tarefa com um só dono entre todos os trabalhadores "
            "/ shards of lines: each is a job held by one worker among all of them (source: "
            "zapguard's choice: more shards than the workers of a usual deployment, so the "
            "lines spread; the same value on every worker)"
        ),
    )
    line_in_flight_max: Annotated[int, Field(ge=1, le=64)] = Field(
        1,
        description=(
            "envios simultâneos numa mesma linha, sempre para contatos diferentes, quando o ritmo "
            "(ZG503) já deixa a linha enviar de novo / concurrent sends on one line, always to "
            "distinct contacts, once pacing (ZG503) lets the line send again (source: zapguard's "
            "choice: 1, a person sends one message at a time; raise it for API lines whose gaps "
            "are shorter than the provider's answer, ~16 ms per send on the simulator)"
        ),
    )
    poll_seconds: Annotated[float, Field(gt=0, le=60)] = Field(
        0.2,
        description=(
            "intervalo de busca de trabalho / how often the outbox is polled (source: zapguard's "
            "choice: a queued message wakes the dispatcher at once; polling finds work that "
            "became due)"
        ),
    )
    lease_seconds: Annotated[float, Field(ge=5, le=3600)] = Field(
        60,
        description=(
            "tempo após o qual um envio sem resposta é retomado / how long a claimed message stays "
            "claimed before another worker may retry it (source: provider timeouts are 30 s)"
        ),
    )
    in_doubt_wait_seconds: Annotated[float, Field(ge=0, le=3600)] = Field(
        60,
        description=(
            "espera antes de reenviar um envio em dúvida (processo caiu após o provedor aceitar?) / "
            "wait before resending an in-doubt send (source: the Cloud API's 'sent' status, which "
            "echoes zapguard's reference, arrives within seconds: waiting lets it settle the send "
            "instead of a resend reaching the contact twice)"
        ),
    )
    max_attempts: Annotated[int, Field(ge=1, le=50)] = Field(
        8,
        description=(
            "tentativas antes de falhar / attempts before a message fails (source: zapguard's "
            "choice: about 8 minutes of retries with the backoff below)"
        ),
    )
    backoff_base_seconds: Annotated[float, Field(ge=0, le=3600)] = Field(
        2,
        description=(
            "espera inicial entre tentativas / first retry delay, doubling each time (source: "
            "exponential backoff with full jitter, AWS Architecture Blog 'Exponential Backoff And "
            "Jitter'; the base is zapguard's choice)"
        ),
    )
    backoff_cap_seconds: Annotated[float, Field(ge=0, le=86400)] = Field(
        300,
        description=(
            "espera máxima entre tentativas / longest retry delay (source: zapguard's choice: a "
            "provider back after an outage is tried again within 5 minutes)"
        ),
    )
    typing_chars_per_second: Annotated[float, Field(ge=0, le=1000)] = Field(
        30,
        description=(
            "velocidade de digitação simulada; 0 desliga / typing speed shown as 'typing…'; 0 "
            "turns it off (source: ~200 words per minute, a fast typist)"
        ),
    )
    typing_max_seconds: Annotated[float, Field(ge=0, le=60)] = Field(
        8,
        description=(
            "'digitando…' mais longo / longest 'typing…' (source: zapguard's choice: a long text "
            "does not hold its line for long)"
        ),
    )
    requested_delay_max_seconds: Annotated[float, Field(ge=0, le=300)] = Field(
        25,
        description=(
            "maior 'delay' pedido por um cliente (Evolution) que o despachante respeita; pedidos "
            "maiores são encurtados para este valor / longest 'delay' a client asks for "
            "(Evolution) that the dispatcher honours; longer ones are cut to it (source: WhatsApp "
            "clears a typing indicator after 25 s, Cloud API guide 'Typing indicators')"
        ),
    )
    merge_max_chars: Annotated[int, Field(ge=0, le=4096)] = Field(
        500,
        description=(
            "só mensagens curtas são juntadas (ZG502) / only short messages are merged (ZG502) "
            "(source: seed tip 5, bursts of small messages)"
        ),
    )
    timeout_seconds: Annotated[float, Field(gt=0, le=300)] = Field(
        30,
        description=(
            "tempo limite de uma chamada ao provedor / provider call timeout (source: zapguard's "
            "choice: a provider fetching a media link may take seconds)"
        ),
    )


class RetentionConfig(_Section):
    """How long working data is kept (evidence, consents, decisions and events, is never purged)."""

    outbox_days: Annotated[float, Field(gt=0, le=3650)] = Field(
        30,
        description=(
            "mensagens já resolvidas / settled outbox messages (source: a month covers the "
            "follow-up of any delivery status)"
        ),
    )
    receipts_days: Annotated[float, Field(gt=0, le=3650)] = Field(
        7,
        description=(
            "ids de webhooks já vistos / webhook receipts (source: providers stop retrying a "
            "webhook within days; Meta retries for up to 7)"
        ),
    )
    inbox_days: Annotated[float, Field(gt=0, le=3650)] = Field(
        30,
        description=(
            "webhooks não entendidos / webhooks kept for inspection (source: zapguard's choice: "
            "a month to notice and fix a configuration)"
        ),
    )
    media_days: Annotated[float, Field(gt=0, le=3650)] = Field(
        30,
        description=(
            "ids de mídia da Cloud API ligados às linhas / Cloud API media ids bound to lines "
            "(source: Meta, Cloud API reference, Media: media ids returned by the API expire after "
            "30 days, those in webhooks after 7; past that the id names nothing)"
        ),
    )
    penalties_days: Annotated[float, Field(gt=0, le=3650)] = Field(
        30,
        description=(
            "penalidades de saúde que já não podem mudar a saúde da linha (seguidas de 100 ÷ "
            "recovery_per_hour horas sem penalidades, ou além das 2000 que o cálculo lê); cada uma "
            "fica como evento, evidência que nunca é apagada / health penalties that can no longer "
            "change the line's health (followed by 100 ÷ recovery_per_hour hours without one, or "
            "beyond the 2000 the fold reads); each stays as a status event, evidence never purged "
            "(source: zapguard's choice: a month, well past Meta's 7 days of webhook retries, so a "
            "late redelivery still finds its penalty and is not charged twice)"
        ),
    )
    every_minutes: Annotated[float, Field(gt=0, le=10080)] = Field(
        60,
        description=(
            "intervalo da limpeza no servidor / how often the server purges (source: zapguard's "
            "choice: hourly keeps each purge small)"
        ),
    )


class ProviderSettings(_Section):
    kind: Literal["cloud", "evolution", "waha", "simulator"] = Field(
        description="cloud | evolution | waha | simulator"
    )
    base_url: str = Field(
        pattern=r"^https?://",
        description="URL do provedor / the provider's URL (Cloud API: https://graph.facebook.com)",
    )
    token: SecretStr | None = Field(
        None,
        description=(
            "Cloud API: token de acesso; Evolution/WAHA: api key / Cloud API access token; "
            "Evolution or WAHA api key"
        ),
    )
    api_version: str = Field(
        "v21.0",
        pattern=r"^v\d+\.\d+$",
        description="Cloud API: versão da Graph API / Graph API version",
    )
    app_secret: SecretStr | None = Field(
        None,
        description=(
            "Cloud API: segredo do app (X-Hub-Signature-256); WAHA: chave HMAC (X-Webhook-Hmac) / "
            "Cloud API app secret; WAHA HMAC key"
        ),
    )
    verify_token: SecretStr | None = Field(
        None, description="Cloud API: hub.verify_token do handshake GET / GET handshake token"
    )
    webhook_apikey: SecretStr | None = Field(
        None,
        description=(
            "Evolution API: apikey que os webhooks trazem (o token da instância, com "
            "AUTHENTICATION_EXPOSE_IN_FETCH_INSTANCES=true) / apikey webhooks carry (the instance "
            "token, with AUTHENTICATION_EXPOSE_IN_FETCH_INSTANCES=true)"
        ),
    )
    allow_unsigned_webhooks: bool = Field(
        False,
        description=(
            "aceita webhooks sem prova para as linhas sem segredo próprio (registrado no início); "
            "só numa rede fechada / accept webhooks without proof for lines without a secret of "
            "their own (logged at start); only on a closed network"
        ),
    )

    @model_validator(mode="before")
    @classmethod
    def _forward_secret_moved(cls, data: Any) -> Any:
        return _moved(
            data,
            "forward_secret",
            "o segredo de repasse agora é de cada linha: defina-o com 'zapguard lines secret "
            "LINHA helpdesk --from env:NOME' ou PUT /v1/lines/{linha}/secrets/helpdesk",
            "the forward secret now belongs to each line: set it with 'zapguard lines secret "
            "LINE helpdesk --from env:NAME' or PUT /v1/lines/{line}/secrets/helpdesk",
        )

    @field_validator("base_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def dialect(self) -> str:
        """The wire format of its requests and webhooks: the simulator speaks the Cloud API's."""
        return "cloud" if self.kind == SIMULATOR else self.kind


SHARED_SERVER_KINDS: Final = ("evolution", "waha")
"""Kinds whose instance or session names are only unique within one server: two sections for the
same server would let two tenants hold one instance, each under its own section's name. (Cloud API
phone_number_ids are unique at Meta, and several Meta apps share graph.facebook.com.)"""


class ServiceConfig(_Section):
    server: ServerConfig = ServerConfig()
    dispatch: DispatchConfig = DispatchConfig()
    retention: RetentionConfig = RetentionConfig()
    providers: dict[str, ProviderSettings] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_section_per_server(self) -> ServiceConfig:
        seen: dict[tuple[str, str], str] = {}
        for name, settings in sorted(self.providers.items()):
            if settings.kind not in SHARED_SERVER_KINDS:
                continue
            server = (settings.kind, settings.base_url.lower())
            if server in seen:
                raise ValueError(
                    f"[providers.{seen[server]}] e [providers.{name}] apontam para o mesmo "
                    f"servidor {settings.kind} ({settings.base_url}): use uma seção só, para que "
                    "cada instância tenha um dono / both point at the same "
                    f"{settings.kind} server: use one section, so each instance has one owner"
                )
            seen[server] = name
        return self


def load_service_config(path: Path | None, *, providers: bool = True) -> ServiceConfig:
    """The ``[server]``, ``[dispatch]`` and ``[providers.*]`` sections; defaults without a file.

    ``providers=False`` leaves the providers out (and their secrets unread): a command that sends
    nothing must not need them in its environment."""
    if path is None:
        return ServiceConfig()
    names = [name for name in SERVICE_SECTIONS if providers or name != "providers"]
    sections = read_sections(path, names)
    label = path.name
    resolved = _resolve_env(sections, label, ())
    try:
        return ServiceConfig.model_validate(resolved)
    except ValidationError as error:
        problems = [
            f"{label}: {'.'.join(str(part) for part in item['loc'])}: {item['msg']}"
            for item in error.errors(include_url=False)
        ]
        raise ConfigError(*problems) from None


def _resolve_env(value: Any, label: str, where: tuple[str, ...]) -> Any:
    if isinstance(value, Mapping):
        return {key: _resolve_env(item, label, (*where, key)) for key, item in value.items()}
    if isinstance(value, str) and value.startswith("env:"):
        name = value.removeprefix("env:")
        if name not in os.environ:
            raise ConfigError(
                f"{label}: {'.'.join(where)}: variável de ambiente {name} não definida / "
                f"environment variable {name} is not set"
            )
        return os.environ[name]
    return value
