"""The streaming import: rows in, canonical contacts judged and stored a batch at a time.

Memory holds one batch of rows and the set of canonical contacts seen so far (to know a duplicate:
a row whose contact appeared on an earlier row), as integers; never the file, never the list of
problems (they are stored with their rows and read back a page at a time).

Every row is kept, with the reason it is excluded if it is (nothing is dropped silently):
``invalid_phone``, ``duplicate``, ``no_consent`` (also ``invalid_consent`` and
``invalid_consent_at``: a consent or date cell that cannot be read, counted as no consent),
``opted_out``. Checked in that order: a duplicate row is not judged for consent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from zapguard.campaigns.audiences import cells
from zapguard.campaigns.audiences.consent import Verdict, judge
from zapguard.campaigns.audiences.contacts import canonical
from zapguard.campaigns.audiences.headers import (
    CONSENT,
    CONSENT_AT,
    CONSENT_SOURCE,
    CONSENT_TEXT,
    NAME,
    PHONE,
    ColumnMap,
    map_columns,
)
from zapguard.campaigns.audiences.readers import Cell, FileProblem, Sheet
from zapguard.domain.phones import InvalidPhoneNumber
from zapguard.store import audiences as stored
from zapguard.store.audiences import Grant, Member
from zapguard.store.repository import Store

BATCH_ROWS = 5000
"""Rows written per transaction: large enough that a million rows are a few hundred commits,
small enough that a SQLite writer (the gateway's, sharing the file) waits well under a second."""

FUTURE_SLACK = timedelta(minutes=5)
"""How far ahead of the clock a consent may be dated (as ``zapguard consent``): clocks drift."""

EXCLUSIONS = ("invalid_phone", "duplicate", "no_consent", "opted_out")
BUCKET = {
    "invalid_phone": "invalid_phone",
    "duplicate": "duplicate",
    "no_consent": "no_consent",
    "invalid_consent": "no_consent",
    "invalid_consent_at": "no_consent",
    "opted_out": "opted_out",
}
"""The exclusion each problem code counts under."""


@dataclass(frozen=True)
class ImportSettings:
    """How to read the rows: ``overrides`` from ``--column``, the zone of dates without one, who
    records the evidence and which source it names when the file names none."""

    overrides: Mapping[str, str]
    zone: ZoneInfo
    recorded_by: str
    default_source: str
    batch_rows: int = BATCH_ROWS


@dataclass
class Tally:
    rows: int = 0
    usable: int = 0
    excluded: dict[str, int] = field(default_factory=lambda: dict.fromkeys(EXCLUSIONS, 0))


@dataclass
class _Row:
    line: int
    contact: str | None
    name: str | None
    fields: dict[str, str]
    reason: str | None = None
    value: str | None = None
    says: bool | None = None
    at: datetime | None = None
    source: str | None = None
    wording: str | None = None


Progress = Callable[[int], None]


def import_rows(
    store: Store,
    sheet: Sheet,
    *,
    tenant_id: str,
    audience_id: int,
    settings: ImportSettings,
    now: datetime,
    progress: Progress | None = None,
) -> tuple[Tally, ColumnMap]:
    """Read every row of ``sheet`` into audience ``audience_id``; the counts and the column map."""
    columns = map_columns(sheet.headers, settings.overrides, where=f"{sheet.name}:1")
    tally = Tally()
    seen: set[int] = set()
    batch: list[_Row] = []
    width = len(columns.headers)
    for line, row_cells in sheet.rows:
        if len(row_cells) > width and any(cells.text_of(c) for c in row_cells[width:]):
            raise FileProblem(
                f"{sheet.name}:{line}: linha ilegível, {len(row_cells)} colunas para "
                f"{width} cabeçalhos (um separador dentro de um valor sem aspas?) / unreadable "
                f"line, {len(row_cells)} cells for {width} headers (a delimiter inside an "
                "unquoted value?)"
            )
        batch.append(_read(row_cells, line, columns, settings.zone, now, seen))
        if len(batch) >= settings.batch_rows:
            _flush(store, batch, tenant_id, audience_id, settings, now, tally)
            batch = []
            if progress is not None:
                progress(sheet.progress())
    _flush(store, batch, tenant_id, audience_id, settings, now, tally)
    if progress is not None:
        progress(sheet.progress())
    return tally, columns


def _read(
    row_cells: list[Cell],
    line: int,
    columns: ColumnMap,
    zone: ZoneInfo,
    now: datetime,
    seen: set[int],
) -> _Row:
    def cell(index: int | None) -> Cell:
        return row_cells[index] if index is not None and index < len(row_cells) else None

    known = columns.known
    name = cells.text_of(cell(known.get(NAME))) or None
    extra = {placeholder: cells.text_of(cell(index)) for placeholder, index in columns.extra}
    phone = cells.text_of(cell(known[PHONE]))
    try:
        contact = canonical(phone)
    except InvalidPhoneNumber:
        return _Row(line, None, name, extra, reason="invalid_phone", value=phone)
    key = int(contact[1:])
    if key in seen:
        return _Row(line, contact, name, extra, reason="duplicate", value=phone)
    seen.add(key)
    row = _Row(line, contact, name, extra)
    row.source = cells.text_of(cell(known.get(CONSENT_SOURCE))) or None
    row.wording = cells.text_of(cell(known.get(CONSENT_TEXT))) or None
    consent_cell, at_cell = cell(known.get(CONSENT)), cell(known.get(CONSENT_AT))
    try:
        row.says = cells.consent_value(consent_cell)
    except cells.CellProblem:
        row.reason, row.value = "invalid_consent", cells.text_of(consent_cell)
        return row
    if row.says is False:
        row.value = cells.text_of(consent_cell)
        return row
    try:
        row.at = cells.instant_of(at_cell, zone)
    except cells.CellProblem:
        row.says, row.reason, row.value = None, "invalid_consent_at", cells.text_of(at_cell)
        return row
    if row.at is not None and row.at > now + FUTURE_SLACK:
        row.says, row.at = None, None
        row.reason, row.value = "invalid_consent_at", cells.text_of(at_cell)
        return row
    if row.says is None and row.at is not None:
        row.says = True  # a date of opt-in with no yes/no beside it is an opt-in
    if row.says and row.at is None:
        row.at = now  # as `zapguard consent import`: an undated grant is dated when recorded
    return row


def _flush(
    store: Store,
    batch: list[_Row],
    tenant_id: str,
    audience_id: int,
    settings: ImportSettings,
    now: datetime,
    tally: Tally,
) -> None:
    if not batch:
        return
    judged = [row for row in batch if row.contact is not None and row.reason != "duplicate"]
    evidence = stored.consent_evidence(
        store, tenant_id=tenant_id, contacts_among=[row.contact for row in judged if row.contact]
    )
    for row in judged:
        assert row.contact is not None
        verdict = judge(
            file_says=row.says if row.reason is None else False,
            file_at=row.at,
            stored=evidence.get(row.contact, ()),
        )
        if verdict is Verdict.OPTED_OUT:
            row.reason, row.value = "opted_out", row.contact
        elif verdict is Verdict.NO_CONSENT and row.reason is None:
            row.reason = "no_consent"
            row.value = row.value or row.contact
    grants = [
        Grant(
            contact=row.contact,
            at=row.at,
            source=row.source or settings.default_source,
            wording=row.wording,
            recorded_by=settings.recorded_by,
        )
        for row in judged
        if row.says and row.at is not None and row.contact is not None
    ]
    members = [
        Member(
            file_line=row.line,
            contact=row.contact,
            name=row.name,
            fields=row.fields,
            reason=row.reason,
            value=row.value,
        )
        for row in batch
    ]
    stored.write_batch(
        store, tenant_id=tenant_id, audience_id=audience_id, members=members, grants=grants
    )
    for row in batch:
        tally.rows += 1
        if row.reason is None:
            tally.usable += 1
        else:
            tally.excluded[BUCKET[row.reason]] += 1
