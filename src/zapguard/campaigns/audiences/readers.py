"""Reading a spreadsheet one row at a time: CSV as Brazilian Excel exports it, and XLSX.

CSV: UTF-8 (with or without the BOM Excel writes) or, when the bytes are not UTF-8, Windows-1252
(Excel's "CSV (separado por vírgulas)" on a Brazilian Windows), else Latin-1; the delimiter is
whichever of ``;``, ``,`` or tab the header line uses most (Excel in pt-BR writes ``;``, since
the comma is the decimal separator). XLSX: the first sheet, read with openpyxl in read-only mode.
Neither holds more than one row in memory; the encoding check reads the file once, in blocks.

Each row comes with its line number in the file (the header is line 1): the line it starts on,
for a CSV record whose quoted cell spans lines. Wholly blank rows (``;;;;`` at the end of an
export) are not rows and are skipped.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls
_BLOCK = 1 << 20
_CP1252_HOLES = frozenset(b"\x81\x8d\x8f\x90\x9d")
"""Bytes Windows-1252 leaves undefined: a file with one of them is read as Latin-1."""

Cell = str | int | float | bool | datetime | date | time | None

_BROKEN_XLSX = (ValueError, KeyError, TypeError, zipfile.BadZipFile, SyntaxError, OSError, EOFError)
"""What openpyxl raises on a damaged workbook (``xml.etree``'s ParseError is a SyntaxError)."""


class FileProblem(ValueError):
    """The file cannot be read as a spreadsheet; the message names the file (and line)."""


@dataclass
class Sheet:
    """An open spreadsheet: its header, its rows, and how far reading has gone.

    ``progress()`` and ``total`` are in bytes for a CSV and rows for an XLSX (``total`` may be
    ``None`` when the XLSX does not say how many rows it has).
    """

    name: str
    kind: str
    headers: list[str]
    rows: Iterator[tuple[int, list[Cell]]]
    total: int | None
    position: Any
    encoding: str | None = None
    delimiter: str | None = None

    def progress(self) -> int:
        return int(self.position())


def kind_of(path: Path, head: bytes, declared: str | None = None, *, name: str = "") -> str:
    """``csv`` or ``xlsx`` from the file's first bytes, its name and (over HTTP) its declared type;
    anything else is a :class:`FileProblem` (``name`` is how it calls the file)."""
    name = name or path.name
    suffix = path.suffix.lower()
    declared = (declared or "").split(";")[0].strip().lower()
    if head.startswith(_ZIP_MAGIC):
        if suffix in CSV_SUFFIXES:
            raise FileProblem(
                f"{name}: o arquivo é compactado (zip), não CSV / the file is a zip archive, not CSV"
            )
        return "xlsx"
    if head.startswith(_OLE_MAGIC):
        raise FileProblem(
            f"{name}: planilha do Excel antiga (.xls) não é aceita; salve como .xlsx ou CSV / old "
            "Excel workbook (.xls) is not accepted; save it as .xlsx or CSV"
        )
    if suffix in XLSX_SUFFIXES or "spreadsheetml" in declared:
        raise FileProblem(
            f"{name}: não é um XLSX válido (não é um arquivo zip) / not a valid XLSX (not a zip file)"
        )
    textual = (
        suffix in CSV_SUFFIXES or declared.startswith("text/") or declared == "application/csv"
    )
    if not textual and (suffix or declared not in ("", "application/octet-stream")):
        raise FileProblem(
            f"{name}: tipo de arquivo desconhecido (aceitos: CSV, XLSX) / unknown file type "
            "(accepted: CSV, XLSX)"
        )
    if b"\x00" in head:
        raise FileProblem(
            f"{name}: arquivo binário, não CSV (aceitos: CSV, XLSX) / binary file, not CSV "
            "(accepted: CSV, XLSX)"
        )
    return "csv"


@contextmanager
def open_sheet(
    path: Path, *, name: str | None = None, declared: str | None = None
) -> Iterator[Sheet]:
    """The spreadsheet at ``path`` (``name`` is how errors call it; the path's name by default)."""
    shown = name or path.name
    try:
        with path.open("rb") as probe:
            head = probe.read(8)
    except OSError as error:
        raise FileProblem(
            f"{shown}: não foi possível ler / cannot read: {error.strerror}"
        ) from None
    kind = kind_of(path, head, declared, name=shown)
    opener = _open_xlsx if kind == "xlsx" else _open_csv
    with opener(path, shown) as sheet:
        yield sheet


# -- CSV ----------------------------------------------------------------------------------------


class _Counting(io.RawIOBase):
    """A binary file that counts the bytes read from it (the progress of a CSV)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        read = self._raw.readinto(buffer)  # type: ignore[attr-defined]
        self.count += read or 0
        return int(read or 0)


def detect_encoding(path: Path) -> str:
    """``utf-8-sig`` when every byte is UTF-8 (a BOM or not), else ``cp1252``, else ``latin-1``."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    holes = False
    utf8 = True
    with path.open("rb") as raw:
        while block := raw.read(_BLOCK):
            if utf8:
                try:
                    decoder.decode(block)
                except UnicodeDecodeError:
                    utf8 = False
            if not utf8 and not holes:
                holes = not _CP1252_HOLES.isdisjoint(block)
            if not utf8 and holes:
                break
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    if utf8:
        return "utf-8-sig"
    return "latin-1" if holes else "cp1252"


def sniff_delimiter(header_line: str) -> str:
    """The delimiter the header uses most among ``;``, ``,`` and tab (``,`` when none)."""
    counts = {delimiter: header_line.count(delimiter) for delimiter in (";", ",", "\t")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


@contextmanager
def _open_csv(path: Path, shown: str) -> Iterator[Sheet]:
    encoding = detect_encoding(path)
    with path.open("rb") as raw:
        counting = _Counting(raw)
        text = io.TextIOWrapper(
            io.BufferedReader(counting, buffer_size=1 << 16), encoding=encoding, newline=""
        )
        first = text.readline()
        if not first.strip():
            raise FileProblem(
                f"{shown}:1: arquivo vazio ou sem cabeçalho na linha 1 / empty file or no header "
                "on line 1"
            )
        delimiter = sniff_delimiter(first)
        header_reader = csv.reader([first], delimiter=delimiter)
        try:
            headers = next(header_reader)
        except csv.Error as error:
            raise FileProblem(
                f"{shown}:1: cabeçalho ilegível / unreadable header: {error}"
            ) from None
        reader = csv.reader(text, delimiter=delimiter, strict=True)

        def rows() -> Iterator[tuple[int, list[Cell]]]:
            ended = 1  # the line the previous record ended on
            while True:
                try:
                    record = next(reader)
                except StopIteration:
                    return
                except csv.Error as error:
                    raise FileProblem(
                        f"{shown}:{ended + 1}: linha ilegível / unreadable line: {error}"
                    ) from None
                start, ended = ended + 1, reader.line_num + 1
                if any(cell.strip() for cell in record):
                    yield start, list(record)

        yield Sheet(
            name=shown,
            kind="csv",
            headers=headers,
            rows=rows(),
            total=path.stat().st_size,
            position=lambda: counting.count,
            encoding=encoding,
            delimiter=delimiter,
        )


# -- XLSX ---------------------------------------------------------------------------------------


@contextmanager
def _open_xlsx(path: Path, shown: str) -> Iterator[Sheet]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    raw = path.open("rb")  # a file, not a name: openpyxl would judge a name by its extension
    try:
        workbook = openpyxl.load_workbook(raw, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raw.close()
        raise FileProblem(f"{shown}: XLSX ilegível / unreadable XLSX: {error}") from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise FileProblem(f"{shown}: a planilha não tem abas / the workbook has no sheets")
        source = sheet.iter_rows(values_only=True)
        done = [0]
        try:
            header = next(source, None)
        except _BROKEN_XLSX as error:
            raise FileProblem(f"{shown}:1: XLSX ilegível / unreadable XLSX: {error}") from None
        if header is None or not any(_blank_free(cell) for cell in header):
            raise FileProblem(
                f"{shown}:1: planilha vazia ou sem cabeçalho na linha 1 / empty sheet or no "
                "header on line 1"
            )
        headers = ["" if cell is None else str(cell) for cell in header]

        def rows() -> Iterator[tuple[int, list[Cell]]]:
            line = 1
            while True:
                try:
                    values = next(source, None)
                except _BROKEN_XLSX as error:
                    raise FileProblem(
                        f"{shown}:{line + 1}: linha ilegível / unreadable row: {error}"
                    ) from None
                if values is None:
                    return
                line += 1
                done[0] = line
                cells = list(values)
                if any(_blank_free(cell) for cell in cells):
                    yield line, cells

        yield Sheet(
            name=shown,
            kind="xlsx",
            headers=headers,
            rows=rows(),
            total=sheet.max_row,
            position=lambda: done[0],
        )
    finally:
        workbook.close()
        raw.close()


def _blank_free(cell: Cell) -> bool:
    return cell is not None and (not isinstance(cell, str) or bool(cell.strip()))
