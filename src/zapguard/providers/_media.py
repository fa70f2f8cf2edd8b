"""What kind of WhatsApp media a link is, judged by its file extension, the same way for every adapter.

WhatsApp shows images, videos and voice/audio inline and everything else as a document, and each
provider wants to be told which. The extensions are the ones the Cloud API lists as supported per
media type (Cloud API reference, "Supported media types": image/jpeg and image/png; video/mp4 and
video/3gpp; audio aac, amr, mp3, m4a, ogg/opus); Evolution and WAHA carry the same WhatsApp message
types, so the same table serves them. Anything unknown goes as a document, which every provider
delivers whatever the file.

An audio message has no caption on WhatsApp; rather than silently drop the words, an audio link sent
with a caption goes as a document carrying the caption.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final
from urllib.parse import unquote, urlsplit


class MediaKind(StrEnum):
    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"
    DOCUMENT = "document"


_BY_EXTENSION: Final[dict[str, tuple[MediaKind, str]]] = {
    "jpg": (MediaKind.IMAGE, "image/jpeg"),
    "jpeg": (MediaKind.IMAGE, "image/jpeg"),
    "png": (MediaKind.IMAGE, "image/png"),
    "mp4": (MediaKind.VIDEO, "video/mp4"),
    "3gp": (MediaKind.VIDEO, "video/3gpp"),
    "aac": (MediaKind.AUDIO, "audio/aac"),
    "amr": (MediaKind.AUDIO, "audio/amr"),
    "mp3": (MediaKind.AUDIO, "audio/mpeg"),
    "m4a": (MediaKind.AUDIO, "audio/mp4"),
    "ogg": (MediaKind.AUDIO, "audio/ogg"),
    "opus": (MediaKind.AUDIO, "audio/ogg"),
    "pdf": (MediaKind.DOCUMENT, "application/pdf"),
    "txt": (MediaKind.DOCUMENT, "text/plain"),
    "csv": (MediaKind.DOCUMENT, "text/csv"),
    "doc": (MediaKind.DOCUMENT, "application/msword"),
    "docx": (
        MediaKind.DOCUMENT,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "xls": (MediaKind.DOCUMENT, "application/vnd.ms-excel"),
    "xlsx": (
        MediaKind.DOCUMENT,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "ppt": (MediaKind.DOCUMENT, "application/vnd.ms-powerpoint"),
    "pptx": (
        MediaKind.DOCUMENT,
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
}
_GENERIC: Final = "application/octet-stream"


@dataclass(frozen=True, slots=True)
class Media:
    kind: MediaKind
    mimetype: str
    filename: str
    """The last path segment of the link (what a document is shown as), ``"arquivo"`` if none."""


def classify(url: str, *, caption: str | None = None) -> Media:
    """The media type WhatsApp should show the file at ``url`` as."""
    name = unquote(urlsplit(url).path.rsplit("/", 1)[-1]) or "arquivo"
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    kind, mimetype = _BY_EXTENSION.get(extension, (MediaKind.DOCUMENT, _GENERIC))
    if kind is MediaKind.AUDIO and caption:
        kind = MediaKind.DOCUMENT
    return Media(kind=kind, mimetype=mimetype, filename=name)
