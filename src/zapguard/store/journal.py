"""The journal repository: every decision zapguard took (with the message it judged and why) and
every normalized event, newest first when listed. Message text of events is not kept (data
minimization); a decision keeps the message, which is its evidence."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, select

from zapguard.domain.models import Author, Category, Decision, Event, OutgoingMessage, Verdict
from zapguard.store.compiled import Compiled
from zapguard.store.records import DecisionRecord
from zapguard.store.schema import decisions, events
from zapguard.store.statements import inserted_id
from zapguard.store.unit_of_work import UnitOfWork

_INSERT_DECISION = Compiled(
    decisions.insert().returning(decisions.c.id),
    [
        "tenant_id",
        "at",
        "message",
        "verdict",
        "codes",
        "line",
        "not_before",
        "message_pt",
        "message_en",
    ],
)
_DECISIONS_OF_TENANT = (
    select(decisions)
    .where(decisions.c.tenant_id == bindparam("tenant_id"))
    .order_by(decisions.c.at.desc(), decisions.c.id.desc())
    .limit(bindparam("limit"))
)


class Journal:
    def __init__(self, work: UnitOfWork) -> None:
        self._work = work

    def record_event(self, *, event: Event) -> int:
        """Log a normalized event; returns its id."""
        with self._work.writing("logging an event") as connection:
            result = connection.execute(
                events.insert().values(
                    kind=event.kind,
                    at=event.at,
                    tenant_id=event.tenant_id,
                    line_id=event.line_id,
                    contact=event.contact,
                    code=event.code,
                    data=dict(event.data),
                )
            )
            return inserted_id(result.inserted_primary_key)

    def events(self, *, tenant_id: str, line_id: str | None = None, limit: int = 50) -> list[Event]:
        """The newest events of a tenant (or of one of its lines), newest first."""
        query = select(events).where(events.c.tenant_id == tenant_id)
        if line_id is not None:
            query = query.where(events.c.line_id == line_id)
        query = query.order_by(events.c.at.desc(), events.c.id.desc()).limit(limit)
        with self._work.read_connection("listing events") as connection:
            rows = connection.execute(query).all()
        return [_event(row) for row in rows]

    def latest_events_of(
        self, *, tenant_id: str, kinds: Iterable[str], code: str, limit: int
    ) -> list[Event]:
        """The tenant's newest events of ``kinds`` with ``code``, newest first (alert states)."""
        query = (
            select(events)
            .where(
                events.c.tenant_id == tenant_id,
                events.c.kind.in_(sorted(set(kinds))),
                events.c.code == code,
            )
            .order_by(events.c.at.desc(), events.c.id.desc())
            .limit(limit)
        )
        with self._work.read_connection("reading alerts") as connection:
            rows = connection.execute(query).all()
        return [_event(row) for row in rows]

    def record_decision(
        self, *, tenant_id: str, at: datetime, message: OutgoingMessage, decision: Decision
    ) -> int:
        """Log a decision with the message it judged; returns its id."""
        findings = decision.findings
        with self._work.writing("logging a decision") as connection:
            ((decision_id,),) = _INSERT_DECISION.rows(
                connection,
                {
                    "tenant_id": tenant_id,
                    "at": at,
                    "message": asdict(message),
                    "verdict": decision.verdict.value,
                    "codes": decision.codes,
                    "line": decision.line,
                    "not_before": decision.not_before,
                    "message_pt": "\n".join(f"{f.code}: {f.message_pt}" for f in findings),
                    "message_en": "\n".join(f"{f.code}: {f.message_en}" for f in findings),
                },
            )
            return int(decision_id)

    def decisions(self, *, tenant_id: str, limit: int = 50) -> list[DecisionRecord]:
        """The tenant's latest decisions, newest first."""
        params = {"tenant_id": tenant_id, "limit": limit}
        with self._work.read_connection("listing decisions") as connection:
            return [
                _decision_record(row) for row in connection.execute(_DECISIONS_OF_TENANT, params)
            ]


def _event(row: Row[Any]) -> Event:
    return Event(
        kind=row.kind,
        at=row.at,
        tenant_id=row.tenant_id,
        line_id=row.line_id,
        contact=row.contact,
        code=row.code,
        data={str(k): str(v) for k, v in (row.data or {}).items()},
    )


def _decision_record(row: Row[Any]) -> DecisionRecord:
    stored = dict(row.message)
    message = OutgoingMessage(
        **{
            **stored,
            "category": Category(stored["category"]),
            "author": Author(stored["author"]),
        }
    )
    return DecisionRecord(
        id=row.id,
        tenant_id=row.tenant_id,
        at=row.at,
        message=message,
        verdict=Verdict(row.verdict),
        codes=tuple(row.codes),
        line=row.line,
        not_before=row.not_before,
        message_pt=row.message_pt,
        message_en=row.message_en,
    )
