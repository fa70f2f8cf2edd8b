"""Links in a message text, found the way WhatsApp finds them (rules ZG701-ZG703).

WhatsApp turns into a tappable link more than ``https://`` URLs: ``http://`` URLs, anything starting
with ``www.``, and a bare ``name.suffix`` whose suffix is a real top-level domain (``loja.com.br/oferta``,
``EXAMPLE.COM``). It leaves alone words that merely contain a dot (``arquivo.txt``, ``versao1.2``),
turns ``ana@loja.com.br`` into an e-mail address rather than a web link, and drops the punctuation that
ends the sentence around a link (``Veja www.loja.com.br/promo.``), keeping a closing parenthesis only
when the link opened it (``.../Rio_(cidade)``). A link typed without a scheme is opened over plain
HTTP, which is why ZG701 treats it differently from an explicit ``https://``.

Detection is one compiled regular expression for candidates, then a check of the host against the
Public Suffix List bundled with ``tldextract`` (never fetched, never cached on disk), so it is cheap
enough to run on every outgoing message. Hosts are lower case and IDNA-decoded (``xn--caf-dma.com``
and ``café.com`` are one host), so blocklist entries and message links compare equal.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import tldextract

__all__ = ["Link", "blocked_by", "find_links", "parse_link"]

# The bundled snapshot only: no suffix list download, no cache directory written.
_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)
_EXTRACT.extract_str("example.com")  # read the snapshot now, at import, not on the first message

_LABEL = r"[^\W_](?:[^\W_]|-)*"  # letters (any script) and digits, hyphens inside; no underscore
_TRAILING = ".,;:!?'\"*_~"  # sentence punctuation and WhatsApp's *bold* _italic_ ~strike~ markers
_CLOSERS = {")": "(", "]": "[", "}": "{"}

_CANDIDATE = re.compile(
    rf"""
    (?<![^\W_])(?<![@.+\-])             # not inside a word, an e-mail address or a longer host
    (?:(?P<scheme>[a-z][a-z0-9+.\-]{{0,31}})://(?:[^\s/?#@]*@)?)?
    (?P<host>\[[0-9a-f:.]+\]|{_LABEL}(?:\.{_LABEL})+)
    (?::(?P<port>[0-9]{{1,5}}))?
    (?![^\W_]|[@\-])                    # "joao.com@gmail.com" is an e-mail, not joao.com
    (?P<tail>[/?#]\S*|[.,;:!?)\]}}'"*_~]+)?
    """,
    re.IGNORECASE | re.VERBOSE,
)


_WORD = re.compile(r"\S+")


@dataclass(frozen=True, slots=True)
class Link:
    """One link in a text.

    ``raw`` is the candidate as it stands in the text, possibly with the punctuation that follows it;
    ``url`` is the link itself (``raw`` without that punctuation, no scheme added).
    """

    raw: str
    url: str
    scheme: str | None
    host: str
    domain: str


# An IP address is all digits and dots (v4) or holds a colon (v6); a host name never does.
_MAYBE_IP = re.compile(r"^[\d.]+$|:")


def find_links(text: str) -> list[Link]:
    """Every link WhatsApp would make tappable in ``text``, in order. Never raises."""
    return list(_links_in(text))


# A submit looks at the same text twice (the snapshot's blocklist lookup, then the rules): parse once.
@lru_cache(maxsize=1024)
def _links_in(text: str) -> tuple[Link, ...]:
    links: list[Link] = []
    # A candidate never spans white space and always holds a dot or a bracket: search only the
    # words that do (most words of a message don't), with the whole text still visible to the
    # look-behinds.
    if "." not in text and "[" not in text:
        return ()
    for word in _WORD.finditer(text):
        if "." not in word[0] and "[" not in word[0]:
            continue
        for match in _CANDIDATE.finditer(text, word.start(), word.end()):
            link = _link(match, in_text=True)
            if link is not None:
                links.append(link)
    return tuple(links)


def parse_link(value: str) -> Link | None:
    """``value`` (a whole string: a URL or a bare host) as a link, or None when it is not one.

    Unlike :func:`find_links`, a bare IP address counts: a blocklist entry ``1.2.3.4`` is a host.
    """
    match = _CANDIDATE.fullmatch(value.strip())
    return None if match is None else _link(match, in_text=False)


def blocked_by(host: str, blocked: frozenset[str]) -> str | None:
    """The entry of ``blocked`` that covers ``host``: the host itself or a parent domain, else None.

    Subdomains of a blocked domain are blocked (``a.b.evil.com`` by ``evil.com``); an IP address only
    by itself.
    """
    host = host.lower().rstrip(".")
    if host in blocked:
        return host
    if _ip(host) is not None:
        return None
    labels = host.split(".")
    for start in range(1, len(labels)):
        parent = ".".join(labels[start:])
        if parent in blocked:
            return parent
    return None


def _link(match: re.Match[str], *, in_text: bool) -> Link | None:
    scheme = match["scheme"]
    tail = match["tail"] or ""
    resolved = _resolve(match["host"])
    if resolved is None:
        return None
    host, domain = resolved
    if in_text and scheme is None and _ip(host) is not None:
        # A bare dotted number ("1.2.3.4") reads as a version or a price; with a port or a path it is
        # an address. A bare IPv6 literal is never linked.
        has_path = tail[:1] in ("/", "?", "#")
        if ":" in host or not (match["port"] or has_path):
            return None
    raw = match[0]
    return Link(
        raw=raw,
        url=_strip_trailing(raw),
        scheme=scheme.lower() if scheme else None,
        host=host,
        domain=domain,
    )


@lru_cache(maxsize=16384)
def _resolve(host_text: str) -> tuple[str, str] | None:
    """(host, registrable domain) for a host as typed, or None when it is not a real host."""
    if len(host_text) > 253:
        return None
    if host_text.startswith("["):
        ip = _ip(host_text[1:-1])
        return None if ip is None or ip.version != 6 else (str(ip), str(ip))
    host = _normalize_host(host_text)
    if len(host) > 253 or any(len(label) > 63 for label in host.split(".")):
        return None
    if host.replace(".", "").isdigit():
        ip = _ip(host)
        return None if ip is None else (str(ip), str(ip))
    parts = _EXTRACT.extract_str(host)
    if not parts.suffix or not parts.domain:
        return None
    return host, f"{parts.domain}.{parts.suffix}"


def _normalize_host(host: str) -> str:
    labels = unicodedata.normalize("NFC", host).lower().split(".")
    return ".".join(_decode_punycode(label) for label in labels)


def _decode_punycode(label: str) -> str:
    if not label.startswith("xn--"):
        return label
    try:
        decoded = label[4:].encode("ascii").decode("punycode").lower()
    except (UnicodeError, ValueError):
        return label  # not valid punycode: compare it as typed
    return decoded or label  # a bare "xn--" decodes to nothing: an empty label is no label


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not _MAYBE_IP.match(text):
        return None  # a host name: skip the exception-driven parse, this runs on every message
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _strip_trailing(url: str) -> str:
    while url:
        last = url[-1]
        if last in _TRAILING or (last in _CLOSERS and url.count(_CLOSERS[last]) < url.count(last)):
            url = url[:-1]
        else:
            break
    return url
