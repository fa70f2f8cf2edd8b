"""Open what the store-backed commands work on: the store, the counters and the services over them.

The store, the counters and the services are imported when a command opens them, not when the
command line starts: ``zapguard --help`` and the commands that need no database never load them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from zapguard.cli._options import DbOption as DbOption  # re-exported for the commands

if TYPE_CHECKING:
    from zapguard.gateway.decider import Decider
    from zapguard.gateway.events import EventApplier
    from zapguard.policy.config import PolicyConfig
    from zapguard.store.repository import Store


@dataclass(frozen=True)
class Runtime:
    store: Store
    policy: PolicyConfig
    tenant: str
    decider: Decider
    events: EventApplier


@contextmanager
def open_runtime(
    config: Path | None, preset: str | None, db: str | None, *, temporary: bool = False
) -> Iterator[Runtime]:
    """The configured store (migrated to the current schema), or a throwaway one when ``temporary``
    and no ``--db`` was given (``replay`` needs no ``init``)."""
    from zapguard.config import find_config, load_app_config, load_policy_config
    from zapguard.gateway.decider import Decider
    from zapguard.gateway.events import EventApplier
    from zapguard.store.counters import counters_from_url
    from zapguard.store.migrate import upgrade
    from zapguard.store.repository import Store

    path = find_config(config)
    app = load_app_config(path)
    policy = load_policy_config(path, preset)
    with tempfile.TemporaryDirectory(prefix="zapguard-") as scratch:
        if db is None and temporary:
            database_url = f"sqlite:///{Path(scratch) / 'replay.db'}"
            counters_url = "memory://"
        else:
            database_url = db or app.database_url
            counters_url = database_url if db else app.counters_url
        upgrade(database_url)
        store = Store(database_url)
        counters = counters_from_url(counters_url)
        try:
            yield Runtime(
                store=store,
                policy=policy,
                tenant=app.tenant,
                decider=Decider(store, counters, policy),
                events=EventApplier(store, policy),
            )
        finally:
            counters.close()
            store.close()
