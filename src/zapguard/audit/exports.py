"""WhatsApp chat exports (``.txt``), read line by line with the standard library.

Shapes read (one header per message; a line without a header continues the message above it):

- Android: ``12/03/2024 14:05 - Maria: oi`` (pt-BR), ``3/12/24, 2:05 PM - Maria: hi`` (en-US, with
  U+202F, the narrow no-break space, before ``PM`` on recent versions). A header without
  ``author:`` is a system line (``... - As mensagens e as chamadas são protegidas ...``).
- iOS: ``[12/03/2024, 14:05:33] Maria: oi`` and ``[3/12/24, 2:05:33 PM] Maria: hi``, often with a
  U+200E (left-to-right mark) before ``[`` and before the text of attachments and notices. iOS
  attributes notices to the chat's name (``[...] Maria: ‎Messages and calls are end-to-end
  encrypted...``): a text that is a known notice is a system line whoever it is attributed to.

Day or month first: the first header whose first field is above 12 says day first; one whose second
field is above 12 says month first; else a word of the language (``<Mídia oculta>``, ``Mensagem
apagada``, ``criptografia`` → pt-BR, day first; ``<Media omitted>``, ``end-to-end encrypted`` →
en-US, month first); else pt-BR's day first. :func:`sniff` decides it from the file before the
messages are read.

Times carry no zone: :class:`ChatLine` holds the wall-clock time as written; the caller places it
in a zone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

__all__ = [
    "ChatLine",
    "DateOrder",
    "ExportFormat",
    "ExportShape",
    "NotAChatExport",
    "read_export",
    "sniff",
]

ExportFormat = Literal["android", "ios"]

_LRM = "\u200e"
_MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\ufeff"
_SPACES = "[ \u00a0\u202f]"  # AM/PM follows a space, a no-break space or a narrow no-break space
_AMPM = rf"(?:{_SPACES}?(?P<ampm>[AaPp]\.?{_SPACES}?[Mm]\.?))?"

_ANDROID = re.compile(
    r"[\u200e\u200f\ufeff]*(?P<a>\d{1,2})[/.\-](?P<b>\d{1,2})[/.\-](?P<y>\d{2,4}),? (?P<h>\d{1,2}):(?P<m>\d{2})"
    rf"(?::(?P<s>\d{{2}}))?{_AMPM} [-\u2013] (?P<body>[^\r\n]*)",
)
_IOS = re.compile(
    r"[\u200e\u200f\ufeff]*\[(?P<a>\d{1,2})[/.\-](?P<b>\d{1,2})[/.\-](?P<y>\d{2,4}),? (?P<h>\d{1,2}):(?P<m>\d{2})"
    rf"(?::(?P<s>\d{{2}}))?{_AMPM}\] (?P<body>[^\r\n]*)",
)
_HEADERS: dict[ExportFormat, re.Pattern[str]] = {"android": _ANDROID, "ios": _IOS}

# Notices WhatsApp writes into a chat, in both languages; matched at the start of the text.
_NOTICE = re.compile(
    r"(?:as mensagens e (?:as )?(?:chamadas|ligações) (?:são|estão) protegidas"
    r"|mensagens e ligações são protegidas"
    r"|messages and calls are end-to-end encrypted"
    r"|messages to this (?:chat|group) are now secured"
    r"|mensagens temporárias|disappearing messages"
    r"|seu código de segurança com|your security code with"
    r"|esta empresa (?:usa|trabalha)|this business (?:uses|is working)"
    r"|este chat é com uma empresa|this chat is with a business"
    r"|você bloqueou este contato|you blocked this contact"
    r"|você desbloqueou este contato|you unblocked this contact)",
    re.IGNORECASE,
)
# The notices' first four letters: a message that starts otherwise is not tried against _NOTICE.
_NOTICE_STARTS = frozenset(
    ("as m", "mens", "mess", "seu ", "your", "esta", "this", "este", "você", "you ")
)
# Group events: system lines only where WhatsApp marks them (iOS: a U+200E before the text), never
# a person's "I left the keys" on Android.
_EVENT = re.compile(
    r"(?:.{1,80}? (?:criou (?:o )?grupo|created (?:the )?group|adicionou|added|removeu|removed"
    r"|saiu|left|entrou usando|joined using|mudou (?:o assunto|a descrição|a imagem|o ícone"
    r"|para)|changed (?:the subject|the group|this group|their phone|to))"
    r"|você (?:criou|entrou|saiu|foi adicionad[oa])|you (?:created|joined|left|were added))",
    re.IGNORECASE,
)
_MEDIA = re.compile(
    r"(?:<(?:mídia oculta|media omitted)>"
    r"|(?:imagem|image|vídeo|video|áudio|audio|figurinha|sticker|documento|document|gif|contato"
    r"|contact card|cartão de contato|gif) (?:ocultad[oa]|omitid[oa]|omitted)"
    r"|<(?:anexado|attached): [^>]*>"
    r"|.{1,200}? \((?:arquivo anexado|file attached)\)"
    r"|(?:localização|location): \S+)$",
    re.IGNORECASE | re.DOTALL,
)
_DELETED = re.compile(
    r"(?:mensagem apagada|esta mensagem foi apagada|você apagou esta mensagem|this message was "
    r"deleted|you deleted this message)\.?$",
    re.IGNORECASE,
)
_PT_WORDS = re.compile(
    r"mídia oculta|mensagem apagada|criptografia|ocultad[ao]|omitid[ao]|foi apagada|apagou",
    re.IGNORECASE,
)
_EN_WORDS = re.compile(
    r"media omitted|message was deleted|end-to-end encrypted| omitted|you deleted", re.IGNORECASE
)


class NotAChatExport(ValueError):
    """The text is not a WhatsApp export: names the line that could not be read."""

    def __init__(self, line_number: int, text: str) -> None:
        shown = text.strip()
        shown = shown if len(shown) <= 80 else shown[:77] + "..."
        super().__init__(
            f"linha {line_number}: não é uma conversa exportada do WhatsApp (esperado "
            f"'12/03/2024 14:05 - Nome: texto' ou '[12/03/2024, 14:05:33] Nome: texto') / line "
            f"{line_number}: not a WhatsApp chat export (expected one of those shapes): {shown!r}"
        )
        self.line_number = line_number


@dataclass(frozen=True, slots=True)
class DateOrder:
    day_first: bool
    why: str
    """How it was decided: ``field>12``, ``words``, or ``default``."""


@dataclass(frozen=True, slots=True)
class ExportShape:
    format: ExportFormat
    order: DateOrder
    language: Literal["pt-BR", "en-US"]


@dataclass(slots=True)
class ChatLine:
    """One message or system line of an export, its continuation lines joined with newlines."""

    line_number: int
    at: datetime
    author: str | None
    """None for a system line."""
    text: str
    kind: Literal["message", "media", "deleted", "system"]
    has_seconds: bool


def _strip_marks(text: str) -> str:
    return text.lstrip(_MARKS)


def sniff(lines: Iterable[str]) -> ExportShape:
    """The export's format, day/month order and language, read from its first headers (reading on
    until a date field above 12 settles the order, or the end). Raises :class:`NotAChatExport`
    when the first non-blank line is not a header."""
    fmt: ExportFormat | None = None
    pattern: re.Pattern[str] | None = None
    order: DateOrder | None = None
    pt = en = 0
    for number, raw in enumerate(lines, start=1):
        text = _strip_marks(raw.rstrip("\r\n"))
        if fmt is None:
            if not text.strip():
                continue
            for name, candidate in _HEADERS.items():
                if candidate.match(text):
                    fmt, pattern = name, candidate
                    break
            else:
                raise NotAChatExport(number, raw)
        assert pattern is not None
        match = pattern.match(text)
        if match is None:
            continue
        if order is None:
            first, second = int(match["a"]), int(match["b"])
            if first > 12:
                order = DateOrder(True, "field>12")
            elif second > 12:
                order = DateOrder(False, "field>12")
        body = match["body"]
        if _PT_WORDS.search(body):
            pt += 1
        elif _EN_WORDS.search(body):
            en += 1
        if order is not None and (pt or en):
            break
    if fmt is None:
        raise NotAChatExport(1, "")
    language: Literal["pt-BR", "en-US"] = "en-US" if en > pt else "pt-BR"
    if order is None:
        order = DateOrder(language == "pt-BR", "words" if (pt or en) else "default")
    return ExportShape(fmt, order, language)


def read_export(lines: Iterable[str], shape: ExportShape) -> Iterator[ChatLine]:
    """Every message and system line of the export, in file order. A header whose date cannot be a
    date (month 13, hour 25) raises :class:`NotAChatExport` naming its line."""
    match_header = _HEADERS[shape.format].match
    day_first = shape.order.day_first
    pending: ChatLine | None = None
    extra: list[str] = []
    number = 0
    # Consecutive messages often share their minute: the instant of a header prefix seen just
    # before is not parsed again.
    last_prefix, last_at = "", datetime.min
    for number, raw in enumerate(lines, start=1):
        match = match_header(raw)
        if match is None:
            if pending is None:
                if raw.strip(_MARKS + " \t\r\n"):
                    raise NotAChatExport(number, raw)
                continue
            extra.append(raw.rstrip("\r\n"))
            continue
        if pending is not None:
            yield _finish(pending, extra) if extra or pending.kind == "message" else pending
            extra = []
        prefix = raw[: match.start("body")]
        if prefix != last_prefix:
            last_prefix, last_at = prefix, _instant(match, number, day_first)
        pending = _header(match, number, last_at)
    if pending is None:
        raise NotAChatExport(max(number, 1), "")
    yield _finish(pending, extra)


def _instant(match: re.Match[str], number: int, day_first: bool) -> datetime:
    a, b, year = int(match["a"]), int(match["b"]), int(match["y"])
    day, month = (a, b) if day_first else (b, a)
    hour, minute = int(match["h"]), int(match["m"])
    seconds = match["s"]
    ampm = match["ampm"]
    if ampm is not None:
        if not 1 <= hour <= 12:
            raise NotAChatExport(number, match.string)
        hour = hour % 12 + (12 if ampm[0] in "Pp" else 0)
    try:
        return datetime(
            year + 2000 if year < 100 else year,
            month,
            day,
            hour,
            minute,
            int(seconds) if seconds else 0,
        )
    except ValueError:
        raise NotAChatExport(number, match.string) from None


def _header(match: re.Match[str], number: int, at: datetime) -> ChatLine:
    body = match["body"]
    seconds = match["s"] is not None
    author, sep, said = body.partition(": ")
    if not sep:
        return ChatLine(number, at, None, body.lstrip(_MARKS), "system", seconds)
    if said[:1] in _MARKS:
        marked = said[0] == _LRM
        said = said.lstrip(_MARKS)
        if _is_notice(said) or (marked and _EVENT.match(said)):
            return ChatLine(number, at, None, said, "system", seconds)
    elif _is_notice(said):  # a notice attributed to the chat's name without a mark
        return ChatLine(number, at, None, said, "system", seconds)
    elif _is_notice(body):  # Android writes a notice whole; one holding ": " starts the body
        return ChatLine(number, at, None, body, "system", seconds)
    return ChatLine(number, at, author.lstrip(_MARKS).strip(), said, "message", seconds)


def _is_notice(text: str) -> bool:
    return text[:4].lower() in _NOTICE_STARTS and _NOTICE.match(text) is not None


def _finish(line: ChatLine, extra: list[str]) -> ChatLine:
    if extra:
        line.text = "\n".join([line.text, *extra])
    text = line.text
    # Placeholders are short, or end as an attachment's do: other messages skip the patterns.
    if line.kind == "message" and (len(text) <= 48 or text.endswith((")", ">"))):
        stripped = text.strip(_MARKS + " ")
        if _DELETED.match(stripped):
            line.kind = "deleted"
        elif _MEDIA.match(stripped):
            line.kind = "media"
    return line
