"""The retention job: what ``zapguard purge`` runs, and one worker of the deployment (the holder of
the ``retention`` job's lease) every ``[retention] every_minutes``. Each kind of working data goes once it can no longer matter:

* quota reservations: once older than both the rolling window (ZG501) and two days, which covers any
  line's calendar day (ZG901) in any time zone;
* text fingerprints: once older than the identical-text window (ZG505), kept at least a day;
* settled outbox rows, webhook receipts and inbox items: after ``[retention]``'s days;
* Cloud API media ids bound to lines: after ``media_days`` (30, as long as Meta keeps media);
* health penalties: after ``penalties_days``, and only those that can no longer change the line's
  health: followed by the quiet horizon without penalties (100 / ``recovery_per_hour`` hours: the
  line was back at full health), or beyond the newest :data:`~zapguard.gateway.events.FOLD_LIMIT`
  the health fold reads. The rest of a line's chain is kept however old, or the line's health
  would read better than it is. Each penalty is also a status event (status, code, points, the
  health after it): that record of what happened to the line is evidence and stays.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from zapguard.gateway import events
from zapguard.policy import health
from zapguard.policy.config import PolicyConfig
from zapguard.service_config import RetentionConfig
from zapguard.store import retention
from zapguard.store.counters.base import Counters
from zapguard.store.repository import Store

log = logging.getLogger("zapguard.retention")


def purge_working_data(
    *,
    store: Store,
    counters: Counters,
    policy: PolicyConfig,
    config: RetentionConfig,
    now: datetime,
) -> dict[str, int]:
    """Drop what is past its retention; returns how many rows of each kind went."""
    quota_age = max(timedelta(hours=policy.volume.window_hours), timedelta(days=2))
    fingerprint_age = max(
        timedelta(minutes=policy.volume.identical_window_minutes), timedelta(days=1)
    )
    purged = {
        "quota": counters.purge(now - quota_age),
        "fingerprints": retention.purge_fingerprints(store, before=now - fingerprint_age),
        "outbox": retention.purge_outbox(store, before=now - timedelta(days=config.outbox_days)),
        "receipts": retention.purge_receipts(
            store, before=now - timedelta(days=config.receipts_days)
        ),
        "inbox": retention.purge_inbox(store, before=now - timedelta(days=config.inbox_days)),
        "media": retention.purge_media(store, before=now - timedelta(days=config.media_days)),
        "penalties": retention.purge_health_penalties(
            store,
            before=now - timedelta(days=config.penalties_days),
            now=now,
            quiet=health.quiet_horizon(policy.health),
            fold_reads=events.FOLD_LIMIT,
        ),
    }
    log.info("limpeza / purge: %s", purged)
    return purged
