"""A campaign's text: spintax for variation, placeholders from the audience's columns.

Syntax (parsed once into a tree, rendered once per contact):

* ``{Olá|Oi|E aí}`` picks one alternative; alternatives nest to any depth up to
  :data:`MAX_DEPTH` (``{Olá|Oi{, tudo bem|}}``) and may be empty (``{!|}``).
* ``{{name}}`` (spaces allowed inside: ``{{ nome }}``) is the contact's value for a column of the
  audience. Column names match ignoring case, accents, spaces, hyphens and underscores, as audience
  headers do (``{{Nome}}`` finds the column ``nome``). A value that is missing or blank is an error
  naming the field and the contact: never a blank in a sent message.
* ``\\{``, ``\\}``, ``\\|`` and ``\\\\`` are the characters themselves; ``|`` outside braces is text.
* A group without ``|`` (``{name}``) is refused: it is almost always a placeholder missing a brace.

Rendering draws each choice from ``random.Random(seed)``: the same seed (the campaign and the contact)
gives the same text after a restart. Variants are counted the way ZG505 compares texts (case and
white space folded, :func:`zapguard.policy.volume.fingerprint`), with placeholders held fixed: two
contacts called Maria get the same text, so names are not counted as variation.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from zapguard.policy.volume import fingerprint

__all__ = [
    "MAX_DEPTH",
    "Choice",
    "Field",
    "MissingField",
    "Node",
    "Template",
    "TemplateError",
    "Text",
    "VariantCount",
    "count_variants",
    "field_key",
    "missing_columns",
    "parse",
    "render",
    "variants",
]

MAX_DEPTH = 100
"""Deepest nesting of spintax groups accepted; far past anything a person writes, and shallow
enough for the recursive walks below."""

_PLACEHOLDER = re.compile(r"\{\{\s*([^\W\d][\w.\-]*)\s*\}\}")
_ESCAPABLE = "{}|\\"


class TemplateError(ValueError):
    """A template that cannot be used, in pt-BR and English, with where (line, column; 1-based)."""

    def __init__(self, pt: str, en: str, *, line: int | None = None, column: int | None = None):
        self.pt, self.en, self.line, self.column = pt, en, line, column
        super().__init__(f"{pt} / {en}")


class MissingField(TemplateError):
    """A placeholder without a value for a contact."""

    def __init__(self, fields: list[str], *, contact: str | None, row: int | None) -> None:
        self.fields = fields
        self.contact, self.row = contact, row
        names = ", ".join(fields)
        who_pt = " ".join(
            part
            for part in (
                f"do contato {contact}" if contact else "",
                f"(linha {row})" if row else "",
            )
            if part
        )
        who_en = " ".join(
            part
            for part in (f"for contact {contact}" if contact else "", f"(row {row})" if row else "")
            if part
        )
        super().__init__(
            f"sem valor para {{{{{names}}}}} {who_pt}".strip(),
            f"no value for {{{{{names}}}}} {who_en}".strip(),
        )


@dataclass(frozen=True, slots=True)
class Text:
    value: str


@dataclass(frozen=True, slots=True)
class Field:
    name: str


@dataclass(frozen=True, slots=True)
class Choice:
    options: tuple[tuple[Node, ...], ...]


Node = Text | Field | Choice


@dataclass(frozen=True, slots=True)
class Template:
    source: str
    nodes: tuple[Node, ...]
    fields: tuple[str, ...]
    """The placeholders used, in order of first appearance."""


@dataclass(frozen=True, slots=True)
class VariantCount:
    distinct: int
    """Distinct texts after folding case and white space (ZG505's notion of identical)."""
    exact: bool
    """False when there are more than the enumeration limit: ``distinct`` is then that limit."""
    combinations: int
    """Ways of choosing, before folding (an upper bound of ``distinct``)."""


def field_key(name: str) -> str:
    """A column or placeholder name folded for matching: no case, accents, spaces, ``-`` or ``_``."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c) and c not in " -_\t")


def parse(source: str) -> Template:
    """``source`` as a tree; :class:`TemplateError` (with line and column) when malformed."""
    # Each frame is an open group: where it opened, its finished options, the option being read.
    root: list[Node] = []
    frames: list[tuple[int, list[tuple[Node, ...]], list[Node]]] = []
    current = root
    buffer: list[str] = []
    fields: dict[str, None] = {}

    def flush() -> None:
        if buffer:
            current.append(Text("".join(buffer)))
            buffer.clear()

    i, end = 0, len(source)
    while i < end:
        char = source[i]
        if char == "\\" and i + 1 < end and source[i + 1] in _ESCAPABLE:
            buffer.append(source[i + 1])
            i += 2
            continue
        if char == "{":
            match = _PLACEHOLDER.match(source, i)
            if match is not None:
                flush()
                current.append(Field(match[1]))
                fields.setdefault(match[1], None)
                i = match.end()
                continue
            if len(frames) >= MAX_DEPTH:
                raise _error(
                    source,
                    i,
                    f"mais de {MAX_DEPTH} níveis de chaves",
                    f"over {MAX_DEPTH} levels of braces",
                )
            flush()
            frames.append((i, [], current))
            current = []
            i += 1
            continue
        if char == "|" and frames:
            flush()
            frames[-1][1].append(tuple(current))
            current = []
            i += 1
            continue
        if char == "}":
            if not frames:
                raise _error(
                    source,
                    i,
                    "'}' sem '{' correspondente (use \\} para o caractere)",
                    "'}' without a matching '{' (write \\} for the character)",
                )
            flush()
            opened, options, parent = frames.pop()
            options.append(tuple(current))
            if len(options) < 2:
                raise _error(
                    source,
                    opened,
                    "grupo sem alternativas: use {a|b} para variar, {{campo}} para um campo ou "
                    "\\{ para a chave",
                    "group without alternatives: write {a|b} to vary, {{field}} for a field or "
                    "\\{ for the brace",
                )
            current = parent
            current.append(Choice(tuple(options)))
            i += 1
            continue
        buffer.append(char)
        i += 1
    if frames:
        raise _error(
            source,
            frames[-1][0],
            "'{' aberta e nunca fechada (use \\{ para o caractere)",
            "'{' opened and never closed (write \\{ for the character)",
        )
    flush()
    return Template(source, tuple(root), tuple(fields))


def render(
    template: Template,
    values: Mapping[str, str | None],
    *,
    seed: str | int,
    contact: str | None = None,
    row: int | None = None,
) -> str:
    """The text for one contact: each choice drawn from ``random.Random(seed)``.

    Every placeholder of the template needs a non-blank value, even one inside an alternative this
    seed does not pick: whether a contact can be sent to never depends on a draw."""
    resolved = _resolve(template, values, contact=contact, row=row)
    chooser = random.Random(seed)
    out: list[str] = []
    _render(template.nodes, resolved, chooser, out)
    return "".join(out)


def variants(
    template: Template, values: Mapping[str, str | None] | None = None, *, limit: int = 10_000
) -> tuple[list[str], bool]:
    """Every distinct text the template can produce (at most ``limit``), and whether that is all.

    Placeholders stay as ``{{name}}`` unless ``values`` fills them."""
    filled = (
        {name: "{{" + name + "}}" for name in template.fields}
        if values is None
        else _resolve(template, values, contact=None, row=None)
    )
    texts, complete = _expand(template.nodes, filled, limit)
    return list(texts), complete


def count_variants(template: Template, *, limit: int = 10_000) -> VariantCount:
    texts, complete = variants(template, limit=limit)
    distinct = len({fingerprint(text) for text in texts}) if complete else limit
    return VariantCount(distinct, complete, _combinations(template.nodes))


def missing_columns(template: Template, columns: Iterable[str]) -> list[str]:
    """The template's placeholders that no column of the audience answers (matched as
    :func:`field_key` folds names): a campaign naming one cannot be created."""
    known = {field_key(column) for column in columns}
    return [name for name in template.fields if field_key(name) not in known]


def _resolve(
    template: Template, values: Mapping[str, str | None], *, contact: str | None, row: int | None
) -> dict[str, str]:
    folded = {field_key(key): value for key, value in values.items()}
    resolved: dict[str, str] = {}
    missing: list[str] = []
    for name in template.fields:
        value = values.get(name)
        if value is None:
            value = folded.get(field_key(name))
        if value is None or not value.strip():
            missing.append(name)
        else:
            resolved[name] = value
    if missing:
        raise MissingField(missing, contact=contact, row=row)
    return resolved


def _render(
    nodes: tuple[Node, ...], values: Mapping[str, str], chooser: random.Random, out: list[str]
) -> None:
    for node in nodes:
        if isinstance(node, Text):
            out.append(node.value)
        elif isinstance(node, Field):
            out.append(values[node.name])
        else:
            _render(node.options[chooser.randrange(len(node.options))], values, chooser, out)


def _expand(
    nodes: tuple[Node, ...], values: Mapping[str, str], limit: int
) -> tuple[dict[str, None], bool]:
    """Distinct concatenations, in first-seen order. A subtree's distinct texts never outnumber the
    whole's (fixing the rest maps them one-to-one), so stopping at ``limit`` anywhere is sound."""
    texts: dict[str, None] = {"": None}
    for node in nodes:
        if isinstance(node, Text):
            parts: dict[str, None] = {node.value: None}
        elif isinstance(node, Field):
            parts = {values[node.name]: None}
        else:
            parts = {}
            for option in node.options:
                found, complete = _expand(option, values, limit)
                parts.update(found)
                if not complete or len(parts) > limit:
                    return dict.fromkeys(list(parts)[:limit]), False
        joined: dict[str, None] = {}
        for head in texts:
            for tail in parts:
                joined[head + tail] = None
                if len(joined) > limit:
                    return dict.fromkeys(list(joined)[:limit]), False
        texts = joined
    return texts, True


def _combinations(nodes: tuple[Node, ...]) -> int:
    total = 1
    for node in nodes:
        if isinstance(node, Choice):
            total *= sum(_combinations(option) for option in node.options)
    return total


def _error(source: str, index: int, pt: str, en: str) -> TemplateError:
    line = source.count("\n", 0, index) + 1
    column = index - (source.rfind("\n", 0, index) + 1) + 1
    return TemplateError(
        f"texto da campanha, linha {line}, coluna {column}: {pt}",
        f"campaign text, line {line}, column {column}: {en}",
        line=line,
        column=column,
    )
