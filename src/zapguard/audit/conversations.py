"""Chat exports as replay records: what the business wrote is outbound, what others wrote inbound.

An export names people, not numbers, so the replay stands them in:

- **The business** is one receptive line, ``LINE_ID``, on a stand-in number (``+55 11 99999-0000``),
  for every export of the run: its messages across all conversations count toward one daily cap. Its
  first use is a year before the first message (an export does not say when the number was
  activated, and a number already chatting with customers is not new), registered at the first
  message (the clock of ZG801 starts there).
- **A contact** is one stand-in number (``+55 11 91000-0001``, ``...0002``, ...) per conversation:
  the other author of a one-to-one chat (the same name in two exports is the same contact), or, for a
  group or a chat in which only the business wrote, the file itself. A group is one conversation with
  one contact: a message to a group is one send, and any member's message is the group answering.
- **Category**: ``reply`` when the contact wrote in the 24 hours before, else ``notification``; an
  export cannot tell a marketing message, so ZG201/ZG301 are not judged.
- **Author**: ``bot`` by default (the worst case: an export does not say who typed), ``agent`` with
  ``--author agent`` (the line then counts as used by a person, ZG801).
- **Time**: the wall-clock time as written, in ``--timezone`` (default ``America/Sao_Paulo``).
  Android writes minutes only: the messages of one minute are spread evenly over it, in order, so a
  minute's two messages are 30 s apart, not 0. A time earlier than the one before it (a message
  delivered late) is taken as the one before it. The exports of a run are merged in time order.
- Media and deleted messages go out with an empty text; system lines are not replayed.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, TextIO
from zoneinfo import ZoneInfo

from zapguard.audit.exports import ChatLine, ExportShape, read_export
from zapguard.audit.records import InboundRecord, LineRecord, Numbered, OutboundRecord
from zapguard.domain.models import Author, Category, Role

__all__ = ["LINE_ID", "LINE_PHONE", "ChatReplay", "Conversation", "Origin"]

LINE_ID = "empresa"
LINE_PHONE = "+5511999990000"
_CONTACT_BASE = 5511910000000
_REPLY_WINDOW = timedelta(hours=24)  # WhatsApp's customer service window


@dataclass(frozen=True, slots=True)
class Conversation:
    """One export to replay: its name, its shape and its lines (read when replayed)."""

    name: str
    shape: ExportShape
    lines: TextIO
    authors: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a replayed message comes from, for the report's quotes."""

    file: str
    line_number: int
    author: str
    text: str
    at: datetime


@dataclass
class ChatReplay:
    """Builds the records of a run's exports; :attr:`current` is the origin of the last record
    handed out (the replay judges records one at a time, as they are produced)."""

    business: str
    zone: ZoneInfo
    author: Author = Author.BOT
    current: Origin | None = None
    contacts: dict[str, str] = field(default_factory=dict)
    """Contact key → stand-in number."""
    inbound: int = 0
    """Messages of the contacts handed out so far."""

    def contact_for(self, conversation: Conversation) -> str:
        others = [a for a in conversation.authors if a != self.business]
        key = f"autor:{others[0]}" if len(others) == 1 else f"arquivo:{conversation.name}"
        number = self.contacts.get(key)
        if number is None:
            number = f"+{_CONTACT_BASE + len(self.contacts) + 1}"
            self.contacts[key] = number
        return number

    def records(self, conversations: list[Conversation]) -> Iterator[Numbered]:
        """The line, then every message of every conversation, merged in time order."""
        streams = [
            self._timed(index, conversation) for index, conversation in enumerate(conversations)
        ]
        started = False
        for at, _, _, kind, number, contact, line in heapq.merge(*streams):
            if not started:
                started = True
                yield Numbered(0, self._line_record(at))
            self.current = Origin(line.file, number, line.author, line.text, at)
            self.inbound += kind == "in"
            yield Numbered(number, self._record(kind, at, contact, line))

    def _line_record(self, first: datetime) -> LineRecord:
        return LineRecord(
            type="line",
            id=LINE_ID,
            phone=LINE_PHONE,
            role=Role.RECEPTIVE,
            in_use_since=first.date() - timedelta(days=365),
            timezone=self.zone.key,
            at=first,
        )

    def _record(
        self, kind: Literal["in", "out"], at: datetime, contact: str, line: _Quoted
    ) -> InboundRecord | OutboundRecord:
        if kind == "in":
            return InboundRecord(
                type="inbound", at=at, line=LINE_ID, contact=contact, text=line.send_text
            )
        return OutboundRecord(
            type="outbound",
            at=at,
            line=LINE_ID,
            contact=contact,
            category=Category.REPLY if line.reply else Category.NOTIFICATION,
            author=self.author,
            text=line.send_text,
        )

    def _timed(
        self, index: int, conversation: Conversation
    ) -> Iterator[tuple[datetime, int, int, Literal["in", "out"], int, str, _Quoted]]:
        contact = self.contact_for(conversation)
        last_in: datetime | None = None
        previous: datetime | None = None
        seq = 0
        for minute in _by_minute(read_export(conversation.lines, conversation.shape)):
            count = len(minute)
            for position, line in enumerate(minute):
                at = line.at.replace(tzinfo=self.zone)
                if not line.has_seconds and count > 1:
                    at += timedelta(seconds=60 * position / count)
                if previous is not None and at < previous:
                    at = previous
                previous = at
                assert line.author is not None
                text = "" if line.kind in ("media", "deleted") else line.text
                seq += 1
                if line.author != self.business:
                    last_in = at
                    quoted = _Quoted(conversation.name, line.author, line.text, False, text)
                    yield at, index, seq, "in", line.line_number, contact, quoted
                else:
                    replying = last_in is not None and at - last_in <= _REPLY_WINDOW
                    quoted = _Quoted(conversation.name, line.author, line.text, replying, text)
                    yield at, index, seq, "out", line.line_number, contact, quoted


@dataclass(frozen=True, slots=True)
class _Quoted:
    """A message as written (quoted in the report) and as sent to the replay."""

    file: str
    author: str
    text: str
    reply: bool
    send_text: str


def _by_minute(lines: Iterable[ChatLine]) -> Iterator[list[ChatLine]]:
    """Authored messages grouped by the minute they were written in (system lines dropped)."""
    group: list[ChatLine] = []
    for line in lines:
        if line.author is None:
            continue
        if group and line.at != group[0].at:
            yield group
            group = []
        group.append(line)
    if group:
        yield group
