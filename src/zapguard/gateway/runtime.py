"""The one place that builds zapguard: configuration in, everything it runs on out.

``zapguard serve`` (each of its workers), the API factory and every store-backed command open their
state here, so a server and a command over the same ``zapguard.toml`` see the same store, counters,
providers and policy, wired the same way:

    config → store (migrated) → counters → provider connections → decider → submitter
           → dispatcher → webhook receiver → job leases, wake-ups and the registry of named jobs
             (a dispatcher lane per shard of lines, retention, pool capacity; the campaign
             scheduler and the warm-up register here when they exist)

Nothing here starts background work: the app's lifespan starts the jobs, a command never does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import httpx

from zapguard.gateway.connections import ProviderConnections
from zapguard.gateway.decider import Decider
from zapguard.gateway.dispatcher import Dispatcher, LaneJob
from zapguard.gateway.events import EventApplier
from zapguard.gateway.jobs import JobRegistry, JobRunner, PeriodicJob
from zapguard.gateway.outbox import Outbox
from zapguard.gateway.pool_alerts import PoolCapacityAlerts, PoolCapacityJob
from zapguard.gateway.service import Services, utc_now
from zapguard.gateway.submission import Submitter, durable_reservations
from zapguard.gateway.webhooks.receiver import WebhookReceiver
from zapguard.policy.config import PolicyConfig
from zapguard.service_config import ServiceConfig
from zapguard.store.counters import counters_from_url
from zapguard.store.leases import leases_from_url, new_holder_id
from zapguard.store.migrate import upgrade
from zapguard.store.repository import Store
from zapguard.store.wakeups import wakeups_from_url


@dataclass(frozen=True)
class Sources:
    """Where the state lives and the rules it is judged by: what :func:`open_services` opens."""

    database_url: str
    policy: PolicyConfig
    config: ServiceConfig
    tenant: str = "default"
    counters_url: str | None = None
    """Quota counters; ``None``: the database itself."""
    coordination_url: str | None = None
    """Job leases and wake-ups; ``None``: the database itself."""
    job_lease_seconds: float = 15.0
    """``[app] job_lease_seconds``."""
    counters_restore_settle_seconds: float = 1.0
    """``[app] counters_restore_settle_seconds``."""


def sources_from_files(
    config: Path | None,
    preset: str | None,
    db: str | None,
    *,
    scratch: Path | None = None,
    providers: bool = True,
) -> Sources:
    """The sources a ``zapguard.toml`` (found as the commands find it) names.

    ``db`` (``--db``) replaces the database and then also holds the counters: a database given on
    the command line is meant whole. ``scratch``: with no ``--db``, a throwaway database and
    counters, both in memory (``zapguard replay`` needs no ``init``). ``providers=False``: without
    the ``[providers.*]`` connections, whose secrets a command that sends nothing must not need.
    """
    from zapguard.config import find_config, load_app_config, load_policy_config
    from zapguard.service_config import load_service_config

    path = find_config(config)
    app = load_app_config(path)
    policy = load_policy_config(path, preset)
    service = load_service_config(path, providers=providers)
    if db is None and scratch is not None:
        return Sources(
            # In memory: nothing of a throwaway store needs to outlive the command, and a replay
            # or an audit then runs about twice as fast as on a file it would sync.
            database_url="sqlite://",
            counters_url="memory://",
            coordination_url=None,
            policy=policy,
            config=service,
            tenant=app.tenant,
        )
    return Sources(
        database_url=db or app.database_url,
        counters_url=None if db else app.counters_url,
        coordination_url=None if db else app.coordination_url,
        job_lease_seconds=app.job_lease_seconds,
        counters_restore_settle_seconds=app.counters_restore_settle_seconds,
        policy=policy,
        config=service,
        tenant=app.tenant,
    )


def open_services(
    sources: Sources,
    *,
    simulator_url: str | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> Services:
    """Migrate the database to the current schema and open everything over it.

    ``simulator_url``: base URL of the in-app simulator (``zapguard serve --demo`` only), for lines
    whose provider is ``simulator`` when no ``[providers.simulator]`` is configured.
    """
    upgrade(sources.database_url)
    store = Store(sources.database_url)
    counters = None
    http = None
    leases = None
    wakeups = None
    try:
        store.tenants.ensure(tenant_id=sources.tenant, name=sources.tenant)
        counters = counters_from_url(sources.counters_url or sources.database_url)
        dispatch = sources.config.dispatch
        http = httpx.Client(
            timeout=dispatch.timeout_seconds,
            limits=httpx.Limits(max_connections=max(16, dispatch.workers * 2)),
        )
        connections = ProviderConnections(
            sources.config.providers, http, simulator_url=simulator_url
        )
        outbox = Outbox(store)
        # Counters that can lose their data (Redis) restore it from the accepted messages.
        longest = timedelta(hours=max(sources.policy.volume.window_hours, 24))
        counters.restore_from(
            lambda: durable_reservations(outbox, since=clock() - longest),
            settle_seconds=sources.counters_restore_settle_seconds,
        )
        dispatcher = Dispatcher(
            store,
            connections.provider_for,
            dispatch,
            sources.policy.volume,
            clock=clock,
            ban_codes=sources.policy.health.ban_codes,
        )
        coordination = sources.coordination_url or sources.database_url
        leases = leases_from_url(
            coordination, holder=new_holder_id(), ttl_seconds=sources.job_lease_seconds
        )
        wakeups = wakeups_from_url(coordination)
        registry = JobRegistry()
        if dispatch.enabled:
            registry.extend(LaneJob(dispatcher, lane) for lane in range(dispatch.lanes))
        decider = Decider(
            store,
            counters,
            sources.policy,
            can_send=lambda line: connections.send_problem(line) is None,
        )
        services = Services(
            store=store,
            counters=counters,
            policy=sources.policy,
            config=sources.config,
            default_tenant=sources.tenant,
            clock=clock,
            http=http,
            connections=connections,
            outbox=outbox,
            events=EventApplier(store, sources.policy),
            decider=decider,
            submitter=Submitter(
                decider,
                outbox,
                clock,
                on_queued=wakeups.notify,
                send_problem=connections.send_problem,
            ),
            dispatcher=dispatcher,
            receiver=WebhookReceiver(
                store,
                sources.policy,
                connections.settings,
                outbox,
                clock,
                future_tolerance=timedelta(seconds=sources.config.server.future_tolerance_seconds),
            ),
            jobs=JobRunner(registry, leases, heartbeat_seconds=sources.job_lease_seconds / 3),
            wakeups=wakeups,
            pool_alerts=PoolCapacityAlerts(store, counters, sources.policy, clock),
        )
        registry.add(
            PeriodicJob("retention", services.purge, sources.config.retention.every_minutes * 60)
        )
        registry.add(
            PoolCapacityJob(services.pool_alerts, sources.policy.volume.pool_check_minutes * 60)
        )
        return services
    except BaseException:
        if wakeups is not None:
            wakeups.close()
        if leases is not None:
            leases.close()
        if http is not None:
            http.close()
        if counters is not None:
            counters.close()
        store.close()
        raise


__all__ = ["Sources", "open_services", "sources_from_files"]
