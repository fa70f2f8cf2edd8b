"""The files an audit reads: a chat export (``.txt``, or a ``.zip`` holding it) or a replay log
(``.jsonl``), each opened as many times as the audit needs to read it, one line at a time."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TextIO

__all__ = ["AuditInputError", "Source", "open_lines", "position", "source_for"]


class AuditInputError(ValueError):
    """A file the audit cannot read; the message names it, in pt-BR and English."""


@dataclass(frozen=True, slots=True)
class Source:
    path: Path
    kind: Literal["export", "jsonl"]
    member: str | None = None
    """The ``.txt`` inside a ``.zip`` export."""

    @property
    def name(self) -> str:
        """How reports and errors name the file: ``export.zip:_chat.txt`` for a zip's member."""
        return f"{self.path.name}:{self.member}" if self.member else self.path.name

    @property
    def size(self) -> int:
        """Bytes of text to read (the uncompressed member of a zip), for progress."""
        if self.member is None:
            return self.path.stat().st_size
        with zipfile.ZipFile(self.path) as archive:
            return archive.getinfo(self.member).file_size


def source_for(path: Path) -> Source:
    """The source ``path`` names: ``.jsonl`` is a replay log; ``.zip`` must hold one ``.txt``
    (``_chat.txt`` on iOS, ``WhatsApp Chat with ....txt`` on Android); anything else is read as an
    export."""
    if not path.is_file():
        raise AuditInputError(f"{path}: arquivo não encontrado / file not found")
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return Source(path, "jsonl")
    if suffix != ".zip":
        return Source(path, "export")
    try:
        with zipfile.ZipFile(path) as archive:
            texts = [
                info.filename
                for info in archive.infolist()
                if info.filename.lower().endswith(".txt") and not info.is_dir()
            ]
    except zipfile.BadZipFile:
        raise AuditInputError(
            f"{path}: não é um arquivo zip válido / not a valid zip file"
        ) from None
    if not texts:
        raise AuditInputError(
            f"{path}: o zip não contém a conversa (.txt) / the zip holds no chat (.txt)"
        )
    chat = next((name for name in texts if Path(name).name == "_chat.txt"), None)
    if chat is None and len(texts) > 1:
        raise AuditInputError(
            f"{path}: o zip contém vários .txt ({', '.join(texts)}); extraia a conversa / the zip "
            "holds several .txt files; extract the chat"
        )
    return Source(path, "export", chat or texts[0])


@contextmanager
def open_lines(source: Source) -> Iterator[TextIO]:
    """The source as text (UTF-8, a leading byte-order mark dropped), read a line at a time by
    iterating it; :func:`position` tells how far it has been read."""
    try:
        if source.member is None:
            with source.path.open(encoding="utf-8-sig") as text:
                yield text
            return
        with (
            zipfile.ZipFile(source.path) as archive,
            archive.open(source.member) as raw,
            io.TextIOWrapper(raw, encoding="utf-8-sig") as text,
        ):
            yield text
    except UnicodeDecodeError as error:
        raise AuditInputError(
            f"{source.name}: não é texto UTF-8 / not UTF-8 text ({error.reason})"
        ) from None


def position(text: TextIO) -> int:
    """Bytes of ``text`` read so far (of the uncompressed member, for a zip); the buffer's position,
    so it runs ahead of the lines handed out by at most one buffer."""
    return int(text.buffer.tell())
