"""Spreadsheets as businesses export them, written byte for byte: Excel's pt-BR CSV (Windows-1252,
``;``, CRLF), a UTF-8 CSV with the BOM Excel puts first, and XLSX written by openpyxl."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

PT_HEADER = ["Telefone", "Nome", "Consentimento", "Data do consentimento", "Origem", "Cidade"]
EN_HEADER = ["Phone", "Name", "Consent", "Consent_at", "Source", "City"]


def excel_ptbr_csv(path: Path, rows: Sequence[Sequence[str]]) -> Path:
    """Excel's "CSV (separado por ponto e vírgula)" on a Brazilian Windows: cp1252, ``;``, CRLF."""
    text = "".join(";".join(row) + "\r\n" for row in rows)
    path.write_bytes(text.encode("cp1252"))
    return path


def utf8_bom_csv(path: Path, rows: Sequence[Sequence[str]]) -> Path:
    """Excel's "CSV UTF-8 (delimitado por vírgulas)": a BOM, ``,``, quotes where needed, CRLF."""
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
    return path


def xlsx(path: Path, rows: Sequence[Sequence[Any]]) -> Path:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def when(text: str) -> datetime:
    return datetime.fromisoformat(text)
