"""Which column of a spreadsheet is which: headers in Portuguese or English, as people type them.

A header is compared *folded*: accents removed, case ignored, and spaces, hyphens and underscores
dropped, so "Data do Opt-In", "data_do_optin" and "DATA DO OPTIN" are one header. Only the
synonyms below are recognised, whole ("Número de WhatsApp" is not "número"): a guess that picks
the wrong column would send to the wrong people. Any other header maps with ``--column
FIELD=HEADER``; the columns left over become placeholders named by :func:`placeholder_name`
("Cidade" is ``{{cidade}}``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

PHONE = "phone"
NAME = "name"
CONSENT = "consent"
CONSENT_AT = "consent_at"
CONSENT_SOURCE = "consent_source"
CONSENT_TEXT = "consent_text"
KNOWN_FIELDS = (PHONE, NAME, CONSENT, CONSENT_AT, CONSENT_SOURCE, CONSENT_TEXT)

SYNONYMS: Mapping[str, tuple[str, ...]] = {
    PHONE: ("telefone", "celular", "whatsapp", "número", "phone", "mobile"),
    NAME: ("nome", "name"),
    CONSENT: ("consentimento", "opt-in", "aceite", "consent"),
    CONSENT_AT: ("data do consentimento", "data do opt-in", "consent_at"),
    CONSENT_SOURCE: ("origem", "fonte", "source", "consent_source"),
    CONSENT_TEXT: ("texto do consentimento", "texto do opt-in", "consent_text"),
}
"""The headers each field is recognised by (issue 9; ``consent_text`` by its own name and the
Portuguese beside it)."""

_DROPPED = re.compile(r"[\s\-_]+")
_NOT_NAME = re.compile(r"[^a-z0-9]+")


class HeaderError(ValueError):
    """The header row cannot be mapped (no phone column, two candidates, a bad ``--column``)."""


def fold(header: str) -> str:
    """``header`` without accents, case, spaces, hyphens or underscores."""
    decomposed = unicodedata.normalize("NFKD", header)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _DROPPED.sub("", bare.casefold())


def placeholder_name(header: str) -> str:
    """The placeholder a column becomes: lower-case ASCII words joined by ``_``."""
    decomposed = unicodedata.normalize("NFKD", header)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NOT_NAME.sub("_", bare.casefold()).strip("_")


_BY_FOLDED = {fold(synonym): field for field, names in SYNONYMS.items() for synonym in names}


@dataclass(frozen=True)
class ColumnMap:
    """Where each field is in a row: ``known`` maps a field of :data:`KNOWN_FIELDS` to its
    column's index; ``extra`` lists (placeholder, index) for every other column."""

    known: Mapping[str, int]
    extra: tuple[tuple[str, int], ...]
    headers: tuple[str, ...]

    @property
    def placeholders(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.extra)


def parse_column_option(option: str) -> tuple[str, str]:
    """``FIELD=HEADER`` as (field, header); the field is a known one or a placeholder name."""
    field, sep, header = option.partition("=")
    field, header = field.strip(), header.strip()
    if not sep or not field or not header:
        raise HeaderError(
            f"--column espera CAMPO=CABEÇALHO, recebeu {option!r} / --column expects "
            f"FIELD=HEADER, got {option!r}"
        )
    if field not in KNOWN_FIELDS and placeholder_name(field) != field:
        raise HeaderError(
            f"campo inválido em --column: {field!r} (use {', '.join(KNOWN_FIELDS)} ou letras "
            f"minúsculas, dígitos e _) / invalid field in --column: {field!r} (use one of "
            f"{', '.join(KNOWN_FIELDS)} or lower-case letters, digits and _)"
        )
    return field, header


def map_columns(headers: Sequence[str], overrides: Mapping[str, str], *, where: str) -> ColumnMap:
    """Map ``headers`` to fields: ``overrides`` (field → header, from ``--column``) first, then the
    synonyms. ``where`` names the file for errors (``planilha.csv:1``)."""
    cleaned = tuple(header.strip() for header in headers)
    chosen: dict[str, int] = {}
    taken: set[int] = set()
    for field, header in overrides.items():
        index = _find(cleaned, header, where)
        if index in taken:
            raise HeaderError(
                f"{where}: a coluna {header!r} foi pedida para dois campos / column {header!r} "
                "was given to two fields"
            )
        chosen[field] = index
        taken.add(index)
    for field in KNOWN_FIELDS:
        if field in chosen:
            continue
        candidates = [
            index
            for index, header in enumerate(cleaned)
            if index not in taken and _BY_FOLDED.get(fold(header)) == field
        ]
        if len(candidates) > 1:
            names = ", ".join(repr(cleaned[index]) for index in candidates)
            raise HeaderError(
                f"{where}: mais de uma coluna serve para {field!r} ({names}); escolha uma com "
                f"--column {field}=CABEÇALHO / more than one column could be {field!r} ({names}); "
                f"pick one with --column {field}=HEADER"
            )
        if candidates:
            chosen[field] = candidates[0]
            taken.add(candidates[0])
    if PHONE not in chosen:
        raise HeaderError(
            f"{where}: nenhuma coluna de telefone (esperado um destes cabeçalhos: "
            f"{', '.join(SYNONYMS[PHONE])}; ou use --column phone=CABEÇALHO); cabeçalhos "
            f"encontrados: {', '.join(repr(h) for h in cleaned)} / no phone column (expected one "
            f"of these headers, or use --column phone=HEADER)"
        )
    known = {field: index for field, index in chosen.items() if field in KNOWN_FIELDS}
    named = {index: field for field, index in chosen.items() if field not in KNOWN_FIELDS}
    extra: list[tuple[str, int]] = []
    seen: dict[str, str] = {}
    for index, header in enumerate(cleaned):
        if index in known.values():
            continue
        name = named.get(index) or placeholder_name(header) or f"coluna_{index + 1}"
        if name in seen or name in KNOWN_FIELDS:
            raise HeaderError(
                f"{where}: as colunas {seen.get(name, name)!r} e {header!r} dão o mesmo campo "
                f"{name!r}; renomeie uma com --column OUTRO_NOME={header!r} / columns "
                f"{seen.get(name, name)!r} and {header!r} give the same field {name!r}; rename one "
                f"with --column OTHER_NAME={header!r}"
            )
        seen[name] = header or f"#{index + 1}"
        extra.append((name, index))
    return ColumnMap(known=known, extra=tuple(extra), headers=cleaned)


def _find(headers: Sequence[str], wanted: str, where: str) -> int:
    """The column headed ``wanted``: exactly, else folded; an unknown header is an error."""
    for index, header in enumerate(headers):
        if header == wanted:
            return index
    folded = [index for index, header in enumerate(headers) if fold(header) == fold(wanted)]
    if len(folded) == 1:
        return folded[0]
    raise HeaderError(
        f"{where}: cabeçalho {wanted!r} de --column não encontrado; cabeçalhos: "
        f"{', '.join(repr(h) for h in headers)} / header {wanted!r} of --column not found"
    )
