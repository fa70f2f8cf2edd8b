"""``/v1/audiences``: contact lists for campaigns, uploaded as a CSV or XLSX body.

``POST /v1/audiences?name=NAME`` takes the file itself as the body (``text/csv`` or the XLSX media
type; the body size limit is ``[server] max_body_bytes``: bigger lists go through ``zapguard
audience import``). The answer, and ``GET /v1/audiences/{name}``, is the report of the command
line's ``--json``. Everything is the calling tenant's: another tenant's audience of the same name
is neither seen nor replaced.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from zapguard.api.deps import ServicesDep, TenantDep
from zapguard.api.errors import ApiError, split_bilingual
from zapguard.api.responses import KEYED, PARAMETERS, errors
from zapguard.campaigns.audiences.service import (
    AudienceExists,
    AudienceNotFound,
    AudienceReport,
    FileProblem,
    HeaderError,
    InvalidAudience,
    audience_report,
    import_audience,
    list_audiences,
    report_json,
)
from zapguard.gateway.service import Services

router = APIRouter(prefix="/v1/audiences", tags=["audiences"])

CSV_TYPE = "text/csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ExcludedOut(BaseModel):
    invalid_phone: int
    duplicate: int
    no_consent: int
    opted_out: int


class ProblemOut(BaseModel):
    row: int
    reason: str
    value: str | None


class AudienceOut(BaseModel):
    """The import report: ``rows == usable + sum(excluded)``; every excluded row is a problem,
    ``row`` its line in the file (the header is line 1)."""

    audience: str
    rows: int
    usable: int
    excluded: ExcludedOut
    problems: list[ProblemOut]


class AudienceListItem(BaseModel):
    audience: str
    rows: int
    usable: int
    excluded: ExcludedOut
    source: str
    imported_at: datetime
    fields: list[str]


_UPLOAD = {
    "requestBody": {
        "required": True,
        "description": (
            "O arquivo: CSV (UTF-8 ou Latin-1, `;` ou `,`) ou XLSX. / The file: CSV (UTF-8 or "
            "Latin-1, `;` or `,`) or XLSX."
        ),
        "content": {
            CSV_TYPE: {
                "schema": {"type": "string"},
                "example": "Telefone;Nome;Consentimento\n(11) 98765-4321;Ana;sim\n",
            },
            XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


@router.post(
    "",
    response_model=AudienceOut,
    status_code=201,
    summary="Importar um público / Import an audience",
    description=(
        "Um nome que já existe é recusado (409) a menos que `replace=true`. / An existing name "
        "is refused (409) unless `replace=true`."
    ),
    openapi_extra=_UPLOAD,
    responses=errors(KEYED, PARAMETERS, "conflict", "payload_too_large"),
)
async def import_route(
    request: Request,
    services: ServicesDep,
    tenant: TenantDep,
    name: Annotated[str, Query(min_length=1, max_length=200, description="Nome / Name")],
    replace: Annotated[bool, Query(description="Substituir / Replace")] = False,
) -> Any:
    body = await request.body()
    declared = request.headers.get("content-type")
    report = await run_in_threadpool(_import, services, tenant, name, replace, body, declared)
    return _report_out(report)


@router.get(
    "",
    response_model=list[AudienceListItem],
    summary="Listar públicos / List audiences",
    responses=errors(KEYED),
)
def list_route(services: ServicesDep, tenant: TenantDep) -> list[AudienceListItem]:
    return [
        AudienceListItem(
            audience=record.name,
            rows=record.rows,
            usable=record.usable,
            excluded=ExcludedOut(**record.excluded),
            source=record.source,
            imported_at=record.imported_at,
            fields=list(record.fields),
        )
        for record in list_audiences(services.store, tenant_id=tenant)
    ]


@router.get(
    "/{name}",
    response_model=AudienceOut,
    summary="Contagens e problemas de um público / An audience's counts and problems",
    responses=errors(KEYED, PARAMETERS, "not_found"),
)
def show_route(name: str, services: ServicesDep, tenant: TenantDep) -> StreamingResponse:
    try:
        report = audience_report(services.store, tenant_id=tenant, name=name)
    except AudienceNotFound as error:
        raise ApiError("not_found", *split_bilingual(str(error))) from None
    # Streamed: an audience imported from the command line may list a million problems.
    return StreamingResponse(_streamed(report), media_type="application/json")


def _streamed(report: AudienceReport) -> Iterator[bytes]:
    for piece in report_json(report):
        yield piece.encode("utf-8")


def _import(
    services: Services, tenant: str, name: str, replace: bool, body: bytes, declared: str | None
) -> AudienceReport:
    if not body:
        raise ApiError(
            "invalid_request",
            "Corpo vazio: envie o arquivo CSV ou XLSX.",
            "Empty body: send the CSV or XLSX file.",
        )
    with tempfile.TemporaryDirectory(prefix="zapguard-audience-") as folder:
        path = Path(folder) / "upload"
        path.write_bytes(body)
        try:
            return import_audience(
                services.store,
                tenant_id=tenant,
                name=name,
                path=path,
                at=services.clock(),
                replace=replace,
                shown_as=f"upload:{name}",
                declared_type=declared,
            )
        except AudienceExists as error:
            raise ApiError("conflict", *split_bilingual(str(error))) from None
        except (FileProblem, HeaderError, InvalidAudience) as error:
            raise ApiError("invalid_request", *split_bilingual(str(error))) from None


def _report_out(report: AudienceReport) -> AudienceOut:
    record = report.record
    return AudienceOut(
        audience=record.name,
        rows=record.rows,
        usable=record.usable,
        excluded=ExcludedOut(**record.excluded),
        problems=[
            ProblemOut(row=member.file_line, reason=member.reason or "", value=member.value)
            for member in report.problems()
        ],
    )
