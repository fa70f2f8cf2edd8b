"""``audit(paths)``: count every file, find the business, replay what it sent through the policy, and
sum the findings by rule code with quotes from the files.

Two passes over each file, both streaming: the first counts (and settles day/month order and who the
business is), the second builds replay records as the replay asks for them. Chat exports of one run
are one business line replayed together, merged in time order (:mod:`.conversations`); each replay
log (``.jsonl``) is replayed on its own, with the lines it declares, as ``zapguard replay`` does.

Risk: **alto** when a rule that stops the number outright fired (ZG501 over the daily cap, ZG601 a
banned number, ZG702 a flagged link) or when the policy would have refused or deferred at least
``alto_from`` messages (default 12: seed tip 2, "uma dúzia de denúncias" bans a number, and each
refused message is one that could be reported); **médio** when any warning or refusal fired;
**baixo** otherwise.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from zapguard.audit.conversations import ChatReplay, Conversation
from zapguard.audit.exports import ExportShape, NotAChatExport, sniff
from zapguard.audit.records import BadRecord, Numbered, OutboundRecord, read_records
from zapguard.audit.replay import Replayer
from zapguard.audit.sources import AuditInputError, Source, open_lines, position, source_for
from zapguard.audit.stats import FileStats, business_of, count_export, count_log, log_business
from zapguard.domain.models import Author, Decision, Severity
from zapguard.policy.catalogue import CATALOGUE, num_en, num_pt

if TYPE_CHECKING:
    from zapguard.gateway.service import Services

__all__ = [
    "EXAMPLES_PER_CODE",
    "AuditResult",
    "FindingSummary",
    "Progress",
    "audit",
    "count_pass",
]

_STOPPERS = frozenset({"ZG501", "ZG601", "ZG702"})
_BLOCKING = (Severity.DEFER, Severity.REJECT)
_SEVERITY_RANK = {Severity.REJECT: 0, Severity.DEFER: 1, Severity.WARN: 2, Severity.INFO: 3}
# Good habits to keep when fewer than three rules fired, in the seed's order of weight.
_UPKEEP = ("ZG302", "ZG502", "ZG801", "ZG701")
EXAMPLES_PER_CODE = 3

Progress = Callable[[str, int, int], None]
"""``(what is being done, characters read, characters in all)``: the count, then the replay."""


@dataclass
class FindingSummary:
    code: str
    count: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        rule = CATALOGUE[self.code]
        return {
            "code": self.code,
            "count": self.count,
            "examples": self.examples,
            "severity": rule.severity.value,
            "title_pt": rule.title_pt,
            "title_en": rule.title_en,
        }


@dataclass
class AuditResult:
    files: list[FileStats]
    businesses: list[str]
    findings: dict[str, FindingSummary]
    verdicts: Counter[str]
    business_messages: int
    contact_messages: int
    per_day: dict[date, int]
    """The exports' business messages per day (as written)."""
    daily_cap: int
    alto_from: int

    @property
    def blocking(self) -> int:
        return self.verdicts["reject"] + self.verdicts["defer"]

    @property
    def risk(self) -> str:
        codes = set(self.findings)
        if codes & _STOPPERS or self.blocking >= self.alto_from:
            return "alto"
        if any(CATALOGUE[code].severity is not Severity.INFO for code in codes):
            return "médio"
        return "baixo"

    def ranked(self) -> list[FindingSummary]:
        return sorted(
            self.findings.values(),
            key=lambda f: (_SEVERITY_RANK[CATALOGUE[f.code].severity], -f.count, f.code),
        )

    def top_actions(self) -> list[dict[str, str]]:
        """Three actions, pt-BR and English: the weightiest rules that fired, then habits to keep."""
        actions = []
        for summary in self.ranked()[:3]:
            rule = CATALOGUE[summary.code]
            actions.append(
                {
                    "code": rule.code,
                    "pt": f"{rule.title_pt} ({_times_pt(summary.count)}): {rule.why_pt}",
                    "en": f"{rule.title_en} ({_times_en(summary.count)}): {rule.why_en}",
                }
            )
        for code in _UPKEEP:
            if len(actions) == 3:
                break
            if code in self.findings:
                continue
            rule = CATALOGUE[code]
            actions.append(
                {
                    "code": code,
                    "pt": f"Nenhum caso de «{rule.title_pt}»; mantenha assim: {rule.why_pt}",
                    "en": f"No case of '{rule.title_en}'; keep it that way: {rule.why_en}",
                }
            )
        return actions

    def to_json(self) -> dict[str, Any]:
        return {
            "files": [
                stats.to_json(business)
                for stats, business in zip(self.files, self.businesses, strict=True)
            ],
            "findings": [summary.to_json() for summary in self.ranked()],
            "risk": self.risk,
            "top_actions": self.top_actions(),
            "verdicts": dict(self.verdicts),
            "business_messages": self.business_messages,
            "contact_messages": self.contact_messages,
            "reply_ratio": round(self.contact_messages / self.business_messages, 3)
            if self.business_messages
            else None,
            "daily_cap": self.daily_cap,
            "per_day": [
                {"day": day.isoformat(), "business": count}
                for day, count in sorted(self.per_day.items())
            ],
        }


def _times_pt(count: int) -> str:
    return "1 mensagem" if count == 1 else f"{num_pt(count)} mensagens"


def _times_en(count: int) -> str:
    return "1 message" if count == 1 else f"{num_en(count)} messages"


def audit(
    paths: Iterable[Path],
    *,
    services: Callable[[], AbstractContextManager[Services]],
    me: str | None = None,
    zone: ZoneInfo,
    author: Author = Author.BOT,
    alto_from: int = 12,
    progress: Progress = lambda _name, _done, _total: None,
) -> AuditResult:
    """Audit ``paths``; ``services`` opens a fresh throwaway runtime for each replay. Bad input
    raises :class:`AuditInputError` naming the file and line."""
    sources = [source_for(path) for path in paths]
    shapes: dict[Source, ExportShape] = {}
    files: list[FileStats] = []
    meter = _Meter(progress, sum(source.size for source in sources))
    for source in sources:
        meter.what = f"contando / counting {source.name}"
        files.append(_count(source, shapes, meter))
        meter.done += source.size
        meter.tell(0)
    business = business_of(files, me)
    exports = [(s, f) for s, f in zip(sources, files, strict=True) if s.kind == "export"]
    if exports and me is not None and not any(me in stats.authors for _, stats in exports):
        known = sorted({a for _, stats in exports for a in stats.authors})
        raise AuditInputError(
            f"--me {me!r}: não é autor de nenhuma conversa / is no author of any chat; "
            f"autores / authors: {', '.join(known)}"
        )
    findings: dict[str, FindingSummary] = {}
    verdicts: Counter[str] = Counter()
    result = AuditResult(
        files=files,
        businesses=[
            log_business(stats) if source.kind == "jsonl" else (business or "-")
            for source, stats in zip(sources, files, strict=True)
        ],
        findings=findings,
        verdicts=verdicts,
        business_messages=0,
        contact_messages=0,
        per_day={},
        daily_cap=0,
        alto_from=alto_from,
    )
    for source, stats in zip(sources, files, strict=True):
        if source.kind == "jsonl":
            _replay_log(source, stats, services, result)
    if exports and business is not None:
        meter = _Meter(progress, sum(source.size for source, _ in exports), "replay")
        _replay_exports(exports, shapes, business, services, zone, author, result, meter)
        for _, stats in exports:
            for (who, day), count in stats.per_day.items():
                if who == business:
                    result.per_day[day] = result.per_day.get(day, 0) + count
    return result


def count_pass(path: Path) -> FileStats:
    """The first pass alone over one file: what the benchmark times beside DuckDB."""
    return _count(source_for(path), {}, _Meter(lambda _what, _done, _total: None, 0))


def _count(source: Source, shapes: dict[Source, ExportShape], meter: _Meter) -> FileStats:
    with open_lines(source) as text:
        try:
            if source.kind == "jsonl":
                return count_log(source.name, text)
            shape = _sniff(source)
            shapes[source] = shape
            return count_export(
                source.name, text, shape, on_line=lambda _: meter.tell(position(text))
            )
        except (NotAChatExport, BadRecord) as error:
            raise AuditInputError(f"{source.name}: {error}") from None


def _sniff(source: Source) -> ExportShape:
    with open_lines(source) as lines:
        return sniff(lines)


@dataclass
class _Meter:
    """Bytes read across the files of one pass, told to ``progress`` now and then."""

    progress: Progress
    total: int
    what: str = ""
    done: int = 0
    """Bytes of the files already read whole."""

    def tell(self, read: int) -> None:
        self.progress(self.what, self.done + read, self.total)


def _on_decision(result: AuditResult, quote: Callable[[], dict[str, Any]]) -> Callable[..., None]:
    def record(record: OutboundRecord, decision: Decision) -> None:
        result.verdicts[decision.verdict.value] += 1
        result.business_messages += 1
        seen: set[str] = set()
        for item in decision.findings:
            if item.code in seen:
                continue
            seen.add(item.code)
            summary = result.findings.get(item.code)
            if summary is None:
                summary = result.findings[item.code] = FindingSummary(item.code)
            summary.count += 1
            if len(summary.examples) < EXAMPLES_PER_CODE:
                summary.examples.append(
                    {
                        **quote(),
                        "verdict": decision.verdict.value,
                        "message_pt": item.message_pt,
                        "message_en": item.message_en,
                    }
                )

    return record


def _replay_exports(
    exports: list[tuple[Source, FileStats]],
    shapes: dict[Source, ExportShape],
    business: str,
    services: Callable[[], AbstractContextManager[Services]],
    zone: ZoneInfo,
    author: Author,
    result: AuditResult,
    meter: _Meter,
) -> None:
    chat = ChatReplay(business=business, zone=zone, author=author)

    def quote() -> dict[str, Any]:
        origin = chat.current
        assert origin is not None
        return {
            "file": origin.file,
            "line": origin.line_number,
            "at": origin.at.isoformat(),
            "author": origin.author,
            "text": origin.text,
        }

    with ExitStack() as stack:  # every export stays open while the merged replay reads them
        conversations = [
            Conversation(
                name=source.name,
                shape=shapes[source],
                lines=stack.enter_context(open_lines(source)),
                authors=tuple(stats.authors),
            )
            for source, stats in exports
        ]
        with services() as runtime:
            result.daily_cap = runtime.policy.volume.daily_cap
            decided = _on_decision(result, quote)

            def on_decision(record: OutboundRecord, decision: Decision) -> None:
                decided(record, decision)
                if result.business_messages & 0xFF == 0:
                    meter.tell(sum(position(c.lines) for c in conversations))

            replayer = Replayer(
                decider=runtime.decider,
                events=runtime.events,
                tenant=runtime.default_tenant,
                out=None,
                on_decision=on_decision,
            )
            try:
                replayer.run_records(chat.records(conversations))
                meter.tell(meter.total)
            except (BadRecord, NotAChatExport) as error:
                origin = chat.current
                raise AuditInputError(f"{origin.file if origin else '-'}: {error}") from None
    result.contact_messages += chat.inbound


def _replay_log(
    source: Source,
    stats: FileStats,
    services: Callable[[], AbstractContextManager[Services]],
    result: AuditResult,
) -> None:
    current: dict[str, Any] = {"file": source.name}

    def numbered(items: Iterable[Numbered | BadRecord]) -> Iterator[Numbered | BadRecord]:
        for item in items:
            current["line"] = item.line_number
            yield item

    def remember(record: OutboundRecord, decision: Decision) -> None:
        current.update(at=record.at.isoformat(), author=record.line, text=record.text)
        on_decision(record, decision)

    on_decision = _on_decision(result, lambda: dict(current))
    with services() as runtime, open_lines(source) as lines:
        result.daily_cap = result.daily_cap or runtime.policy.volume.daily_cap
        replayer = Replayer(
            decider=runtime.decider,
            events=runtime.events,
            tenant=runtime.default_tenant,
            out=None,
            on_decision=remember,
        )
        try:
            replayer.run_records(numbered(read_records(lines)))
        except BadRecord as error:
            raise AuditInputError(f"{source.name}: {error}") from None
    result.contact_messages += stats.messages - sum(
        n for author, n in stats.authors.items() if author in stats.lines_declared
    )
