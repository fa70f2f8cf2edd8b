"""The outbox service: queueing inside the caller's transaction, idempotency, look-ups, cancelling
and delivery statuses that only move forward."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from outbox_scene import (
    TENANT,
    Clock,
    FakeProvider,
    all_rows,
    contact,
    lane_next_at,
    make_dispatcher,
    make_store,
    queue,
)

from zapguard.gateway.outbox import Outbox
from zapguard.store import Store


def test_a_queued_message_gets_a_whatsapp_style_id_and_a_pacing_lane(
    store: Store, outbox: Outbox, clock: Clock
) -> None:
    queued = queue(outbox, clock, contact(1))

    assert queued.public_id.startswith("wamid.ZG")
    assert (queued.state, queued.attempts, queued.line_id) == ("queued", 0, "l1")
    assert queued.not_before == clock() == queued.created_at
    assert lane_next_at(store, "l1") == clock()


def test_the_message_waits_for_a_deferral_and_carries_a_rewritten_text(
    outbox: Outbox, clock: Clock
) -> None:
    later = clock() + timedelta(minutes=5)
    queued = queue(outbox, clock, contact(1), "veja http://x", not_before=later, rewritten="veja y")

    assert queued.not_before == later
    assert queued.text == "veja y"


def test_a_deferral_in_the_past_does_not_move_the_message_earlier(
    outbox: Outbox, clock: Clock
) -> None:
    queued = queue(outbox, clock, contact(1), not_before=clock() - timedelta(hours=1))

    assert queued.not_before == clock()


def test_the_same_idempotency_key_queues_one_message(
    store: Store, outbox: Outbox, clock: Clock
) -> None:
    first = queue(outbox, clock, contact(1), key="pedido-42")
    again = queue(outbox, clock, contact(1), "outro texto", key="pedido-42")

    assert again == first
    assert len(all_rows(store)) == 1
    assert outbox.by_idempotency_key(tenant_id=TENANT, key="pedido-42") == first


def test_racing_requests_with_one_key_queue_one_message_on_every_backend(any_url: str) -> None:
    store = make_store(any_url)
    outbox, clock = Outbox(store), Clock()
    try:
        with ThreadPoolExecutor(8) as pool:
            entries = list(
                pool.map(lambda _: queue(outbox, clock, contact(1), key="corrida"), range(8))
            )
        assert len({entry.id for entry in entries}) == 1
        assert len(all_rows(store)) == 1
    finally:
        store.close()


def test_queueing_joins_the_callers_transaction(store: Store, outbox: Outbox, clock: Clock) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        queue(outbox, clock, contact(1), key="k")
        raise RuntimeError("the decision could not be recorded")

    assert all_rows(store) == []


def test_get_list_and_depths(outbox: Outbox, clock: Clock) -> None:
    first = queue(outbox, clock, contact(1))
    second = queue(outbox, clock, contact(2), line="l2")
    queue(outbox, clock, contact(3), line="l2")

    assert outbox.get(tenant_id=TENANT, public_id=first.public_id) == first
    assert outbox.get(tenant_id="someone-else", public_id=first.public_id) is None
    assert [e.id for e in outbox.list(tenant_id=TENANT)] == [first.id + 2, second.id, first.id]
    assert [e.id for e in outbox.list(tenant_id=TENANT, line_id="l1")] == [first.id]
    assert [e.id for e in outbox.list(tenant_id=TENANT, limit=1)] == [first.id + 2]
    assert outbox.depths() == {"l1": 1, "l2": 2}


def test_only_a_queued_message_can_be_cancelled(
    store: Store, outbox: Outbox, clock: Clock, provider: FakeProvider
) -> None:
    first = queue(outbox, clock, contact(1))
    second = queue(outbox, clock, contact(2), line="l2")
    make_dispatcher(store, clock, provider).run_once()  # sends both
    third = queue(outbox, clock, contact(3))

    cancelled = outbox.cancel(tenant_id=TENANT, public_id=third.public_id)
    assert cancelled is not None and cancelled.state == "cancelled"
    unchanged = outbox.cancel(tenant_id=TENANT, public_id=first.public_id)
    assert unchanged is not None and unchanged.state == "sent"
    assert outbox.cancel(tenant_id=TENANT, public_id="wamid.nope") is None
    assert outbox.cancel(tenant_id="other", public_id=second.public_id) is None
    assert make_dispatcher(store, clock, provider).run_once() == 0


def test_delivery_statuses_only_move_forward_and_failed_is_always_recorded(
    store: Store, outbox: Outbox, clock: Clock, provider: FakeProvider
) -> None:
    queued = queue(outbox, clock, contact(1))
    make_dispatcher(store, clock, provider).run_once()
    sent = outbox.get(tenant_id=TENANT, public_id=queued.public_id)
    assert sent is not None and sent.provider_message_id is not None
    pid = sent.provider_message_id

    def status(value: str) -> str | None:
        found = outbox.record_delivery(
            provider_message_id=pid, reference=None, status=value, at=clock()
        )
        assert found is not None
        return found.delivery_status

    assert status("read") == "read"  # no "delivered" before it: accepted
    assert status("delivered") == "read"
    assert status("sent") == "read"
    assert status("failed") == "failed"
    assert status("read") == "failed"


def test_a_status_finds_its_message_by_reference_when_the_provider_id_is_unknown(
    store: Store, outbox: Outbox, clock: Clock, provider: FakeProvider
) -> None:
    queued = queue(outbox, clock, contact(1))
    make_dispatcher(store, clock, provider).run_once()

    found = outbox.record_delivery(
        provider_message_id="wamid.other",
        reference=queued.public_id,
        status="delivered",
        at=clock(),
    )

    assert found is not None and found.id == queued.id and found.delivery_status == "delivered"
    assert (
        outbox.record_delivery(
            provider_message_id="wamid.none", reference="nope", status="read", at=clock()
        )
        is None
    )
    with pytest.raises(ValueError, match="unknown delivery status"):
        outbox.record_delivery(
            provider_message_id=None, reference=queued.public_id, status="played", at=clock()
        )


def test_merged_messages_follow_their_primarys_statuses(
    store: Store, outbox: Outbox, clock: Clock, provider: FakeProvider
) -> None:
    burst = [queue(outbox, clock, contact(1), text) for text in ("Oi", "tudo bem?")]
    clock.advance(5)
    make_dispatcher(store, clock, provider, merge_window_seconds=4).run_once()
    primary = outbox.get(tenant_id=TENANT, public_id=burst[0].public_id)
    assert primary is not None

    outbox.record_delivery(
        provider_message_id=primary.provider_message_id,
        reference=None,
        status="delivered",
        at=clock(),
    )

    assert [(e.state, e.delivery_status) for e in all_rows(store)] == [
        ("sent", "delivered"),
        ("merged", "delivered"),
    ]
