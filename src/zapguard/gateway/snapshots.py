"""Assemble the engine's :class:`~zapguard.policy.snapshot.Snapshot` from the store and the counters.

Only what the message can need is loaded: the tenant's lines with their usage, the one contact, the
blocklist entries that could match the message's links, and (for campaigns) recent sends of the same
text. A long blocklist is therefore never read whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from zapguard.domain.links import find_links
from zapguard.domain.models import Category, Line, OutgoingMessage
from zapguard.policy import marketing_hold, volume, warmup
from zapguard.policy.config import PolicyConfig
from zapguard.policy.snapshot import ContactView, LineView, PortfolioView, Snapshot
from zapguard.store import marketing_holds, portfolios, quota, templates
from zapguard.store.counters.base import Counters
from zapguard.store.records import LineRecord
from zapguard.store.repository import Store

_JUST_BEFORE = timedelta(microseconds=1)

Oldest = Callable[[str, int], list[datetime]]
"""``(key, n)`` → the instants of the key's ``n`` oldest entries in the window."""

CanSend = Callable[[Line], bool]
"""Whether the gateway can hand a line's messages to a provider (see ``LineView.can_send``)."""


def quota_key(line: Line) -> str:
    return line_quota_key(line.tenant_id, line.id)


def line_quota_key(tenant_id: str, line_id: str) -> str:
    """The counters' key of a line's sends."""
    return f"line:{tenant_id}:{line_id}"


def day_since(day_start: datetime) -> datetime:
    """The ``since`` that makes counters (which count entries strictly after it) include a send at
    exactly midnight: today's warm-up allowance counts from ``day_start`` inclusive."""
    return day_start - _JUST_BEFORE


def build_snapshot(
    *,
    store: Store,
    counters: Counters,
    config: PolicyConfig,
    message: OutgoingMessage,
    now: datetime,
    judging_log: bool = False,
    can_send: CanSend | None = None,
) -> Snapshot:
    """``can_send``: which lines may be picked for a pool or a reroute (``None``: every line, as
    when judging a log or advising a caller who sends itself).

    A line's counts are read when the engine first looks its view up: decide inside the same
    :meth:`Store.reading` block as this call for one consistent view of the SQL counters."""
    tenant = message.tenant_id
    window = timedelta(hours=config.volume.window_hours)
    fingerprint = None
    if message.text and (message.campaign_id is not None or message.category is Category.MARKETING):
        fingerprint = volume.fingerprint(message.text)
    domains = _link_domains(message)
    # One connection and one read transaction for every read below, the SQL counters' included
    # when they live in the store's database.
    with store.reading():
        # The bans among the lines' identifiers come with the records (kept in memory while the
        # tenant's line generation stands): no lookup over every line per decision.
        records, (banned_phones, banned_devices, banned_networks) = store.lines.records_and_bans(
            tenant_id=tenant
        )
        lines = _LineViews(
            store=store,
            counters=counters,
            config=config,
            records=records,
            now=now,
            window=window,
            can_send=can_send,
        )
        identical: list[datetime] = []
        if fingerprint is not None:
            since = now - timedelta(minutes=config.volume.identical_window_minutes)
            identical = store.conversations.identical_since(
                tenant_id=tenant, fingerprint=fingerprint, since=since
            )
        contact = contact_view(store=store, tenant=tenant, contact=message.contact)
        if message.category is Category.MARKETING:
            since = now - marketing_hold.lookback(config.marketing_hold)
            failures = marketing_holds.failures_since(
                store, tenant_id=tenant, contact=message.contact, since=since
            )
            contact = replace(contact, marketing_failures=failures)
        blocked = store.blocklist.among(domains=domains)
        # ZG507: one read by primary key, only for a message that sends a template.
        template = (
            templates.view(store, tenant_id=tenant, name=message.template)
            if message.template is not None
            else None
        )
        limits = _Portfolios(
            store=store,
            tenant=tenant,
            contact=contact.phone,
            since=now - timedelta(hours=config.portfolio.window_hours),
            unknown_limit=config.portfolio.unknown_limit,
        )
    return Snapshot(
        config=config,
        lines=lines,
        roster=lines.roster(),
        contact=contact,
        banned_phones=banned_phones,
        banned_devices=banned_devices,
        banned_networks=banned_networks,
        blocked_domains=blocked,
        identical_recent=identical,
        portfolios=limits,
        template=template,
        judging_log=judging_log,
    )


class _Portfolios(Mapping[str, PortfolioView]):
    """The portfolios (ZG506) of the Cloud API lines the engine judges, each read when first
    looked up (the engine looks up only a portfolio that sending on the judged line would count
    toward): nothing is read for a decision on other lines, however many the tenant has. Iterating
    lists the portfolios read so far."""

    def __init__(
        self, *, store: Store, tenant: str, contact: str, since: datetime, unknown_limit: int
    ) -> None:
        self._store, self._tenant, self._contact = store, tenant, contact
        self._since, self._unknown_limit = since, unknown_limit
        self._read: dict[str, PortfolioView] = {}

    def __getitem__(self, key: str) -> PortfolioView:
        view = self._read.get(key)
        if view is None:
            found = portfolios.views(
                self._store,
                tenant_id=self._tenant,
                keys=[key],
                contact=self._contact,
                since=self._since,
                unknown_limit=self._unknown_limit,
            )
            view = self._read[key] = found[key]
        return view

    def __iter__(self) -> Iterator[str]:
        return iter(dict(self._read))

    def __len__(self) -> int:
        return len(self._read)


def line_view(
    *, counters: Counters, config: PolicyConfig, record: LineRecord, now: datetime
) -> LineView:
    """One line's view, its counts read from ``counters`` (for the commands that show a line)."""
    window = timedelta(hours=config.volume.window_hours)
    key = quota_key(record.line)
    since = now - window
    day_start = warmup.local_day_start(now, record.line.timezone)
    return _line_view(
        record=record,
        config=config,
        now=now,
        window=window,
        in_window=counters.count(key, since),
        today=counters.count(key, day_since(day_start)),
        oldest=lambda key, n: counters.oldest(key, since, n),
    )


def contact_view(*, store: Store, tenant: str, contact: str) -> ContactView:
    last_inbound, last_outbound, unanswered = store.conversations.contact_stats(
        tenant_id=tenant, contact=contact
    )
    return ContactView(
        phone=contact,
        consent=store.consent.current(tenant_id=tenant, contact=contact, purpose="marketing"),
        conversations=store.conversations.of_contact(tenant_id=tenant, contact=contact),
        last_inbound_at=last_inbound,
        last_outbound_at=last_outbound,
        unanswered=unanswered,
    )


class _LineViews(Mapping[str, LineView]):
    """The tenant's line views, each built when the engine first looks it up: its two counts (window
    and day) from the counters then, so that a decision counts the lines it judges, not every line
    of the tenant. Built inside the caller's read block, they see the snapshot's view of the SQL
    counters."""

    def __init__(
        self,
        *,
        store: Store,
        counters: Counters,
        config: PolicyConfig,
        records: Mapping[str, LineRecord],
        now: datetime,
        window: timedelta,
        can_send: CanSend | None,
    ) -> None:
        self._records = records
        self._built: dict[str, LineView] = {}
        self._store, self._counters, self._config = store, counters, config
        self._now, self._window, self._can_send = now, window, can_send

    def roster(self) -> Mapping[str, Line]:
        return _Roster(self._records)

    def __getitem__(self, line_id: str) -> LineView:
        view = self._built.get(line_id)
        if view is None:
            view = self._built[line_id] = self._build(self._records[line_id])
        return view

    def __iter__(self) -> Iterator[str]:
        return iter(self._records)

    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, line_id: object) -> bool:
        return line_id in self._records

    def _build(self, record: LineRecord) -> LineView:
        key = quota_key(record.line)
        since = self._now - self._window
        day_start = warmup.local_day_start(self._now, record.line.timezone)
        in_window, today = quota.counts(
            self._store, self._counters, [(key, since), (key, day_since(day_start))]
        )
        store, counters = self._store, self._counters
        return _line_view(
            record=record,
            config=self._config,
            now=self._now,
            window=self._window,
            in_window=in_window,
            today=today,
            oldest=lambda key, n: quota.oldest(store, counters, key, since, n),
            can_send=self._can_send is None or self._can_send(record.line),
        )


class _Roster(Mapping[str, Line]):
    """The lines of the records, by id, without copying them (built for every decision)."""

    def __init__(self, records: Mapping[str, LineRecord]) -> None:
        self._records = records

    def __getitem__(self, line_id: str) -> Line:
        return self._records[line_id].line

    def __iter__(self) -> Iterator[str]:
        return iter(self._records)

    def __len__(self) -> int:
        return len(self._records)


def _line_view(
    *,
    record: LineRecord,
    config: PolicyConfig,
    now: datetime,
    window: timedelta,
    in_window: int,
    today: int,
    oldest: Oldest,
    can_send: bool = True,
) -> LineView:
    view = LineView(
        line=record.line,
        sent_in_window=in_window,
        release_times=[],
        sent_today=today,
        last_sent_at=record.last_sent_at,
        ramp_anchor=record.ramp_anchor,
        health_score=record.health_score,
        health_at=record.health_at,
        last_human_at=record.last_human_at,
        registered_at=record.registered_at,
        can_send=can_send,
    )
    cap = volume.window_cap(view, now, config)
    if in_window >= cap:
        releases = [at + window for at in oldest(quota_key(record.line), in_window - cap + 1)]
        view = replace(view, release_times=releases)
    return view


def _link_domains(message: OutgoingMessage) -> list[str]:
    """Every host of the message's links and each of its parent domains (blocklists match those)."""
    hosts: set[str] = set()
    for text in (message.text, message.media_url or ""):
        for link in find_links(text):
            labels = link.host.split(".")
            hosts.update(".".join(labels[i:]) for i in range(len(labels) - 1))
            hosts.add(link.host)
    return sorted(hosts)
