"""Two dispatchers (each with its own engine, as two processes would have) working one outbox at
once: every message is sent exactly once and no line is ever sent on twice at the same time. On
PostgreSQL this is ``FOR UPDATE SKIP LOCKED`` at work; on SQLite, ``BEGIN IMMEDIATE``."""

from __future__ import annotations

import threading
import time
from collections import Counter

from outbox_scene import (
    LINES,
    Clock,
    FakeProvider,
    all_rows,
    contact,
    make_dispatcher,
    make_store,
    queue,
)

from zapguard.gateway.outbox import Outbox
from zapguard.store import Store, open_engine

PER_LINE = 20


def test_two_dispatchers_sharing_an_outbox_never_send_a_message_twice(any_url: str) -> None:
    setup = make_store(any_url)
    clock = Clock()
    outbox = Outbox(setup)
    queued = [
        queue(outbox, clock, contact(n), line=LINES[n % len(LINES)])
        for n in range(PER_LINE * len(LINES))
    ]
    providers = {line: FakeProvider(send_seconds=0.002) for line in LINES}
    stores = [Store(open_engine(any_url)) for _ in range(2)]
    dispatchers = [make_dispatcher(store, clock, providers) for store in stores]
    errors: list[BaseException] = []
    handed = [0, 0]

    def work(index: int) -> None:
        deadline = time.monotonic() + 60
        try:
            while Outbox(stores[index]).depths() and time.monotonic() < deadline:
                handed[index] += dispatchers[index].run_once()
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert all(handed), f"both dispatchers should have worked: {handed}"
        references = Counter(call[3] for p in providers.values() for call in p.sends)
        assert set(references) == {entry.public_id for entry in queued}
        assert max(references.values()) == 1, references.most_common(3)
        assert all(p.max_parallel == 1 for p in providers.values())
        assert {row.state for row in all_rows(setup)} == {"sent"}
    finally:
        for store in (*stores, setup):
            store.close()
