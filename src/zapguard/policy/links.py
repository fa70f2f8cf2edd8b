"""Seed tip 7: no links that are not HTTPS or that were flagged as spam; short links on a trusted domain.

Links are found the way WhatsApp finds them (:mod:`zapguard.domain.links`). ZG701 rejects explicit
``http://`` and warns on links without a scheme (WhatsApp may open them without TLS). ZG702 rejects a
link whose host, or a parent domain of it, is blocklisted. ZG703 rewrites long links through the
tenant's own short-link domain once one is configured, and warns on public shorteners, whose domains
are shared with spammers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from zapguard.domain.links import Link, blocked_by, find_links
from zapguard.domain.models import Finding, Severity
from zapguard.policy.catalogue import finding
from zapguard.policy.config import LinksConfig
from zapguard.policy.context import Context

__all__ = ["Rewrite", "check_message", "rewrite", "rewrite_finding", "short_code"]

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True, slots=True)
class Rewrite:
    text: str
    short_links: tuple[tuple[str, str], ...]


def check_message(ctx: Context) -> Iterator[Finding]:
    links = find_links(ctx.message.text) if ctx.message.text else []
    if ctx.message.media_url:
        links += find_links(ctx.message.media_url)
    config = ctx.config.links
    blocked = ctx.snapshot.blocked_domains | frozenset(d.lower() for d in config.blocked_domains)
    for link in links:
        yield from _scheme(link)
        entry = blocked_by(link.host, blocked)
        if entry is not None:
            yield finding(
                "ZG702",
                f"O link {link.url} aponta para {entry}, marcado como spam.",
                f"Link {link.url} points to {entry}, flagged as spam.",
            )
        if link.domain in config.public_shorteners:
            yield finding(
                "ZG703",
                f"O link {link.url} usa um encurtador público ({link.domain}); use o domínio "
                "próprio da empresa.",
                f"Link {link.url} uses a public shortener ({link.domain}); use the business's own "
                "domain.",
                severity=Severity.WARN,
            )


def _scheme(link: Link) -> Iterator[Finding]:
    if link.scheme == "https":
        return
    if link.scheme is None:
        yield finding(
            "ZG701",
            f"O link {link.url} não tem https://; o WhatsApp pode abri-lo sem criptografia.",
            f"Link {link.url} has no https://; WhatsApp may open it without TLS.",
            severity=Severity.WARN,
        )
        return
    yield finding(
        "ZG701",
        f"O link {link.url} não é HTTPS ({link.scheme}://).",
        f"Link {link.url} is not HTTPS ({link.scheme}://).",
    )


def short_code(url: str) -> str:
    """A stable 8-character code for ``url`` (same link, same code: no table growth on resend)."""
    number = int.from_bytes(hashlib.sha256(url.encode()).digest()[:8], "big")
    code = ""
    while len(code) < 8:
        number, digit = divmod(number, 62)
        code += _BASE62[digit]
    return code


def rewrite(text: str, config: LinksConfig) -> Rewrite | None:
    """The text with long HTTPS links replaced by the tenant's short links (ZG703), if configured."""
    if config.short_domain is None or not text:
        return None
    pairs: list[tuple[str, str]] = []
    for link in find_links(text):
        if link.scheme != "https" or len(link.url) <= config.shorten_over:
            continue
        if link.host == config.short_domain:
            continue
        short = f"https://{config.short_domain}/{short_code(link.url)}"
        text = text.replace(link.url, short)
        pairs.append((short, link.url))
    return Rewrite(text, tuple(pairs)) if pairs else None


def rewrite_finding(rewritten: Rewrite) -> Finding:
    pairs = ", ".join(f"{original} → {short}" for short, original in rewritten.short_links)
    return finding(
        "ZG703",
        f"Link(s) longo(s) reescrito(s) pelo encurtador próprio: {pairs}.",
        f"Long link(s) rewritten through the business's short-link domain: {pairs}.",
    )
