"""What the dispatcher sends next, decided over values: no database, no clock, no randomness.

Given a line's due queued messages (oldest first), the contacts it sent to within the pair interval
and which merge primaries are still pending, :func:`pick` says which message goes now and which
later ones ride with it (ZG502); :func:`typing_seconds` and :func:`next_at` say how long it types and
when the line may send again (ZG503). The dispatcher reads the values from the store, asks here, and
writes back what was decided, in one transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from zapguard.gateway.outbox import MessageOptions
from zapguard.store.outbox import DELIVERY_RANK, OutboxEntry

MAX_TEXT_CHARS = 4096
"""WhatsApp's longest text message: a merge stops before it would exceed this."""


@dataclass(frozen=True, slots=True)
class PlanRules:
    """The settings the plan reads (``[volume]`` and ``[dispatch]``)."""

    merge_window_seconds: float
    merge_max_chars: int
    pair_interval_seconds: float
    typing_chars_per_second: float = 0.0
    typing_max_seconds: float = 0.0
    requested_delay_max_seconds: float = 0.0

    @property
    def pair_interval(self) -> timedelta:
        return timedelta(seconds=self.pair_interval_seconds)


@dataclass(frozen=True, slots=True)
class Pick:
    """The message to send now, and the later ones merged into it."""

    primary: OutboxEntry
    followers: tuple[OutboxEntry, ...] = ()

    @property
    def text(self) -> str:
        return "\n".join(entry.text for entry in (self.primary, *self.followers))

    @property
    def follower_ids(self) -> tuple[int, ...]:
        return tuple(entry.id for entry in self.followers)

    @property
    def needs_longer_read(self) -> bool:
        """A first page may end mid-burst, and an in-doubt resend must carry every row it carried
        before: either needs the line's longer read before it is final."""
        return self.primary.attempts > 0 or bool(self.followers)


def pick(
    queued: Sequence[OutboxEntry],
    *,
    now: datetime,
    recent_contacts: Collection[str],
    pending_primaries: Collection[int],
    rules: PlanRules,
) -> Pick | None:
    """The oldest due message whose contact may receive now, with its followers.

    A contact waits while the line sent to it within the pair interval (``recent_contacts``), while
    a short text to it is younger than the merge window (its burst may still arrive), and while one
    of its rows rides with a primary still pending. Later rows of a waiting contact wait behind it
    (order per contact is kept); other contacts go.
    """
    waiting: set[str] = set(recent_contacts)
    for index, entry in enumerate(queued):
        if entry.contact in waiting:
            continue
        if entry.merged_into is not None and entry.merged_into in pending_primaries:
            waiting.add(entry.contact)
            continue
        if held_for_merge(entry, now, rules):
            waiting.add(entry.contact)  # keep the contact's order: its later rows wait too
            continue
        return Pick(entry, tuple(followers(entry, queued[index + 1 :], rules)))
    return None


def merge_primaries(queued: Sequence[OutboxEntry]) -> set[int]:
    """The primaries the queued rows were tentatively merged into (their states decide)."""
    return {entry.merged_into for entry in queued if entry.merged_into is not None}


def mergeable(entry: OutboxEntry, rules: PlanRules) -> bool:
    options = MessageOptions.of(entry.options)
    return (
        rules.merge_window_seconds > 0
        and entry.media_url is None
        and entry.template is None
        and options.reply_to is None
        and options.delay_ms is None
        and len(entry.text) <= rules.merge_max_chars
    )


def held_for_merge(entry: OutboxEntry, now: datetime, rules: PlanRules) -> bool:
    """A fresh short text waits out the merge window, so its burst can join it."""
    if not mergeable(entry, rules) or entry.attempts > 0:
        return False
    return entry.created_at + timedelta(seconds=rules.merge_window_seconds) > now


def followers(
    primary: OutboxEntry, later: Sequence[OutboxEntry], rules: PlanRules
) -> list[OutboxEntry]:
    """The rows to merge into ``primary``.

    A resend of an attempt that ended in doubt carries exactly the rows that attempt carried (the
    provider may already hold that text under this reference). A first send gathers the burst
    behind a short text: the same contact's short texts, each within the merge window of the one
    before, until one does not fit. A retried row goes alone.
    """
    carried = [entry for entry in later if entry.merged_into == primary.id]
    if carried or primary.attempts > 0 or not mergeable(primary, rules):
        return carried
    window = timedelta(seconds=rules.merge_window_seconds)
    found: list[OutboxEntry] = []
    length = len(primary.text)
    previous = primary.created_at
    for entry in later:
        if entry.contact != primary.contact:
            continue
        fits = (
            mergeable(entry, rules)
            and entry.attempts == 0
            and entry.merged_into is None
            and entry.created_at - previous <= window
            and length + 1 + len(entry.text) <= MAX_TEXT_CHARS
        )
        if not fits:
            break  # the burst ends here; what follows keeps its order behind it
        found.append(entry)
        length += 1 + len(entry.text)
        previous = entry.created_at
    return found


def typing_seconds(
    text: str, options: MessageOptions, rules: PlanRules, *, provider_types: bool
) -> float:
    """zapguard's own typing time, lengthened (never shortened) by a requested delay."""
    own = 0.0
    if rules.typing_chars_per_second > 0 and provider_types:
        own = min(rules.typing_max_seconds, len(text) / rules.typing_chars_per_second)
    requested = 0.0
    if options.delay_ms is not None:
        requested = min(rules.requested_delay_max_seconds, options.delay_ms / 1000)
    return max(own, requested)


def next_at(now: datetime, typing: float, gap: float) -> datetime:
    """When the line may send again (ZG503): after the typing time and a random ``gap``."""
    return now + timedelta(seconds=typing + gap)


def provider_took(entry: OutboxEntry) -> bool:
    """A status webhook already reported this row: the provider has it."""
    return entry.provider_message_id is not None or entry.delivery_status in DELIVERY_RANK


__all__ = [
    "MAX_TEXT_CHARS",
    "Pick",
    "PlanRules",
    "followers",
    "held_for_merge",
    "merge_primaries",
    "mergeable",
    "next_at",
    "pick",
    "provider_took",
    "typing_seconds",
]
