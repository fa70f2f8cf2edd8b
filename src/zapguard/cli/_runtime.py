"""Open what the store-backed commands work on: the services, built as the server builds them.

The store, the counters and the services are imported when a command opens them, not when the
command line starts: ``zapguard --help`` and the commands that need no database never load them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from zapguard.cli._options import DbOption as DbOption  # re-exported for the commands

if TYPE_CHECKING:
    from zapguard.gateway.service import Services


@contextmanager
def open_runtime(
    config: Path | None, preset: str | None, db: str | None, *, temporary: bool = False
) -> Iterator[Services]:
    """The configured services (store migrated to the current schema; nothing runs in the
    background, no provider is connected: a command sends nothing, so it needs none of the
    providers' secrets), over a throwaway database when ``temporary`` and no ``--db`` was given
    (``replay`` needs no ``init``)."""
    from zapguard.gateway.runtime import open_services, sources_from_files

    with tempfile.TemporaryDirectory(prefix="zapguard-") as scratch:
        sources = sources_from_files(
            config, preset, db, scratch=Path(scratch) if temporary else None, providers=False
        )
        services = open_services(sources)
        try:
            yield services
        finally:
            services.close()
