"""Everything the HTTP service runs on, opened once: store, counters, policy, outbox, dispatcher,
webhook receiver and the provider connections, over one shared HTTP client.

The API layer only ever talks to :class:`Services`; tests build one over a temporary SQLite file and
the simulator, exactly as ``zapguard serve`` does.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
from pydantic import SecretStr

from zapguard.domain.models import Author, Category, Decision, Line, OutgoingMessage, Verdict
from zapguard.gateway.decider import Decider
from zapguard.gateway.dispatcher import Dispatcher
from zapguard.gateway.events import EventApplier
from zapguard.gateway.outbox import Outbox, OutboxEntry
from zapguard.gateway.retention import purge_working_data
from zapguard.gateway.submission import Submitter
from zapguard.gateway.webhooks.receiver import WebhookReceiver
from zapguard.policy.catalogue import finding
from zapguard.policy.config import PolicyConfig
from zapguard.providers.base import Provider
from zapguard.providers.registry import connect
from zapguard.service_config import SIMULATOR, ProviderSettings, ServiceConfig
from zapguard.store.counters import counters_from_url
from zapguard.store.counters.base import Counters
from zapguard.store.errors import ConfigurationError
from zapguard.store.migrate import upgrade
from zapguard.store.records import LineRecord
from zapguard.store.repository import Store

log = logging.getLogger("zapguard.service")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    store: Store
    counters: Counters
    policy: PolicyConfig
    config: ServiceConfig
    default_tenant: str
    simulator_url: str | None
    """Base URL of the in-app simulator (``…/simulator``, ``zapguard serve --demo`` only), for
    lines whose provider is ``simulator`` when no ``[providers.simulator]`` is configured."""
    clock: Callable[[], datetime] = utc_now
    provider_settings: dict[str, ProviderSettings] = field(init=False)
    """The configured providers, plus the in-app simulator when not configured explicitly."""
    simulator_secret: str | None = field(init=False, default=None, repr=False)
    """The in-app simulator's webhook secret, made at each start: it signs its webhooks with it
    and the receiver checks them as Meta's (``app_secret``), so nobody else can post as it."""
    http: httpx.Client = field(init=False)
    outbox: Outbox = field(init=False)
    submitter: Submitter = field(init=False)
    events: EventApplier = field(init=False)
    dispatcher: Dispatcher = field(init=False)
    receiver: WebhookReceiver = field(init=False)
    _providers: dict[str, Provider] = field(init=False, default_factory=dict)
    _providers_lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        dispatch = self.config.dispatch
        self.provider_settings = dict(self.config.providers)
        if SIMULATOR not in self.provider_settings and self.simulator_url is not None:
            self.simulator_secret = secrets.token_urlsafe(32)
            self.provider_settings[SIMULATOR] = ProviderSettings(
                kind="simulator",
                base_url=self.simulator_url,
                app_secret=SecretStr(self.simulator_secret),
            )
        self.http = httpx.Client(
            timeout=dispatch.timeout_seconds,
            limits=httpx.Limits(max_connections=max(16, dispatch.workers * 2)),
        )
        self.outbox = Outbox(self.store)
        self.events = EventApplier(self.store, self.policy)
        self.dispatcher = Dispatcher(
            self.store,
            self.provider_for,
            dispatch,
            self.policy.volume,
            clock=self.clock,
            ban_codes=self.policy.health.ban_codes,
        )
        self.submitter = Submitter(
            Decider(
                self.store,
                self.counters,
                self.policy,
                can_send=lambda line: self.send_problem(line) is None,
            ),
            self.outbox,
            self.clock,
            on_queued=self.dispatcher.wake,
            send_problem=self.send_problem,
        )
        self.receiver = WebhookReceiver(
            self.store,
            self.policy,
            self.provider_settings,
            self.outbox,
            self.clock,
            future_tolerance=timedelta(seconds=self.config.server.future_tolerance_seconds),
        )

    def tenant_for_provider_token(self, token: str) -> str | None:
        """The tenant whose lines use the provider connection with this token, if exactly one.

        Lets a Cloud API client keep its own Meta token: media it then downloads straight from Meta
        with that token keeps working, and zapguard still knows whose messages these are.
        """
        names = [
            name
            for name, settings in self.config.providers.items()
            if settings.token is not None
            and hmac.compare_digest(settings.token.get_secret_value().encode(), token.encode())
        ]
        tenants = self.store.tenants_of_providers(providers=names)
        return next(iter(tenants)) if len(tenants) == 1 else None

    def settings_of(self, line: Line) -> ProviderSettings | None:
        """The provider connection a line is configured with; ``None`` for a line without one (a
        replayed log's) or on a provider this server does not have."""
        return self.provider_settings.get(line.provider) if line.provider is not None else None

    def send_problem(self, line: Line) -> tuple[str, str] | None:
        """Why this server cannot send on ``line`` (pt-BR, en, each with the fix), or ``None``."""
        if line.provider is None:
            return (
                f"a linha {line.id} não tem provedor (foi cadastrada por um replay, só é julgada): "
                f"dê um a ela com `zapguard lines provider {line.id} --provider NOME` (uma seção "
                "[providers.NOME] do zapguard.toml) e envie de novo",
                f"line {line.id} has no provider (a replay registered it; it is only judged): "
                f"give it one with `zapguard lines provider {line.id} --provider NAME` (a "
                "[providers.NAME] section of zapguard.toml) and send again",
            )
        if line.provider not in self.provider_settings:
            return (
                f"o provedor {line.provider!r} da linha {line.id} não está configurado neste "
                f"servidor: crie a seção [providers.{line.provider}] no zapguard.toml, ou dê outro "
                f"à linha com `zapguard lines provider {line.id} --provider NOME`",
                f"provider {line.provider!r} of line {line.id} is not configured on this server: "
                f"add a [providers.{line.provider}] section to zapguard.toml, or give the line "
                f"another with `zapguard lines provider {line.id} --provider NAME`",
            )
        return None

    def provider_for(self, record: LineRecord) -> Provider:
        """The provider connection of a line, opened on first use and kept."""
        line = record.line
        with self._providers_lock:
            cached = self._providers.get(line.id)
            if cached is not None:
                return cached
            if line.provider is None:
                raise ConfigurationError(
                    f"a linha {line.id} não tem provedor (só é julgada, como num replay) / line "
                    f"{line.id} has no provider (it is only judged, as in a replay)"
                )
            settings = self.provider_settings.get(line.provider)
            if settings is None:
                raise ConfigurationError(
                    f"provedor {line.provider!r} da linha {line.id} não configurado em "
                    f"[providers] / provider {line.provider!r} of line {line.id} is not configured"
                )
            provider = connect(settings, record.provider_account or line.id, self.http)
            self._providers[line.id] = provider
            return provider

    def queue_reply(self, *, tenant_id: str, line_id: str, contact: str, text: str) -> OutboxEntry:
        """Queue a message zapguard itself sends (an opt-out confirmation: ZG203 says "record and
        confirm"), with its decision in the log like every other send: nothing reaches a provider
        without a recorded decision."""
        now = self.clock()
        message = OutgoingMessage(
            tenant_id=tenant_id,
            contact=contact,
            category=Category.REPLY,
            author=Author.SYSTEM,
            text=text,
            line=line_id,
        )
        confirmation = finding(
            "ZG203",
            "Confirmação do descadastro, enviada pelo próprio zapguard.",
            "Opt-out confirmation, sent by zapguard itself.",
            line=line_id,
        )
        decision = Decision(Verdict.ALLOW, line_id, (confirmation,))
        with self.store.transaction():
            decision_id = self.store.record_decision(
                tenant_id=tenant_id, at=now, message=message, decision=decision
            )
            return self.outbox.enqueue(
                message=message, decision=decision, decision_id=decision_id, now=now
            )

    def purge(self) -> dict[str, int]:
        """Drop working data past its retention (``[retention]``); evidence is kept."""
        return purge_working_data(
            store=self.store,
            counters=self.counters,
            policy=self.policy,
            config=self.config.retention,
            now=self.clock(),
        )

    def close(self) -> None:
        self.dispatcher.stop()
        self.http.close()
        self.counters.close()
        self.store.close()


def open_services(
    *,
    database_url: str,
    counters_url: str,
    policy: PolicyConfig,
    config: ServiceConfig,
    default_tenant: str,
    simulator_url: str | None,
    clock: Callable[[], datetime] = utc_now,
) -> Services:
    """Migrate the database to the current schema and open everything over it."""
    upgrade(database_url)
    store = Store(database_url)
    store.ensure_tenant(tenant_id=default_tenant, name=default_tenant)
    return Services(
        store=store,
        counters=counters_from_url(counters_url),
        policy=policy,
        config=config,
        default_tenant=default_tenant,
        simulator_url=simulator_url,
        clock=clock,
    )


__all__ = ["Services", "open_services", "utc_now"]
