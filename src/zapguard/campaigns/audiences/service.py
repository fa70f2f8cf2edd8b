"""What the command line and the API call: import an audience, list them, report on one.

An audience's name is unique per tenant. Importing a name that exists is refused unless
``replace`` is given; the new list then takes the old one's place only once it has been read
whole, so a failed re-import leaves the old list as it was.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from zapguard.campaigns.audiences.headers import HeaderError, parse_column_option
from zapguard.campaigns.audiences.importer import (
    BATCH_ROWS,
    EXCLUSIONS,
    ImportSettings,
    import_rows,
)
from zapguard.campaigns.audiences.readers import FileProblem, Sheet, open_sheet
from zapguard.store import audiences as stored
from zapguard.store.audiences import AudienceRecord, Member
from zapguard.store.errors import Conflict
from zapguard.store.repository import Store

__all__ = [
    "DEFAULT_ZONE",
    "MAX_NAME",
    "AudienceExists",
    "AudienceNotFound",
    "AudienceReport",
    "FileProblem",
    "HeaderError",
    "InvalidAudience",
    "audience_report",
    "import_audience",
    "list_audiences",
    "problem_item",
    "report_json",
]

DEFAULT_ZONE = "America/Sao_Paulo"
"""The zone of a consent date written without one: Brasília time, the legal time of most of
Brazil (Decree 10.546/2020), where Brazilian spreadsheets are typed."""
MAX_NAME = 200


class InvalidAudience(ValueError):
    """An audience name, ``--column`` or zone that cannot be used; pt-BR / en."""


class AudienceExists(ValueError):
    """An audience of that name exists and replacing it was not asked."""


class AudienceNotFound(ValueError):
    """No audience of that name for the tenant."""


@dataclass(frozen=True)
class AudienceReport:
    """An audience's counts, and its problems read from the store when iterated."""

    record: AudienceRecord
    problems: Callable[[], Iterator[Member]]

    def summary(self) -> dict[str, object]:
        return {
            "audience": self.record.name,
            "rows": self.record.rows,
            "usable": self.record.usable,
            "excluded": {reason: self.record.excluded.get(reason, 0) for reason in EXCLUSIONS},
        }


def import_audience(
    store: Store,
    *,
    tenant_id: str,
    name: str,
    path: Path,
    at: datetime,
    columns: Sequence[str] = (),
    replace: bool = False,
    zone: str = DEFAULT_ZONE,
    shown_as: str | None = None,
    declared_type: str | None = None,
    on_open: Callable[[Sheet], None] | None = None,
    progress: Callable[[int], None] | None = None,
    batch_rows: int = BATCH_ROWS,
) -> AudienceReport:
    """Import the spreadsheet at ``path`` as audience ``name`` of ``tenant_id``.

    ``columns`` are ``FIELD=HEADER`` mappings; ``shown_as`` is how errors name the file (an
    upload's name); ``on_open`` sees the opened sheet (to size a progress bar), ``progress``
    how far reading has gone. Raises :class:`FileProblem`, :class:`HeaderError`,
    :class:`InvalidAudience` or :class:`AudienceExists`; nothing of a failed import is kept but
    the consent evidence already recorded.
    """
    name = _checked_name(name)
    overrides = dict(parse_column_option(option) for option in columns)
    settings = ImportSettings(
        overrides=overrides,
        zone=_zone(zone),
        recorded_by=f"zapguard audience import {name}"[:200],
        default_source=f"planilha/spreadsheet {shown_as or path.name}"[:64],
        batch_rows=batch_rows,
    )
    if not replace and stored.get_audience(store, tenant_id=tenant_id, name=name) is not None:
        raise _exists(name)
    with open_sheet(path, name=shown_as, declared=declared_type) as sheet:
        if on_open is not None:
            on_open(sheet)
        store.tenants.ensure(tenant_id=tenant_id)
        try:
            audience_id = stored.begin_import(
                store,
                tenant_id=tenant_id,
                name=name,
                source=sheet.name,
                at=at,
                replace=replace,
            )
        except Conflict:
            raise _exists(name) from None
        try:
            tally, column_map = import_rows(
                store,
                sheet,
                tenant_id=tenant_id,
                audience_id=audience_id,
                settings=settings,
                now=at,
                progress=progress,
            )
            stored.finish_import(
                store,
                audience_id=audience_id,
                fields=column_map.placeholders,
                rows=tally.rows,
                usable=tally.usable,
                excluded=tally.excluded,
            )
        except BaseException:
            stored.abandon_import(store, audience_id=audience_id)
            raise
    return audience_report(store, tenant_id=tenant_id, name=name)


def list_audiences(store: Store, *, tenant_id: str) -> list[AudienceRecord]:
    return stored.list_audiences(store, tenant_id=tenant_id)


def audience_report(store: Store, *, tenant_id: str, name: str) -> AudienceReport:
    record = stored.get_audience(store, tenant_id=tenant_id, name=name)
    if record is None:
        raise AudienceNotFound(f"público não encontrado / audience not found: {name!r}")
    return AudienceReport(
        record=record,
        problems=lambda: stored.audience_problems(store, audience_id=record.id),
    )


def report_json(report: AudienceReport, *, limit: int | None = None) -> Iterator[str]:
    """The report as one JSON object, in pieces (the problems are streamed from the store):
    ``{"audience", "rows", "usable", "excluded": {...}, "problems": [{"row", "reason",
    "value"}]}``; ``limit`` caps the problems listed."""
    head = json.dumps(report.summary(), ensure_ascii=False)
    yield head[:-1] + ', "problems": ['
    for count, member in enumerate(report.problems()):
        if limit is not None and count >= limit:
            break
        yield (", " if count else "") + json.dumps(problem_item(member), ensure_ascii=False)
    yield "]}"


def problem_item(member: Member) -> dict[str, object]:
    return {"row": member.file_line, "reason": member.reason, "value": member.value}


def _checked_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned or len(cleaned) > MAX_NAME or any(ord(char) < 32 for char in cleaned):
        raise InvalidAudience(
            f"nome de público inválido {name!r} (1 a {MAX_NAME} caracteres visíveis) / invalid "
            f"audience name {name!r} (1 to {MAX_NAME} visible characters)"
        )
    return cleaned


def _zone(zone: str) -> ZoneInfo:
    try:
        return ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidAudience(f"fuso horário desconhecido / unknown time zone: {zone!r}") from None


def _exists(name: str) -> AudienceExists:
    return AudienceExists(
        f"o público {name!r} já existe; use --replace para substituí-lo / audience {name!r} "
        "already exists; use --replace to replace it"
    )
