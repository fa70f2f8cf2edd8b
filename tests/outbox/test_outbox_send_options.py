"""Send options a caller asked through a drop-in, as the dispatcher honours them: a requested delay
lengthens the typing and never shortens the pacing; a reply quoting one of zapguard's own ids
quotes the provider's id of that message; replies and delays are never merged."""

from __future__ import annotations

from datetime import timedelta

from outbox_scene import Clock, FakeProvider, contact, lane_next_at, make_dispatcher, queue

from zapguard.gateway.outbox import MessageOptions, Outbox
from zapguard.store import Store


def test_a_requested_delay_lengthens_the_typing_and_the_gap_still_follows(
    store: Store, outbox: Outbox, clock: Clock
) -> None:
    provider = FakeProvider(supports_typing=True)
    sleeps: list[float] = []
    queue(outbox, clock, contact(1), "a" * 30, options=MessageOptions(delay_ms=5000))
    dispatcher = make_dispatcher(
        store,
        clock,
        provider,
        sleeps=sleeps,
        typing_chars_per_second=10,  # zapguard's own typing: 3 s
        gap_min_seconds=2,
        gap_max_seconds=2,
    )
    claimed_at = clock()

    assert dispatcher.run_once() == 1
    assert provider.calls[0] == ("typing", contact(1), 5.0)
    assert sleeps == [5.0]
    assert lane_next_at(store) == claimed_at + timedelta(seconds=5 + 2)


def test_a_requested_delay_shorter_than_zapguards_own_typing_changes_nothing(
    store: Store, outbox: Outbox, clock: Clock
) -> None:
    provider = FakeProvider(supports_typing=True)
    sleeps: list[float] = []
    queue(outbox, clock, contact(1), "a" * 30, options=MessageOptions(delay_ms=1000))
    make_dispatcher(store, clock, provider, sleeps=sleeps, typing_chars_per_second=10).run_once()

    assert sleeps == [3.0]


def test_a_requested_delay_is_cut_to_the_configured_longest(
    store: Store, outbox: Outbox, clock: Clock
) -> None:
    sleeps: list[float] = []
    queue(outbox, clock, contact(1), options=MessageOptions(delay_ms=3_600_000))
    make_dispatcher(
        store, clock, FakeProvider(), sleeps=sleeps, requested_delay_max_seconds=25
    ).run_once()

    assert sleeps == [25.0]  # waited even where the provider shows no typing


def test_a_reply_to_one_of_zapguards_ids_quotes_the_providers_id_of_that_message(
    store: Store, outbox: Outbox, clock: Clock
) -> None:
    provider = FakeProvider()
    dispatcher = make_dispatcher(store, clock, provider)
    first = queue(outbox, clock, contact(1), "Seu pedido saiu.")
    dispatcher.run_once()
    queue(
        outbox, clock, contact(1), "Chega hoje.", options=MessageOptions(reply_to=first.public_id)
    )
    queue(outbox, clock, contact(2), "Oi", options=MessageOptions(reply_to="wamid.HBgCUSTOMER"))
    # Sent on l1, quoted on l2: a quote only makes sense in its own chat, so none.
    queue(
        outbox, clock, contact(3), "Oi", line="l2", options=MessageOptions(reply_to=first.public_id)
    )
    while dispatcher.run_once():
        pass

    quoted = [
        (call[1], call[2], options.reply_to)
        for call, options in zip(provider.calls, provider.options, strict=True)
    ]
    assert sorted(quoted) == [
        (contact(1), "Chega hoje.", "wamid.fake1"),  # the provider's id of the first message
        (contact(1), "Seu pedido saiu.", None),
        (contact(2), "Oi", "wamid.HBgCUSTOMER"),  # a provider's own id passes as it is
        (contact(3), "Oi", None),
    ]


def test_replies_and_delays_are_sent_alone_never_merged(
    store: Store, outbox: Outbox, clock: Clock
) -> None:
    provider = FakeProvider()
    queue(outbox, clock, contact(1), "Oi")
    queue(outbox, clock, contact(1), "Sobre isso:", options=MessageOptions(reply_to="wamid.X"))
    queue(outbox, clock, contact(1), "Já vai", options=MessageOptions(delay_ms=500))
    dispatcher = make_dispatcher(store, clock, provider, merge_window_seconds=4)
    clock.advance(5)
    while dispatcher.run_once():
        pass

    assert [call[2] for call in provider.sends] == ["Oi", "Sobre isso:", "Já vai"]


def test_a_link_preview_asked_for_reaches_the_provider(
    store: Store, outbox: Outbox, clock: Clock
) -> None:
    provider = FakeProvider()
    queue(
        outbox,
        clock,
        contact(1),
        "Veja https://loja.example.com.br",
        options=MessageOptions(link_preview=True),
    )
    make_dispatcher(store, clock, provider).run_once()

    assert provider.options[0].link_preview is True
