"""Importing an audience: real exports in, canonical contacts judged against the consent evidence,
every row kept with its reason. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from audience_files import EN_HEADER, PT_HEADER, excel_ptbr_csv, utf8_bom_csv, xlsx

from zapguard.campaigns.audiences.readers import FileProblem
from zapguard.campaigns.audiences.service import (
    AudienceExists,
    AudienceNotFound,
    AudienceReport,
    audience_report,
    import_audience,
    list_audiences,
    report_json,
)
from zapguard.domain.models import Consent
from zapguard.store import Store
from zapguard.store.audiences import Member, audience_members_of

NOW = datetime(2026, 3, 10, 13, 0, tzinfo=UTC)
SAO_PAULO = ZoneInfo("America/Sao_Paulo")


def run(store: Store, path: Path, name: str = "clientes", **options: Any) -> AudienceReport:
    return import_audience(
        store, tenant_id=options.pop("tenant", "loja"), name=name, path=path, at=NOW, **options
    )


def as_json(report: AudienceReport) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads("".join(report_json(report)))
    return parsed


def members(store: Store, report: AudienceReport) -> list[Member]:
    return list(audience_members_of(store, audience_id=report.record.id))


def grant(store: Store, contact: str, at: datetime, tenant: str = "loja") -> None:
    store.consent.grant(
        consent=Consent(
            tenant_id=tenant, contact=contact, purpose="marketing", granted_at=at, source="form"
        )
    )


def test_excel_ptbr_export_reads_portuguese_headers_and_accented_names(
    store: Store, tmp_path: Path
) -> None:
    path = excel_ptbr_csv(
        tmp_path / "clientes.csv",
        [
            PT_HEADER,
            ["(11) 98765-4321", "José Conceição", "sim", "05/03/2024 14:30", "site", "São Paulo"],
            ["(21) 99876-5432", "Ana", "Sim", "06/03/2024", "loja", "Niterói"],
        ],
    )

    report = run(store, path)

    assert report.record.usable == 2
    assert report.record.fields == ("cidade",)
    first, second = members(store, report)
    assert (first.file_line, first.contact, first.name) == (2, "+5511987654321", "José Conceição")
    assert first.fields == {"cidade": "São Paulo"}
    assert second.fields == {"cidade": "Niterói"}
    evidence = store.consent.history(tenant_id="loja", contact="+5511987654321")
    assert [(item.granted_at, item.source) for item in evidence] == [
        (datetime(2024, 3, 5, 14, 30, tzinfo=SAO_PAULO), "site")
    ]


def test_utf8_export_with_bom_and_english_headers(store: Store, tmp_path: Path) -> None:
    path = utf8_bom_csv(
        tmp_path / "contacts.csv",
        [
            EN_HEADER,
            ["+55 31 98877-6655", "Zoë", "yes", "2024-03-05T10:00:00-03:00", "webform", "BH"],
            ["+55 31 98877-1111", "Raúl, Jr.", "no", "", "", "Contagem"],
        ],
    )

    report = run(store, path)

    assert report.summary() == {
        "audience": "clientes",
        "rows": 2,
        "usable": 1,
        "excluded": {"invalid_phone": 0, "duplicate": 0, "no_consent": 1, "opted_out": 0},
    }
    usable, refused = members(store, report)
    assert usable.name == "Zoë"
    assert refused.name == "Raúl, Jr."  # a quoted comma is a cell, not a column
    assert (refused.reason, refused.value) == ("no_consent", "no")
    assert report.record.fields == ("city",)


def test_xlsx_written_by_openpyxl_with_numbers_booleans_and_dates(
    store: Store, tmp_path: Path
) -> None:
    path = xlsx(
        tmp_path / "lista.xlsx",
        [
            ["Celular", "Nome", "Opt-in", "Data do opt-in", "Plano"],
            [11987654321, "Bruna", True, datetime(2024, 3, 5, 9, 15), "ouro"],
            ["(11) 97777-0000", "Caio", "NÃO", None, "prata"],
            [None, None, None, None, None],
            ["abc", "Duda", 1, None, "bronze"],
        ],
    )

    report = run(store, path)

    assert [(m.file_line, m.contact, m.reason) for m in members(store, report)] == [
        (2, "+5511987654321", None),
        (3, "+5511977770000", "no_consent"),
        (5, None, "invalid_phone"),  # line 4 is blank: not a row, and the numbering holds
    ]
    assert members(store, report)[0].fields == {"plano": "ouro"}
    history = store.consent.history(tenant_id="loja", contact="+5511987654321")
    assert [item.granted_at for item in history] == [datetime(2024, 3, 5, 9, 15, tzinfo=SAO_PAULO)]


def test_every_form_of_one_number_is_one_contact_and_later_rows_are_duplicates(
    store: Store, tmp_path: Path
) -> None:
    forms = [
        "(11) 98765-4321",
        "+55 11 98765-4321",
        "5511987654321",
        "551187654321",  # a WhatsApp ID from before the 9th digit
        "5511987654321@s.whatsapp.net",
        "11 8765-4321",
        "+55 (11) 9 8765.4321",
    ]
    path = excel_ptbr_csv(
        tmp_path / "dup.csv",
        [["Telefone", "Aceite"], *([form, "sim"] for form in forms)],
    )

    report = run(store, path)

    rows = members(store, report)
    assert {row.contact for row in rows} == {"+5511987654321"}
    assert rows[0].reason is None
    assert [(row.file_line, row.reason, row.value) for row in rows[1:]] == [
        (line, "duplicate", form) for line, form in enumerate(forms[1:], start=3)
    ]
    assert report.record.excluded["duplicate"] == len(forms) - 1


def test_invalid_phones_are_kept_as_problems_with_the_cell(store: Store, tmp_path: Path) -> None:
    path = excel_ptbr_csv(
        tmp_path / "bad.csv",
        [["Número", "Consent"], ["12345", "sim"], ["", "sim"], ["120363@g.us", "sim"]],
    )

    report = run(store, path)

    assert [(p["row"], p["reason"], p["value"]) for p in as_json(report)["problems"]] == [
        (2, "invalid_phone", "12345"),
        (3, "invalid_phone", ""),
        (4, "invalid_phone", "120363@g.us"),
    ]


@pytest.mark.parametrize("said", ["não", "NAO", "n", "No", "false", "FALSO", "0"])
def test_a_file_that_says_no_excludes_the_contact_even_with_stored_consent(
    store: Store, tmp_path: Path, said: str
) -> None:
    grant(store, "+5511987654321", datetime(2025, 1, 1, tzinfo=UTC))
    path = excel_ptbr_csv(
        tmp_path / "no.csv", [["Telefone", "Consentimento"], ["11987654321", said]]
    )

    problems = as_json(run(store, path))["problems"]

    assert problems == [{"row": 2, "reason": "no_consent", "value": said}]


def test_unreadable_consent_or_date_is_a_clear_problem_counted_as_no_consent(
    store: Store, tmp_path: Path
) -> None:
    path = excel_ptbr_csv(
        tmp_path / "cells.csv",
        [
            ["Telefone", "Consentimento", "Data do consentimento"],
            ["11987650001", "talvez", ""],
            ["11987650002", "sim", "31/02/2024"],
            ["11987650003", "sim", "ontem"],
            ["11987650004", "sim", "01/01/2030"],  # after the clock: not a date a grant can have
            ["11987650005", "", "05/03/2024"],  # a date of opt-in alone is an opt-in
        ],
    )

    report = run(store, path)

    assert [(p["row"], p["reason"], p["value"]) for p in as_json(report)["problems"]] == [
        (2, "invalid_consent", "talvez"),
        (3, "invalid_consent_at", "31/02/2024"),
        (4, "invalid_consent_at", "ontem"),
        (5, "invalid_consent_at", "01/01/2030"),
    ]
    assert report.record.excluded["no_consent"] == 4
    assert report.record.usable == 1
    for contact in ("+5511987650002", "+5511987650003", "+5511987650004"):
        assert store.consent.history(tenant_id="loja", contact=contact) == []


def test_an_opt_out_after_the_files_consent_makes_the_contact_opted_out(
    store: Store, tmp_path: Path
) -> None:
    store.consent.revoke(
        tenant_id="loja", contact="+5511987650001", at=datetime(2024, 6, 1, tzinfo=UTC), how="SAIR"
    )
    path = excel_ptbr_csv(
        tmp_path / "old.csv",
        [
            ["Telefone", "Consentimento", "Data do consentimento"],
            ["11987650001", "sim", "05/03/2024"],
        ],
    )

    report = run(store, path)

    assert as_json(report)["problems"] == [
        {"row": 2, "reason": "opted_out", "value": "+5511987650001"}
    ]
    # The file's grant is still evidence (append-only), and the store agrees it is not in force.
    current = store.consent.current(tenant_id="loja", contact="+5511987650001")
    assert current is not None and not current.active
    kinds = [
        "grant" if item.granted_at else "revoke"
        for item in store.consent.history(tenant_id="loja", contact="+5511987650001")
    ]
    assert sorted(kinds) == ["grant", "revoke"]


def test_a_contact_whose_latest_stored_record_is_a_revocation_is_opted_out(
    store: Store, tmp_path: Path
) -> None:
    contact = "+5511987650002"
    grant(store, contact, datetime(2024, 1, 1, tzinfo=UTC))
    store.consent.revoke(
        tenant_id="loja", contact=contact, at=datetime(2024, 2, 1, tzinfo=UTC), how="manual"
    )
    path = excel_ptbr_csv(
        tmp_path / "late.csv",
        [
            ["Telefone", "Consentimento", "Data do consentimento"],
            ["11987650002", "", ""],
            ["11987650003", "sim", "05/03/2024"],
        ],
    )
    # Also when the file claims an opt-in dated after the revocation: the opt-out is the surer fact.
    store.consent.revoke(
        tenant_id="loja",
        contact="+5511987650003",
        at=datetime(2024, 2, 1, tzinfo=UTC),
        how="keyword",
    )

    report = run(store, path)

    assert [(p["row"], p["reason"]) for p in as_json(report)["problems"]] == [
        (2, "opted_out"),
        (3, "opted_out"),
    ]
    assert report.record.usable == 0


def test_stored_consent_decides_when_the_file_says_nothing(store: Store, tmp_path: Path) -> None:
    grant(store, "+5511987650001", datetime(2025, 5, 1, tzinfo=UTC))
    path = utf8_bom_csv(
        tmp_path / "plain.csv", [["phone", "name"], ["11987650001", "Ana"], ["11987650002", "Bia"]]
    )

    report = run(store, path)

    assert [(p["row"], p["reason"], p["value"]) for p in as_json(report)["problems"]] == [
        (3, "no_consent", "+5511987650002")
    ]
    assert report.record.usable == 1


def test_a_later_stored_opt_in_outranks_an_old_revocation_and_the_files_older_date(
    store: Store, tmp_path: Path
) -> None:
    contact = "+5511987650004"
    store.consent.revoke(
        tenant_id="loja", contact=contact, at=datetime(2024, 6, 1, tzinfo=UTC), how="SAIR"
    )
    grant(store, contact, datetime(2025, 1, 1, tzinfo=UTC))
    path = excel_ptbr_csv(
        tmp_path / "x.csv",
        [
            ["Telefone", "Consentimento", "Data do consentimento"],
            ["11987650004", "sim", "05/03/2024"],
        ],
    )

    assert run(store, path).record.usable == 1


def test_consent_in_the_file_is_appended_as_evidence_never_overwritten(
    store: Store, tmp_path: Path
) -> None:
    rows = [
        ["Telefone", "Consentimento", "Data do consentimento", "Fonte", "Texto do consentimento"],
        ["11987650001", "sim", "05/03/2024 10:00", "formulário", "Aceito receber ofertas"],
    ]
    first = excel_ptbr_csv(tmp_path / "a.csv", rows)
    run(store, first, name="a")
    rows[1][2] = "07/03/2024 10:00"
    run(store, excel_ptbr_csv(tmp_path / "b.csv", rows), name="b")

    history = store.consent.history(tenant_id="loja", contact="+5511987650001")

    assert [(item.granted_at, item.source, item.wording, item.recorded_by) for item in history] == [
        (
            datetime(2024, 3, 5, 10, tzinfo=SAO_PAULO),
            "formulário",
            "Aceito receber ofertas",
            "zapguard audience import a",
        ),
        (
            datetime(2024, 3, 7, 10, tzinfo=SAO_PAULO),
            "formulário",
            "Aceito receber ofertas",
            "zapguard audience import b",
        ),
    ]


def test_the_json_report_has_exactly_the_documented_shape_and_nothing_is_dropped(
    store: Store, tmp_path: Path
) -> None:
    store.consent.revoke(
        tenant_id="loja", contact="+5511987650009", at=datetime(2025, 1, 1, tzinfo=UTC), how="SAIR"
    )
    path = excel_ptbr_csv(
        tmp_path / "all.csv",
        [
            PT_HEADER,
            ["11987650001", "A", "sim", "01/03/2024", "site", "X"],
            ["(11) 98765-0001", "A2", "sim", "01/03/2024", "site", "X"],
            ["0", "B", "sim", "01/03/2024", "site", "X"],
            ["11987650003", "C", "não", "", "", "X"],
            ["11987650009", "D", "sim", "01/03/2024", "site", "X"],
            ["11987650010", "E", "sim", "", "", "X"],
        ],
    )

    report = as_json(run(store, path))

    assert list(report) == ["audience", "rows", "usable", "excluded", "problems"]
    assert list(report["excluded"]) == ["invalid_phone", "duplicate", "no_consent", "opted_out"]
    assert report["excluded"] == {
        "invalid_phone": 1,
        "duplicate": 1,
        "no_consent": 1,
        "opted_out": 1,
    }
    assert report["rows"] == 6 == report["usable"] + sum(report["excluded"].values())
    assert report["usable"] == 2
    assert all(list(problem) == ["row", "reason", "value"] for problem in report["problems"])
    assert [problem["row"] for problem in report["problems"]] == [3, 4, 5, 6]


def test_an_existing_name_is_refused_unless_replaced(store: Store, tmp_path: Path) -> None:
    first = excel_ptbr_csv(tmp_path / "v1.csv", [["Telefone", "Aceite"], ["11987650001", "sim"]])
    second = excel_ptbr_csv(
        tmp_path / "v2.csv",
        [["Telefone", "Aceite"], ["11987650002", "sim"], ["11987650003", "sim"]],
    )
    run(store, first)

    with pytest.raises(AudienceExists, match="--replace"):
        run(store, second)
    assert audience_report(store, tenant_id="loja", name="clientes").record.rows == 1

    replaced = run(store, second, replace=True)

    assert replaced.record.rows == 2
    assert [record.name for record in list_audiences(store, tenant_id="loja")] == ["clientes"]
    assert [m.contact for m in members(store, replaced)] == ["+5511987650002", "+5511987650003"]


def test_a_replacement_that_fails_midway_leaves_the_old_audience_whole(
    store: Store, tmp_path: Path
) -> None:
    old = run(
        store,
        excel_ptbr_csv(tmp_path / "ok.csv", [["Telefone", "Aceite"], ["11987650001", "sim"]]),
    )
    rows = [["Telefone", "Aceite"], *([f"1198765{n:04d}", "sim"] for n in range(2, 12))]
    rows.append(["11987659999", "sim", "sobra"])  # line 12: one cell more than the header
    broken = excel_ptbr_csv(tmp_path / "broken.csv", rows)

    with pytest.raises(FileProblem, match=r"broken\.csv:12"):
        run(store, broken, replace=True, shown_as=str(broken), batch_rows=3)

    kept = audience_report(store, tenant_id="loja", name="clientes")
    assert kept.record.id == old.record.id
    assert [m.contact for m in members(store, kept)] == ["+5511987650001"]


def test_each_tenant_sees_and_replaces_only_its_own_audience(store: Store, tmp_path: Path) -> None:
    store.tenants.ensure(tenant_id="rival")
    ours = excel_ptbr_csv(tmp_path / "ours.csv", [["Telefone", "Aceite"], ["11987650001", "sim"]])
    theirs = excel_ptbr_csv(
        tmp_path / "theirs.csv",
        [["Telefone", "Aceite"], ["11987650002", "sim"], ["11987650003", "sim"]],
    )
    run(store, ours)

    run(store, theirs, tenant="rival")  # the same name, another tenant: no conflict

    assert audience_report(store, tenant_id="loja", name="clientes").record.rows == 1
    assert audience_report(store, tenant_id="rival", name="clientes").record.rows == 2
    assert store.consent.history(tenant_id="loja", contact="+5511987650002") == []
    with pytest.raises(AudienceNotFound):
        audience_report(store, tenant_id="rival", name="outra")
