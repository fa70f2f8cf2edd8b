"""The ban-level provider codes of ``[health] ban_codes`` pause a line from the send path too
(issue 7, item 12): configurable on top of what each adapter already classifies as a ban."""

from __future__ import annotations

import pytest
from outbox_scene import TENANT, Clock, FakeProvider, contact, make_dispatcher, queue, row

from zapguard.domain.models import LineState
from zapguard.gateway.outbox import Outbox
from zapguard.policy.config import PolicyConfig
from zapguard.providers.base import ProviderError
from zapguard.store import Store


def test_the_default_ban_codes_are_metas_integrity_errors() -> None:
    assert set(PolicyConfig().health.ban_codes) == {"368", "131031", "130497"}


@pytest.mark.parametrize(("ban_codes", "paused"), [(("131026",), True), ((), False)])
def test_a_configured_ban_code_on_a_send_pauses_the_line(
    store: Store,
    outbox: Outbox,
    clock: Clock,
    provider: FakeProvider,
    ban_codes: tuple[str, ...],
    paused: bool,
) -> None:
    queued = queue(outbox, clock, contact(1))
    provider.errors.append(ProviderError("undeliverable", status=400, code="131026"))

    assert make_dispatcher(store, clock, provider, ban_codes=ban_codes).run_once() == 1

    line = store.lines.get(line_id="l1", tenant_id=TENANT)
    assert line is not None and (line.state is LineState.PAUSED) is paused
    assert row(store, queued.id).state == ("queued" if paused else "failed")
