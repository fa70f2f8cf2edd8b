"""The dispatcher's choices over plain values, without a database: which queued message goes
next on a line, what rides with it (ZG502), how long it types and when the line may send again
(ZG503)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from zapguard.gateway import dispatch_plan as plan
from zapguard.gateway.outbox import MessageOptions
from zapguard.store.outbox import OutboxEntry

NOW = datetime(2026, 3, 10, 13, 0, tzinfo=UTC)
RULES = plan.PlanRules(merge_window_seconds=8, merge_max_chars=200, pair_interval_seconds=6)


def queued(
    entry_id: int, contact: str = "+5531988776655", text: str = "oi", age: float = 60, **extra: Any
) -> OutboxEntry:
    fields: dict[str, Any] = {
        "id": entry_id,
        "public_id": f"wamid.ZG{entry_id}",
        "tenant_id": "t",
        "line_id": "sac",
        "contact": contact,
        "text": text,
        "media_url": None,
        "state": "queued",
        "attempts": 0,
        "not_before": NOW - timedelta(seconds=age),
        "created_at": NOW - timedelta(seconds=age),
        "sent_at": None,
        "provider_message_id": None,
        "delivery_status": None,
        "last_error": None,
        "merged_into": None,
        "idempotency_key": None,
        **extra,
    }
    return OutboxEntry(**fields)


def choose(
    rows: list[OutboxEntry],
    recent: set[str] | None = None,
    pending: set[int] | None = None,
    rules: plan.PlanRules = RULES,
) -> plan.Pick | None:
    return plan.pick(
        rows,
        now=NOW,
        recent_contacts=recent or set(),
        pending_primaries=pending or set(),
        rules=rules,
    )


def test_the_oldest_due_message_goes_first() -> None:
    chosen = choose([queued(1, "+551"), queued(2, "+552")])
    assert chosen is not None and chosen.primary.id == 1


def test_a_contact_sent_to_within_the_pair_interval_waits_and_the_others_go() -> None:
    chosen = choose([queued(1, "+551"), queued(2, "+551"), queued(3, "+552")], recent={"+551"})
    assert chosen is not None and chosen.primary.id == 3


def test_nothing_goes_when_every_contact_waits() -> None:
    assert choose([queued(1, "+551")], recent={"+551"}) is None
    assert choose([]) is None


def test_a_fresh_short_text_waits_out_the_merge_window_and_its_contacts_later_rows_wait_too() -> (
    None
):
    fresh = queued(1, "+551", age=2)
    later = queued(2, "+551", age=1, text="x" * 500)  # too long to merge, but behind a held row
    other = queued(3, "+552", age=1, text="y" * 500)
    chosen = choose([fresh, later, other])
    assert chosen is not None and chosen.primary.id == 3


def test_a_burst_of_short_texts_rides_with_the_first_until_one_does_not_fit() -> None:
    rows = [
        queued(1, "+551", "oi", age=30),
        queued(2, "+551", "tudo bem?", age=28),
        queued(3, "+552", "outro contato", age=27),
        queued(4, "+551", "pedido saiu", age=25),
        queued(5, "+551", "fora da janela", age=10),  # 15 s after the previous: a new burst
    ]
    chosen = choose(rows)
    assert chosen is not None
    assert chosen.follower_ids == (2, 4)
    assert chosen.text == "oi\ntudo bem?\npedido saiu"
    assert chosen.needs_longer_read


def test_replies_media_and_retries_are_never_merged() -> None:
    reply = queued(2, "+551", age=29, options={"reply_to": "wamid.X"})
    media = queued(3, "+551", age=29, media_url="https://x/y.jpg")
    for follower in (reply, media):
        chosen = choose([queued(1, "+551", age=30), follower])
        assert chosen is not None and chosen.followers == ()
    retried = queued(1, "+551", age=30, attempts=1, last_error="retry")
    chosen = choose([retried, queued(2, "+551", age=29)])
    assert chosen is not None and chosen.primary.id == 1 and chosen.followers == ()


def test_an_in_doubt_resend_carries_exactly_what_it_carried_before() -> None:
    primary = queued(1, "+551", age=30, attempts=1)
    carried = queued(2, "+551", age=29, merged_into=1)
    new = queued(3, "+551", age=28)
    chosen = choose([primary, carried, new])
    assert chosen is not None and chosen.follower_ids == (2,)


def test_a_row_merged_into_a_primary_still_pending_waits_for_it() -> None:
    rider = queued(2, "+551", age=29, merged_into=1)
    other = queued(3, "+552", age=28)
    chosen = choose([rider, other], pending={1})
    assert chosen is not None and chosen.primary.id == 3
    assert plan.merge_primaries([rider, other]) == {1}


def test_without_a_merge_window_nothing_is_held_or_merged() -> None:
    rules = plan.PlanRules(merge_window_seconds=0, merge_max_chars=200, pair_interval_seconds=0)
    chosen = choose([queued(1, age=0), queued(2, age=0)], rules=rules)
    assert chosen is not None and chosen.primary.id == 1 and chosen.followers == ()


def test_typing_time_follows_the_text_and_a_requested_delay_only_lengthens_it() -> None:
    rules = plan.PlanRules(
        merge_window_seconds=0,
        merge_max_chars=0,
        pair_interval_seconds=0,
        typing_chars_per_second=10,
        typing_max_seconds=3,
        requested_delay_max_seconds=5,
    )
    none = MessageOptions()
    assert plan.typing_seconds("x" * 20, none, rules, provider_types=True) == 2
    assert plan.typing_seconds("x" * 200, none, rules, provider_types=True) == 3
    assert plan.typing_seconds("x" * 20, none, rules, provider_types=False) == 0
    delayed = MessageOptions(delay_ms=4000)
    assert plan.typing_seconds("x" * 20, delayed, rules, provider_types=True) == 4
    long_delay = MessageOptions(delay_ms=60_000)
    assert plan.typing_seconds("x", long_delay, rules, provider_types=False) == 5


def test_the_line_may_send_again_after_typing_and_the_gap() -> None:
    assert plan.next_at(NOW, 1.5, 2.5) == NOW + timedelta(seconds=4)


def test_a_status_webhook_means_the_provider_has_the_message() -> None:
    assert not plan.provider_took(queued(1))
    assert plan.provider_took(queued(1, provider_message_id="wamid.P"))
    assert plan.provider_took(queued(1, delivery_status="delivered"))
    assert not plan.provider_took(queued(1, delivery_status="failed"))
