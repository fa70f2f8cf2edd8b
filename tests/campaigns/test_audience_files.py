"""Reading spreadsheets: headers as people type them, encodings and delimiters as Excel writes them,
line numbers as a person counts them, and a clear error for what cannot be read."""

from __future__ import annotations

from pathlib import Path

import pytest
from audience_files import excel_ptbr_csv, utf8_bom_csv, xlsx

from zapguard.campaigns.audiences.headers import HeaderError, map_columns, parse_column_option
from zapguard.campaigns.audiences.readers import FileProblem, open_sheet


def columns(*headers: str, **overrides: str) -> dict[str, str]:
    mapped = map_columns(list(headers), overrides, where="f.csv:1")
    named = {field: mapped.headers[index] for field, index in mapped.known.items()}
    named.update({field: mapped.headers[index] for field, index in mapped.extra})
    return named


@pytest.mark.parametrize(
    "header",
    ["Data do opt-in", "DATA DO OPT-IN", "data_do_optin", "Data-do-Opt-In", "datadooptin"],
)
def test_spaces_hyphens_underscores_and_case_do_not_matter_in_a_header(header: str) -> None:
    assert columns("Telefone", header)["consent_at"] == header


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Número", "phone"),
        ("NUMERO", "phone"),
        ("Celular", "phone"),
        ("WhatsApp", "phone"),
        ("mobile", "phone"),
        ("Nome", "name"),
        ("Opt-In", "consent"),
        ("Aceite", "consent"),
        ("Consentimento", "consent"),
        ("Data do Consentimento", "consent_at"),
        ("consent_at", "consent_at"),
        ("Origem", "consent_source"),
        ("Fonte", "consent_source"),
        ("Texto do consentimento", "consent_text"),
    ],
)
def test_portuguese_and_english_synonyms_are_recognised(header: str, field: str) -> None:
    mapped = columns(header) if field == "phone" else columns("phone", header)
    assert mapped[field] == header


def test_a_header_that_only_contains_a_synonym_is_not_guessed() -> None:
    with pytest.raises(HeaderError, match=r"f\.csv:1.*--column phone="):
        columns("Número de WhatsApp", "Nome")


def test_column_option_maps_any_other_header_and_names_placeholders() -> None:
    mapped = columns(
        "Número de WhatsApp",
        "Cliente",
        "Cidade Natal",
        phone="número de whatsapp",
        name="Cliente",
        loja="Cidade Natal",
    )

    assert mapped == {"phone": "Número de WhatsApp", "name": "Cliente", "loja": "Cidade Natal"}


def test_two_phone_columns_are_an_error_until_one_is_chosen() -> None:
    with pytest.raises(HeaderError, match=r"Telefone.*Celular"):
        columns("Telefone", "Celular")

    chosen = columns("Telefone", "Celular", phone="Celular")
    assert chosen == {"phone": "Celular", "telefone": "Telefone"}


@pytest.mark.parametrize("option", ["phone", "=Celular", "Phone Number=Celular"])
def test_a_malformed_column_option_is_refused(option: str) -> None:
    with pytest.raises(HeaderError, match="--column"):
        parse_column_option(option)


def test_a_column_option_naming_a_missing_header_lists_the_headers() -> None:
    with pytest.raises(HeaderError, match=r"'Fone'.*'Telefone'"):
        columns("Telefone", phone="Fone")


def test_other_columns_become_placeholders_without_accents() -> None:
    assert columns("Telefone", "Data de Nascimento", "Bairro/Região", "") == {
        "phone": "Telefone",
        "data_de_nascimento": "Data de Nascimento",
        "bairro_regiao": "Bairro/Região",
        "coluna_4": "",
    }


def test_latin1_semicolon_export_is_decoded_and_split(tmp_path: Path) -> None:
    path = excel_ptbr_csv(tmp_path / "a.csv", [["Telefone", "Nome"], ["11987654321", "Conceição"]])

    with open_sheet(path) as sheet:
        assert (sheet.encoding, sheet.delimiter) == ("cp1252", ";")
        assert list(sheet.rows) == [(2, ["11987654321", "Conceição"])]


def test_a_byte_windows_1252_leaves_undefined_falls_back_to_latin1(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes(b"Telefone;Nome\n11987654321;Jo\xe3o\x81\n")

    with open_sheet(path) as sheet:
        assert sheet.encoding == "latin-1"
        assert list(sheet.rows) == [(2, ["11987654321", "João\x81"])]


def test_utf8_with_bom_comma_export_keeps_the_first_header_clean(tmp_path: Path) -> None:
    path = utf8_bom_csv(tmp_path / "b.csv", [["Phone", "Name"], ["11987654321", "Zoë"]])

    with open_sheet(path) as sheet:
        assert (sheet.encoding, sheet.delimiter, sheet.headers) == (
            "utf-8-sig",
            ",",
            ["Phone", "Name"],
        )


def test_line_numbers_count_from_the_header_through_multiline_cells_and_blank_lines(
    tmp_path: Path,
) -> None:
    path = tmp_path / "c.csv"
    path.write_text(
        'Telefone;Obs\n11987650001;"linha um\nlinha dois"\n\n;;\n11987650002;ok\n', encoding="utf-8"
    )

    with open_sheet(path) as sheet:
        assert [line for line, _ in sheet.rows] == [2, 6]


def test_xlsx_rows_keep_their_sheet_row_numbers(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "d.xlsx", [["Celular"], [11987650001], [None], ["11987650002"]])

    with open_sheet(path) as sheet:
        assert (sheet.kind, list(sheet.rows)) == (
            "xlsx",
            [(2, [11987650001]), (4, ["11987650002"])],
        )


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("vazio.csv", b"", r"vazio\.csv:1: arquivo vazio"),
        ("branco.csv", b"\r\n\r\n", r"branco\.csv:1: arquivo vazio"),
        ("relatorio.pdf", b"%PDF-1.7 ...", r"relatorio\.pdf: tipo de arquivo desconhecido"),
        ("antigo.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", r"antigo\.xls: .*\.xls"),
        ("falso.xlsx", b"Telefone\n1\n", r"falso\.xlsx: não é um XLSX válido"),
        ("bin.csv", b"Tel\x00\x01", r"bin\.csv: arquivo binário"),
        ("zip.xlsx", b"PK\x03\x04garbage", r"zip\.xlsx: XLSX ilegível"),
    ],
)
def test_what_is_not_a_spreadsheet_is_a_clear_error_naming_the_file(
    tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)

    with pytest.raises(FileProblem, match=expected), open_sheet(path) as sheet:
        list(sheet.rows)


def test_an_unterminated_quote_is_an_unreadable_line_named_by_number(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text('Telefone;Nome\n11987650001;Ana\n11987650002;"Bia\n', encoding="utf-8")

    with pytest.raises(FileProblem, match=r"e\.csv:3: linha ilegível"), open_sheet(path) as sheet:
        list(sheet.rows)


def test_a_damaged_xlsx_is_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    import zipfile

    whole = xlsx(tmp_path / "whole.xlsx", [["Celular"], *([11987650000 + n] for n in range(50))])
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(whole) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.endswith("sheet1.xml"):
                data = data[: len(data) // 2]  # cut mid-row, as an interrupted copy leaves it
            target.writestr(item, data)

    with (
        pytest.raises(FileProblem, match=r"damaged\.xlsx:\d+: .*ilegível"),
        open_sheet(damaged) as sheet,
    ):
        list(sheet.rows)
