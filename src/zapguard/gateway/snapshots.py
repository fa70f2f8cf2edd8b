"""Assemble the engine's :class:`~zapguard.policy.snapshot.Snapshot` from the store and the counters.

Only what the message can need is loaded: the tenant's lines with their usage, the one contact, the
blocklist entries that could match the message's links, and (for campaigns) recent sends of the same
text. A long blocklist is therefore never read whole.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from zapguard.domain.links import find_links
from zapguard.domain.models import Category, Line, OutgoingMessage
from zapguard.policy import volume, warmup
from zapguard.policy.config import PolicyConfig
from zapguard.policy.snapshot import ContactView, LineView, Snapshot
from zapguard.store.counters.base import Counters
from zapguard.store.records import LineRecord
from zapguard.store.repository import Store

_JUST_BEFORE = timedelta(microseconds=1)  # counters count entries strictly after ``since``


def quota_key(line: Line) -> str:
    return f"line:{line.tenant_id}:{line.id}"


def build_snapshot(
    *,
    store: Store,
    counters: Counters,
    config: PolicyConfig,
    message: OutgoingMessage,
    now: datetime,
    judging_log: bool = False,
) -> Snapshot:
    tenant = message.tenant_id
    window = timedelta(hours=config.volume.window_hours)
    lines = {
        record.line.id: line_view(
            counters=counters, config=config, record=record, now=now, window=window
        )
        for record in store.line_records(tenant_id=tenant)
    }
    banned_phones, banned_devices, banned_networks = store.banned_sets()
    identical: list[datetime] = []
    if message.text and (message.campaign_id is not None or message.category is Category.MARKETING):
        since = now - timedelta(minutes=config.volume.identical_window_minutes)
        identical = store.identical_since(
            tenant_id=tenant, fingerprint=volume.fingerprint(message.text), since=since
        )
    return Snapshot(
        config=config,
        lines=lines,
        contact=contact_view(store=store, tenant=tenant, contact=message.contact),
        banned_phones=banned_phones,
        banned_devices=banned_devices,
        banned_networks=banned_networks,
        blocked_domains=store.blocked_among(domains=_link_domains(message)),
        identical_recent=identical,
        judging_log=judging_log,
    )


def line_view(
    *,
    counters: Counters,
    config: PolicyConfig,
    record: LineRecord,
    now: datetime,
    window: timedelta,
) -> LineView:
    line = record.line
    key = quota_key(line)
    since = now - window
    bare = LineView(
        line=line,
        last_sent_at=record.last_sent_at,
        ramp_anchor=record.ramp_anchor,
        health_score=record.health_score,
        health_at=record.health_at,
        last_human_at=record.last_human_at,
        registered_at=record.registered_at,
    )
    in_window = counters.count(key, since)
    day_start = warmup.local_day_start(now, line.timezone)
    today = counters.count(key, day_start - _JUST_BEFORE)
    releases: list[datetime] = []
    cap = volume.window_cap(bare, now, config)
    if in_window >= cap:
        oldest = counters.oldest(key, since, in_window - cap + 1)
        releases = [at + window for at in oldest]
    return replace(bare, sent_in_window=in_window, release_times=releases, sent_today=today)


def contact_view(*, store: Store, tenant: str, contact: str) -> ContactView:
    last_inbound, last_outbound, unanswered = store.contact_stats(tenant_id=tenant, contact=contact)
    return ContactView(
        phone=contact,
        consent=store.current_consent(tenant_id=tenant, contact=contact, purpose="marketing"),
        conversations=store.conversations_for(tenant_id=tenant, contact=contact),
        last_inbound_at=last_inbound,
        last_outbound_at=last_outbound,
        unanswered=unanswered,
    )


def _link_domains(message: OutgoingMessage) -> list[str]:
    """Every host of the message's links and each of its parent domains (blocklists match those)."""
    hosts: set[str] = set()
    for text in (message.text, message.media_url or ""):
        for link in find_links(text):
            labels = link.host.split(".")
            hosts.update(".".join(labels[i:]) for i in range(len(labels) - 1))
            hosts.add(link.host)
    return sorted(hosts)
