"""The SQL store: one repository per aggregate over one unit of work (SQLite or PostgreSQL).

=================  ===================================================================
``tenants``        the businesses served (:mod:`~zapguard.store.tenants`)
``lines``          numbers, their bookkeeping and health (:mod:`~zapguard.store.lines`)
``line_secrets``   what signs a line's webhooks (:mod:`~zapguard.store.line_secrets`)
``bans``           every phone, device and network ever banned (:mod:`~zapguard.store.bans`)
``consent``        contacts and their consent evidence (:mod:`~zapguard.store.consent`)
``conversations``  who wrote to whom and when (:mod:`~zapguard.store.conversations`)
``blocklist``      domains flagged as spam (:mod:`~zapguard.store.blocklist`)
``journal``        decisions and events (:mod:`~zapguard.store.journal`)
=================  ===================================================================

The outbox, API keys, short links, media and the webhook inbox are repositories beside these,
built on the same store (they share its transactions through :meth:`UnitOfWork.writing`).

Every method takes keyword arguments and returns domain values; every failure is a
:class:`~zapguard.store.errors.StoreError`. Contacts are canonical E.164 phones: callers normalize
with :func:`zapguard.domain.phones.normalize`, which already folds Brazilian 8-digit aliases.
Calls made inside :meth:`Store.transaction`, to any repository, are one transaction.
"""

from __future__ import annotations

from sqlalchemy import Engine

from zapguard.store.bans import Bans
from zapguard.store.blocklist import Blocklist
from zapguard.store.consent import ConsentLedger
from zapguard.store.conversations import Conversations
from zapguard.store.journal import Journal
from zapguard.store.line_cache import line_cache_of
from zapguard.store.line_generations import LineGenerations
from zapguard.store.line_secrets import LineSecrets
from zapguard.store.lines import Lines
from zapguard.store.tenants import Tenants
from zapguard.store.unit_of_work import UnitOfWork


class Store(UnitOfWork):
    """The repositories over one engine, sharing its transactions."""

    def __init__(self, database: Engine | str) -> None:
        """``database`` is an engine or a URL; a URL shares the process's engine for it."""
        super().__init__(database)
        generations = LineGenerations(line_cache_of(self.engine))
        self.tenants = Tenants(self)
        self.lines = Lines(self, generations)
        self.line_secrets = LineSecrets(self)
        self.bans = Bans(self, generations)
        self.consent = ConsentLedger(self)
        self.conversations = Conversations(self, generations)
        self.blocklist = Blocklist(self)
        self.journal = Journal(self)
