"""Blocklist feeds (rule ZG702) parsed from their text into the hosts they block.

The caller reads the file; this module only understands its content. Three formats:

- ``plain``: one domain or URL per line; ``#`` starts a comment; blank lines are ignored.
- ``urlhaus``: the abuse.ch URLhaus CSV dumps (``csv_recent``, ``csv_online``): ``#`` comment lines,
  the last of which names the columns (``# id,dateadded,url,url_status,last_online,threat,tags,
  urlhaus_link,reporter``), then one quoted row per URL.
- ``phishtank``: the PhishTank CSV (``online-valid.csv``): a header row ``phish_id,url,
  phish_detail_url,submission_time,verified,verification_time,online,target``, then one row per URL.

Each entry contributes the *host* of its URL, never a wider registrable domain: a feed listing
``evil.example.com`` must not block all of ``example.com``. Matching a message link's host against
these entries (parents included) is :func:`zapguard.domain.links.blocked_by`.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field

__all__ = ["FORMATS", "BlocklistParse", "parse_blocklist"]

FORMATS = ("auto", "plain", "urlhaus", "phishtank")

_URLHAUS_COLUMNS = (
    "id",
    "dateadded",
    "url",
    "url_status",
    "last_online",
    "threat",
    "tags",
    "urlhaus_link",
    "reporter",
)
_PHISHTANK_COLUMNS = (
    "phish_id",
    "url",
    "phish_detail_url",
    "submission_time",
    "verified",
    "verification_time",
    "online",
    "target",
)
_URLHAUS_HEADER = re.compile(r"#\s*(id\s*,\s*dateadded\s*,.*)$", re.IGNORECASE)
_COMMENT = re.compile(r"(?:^|\s)#.*")  # a "#" inside a URL is its fragment, not a comment
_SHOWN = 80  # characters of an offending value quoted in a reason


@dataclass(frozen=True, slots=True)
class BlocklistParse:
    """What a feed blocks, and the lines that could not be read (1-based line number, reason)."""

    domains: frozenset[str]
    skipped: list[tuple[int, str]] = field(default_factory=list)
    fmt: str = "plain"  # the format actually parsed (what ``auto`` detected)


def parse_blocklist(text: str, fmt: str = "auto") -> BlocklistParse:
    """Parse a blocklist feed's ``text`` in format ``fmt`` (one of :data:`FORMATS`).

    Malformed lines are skipped and reported, never fatal: a feed of thousands of lines with one bad
    row still blocks the rest. Raises :class:`ValueError` only for an unknown ``fmt``.
    """
    if fmt not in FORMATS:
        raise ValueError(
            f"formato desconhecido / unknown format: {fmt!r} "
            f"(use / expected one of: {', '.join(FORMATS)})"
        )
    lines = text.removeprefix("\ufeff").splitlines()
    if fmt == "auto":
        fmt = _detect_format(lines)
    if fmt == "plain":
        return _parse_plain(lines)
    return _parse_csv(lines, fmt)


def _detect_format(lines: list[str]) -> str:
    """``urlhaus``, ``phishtank`` or ``plain``, judged from the first lines of a feed."""
    for line in lines[:50]:
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            if _URLHAUS_HEADER.match(stripped):
                return "urlhaus"
            continue
        row = _csv_row(stripped)
        if row and row[0].strip().lower() == "phish_id":
            return "phishtank"
        # A URLhaus row whose header comment was cut off: numeric id, date, URL, ... (8-9 columns).
        if row is not None and len(row) >= 8 and row[0].isdigit() and "://" in row[2]:
            return "urlhaus"
        return "plain"
    return "plain"


def _parse_plain(lines: list[str]) -> BlocklistParse:
    domains: set[str] = set()
    skipped: list[tuple[int, str]] = []
    for number, line in enumerate(lines, start=1):
        entry = _COMMENT.sub("", line).strip()
        if not entry:
            continue
        if any(char.isspace() for char in entry):
            skipped.append(
                (
                    number,
                    f"mais de um valor na linha / more than one value on the line: {_shown(entry)}",
                )
            )
            continue
        _add(entry, number, domains, skipped)
    return BlocklistParse(frozenset(domains), skipped, "plain")


def _parse_csv(lines: list[str], fmt: str) -> BlocklistParse:
    # Line by line rather than one csv.reader over the file: neither feed puts a newline inside a
    # field, and this keeps exact line numbers and confines a stray quote to its own line.
    columns: tuple[str, ...] = _URLHAUS_COLUMNS if fmt == "urlhaus" else _PHISHTANK_COLUMNS
    domains: set[str] = set()
    skipped: list[tuple[int, str]] = []
    header_seen = False
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            header = _URLHAUS_HEADER.match(stripped) if fmt == "urlhaus" else None
            if header is not None:
                columns = tuple(name.strip().lower() for name in header.group(1).split(","))
            continue
        row = _csv_row(stripped)
        if row is None:
            skipped.append(
                (number, f"linha CSV ilegível / unreadable CSV line: {_shown(stripped)}")
            )
            continue
        if fmt == "phishtank" and not header_seen and "url" in (cell.lower() for cell in row):
            columns = tuple(cell.strip().lower() for cell in row)
            header_seen = True
            continue
        if "url" not in columns:
            skipped.append((number, "cabeçalho sem coluna url / header has no url column"))
            continue
        if len(row) != len(columns):
            skipped.append(
                (
                    number,
                    f"{len(row)} colunas, esperadas {len(columns)} / "
                    f"{len(row)} columns, expected {len(columns)}",
                )
            )
            continue
        _add(row[columns.index("url")].strip(), number, domains, skipped)
    return BlocklistParse(frozenset(domains), skipped, fmt)


def _add(value: str, number: int, domains: set[str], skipped: list[tuple[int, str]]) -> None:
    # Imported when a feed is read: the link finder loads the Public Suffix List, which the
    # command line's help (it names FORMATS) has no use for.
    from zapguard.domain.links import parse_link

    link = parse_link(value)
    if link is None:
        skipped.append(
            (number, f"domínio ou URL inválido / invalid domain or URL: {_shown(value)}")
        )
    else:
        domains.add(link.host)


def _csv_row(line: str) -> list[str] | None:
    try:
        return next(csv.reader([line], strict=True), None)
    except csv.Error:
        return None


def _shown(value: str) -> str:
    return repr(value if len(value) <= _SHOWN else value[:_SHOWN] + "…")
