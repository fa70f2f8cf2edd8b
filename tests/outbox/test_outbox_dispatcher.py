"""The dispatcher, driven one round at a time with a clock that only moves when told (no sleeping):
pacing, pair rate, merging bursts, typing, retries, bans, paused lines and crashed workers."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from outbox_scene import (
    TENANT,
    Clock,
    FakeProvider,
    alerts,
    all_rows,
    contact,
    lane_next_at,
    make_dispatcher,
    queue,
    retryable,
    row,
)

from zapguard.domain.models import LineState
from zapguard.gateway.dispatcher import IN_DOUBT, Dispatcher
from zapguard.gateway.outbox import Outbox
from zapguard.providers.base import ProviderError
from zapguard.store import LineRecord, Store

Build = Callable[..., Dispatcher]


# -- pacing (ZG503) ---------------------------------------------------------------------------


def test_sends_on_a_line_are_spaced_by_random_gaps_within_bounds(
    store: Store, outbox: Outbox, clock: Clock, provider: FakeProvider, dispatcher_for: Build
) -> None:
    for n in range(8):
        queue(outbox, clock, contact(n))
    dispatcher = dispatcher_for(gap_min_seconds=2.5, gap_max_seconds=7)
    gaps = []
    for _ in range(8):
        assert dispatcher.run_once() == 1
        free_at = lane_next_at(store)
        gaps.append((free_at - clock()).total_seconds())
        clock.now = free_at - timedelta(milliseconds=1)
        assert dispatcher.run_once() == 0  # not a millisecond early
        clock.now = free_at

    assert all(2.5 <= gap <= 7 for gap in gaps), gaps
    assert len(set(gaps)) == len(gaps), "the gap must never be a fixed rhythm"
    assert len(provider.sends) == 8


def test_with_no_gap_configured_the_line_is_free_at_once(
    store: Store, outbox: Outbox, clock: Clock, provider: FakeProvider, dispatcher_for: Build
) -> None:
    queue(outbox, clock, contact(1))
    queue(outbox, clock, contact(2))
    dispatcher = dispatcher_for()

    assert dispatcher.run_once() == 1
    assert lane_next_at(store) == clock()
    assert dispatcher.run_once() == 1


def test_different_lines_are_paced_independently(
    outbox: Outbox, clock: Clock, provider: FakeProvider, dispatcher_for: Build
) -> None:
    for line in ("l1", "l2", "l3"):
        queue(outbox, clock, contact(1), line=line)
        queue(outbox, clock, contact(2), line=line)

    dispatcher = dispatcher_for(gap_min_seconds=3, gap_max_seconds=3)

    assert dispatcher.run_once() == 3
    assert dispatcher.run_once() == 0
    clock.advance(3)
    assert dispatcher.run_once() == 3


def test_pair_rate_holds_a_second_message_to_the_same_contact_but_not_to_others(
    outbox: Outbox, clock: Clock, provider: FakeProvider, dispatcher_for: Build
) -> None:
    queue(outbox, clock, contact(1), "primeira")
    queue(outbox, clock, contact(1), "segunda")
    queue(outbox, clock, contact(2), "para outro cliente")
    dispatcher = dispatcher_for(pair_interval_seconds=6)

    assert dispatcher.run_once() == 1
    assert dispatcher.run_once() == 1
    assert [call[2] for call in provider.sends] == ["primeira", "para outro cliente"]
    clock.advance(5.9)
    assert dispatcher.run_once() == 0
    clock.advance(0.1)
    assert dispatcher.run_once() == 1
    assert provider.sends[-1][2] == "segunda"


# -- merging bursts (ZG502) -------------------------------------------------------------------


def test_a_burst_to_one_contact_goes_out_as_one_message(
    store: Store, outbox: Outbox, clock: Clock, provider: FakeProvider, dispatcher_for: Build
) -> None:
    start = clock()
    first = queue(outbox, clock, contact(1), "Oi")
    clock.advance(1)
    queue(outbox, clock, contact(1), "tudo bem?")
    clock.advance(2.5)
    queue(outbox, clock, contact(1), "preciso de ajuda com o pedido")
    dispatcher = dispatcher_for(merge_window_seconds=4)

    clock.now = start + timedelta(seconds=3.9)
    assert dispatcher.run_once() == 0  # the burst may still grow
    clock.now = start + timedelta(seconds=4)
    assert dispatcher.run_once() == 1

    assert [call[2] for call in provider.sends] == ["Oi\ntudo bem?\npreciso de ajuda com o pedido"]
    assert provider.sends[0][3] == first.public_id
    rows = all_rows(store)
    assert [(r.state, r.merged_into) for r in rows] == [
        ("sent", None),
        ("merged", first.id),
        ("merged", first.id),
    ]
    assert len({r.provider_message_id for r in rows}) == 1


def test_a_template_goes_out_as_a_template_and_is_never_merged(
    store: Store, outbox: Outbox, clock: Clock, provider: FakeProvider, dispatcher_for: Build
) -> None:
    template = {"name": "pedido_enviado", "language": {"code": "pt_BR"}, "components": []}
    queued = queue(outbox, clock, contact(1), "[pedido_enviado]", template=template)
    clock.advance(1)
    queue(outbox, clock, contact(1), "Oi")
    dispatcher = dispatcher_for(merge_window_seconds=4)

    clock.advance(5)
    assert dispatcher.run_once() == 1

    assert provider.sends == [("template", contact(1), template, queued.public_id)]
    assert [r.state for r in all_rows(store)] == ["sent", "queued"]


def test_messages_further_apart_than_the_window_are_not_merged(
    outbox: Outbox, clock: Clock, provider: FakeProvider, dispatcher_for: Build
) -> None:
    queue(outbox, clock, contact(1), "Oi")
    clock.advance(4.5)
    queue(outbox, clock, contact(1), "alguém aí?")
    dispatcher = dispatcher_for(merge_window_seconds=4)

    clock.advance(4)
    assert dispatcher.run_once() == 1
    assert dispatcher.run_once() == 1
    assert [call[2] for call in provider.sends] == ["Oi", "alguém aí?"]


def test_long_texts_and_media_are_neither_held_nor_merged(
    outbox: Outbox, clock: Clock, provider: FakeProvider, dispatcher_for: Build
) -> None:
    long_text = "x" * 501
    queue(outbox, clock, contact(1), long_text)
    queue(outbox, clock, contact(1), "curta")
    queue(outbox, clock, contact(2), "veja", media_url="https://cdn.example/foto.jpg")
    queue(outbox, clock, contact(2), "gostou?")
    dispatcher = dispatcher_for(merge_window_seconds=4, merge_max_chars=500)

    assert dispatcher.run_once() == 1  # the long text goes at once
    assert dispatcher.run_once() == 1  # so does the media, with its caption
    assert dispatcher.run_once() == 0  # the short ones wait out their window
    clock.advance(4)
    assert dispatcher.run_once() == 1
    assert dispatcher.run_once() == 1
    assert [call[0] for call in provider.sends] == ["text", "media", "text", "text"]
    assert provider.sends[1][2:4] == ("https://cdn.example/foto.jpg", "veja")
    assert {call[2] for call in provider.sends[2:]} == {"curta", "gostou?"}


def test_with_no_merge_window_nothing_is_held_or_merged(
    outbox: Outbox, clock: Clock, provider: FakeProvider, dispatcher_for: Build
) -> None:
    queue(outbox, clock, contact(1), "Oi")
    queue(outbox, clock, contact(1), "tudo bem?")
    dispatcher = dispatcher_for(merge_window_seconds=0)

    assert dispatcher.run_once() == 1
    assert dispatcher.run_once() == 1
    assert [call[2] for call in provider.sends] == ["Oi", "tudo bem?"]


def test_followers_are_only_merged_when_the_send_succeeds(
    store: Store, outbox: Outbox, clock: Clock, provider: FakeProvider, dispatcher_for: Build
) -> None:
    queue(outbox, clock, contact(1), "Oi")
    queue(outbox, clock, contact(1), "tudo bem?")
    provider.errors.append(retryable())
    clock.advance(4)

    assert dispatcher_for(merge_window_seconds=4).run_once() == 1

    assert [(r.state, r.merged_into) for r in all_rows(store)] == [
        ("queued", None),
        ("queued", None),
    ]


# -- typing -----------------------------------------------------------------------------------


def test_typing_is_shown_for_a_time_proportional_to_the_text_capped(
    store: Store, outbox: Outbox, clock: Clock
) -> None:
    provider = FakeProvider(supports_typing=True)
    sleeps: list[float] = []
    queue(outbox, clock, contact(1), "a" * 30)
    queue(outbox, clock, contact(2), "b" * 300)
    dispatcher = make_dispatcher(
        store,
        clock,
        provider,
        sleeps=sleeps,
        typing_chars_per_second=10,
        typing_max_seconds=8,
        gap_min_seconds=1,
        gap_max_seconds=1,
    )
    claimed_at = clock()

    assert dispatcher.run_once() == 1
    assert provider.calls[:2] == [("typing", contact(1), 3.0), ("text", contact(1), "a" * 30, ANY)]
    assert lane_next_at(store) == claimed_at + timedelta(seconds=3 + 1)  # typing, then the gap
    clock.now = lane_next_at(store)
    assert dispatcher.run_once() == 1
    assert provider.calls[2][:3] == ("typing", contact(2), 8.0)
    assert sleeps == [3.0, 8.0]


def test_no_typing_where_the_provider_has_none_or_it_is_turned_off(
    store: Store, outbox: Outbox, clock: Clock
) -> None:
    sleeps: list[float] = []
    silent = FakeProvider(supports_typing=False)
    queue(outbox, clock, contact(1), "a" * 30)
    make_dispatcher(store, clock, silent, sleeps=sleeps, typing_chars_per_second=10).run_once()
    able = FakeProvider(supports_typing=True)
    queue(outbox, clock, contact(2), "a" * 30)
    make_dispatcher(store, clock, able, sleeps=sleeps, typing_chars_per_second=0).run_once()

    assert [call[0] for call in silent.calls + able.calls] == ["text", "text"]
    assert sleeps == []


def test_a_typing_failure_never_stops_the_send(store: Store, outbox: Outbox, clock: Clock) -> None:
    provider = FakeProvider(supports_typing=True, typing_error=ProviderError("no presence"))
    queue(outbox, clock, contact(1), "a" * 30)

    make_dispatcher(store, clock, provider, typing_chars_per_second=10).run_once()

    assert [r.state for r in all_rows(store)] == ["sent"]


# -- retries and refusals ---------------------------------------------------------------------


def test_retries_back_off_with_bounded_jitter_then_fail_after_max_attempts(
    store: Store, outbox: Outbox, clock: Clock, provider: FakeProvider
) -> None:
    queued = queue(outbox, clock, contact(1))
    provider.errors.extend(retryable() for _ in range(8))
    dispatcher = make_dispatcher(
        store, clock, provider, max_attempts=8, backoff_base_seconds=2, backoff_cap_seconds=20
    )
    delays = []
    for attempt in range(1, 8):
        assert dispatcher.run_once() == 1
        current = row(store, queued.id)
        assert (current.state, current.attempts) == ("queued", attempt)
        delay = (current.not_before - clock()).total_seconds()
        assert 0 <= delay <= min(20, 2 * 2 ** (attempt - 1)), (attempt, delay)
        delays.append(delay)
        clock.now = current.not_before
    assert dispatcher.run_once() == 1

    final = row(store, queued.id)
    assert (final.state, final.attempts) == ("failed", 8)
    assert final.last_error is not None and "gave up after 8 attempts" in final.last_error
    assert "503" in final.last_error
    assert len(set(delays)) == len(delays), "full jitter: delays are drawn, not fixed"
    assert any(delay < min(20, 2 * 2 ** (n)) / 2 for n, delay in enumerate(delays))


def test_retry_after_from_the_provider_is_honoured(
    store: Store, outbox: Outbox, clock: Clock, provider: FakeProvider, dispatcher_for: Build
) -> None:
    queued = queue(outbox, clock, contact(1))
    provider.errors.append(ProviderError("slow down", status=429, retryable=True, retry_after=120))

    dispatcher_for(backoff_base_seconds=2).run_once()

    assert row(store, queued.id).not_before >= clock() + timedelta(seconds=120)


def test_a_refused_message_fails_at_once_with_the_reason_in_both_languages(
    store: Store, outbox: Outbox, clock: Clock, provider: FakeProvider, dispatcher_for: Build
) -> None:
    queued = queue(outbox, clock, contact(1))
    provider.errors.append(ProviderError("invalid recipient", status=400, code="131026"))

    dispatcher_for().run_once()

    failed = row(store, queued.id)
    assert (failed.state, failed.attempts) == ("failed", 1)
    assert failed.last_error is not None
    assert "o provedor recusou" in failed.last_error and "provider refused" in failed.last_error
    assert "131026" in failed.last_error


def test_an_unexpected_provider_exception_is_retried_and_logged_with_its_traceback(
    store: Store,
    outbox: Outbox,
    clock: Clock,
    provider: FakeProvider,
    dispatcher_for: Build,
    caplog: pytest.LogCaptureFixture,
) -> None:
    queued = queue(outbox, clock, contact(1))
    provider.errors.append(KeyError("surprise"))

    with caplog.at_level(logging.ERROR, logger="zapguard.gateway.dispatcher"):
        assert dispatcher_for().run_once() == 1

    assert (row(store, queued.id).state, row(store, queued.id).attempts) == ("queued", 1)
    assert any(record.exc_info for record in caplog.records if record.levelno == logging.ERROR)


# -- bans and line states ---------------------------------------------------------------------


def test_a_ban_signal_pauses_the_line_raises_an_alert_and_keeps_the_message(
    store: Store,
    outbox: Outbox,
    clock: Clock,
    provider: FakeProvider,
    dispatcher_for: Build,
    caplog: pytest.LogCaptureFixture,
) -> None:
    first = queue(outbox, clock, contact(1))
    second = queue(outbox, clock, contact(2))
    provider.errors.append(ProviderError("logged out", status=401, code="logged_out", ban=True))
    dispatcher = dispatcher_for()

    with caplog.at_level(logging.WARNING, logger="zapguard.gateway.dispatcher"):
        assert dispatcher.run_once() == 1

    kept = row(store, first.id)
    assert (kept.state, kept.attempts) == ("queued", 0)
    line = store.lines.get(line_id="l1")
    assert line is not None and line.state is LineState.PAUSED
    (alert,) = alerts(store)
    assert (alert.code, alert.line_id, alert.tenant_id) == ("provider_ban_signal", "l1", TENANT)
    assert alert.data["status"] == "401" and alert.data["code"] == "logged_out"
    assert any(
        r.levelno == logging.WARNING and "ban signal" in r.getMessage() for r in caplog.records
    )
    clock.advance(60)
    assert dispatcher.run_once() == 0
    assert {row(store, e.id).state for e in (first, second)} == {"queued"}


@pytest.mark.parametrize("state", [LineState.PAUSED, LineState.BANNED, LineState.RETIRED])
def test_a_line_that_may_not_send_keeps_its_messages_queued(
    store: Store,
    outbox: Outbox,
    clock: Clock,
    provider: FakeProvider,
    dispatcher_for: Build,
    state: LineState,
) -> None:
    queue(outbox, clock, contact(1))
    queue(outbox, clock, contact(2), line="l2")
    store.lines.set_state(tenant_id=TENANT, line_id="l1", state=state)
    dispatcher = dispatcher_for()

    assert dispatcher.run_once() == 1  # only l2
    assert dispatcher.run_once() == 0
    store.lines.set_state(tenant_id=TENANT, line_id="l1", state=LineState.WARMING)
    assert dispatcher.run_once() == 1


def test_a_quarantined_line_sends_what_the_policy_let_through(
    store: Store, outbox: Outbox, clock: Clock, provider: FakeProvider, dispatcher_for: Build
) -> None:
    # ZG602 already refused everything but replies to contacts who wrote in 24 h at decision time.
    queue(outbox, clock, contact(1))
    store.lines.set_state(tenant_id=TENANT, line_id="l1", state=LineState.QUARANTINED)

    assert dispatcher_for().run_once() == 1


# -- crashed workers --------------------------------------------------------------------------


def test_a_row_stuck_in_sending_past_its_lease_is_resent_with_the_same_reference(
    store: Store, outbox: Outbox, clock: Clock, provider: FakeProvider, dispatcher_for: Build
) -> None:
    queued = queue(outbox, clock, contact(1))
    queue(outbox, clock, contact(2))
    dispatcher = dispatcher_for(lease_seconds=60)
    (crashed,) = dispatcher.claim()  # the worker dies before sending

    clock.advance(59)
    assert dispatcher.run_once() == 0  # the line is still busy with the claimed send
    clock.advance(2)
    assert dispatcher.run_once() == 1

    assert provider.sends[0][3] == crashed.entry.public_id == queued.public_id
    resent = row(store, queued.id)
    assert (resent.state, resent.attempts) == ("sent", 2)
    assert resent.last_error == IN_DOUBT


def test_an_in_doubt_row_a_status_webhook_already_reported_is_not_resent(
    store: Store, outbox: Outbox, clock: Clock, provider: FakeProvider, dispatcher_for: Build
) -> None:
    queued = queue(outbox, clock, contact(1))
    dispatcher = dispatcher_for(lease_seconds=60)
    dispatcher.claim()  # the provider took it, then the worker died before the commit
    outbox.record_delivery(
        provider_message_id="wamid.real", reference=queued.public_id, status="delivered", at=clock()
    )

    clock.advance(61)
    assert dispatcher.run_once() == 0

    settled = row(store, queued.id)
    assert (settled.state, settled.provider_message_id) == ("sent", "wamid.real")
    assert provider.sends == []


def test_an_in_doubt_send_waits_for_the_providers_own_report_before_a_resend(
    store: Store, outbox: Outbox, clock: Clock, provider: FakeProvider, dispatcher_for: Build
) -> None:
    late = queue(outbox, clock, contact(1))
    silent = queue(outbox, clock, contact(2), line="l2")
    dispatcher = dispatcher_for(lease_seconds=60, in_doubt_wait_seconds=30)
    dispatcher.claim()  # both taken by the provider, then the worker died before the commit

    clock.advance(61)  # the leases expire: both are in doubt, and wait
    assert dispatcher.run_once() == 0
    clock.advance(20)  # the provider's "sent" status for one of them arrives meanwhile
    outbox.record_delivery(
        provider_message_id="wamid.late", reference=late.public_id, status="sent", at=clock()
    )
    clock.advance(10)
    assert dispatcher.run_once() == 1  # only the one nobody reported is sent again

    assert [call[3] for call in provider.sends] == [silent.public_id]
    assert row(store, late.id).state == "sent"


def test_a_status_for_a_recovered_row_settles_it_before_any_resend(
    store: Store, outbox: Outbox, clock: Clock, provider: FakeProvider, dispatcher_for: Build
) -> None:
    queued = queue(outbox, clock, contact(1))
    store.lines.set_state(tenant_id=TENANT, line_id="l1", state=LineState.ACTIVE)
    dispatcher = dispatcher_for(lease_seconds=60)
    dispatcher.claim()
    clock.advance(61)
    store.lines.set_state(tenant_id=TENANT, line_id="l1", state=LineState.PAUSED)
    dispatcher.run_once()  # recovers the lease: queued, in doubt
    assert row(store, queued.id).state == "queued"

    outbox.record_delivery(
        provider_message_id="wamid.real", reference=queued.public_id, status="read", at=clock()
    )

    assert row(store, queued.id).state == "sent"
    store.lines.set_state(tenant_id=TENANT, line_id="l1", state=LineState.ACTIVE)
    assert dispatcher.run_once() == 0


def test_an_in_doubt_merged_send_is_resent_whole_and_never_split(
    store: Store, outbox: Outbox, clock: Clock, provider: FakeProvider, dispatcher_for: Build
) -> None:
    first = queue(outbox, clock, contact(1), "Oi")
    queue(outbox, clock, contact(1), "tudo bem?")
    clock.advance(4)
    dispatcher = dispatcher_for(merge_window_seconds=4, lease_seconds=60)
    dispatcher.claim()  # crash with the burst claimed
    clock.advance(61)
    queue(outbox, clock, contact(1), "oi de novo")  # a new short text after the crash

    clock.advance(4)
    assert dispatcher.run_once() == 1
    assert dispatcher.run_once() == 1

    assert [(c[2], c[3]) for c in provider.sends] == [
        ("Oi\ntudo bem?", first.public_id),
        ("oi de novo", all_rows(store)[2].public_id),
    ]
    assert [r.state for r in all_rows(store)] == ["sent", "merged", "sent"]


# -- privacy and background work --------------------------------------------------------------


def test_message_texts_never_reach_the_logs(
    outbox: Outbox,
    clock: Clock,
    provider: FakeProvider,
    dispatcher_for: Build,
    caplog: pytest.LogCaptureFixture,
) -> None:
    secret = "CPF 123.456.789-00 e senha 4321"
    queue(outbox, clock, contact(1), secret)
    queue(outbox, clock, contact(2), secret, line="l2")
    provider.errors.extend([retryable(), ProviderError("bad", status=400)])

    with caplog.at_level(logging.DEBUG):
        dispatcher_for().run_once()

    assert caplog.records
    assert all(secret not in record.getMessage() for record in caplog.records)


def test_in_the_background_no_line_is_sent_on_by_two_workers_at_once(
    store: Store, outbox: Outbox, clock: Clock
) -> None:
    providers = {line: FakeProvider(send_seconds=0.01) for line in ("l1", "l2", "l3")}
    for n in range(24):
        queue(outbox, clock, contact(n), line=("l1", "l2", "l3")[n % 3])
    dispatcher = make_dispatcher(store, clock, providers, workers=4, poll_seconds=0.01)

    dispatcher.start()
    deadline = time.monotonic() + 20
    while any(r.state != "sent" for r in all_rows(store)) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert dispatcher.stop(timeout=5)

    assert [r.state for r in all_rows(store)] == ["sent"] * 24
    assert all(p.max_parallel == 1 for p in providers.values())
    assert sum(len(p.sends) for p in providers.values()) == 24


def test_stopping_lets_a_send_in_flight_finish(store: Store, outbox: Outbox, clock: Clock) -> None:
    provider = FakeProvider(send_seconds=0.3)
    queued = queue(outbox, clock, contact(1))
    dispatcher = make_dispatcher(store, clock, provider, poll_seconds=0.01)

    assert not dispatcher.running
    dispatcher.start()
    assert dispatcher.running
    deadline = time.monotonic() + 10
    while not provider.sends and time.monotonic() < deadline:
        time.sleep(0.005)
    assert dispatcher.stop(timeout=5)
    assert not dispatcher.running

    assert row(store, queued.id).state == "sent"


class _Any:
    def __eq__(self, other: object) -> bool:
        return True


ANY = _Any()


def test_a_late_worker_cannot_requeue_a_send_claimed_again_after_its_lease(
    store: Store, outbox: Outbox, clock: Clock, provider: FakeProvider, dispatcher_for: Build
) -> None:
    queued = queue(outbox, clock, contact(1))
    dispatcher = dispatcher_for(lease_seconds=60)
    (late,) = dispatcher.claim()
    clock.advance(61)
    (current,) = dispatcher.claim()  # recovered in doubt and claimed again
    provider.errors.append(retryable())

    dispatcher.send(late)  # the late worker's send fails
    assert (row(store, queued.id).state, row(store, queued.id).attempts) == ("sending", 2)
    dispatcher.send(current)
    assert row(store, queued.id).state == "sent"
    assert [call[3] for call in provider.sends] == [queued.public_id] * 2


def test_a_line_without_a_provider_waits_while_the_others_send(
    store: Store, outbox: Outbox, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    queue(outbox, clock, contact(1), line="l1")
    queue(outbox, clock, contact(2), line="l2")
    provider = FakeProvider()

    def only_l2(record: LineRecord) -> FakeProvider:
        if record.line.id != "l2":
            raise LookupError("provider 'meta' of line l1 is not configured")
        return provider

    dispatcher = make_dispatcher(store, clock, only_l2)

    with caplog.at_level(logging.ERROR, logger="zapguard.gateway.dispatcher"):
        assert dispatcher.run_once() == 1
    assert [call[1] for call in provider.sends] == [contact(2)]
    assert lane_next_at(store, "l1") == clock() + timedelta(minutes=1)
    assert [r.state for r in all_rows(store)] == ["queued", "sent"]
