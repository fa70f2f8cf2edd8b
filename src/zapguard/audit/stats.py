"""The audit's first pass: what each file holds (counts, authors, links, messages per author and day),
read in one streaming pass, and who the business is.

The business is ``--me`` or the author who answers most contacts: for each author, the conversations
(files) in which they wrote right after someone else; ties go to the author with more such answers,
then more messages. With one file of two people both answer each other, so the one who answered more
often wins, and then the one who did not open the conversation (a customer writes first more often
than not); ``--me`` settles it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from zapguard.audit.exports import ChatLine, ExportShape, read_export
from zapguard.audit.records import (
    BadRecord,
    InboundRecord,
    LineRecord,
    OutboundRecord,
    read_records,
)
from zapguard.domain.links import find_links

__all__ = ["FileStats", "business_of", "count_export", "count_log", "log_business"]


@dataclass
class FileStats:
    file: str
    format: str
    messages: int = 0
    system_lines: int = 0
    media: int = 0
    deleted: int = 0
    authors: Counter[str] = field(default_factory=Counter)
    """Messages per author, in order of first appearance."""
    answers: Counter[str] = field(default_factory=Counter)
    """Per author, the messages written right after another author's."""
    links: list[str] = field(default_factory=list)
    per_day: Counter[tuple[str, date]] = field(default_factory=Counter)
    """Messages per (author, day as written)."""
    first: str | None = None
    last: str | None = None
    """First and last instants (ISO), for the report."""
    opener: str | None = None
    """The author of the first message."""
    lines_declared: list[str] = field(default_factory=list)
    """A replay log's line ids (its business)."""

    def to_json(self, business: str) -> dict[str, object]:
        return {
            "file": self.file,
            "format": self.format,
            "messages": self.messages,
            "system_lines": self.system_lines,
            "authors": list(self.authors),
            "business": business,
            "links": self.links,
            "media": self.media,
            "deleted": self.deleted,
            "first_at": self.first,
            "last_at": self.last,
        }


def count_export(
    name: str,
    lines: Iterable[str],
    shape: ExportShape,
    *,
    on_line: Callable[[int], None] = lambda _: None,
) -> FileStats:
    """Count one export; ``on_line`` gets each message's line number (for progress)."""
    stats = FileStats(name, shape.format)
    authors, answers, per_day, links = stats.authors, stats.answers, stats.per_day, stats.links
    previous: str | None = None
    item: ChatLine | None = None
    for item in read_export(lines, shape):
        if stats.first is None:
            stats.first = item.at.isoformat()
        author = item.author
        if author is None:
            stats.system_lines += 1
            continue
        stats.messages += 1
        authors[author] += 1
        if previous is None:
            stats.opener = author
        elif previous != author:
            answers[author] += 1
        previous = author
        per_day[author, item.at.date()] += 1
        kind = item.kind
        if kind == "media":
            stats.media += 1
        elif kind == "deleted":
            stats.deleted += 1
        elif "." in item.text or "[" in item.text:
            links.extend(link.url for link in find_links(item.text))
        if item.line_number & 0x3FF == 0:
            on_line(item.line_number)
    if item is not None:
        stats.last = item.at.isoformat()
    return stats


def count_log(name: str, lines: Iterable[str]) -> FileStats:
    """Count one replay log: inbound and outbound records are its messages, the rest its system
    lines; a malformed record raises :class:`BadRecord`."""
    stats = FileStats(name, "jsonl")
    for item in read_records(lines):
        if isinstance(item, BadRecord):
            raise item
        record = item.record
        if isinstance(record, LineRecord):
            stats.lines_declared.append(record.id)
        if not isinstance(record, InboundRecord | OutboundRecord):
            stats.system_lines += 1
            continue
        stats.messages += 1
        author = record.line if isinstance(record, OutboundRecord) else record.contact
        stats.authors[author] += 1
        stats.per_day[author, record.at.date()] += 1
        stats.first = stats.first or record.at.isoformat()
        stats.last = record.at.isoformat()
        if isinstance(record, OutboundRecord) and record.media_url:
            stats.media += 1
        stats.links.extend(link.url for link in find_links(record.text))
    return stats


def business_of(files: list[FileStats], me: str | None) -> str | None:
    """``me``, or the author who answers most contacts across the exports (see the module)."""
    if me is not None:
        return me
    contacts: Counter[str] = Counter()
    answers: Counter[str] = Counter()
    messages: Counter[str] = Counter()
    opened: Counter[str] = Counter()
    for stats in files:
        if stats.format == "jsonl":
            continue
        contacts.update(author for author, n in stats.answers.items() if n)
        answers.update(stats.answers)
        messages.update(stats.authors)
        if stats.opener is not None:
            opened[stats.opener] += 1
    if not messages:
        return None
    return max(messages, key=lambda a: (contacts[a], answers[a], -opened[a], messages[a], a))


def log_business(stats: FileStats) -> str:
    """A replay log's business: its line ids."""
    return ", ".join(stats.lines_declared) or "-"
