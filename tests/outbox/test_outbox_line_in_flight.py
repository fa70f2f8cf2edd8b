"""Several sends in flight on one line (``[dispatch] line_in_flight_max``), where pacing allows:
never two to the same contact at once (its messages arrive in order), never more than the
maximum, and never before the line's pacing lets it send again. The default stays one."""

from __future__ import annotations

import time
from collections.abc import Callable

from outbox_scene import Clock, FakeProvider, contact, queue

from zapguard.gateway.dispatcher import Dispatcher
from zapguard.gateway.outbox import Outbox

Build = Callable[..., Dispatcher]


def test_one_round_claims_up_to_the_maximum_on_a_line_each_to_another_contact(
    outbox: Outbox, clock: Clock, dispatcher_for: Build
) -> None:
    for n in range(5):
        queue(outbox, clock, contact(n), f"mensagem {n}")
    dispatcher = dispatcher_for(line_in_flight_max=3)

    jobs = dispatcher.claim()

    assert [job.entry.contact for job in jobs] == [contact(0), contact(1), contact(2)]
    assert dispatcher.claim() == []  # three in flight: the line is full
    dispatcher.send(jobs[0])
    (next_job,) = dispatcher.claim()  # one settled: room for one more
    assert next_job.entry.contact == contact(3)


def test_a_contact_with_a_send_in_flight_waits_for_it(
    outbox: Outbox, clock: Clock, dispatcher_for: Build
) -> None:
    queue(outbox, clock, contact(1), "primeira")
    queue(outbox, clock, contact(1), "segunda")
    queue(outbox, clock, contact(2), "para outro cliente")
    dispatcher = dispatcher_for(line_in_flight_max=4)

    first_round = dispatcher.claim()
    assert [job.entry.text for job in first_round] == ["primeira", "para outro cliente"]
    for job in first_round:
        dispatcher.send(job)
    (second,) = dispatcher.claim()
    assert second.entry.text == "segunda"


def test_pacing_still_spaces_sends_on_the_line(
    outbox: Outbox, clock: Clock, dispatcher_for: Build
) -> None:
    for n in range(3):
        queue(outbox, clock, contact(n))
    dispatcher = dispatcher_for(line_in_flight_max=3, gap_min_seconds=2, gap_max_seconds=2)

    assert len(dispatcher.claim()) == 1  # the gap holds the line after each send
    assert dispatcher.claim() == []
    clock.advance(2)
    assert len(dispatcher.claim()) == 1  # the first still in flight, but pacing allows one more


def test_by_default_a_line_has_one_send_in_flight(
    outbox: Outbox, clock: Clock, dispatcher_for: Build
) -> None:
    for n in range(3):
        queue(outbox, clock, contact(n))
    dispatcher = dispatcher_for()

    assert len(dispatcher.claim()) == 1
    assert dispatcher.claim() == []


def test_in_the_background_sends_overlap_on_one_line_up_to_the_maximum(
    outbox: Outbox, clock: Clock, provider: FakeProvider, dispatcher_for: Build
) -> None:
    provider.send_seconds = 0.2
    for n in range(8):
        queue(outbox, clock, contact(n))
    dispatcher = dispatcher_for(line_in_flight_max=4, workers=8, poll_seconds=0.02)
    dispatcher.start()
    deadline = time.monotonic() + 10
    try:
        while len(provider.sends) < 8 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        dispatcher.stop(timeout=10)
    assert provider.max_parallel == 4
    assert sorted(call[1] for call in provider.sends) == [contact(n) for n in range(8)]
