"""``zapguard replay``: run a recorded log through the same decide-and-reserve path as live traffic.

Records change state (lines, consent, inbound messages, bans, statuses, human activity, portfolio
limits, templates' status and quality) or ask for a decision (outbound). Each outbound record gets one JSON decision line; an allowed
or rerouted one counts as sent from then on. Because the messages were already sent, bursts and pacing (ZG502/ZG503)
are judged as warnings.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from zapguard.audit.records import (
    BadRecord,
    BanRecord,
    ConsentRecord,
    HumanActivityRecord,
    InboundRecord,
    LineRecord,
    Numbered,
    OutboundRecord,
    PortfolioRecord,
    Record,
    StatusRecord,
    TemplateRecord,
    read_records,
)
from zapguard.domain.models import Consent, Decision, Line, Role
from zapguard.domain.phones import InvalidPhoneNumber, normalize
from zapguard.gateway.decider import Decider
from zapguard.gateway.events import EventApplier
from zapguard.gateway.lines import register_line
from zapguard.policy.explain import summary
from zapguard.store import portfolios, templates
from zapguard.store.errors import StoreError
from zapguard.store.repository import Store


@dataclass
class ReplayReport:
    records: int = 0
    outbound: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)
    skipped: list[BadRecord] = field(default_factory=list)
    opt_outs: int = 0


def decision_json(index: int, decision: Decision) -> dict[str, Any]:
    message_pt, message_en = summary(decision)
    return {
        "index": index,
        "verdict": decision.verdict.value,
        "codes": decision.codes,
        "line": decision.line,
        "not_before": decision.not_before.isoformat() if decision.not_before else None,
        "message_pt": message_pt,
        "message_en": message_en,
    }


@dataclass
class Replayer:
    decider: Decider
    events: EventApplier
    tenant: str
    out: TextIO | None
    """Where each decision is written as a JSON line (None: nowhere)."""
    skip_bad: bool = False
    on_note: Callable[[str], None] = lambda _: None
    """Receives human-readable notes (line warnings, skipped records) for stderr."""
    on_decision: Callable[[OutboundRecord, Decision], None] = lambda _record, _decision: None
    """Receives each outbound record with its decision (the audit quotes them)."""
    report: ReplayReport = field(default_factory=ReplayReport)
    _last_at: datetime | None = None
    _known_lines: set[str] = field(default_factory=set)

    @property
    def store(self) -> Store:
        return self.decider.store

    def run(self, lines: Iterable[str]) -> ReplayReport:
        return self.run_records(read_records(lines))

    def run_records(self, items: Iterable[Numbered | BadRecord]) -> ReplayReport:
        """Replay records already parsed (a chat export's, built by the audit)."""
        self.store.tenants.ensure(tenant_id=self.tenant, name=self.tenant)
        for item in items:
            try:
                if isinstance(item, BadRecord):
                    raise item
                self._apply(item)
            except BadRecord as bad:
                if not self.skip_bad:
                    raise
                self.report.skipped.append(bad)
                self.on_note(f"ignorado / skipped: {bad}")
        return self.report

    def _apply(self, item: Numbered) -> None:
        record, number = item.record, item.line_number
        at = getattr(record, "at", None)
        if at is not None and self._last_at is not None and at < self._last_at:
            raise BadRecord(
                number,
                f"fora de ordem / out of time order: {at.isoformat()} < {self._last_at.isoformat()}",
            )
        try:
            self._dispatch(record, number)
        except InvalidPhoneNumber as error:
            raise BadRecord(number, str(error)) from None
        except StoreError as error:
            raise BadRecord(number, str(error)) from None
        if at is not None:
            self._last_at = at
        self.report.records += 1

    def _dispatch(self, record: Record, number: int) -> None:
        if isinstance(record, LineRecord):
            self._line(record)
        elif isinstance(record, ConsentRecord):
            self._consent(record)
        elif isinstance(record, InboundRecord):
            self._known_line(record.line, number)
            outcome = self.events.inbound(
                tenant=self.tenant,
                line_id=record.line,
                contact=normalize(record.contact),
                at=record.at,
                text=record.text,
            )
            self.report.opt_outs += outcome.opted_out
        elif isinstance(record, OutboundRecord):
            self._known_line(record.line, number)
            self._outbound(record)
        elif isinstance(record, HumanActivityRecord):
            self._known_line(record.line, number)
            self.events.human_activity(tenant=self.tenant, line_id=record.line, at=record.at)
        elif isinstance(record, BanRecord):
            self._known_line(record.line, number)
            self.events.ban(tenant=self.tenant, line_id=record.line, at=record.at)
        elif isinstance(record, StatusRecord):
            self._known_line(record.line, number)
            self.events.status(
                tenant=self.tenant,
                line_id=record.line,
                at=record.at,
                status=record.status,
                code=None if record.code is None else str(record.code),
                contact=normalize(record.contact) if record.contact else None,
            )

        elif isinstance(record, PortfolioRecord):
            portfolios.set_limit(
                self.store,
                tenant_id=self.tenant,
                portfolio=record.id,
                limit=record.limit,
                at=record.at,
            )
        elif isinstance(record, TemplateRecord):
            self._template(record)

    def _template(self, record: TemplateRecord) -> None:
        if record.status is not None:
            templates.record_status(
                self.store,
                tenant_id=self.tenant,
                name=record.name,
                status=record.status,
                at=record.at,
            )
        if record.quality is not None:
            templates.record_quality(
                self.store,
                tenant_id=self.tenant,
                name=record.name,
                quality=record.quality,
                at=record.at,
            )

    def _known_line(self, line_id: str, number: int) -> None:
        # A replay never removes a line: one found once is asked for again from memory.
        if line_id in self._known_lines:
            return
        if self.store.lines.get(line_id=line_id, tenant_id=self.tenant) is not None:
            self._known_lines.add(line_id)
        else:
            raise BadRecord(
                number,
                f"linha desconhecida / unknown line {line_id!r}: declare-a antes / declare it first",
            )

    def _line(self, record: LineRecord) -> None:
        role = Role(record.role)
        line = Line(
            id=record.id,
            tenant_id=self.tenant,
            phone=normalize(record.phone),
            role=role,
            account=record.account,
            in_use_since=record.in_use_since,
            pool=record.pool or role.value,
            device=record.device,
            network=record.network,
            daily_cap=record.daily_cap,
            timezone=record.timezone or "America/Sao_Paulo",
            provider_kind=record.provider,
            portfolio=record.portfolio,
        )
        # A setup record without `at` is registered when the log reaches it, or, before any timed
        # record, at the start of the line's first day in its own zone (never the host's).
        registered_at = (
            record.at
            or self._last_at
            or datetime.combine(record.in_use_since, time(0), tzinfo=ZoneInfo(line.timezone))
        )
        for finding in register_line(line, self.store, registered_at, strict=False):
            self.on_note(f"[{finding.code}] {finding.message_pt} / {finding.message_en}")

    def _consent(self, record: ConsentRecord) -> None:
        contact = normalize(record.contact)
        if record.granted:
            self.store.consent.grant(
                consent=Consent(
                    tenant_id=self.tenant,
                    contact=contact,
                    purpose=record.purpose,
                    granted_at=record.at,
                    source=record.source,
                    wording=record.wording,
                    recorded_by="replay",
                )
            )
        else:
            self.store.consent.revoke(
                tenant_id=self.tenant,
                contact=contact,
                purpose=record.purpose,
                at=record.at,
                how=record.source,
            )

    def _outbound(self, record: OutboundRecord) -> None:
        message = record.to_message(self.tenant)
        decision = self.decider.submit(message, record.at, judging_log=True)
        index = self.report.outbound
        self.report.outbound += 1
        self.report.verdicts[decision.verdict.value] += 1
        self.report.codes.update(decision.codes)
        self.on_decision(record, decision)
        if self.out is not None:
            self.out.write(json.dumps(decision_json(index, decision), ensure_ascii=False) + "\n")
