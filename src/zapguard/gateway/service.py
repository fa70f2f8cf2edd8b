"""Everything the HTTP service and the commands run on: store, counters, policy, outbox,
dispatcher, webhook receiver and the provider connections, over one shared HTTP client.

:func:`zapguard.gateway.runtime.open_services` builds it (the one place that does); the API layer
only ever talks to :class:`Services`, and tests build one over a temporary SQLite file and the
simulator, exactly as ``zapguard serve`` does.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from zapguard.domain.models import Author, Category, Decision, Line, OutgoingMessage, Verdict
from zapguard.gateway.connections import ProviderConnections
from zapguard.gateway.decider import Decider
from zapguard.gateway.dispatcher import Dispatcher
from zapguard.gateway.events import EventApplier
from zapguard.gateway.jobs import JobRunner
from zapguard.gateway.outbox import Outbox, OutboxEntry
from zapguard.gateway.pool_alerts import PoolCapacityAlerts
from zapguard.gateway.retention import purge_working_data
from zapguard.gateway.submission import Submitter
from zapguard.gateway.webhooks.receiver import WebhookReceiver
from zapguard.policy.catalogue import finding
from zapguard.policy.config import PolicyConfig
from zapguard.providers.base import Provider
from zapguard.service_config import ProviderSettings, ServiceConfig
from zapguard.store.counters.base import Counters
from zapguard.store.records import LineRecord
from zapguard.store.repository import Store
from zapguard.store.wakeups import Wakeups

log = logging.getLogger("zapguard.service")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, eq=False)
class Services:
    store: Store
    counters: Counters
    policy: PolicyConfig
    config: ServiceConfig
    default_tenant: str
    clock: Callable[[], datetime]
    http: httpx.Client
    connections: ProviderConnections
    outbox: Outbox
    events: EventApplier
    decider: Decider
    submitter: Submitter
    dispatcher: Dispatcher
    receiver: WebhookReceiver
    jobs: JobRunner
    """The named background jobs (dispatcher lanes, retention, pool capacity), each run by one
    worker at once."""
    wakeups: Wakeups
    """"Work was queued", across processes: the submitter tells, every dispatcher hears."""
    pool_alerts: PoolCapacityAlerts
    """The pool capacity check (seed tip 5), run by the ``pool-capacity`` job."""

    @property
    def provider_settings(self) -> dict[str, ProviderSettings]:
        """The configured providers, plus the in-app simulator when not configured explicitly."""
        return self.connections.settings

    @property
    def simulator_secret(self) -> str | None:
        return self.connections.simulator_secret

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
        tenants = self.store.lines.tenants_of_providers(providers=names)
        return next(iter(tenants)) if len(tenants) == 1 else None

    def settings_of(self, line: Line) -> ProviderSettings | None:
        return self.connections.settings_of(line)

    def send_problem(self, line: Line) -> tuple[str, str] | None:
        return self.connections.send_problem(line)

    def provider_for(self, record: LineRecord) -> Provider:
        return self.connections.provider_for(record)

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
            decision_id = self.store.journal.record_decision(
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

    def start_background(self) -> None:
        """Serve as a worker: hear wake-ups, dispatch the lanes whose leases this worker holds,
        and run the other jobs it holds. ``zapguard serve`` does this; commands never do."""
        self.wakeups.listen(self.dispatcher.wake)
        if self.config.dispatch.enabled:
            self.dispatcher.work_leased_lanes()
            self.dispatcher.start()
        self.jobs.start()

    def stop_background(self) -> None:
        """Give every job back (another worker takes it at its next heartbeat) and let the sends in
        flight finish."""
        self.jobs.stop()
        self.dispatcher.stop()

    def close(self) -> None:
        self.jobs.close()
        self.dispatcher.stop()
        self.wakeups.close()
        self.http.close()
        self.counters.close()
        self.store.close()


__all__ = ["Services", "utc_now"]
