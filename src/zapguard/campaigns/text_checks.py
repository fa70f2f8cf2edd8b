"""What a campaign's text is checked for when the campaign is created, before anything is sent.

* Links (seed tip 7): every link of every variant goes through the policy's own link rules
  (:func:`zapguard.policy.links.check_message`: ZG701 not HTTPS, ZG702 blocklisted domain, ZG703
  public shortener), so creation and sending can never judge a link differently. A rejecting finding
  (an ``http://`` link, a flagged domain) refuses the campaign.
* Identical text (ZG505, seed tip 5): at most ``identical_max`` identical texts per
  ``identical_window_minutes`` across the tenant; a template with too few variants for the planned
  pace would have its own sends deferred, so creation warns with the numbers.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from zapguard.campaigns.text import (
    Template,
    TemplateError,
    VariantCount,
    count_variants,
    field_key,
    variants,
)
from zapguard.domain.links import find_links
from zapguard.domain.models import Author, Category, OutgoingMessage, Severity
from zapguard.policy import links
from zapguard.policy.catalogue import CATALOGUE, num_en, num_pt
from zapguard.policy.config import PolicyConfig, VolumeConfig
from zapguard.policy.context import Context
from zapguard.policy.snapshot import ContactView, Snapshot
from zapguard.store.repository import Store

__all__ = [
    "LINK_CHECK_LIMIT",
    "TextFinding",
    "check_links",
    "check_pace",
    "link_domains",
    "read_blocked",
    "top_share",
]

LINK_CHECK_LIMIT = 100_000
"""Most variants whose links are checked one by one; a template with more cannot be created if it
could hold a link at all (a link needs a dot or a bracket somewhere in the text)."""

# The link rules read only the message's text and media, the config and the blocklist: a neutral
# recipient stands in for the audience.
_ANY_CONTACT = "+5511900000000"
_NO_CLOCK = datetime(2000, 1, 1, tzinfo=UTC)
"""The link rules read no clock; a fixed instant keeps the check pure and repeatable."""


@dataclass(frozen=True, slots=True)
class TextFinding:
    """A rule's finding on the campaign text, with the rule's own explanation beside it."""

    code: str
    severity: Severity
    message_pt: str
    message_en: str
    why_pt: str
    why_en: str
    variant: str | None = None
    """One variant the finding was found in (placeholders as ``{{name}}``)."""

    @property
    def refuses(self) -> bool:
        return self.severity is Severity.REJECT


def check_links(
    template: Template,
    *,
    config: PolicyConfig,
    blocked: frozenset[str],
    media_url: str | None = None,
) -> list[TextFinding]:
    """The link rules' findings over every variant (each distinct finding once), given the
    blocklist entries ``blocked`` (:func:`read_blocked` reads them from the store)."""
    texts = _checkable_variants(template)
    found: dict[tuple[str, str], TextFinding] = {}
    for text in texts:
        message = OutgoingMessage(
            tenant_id="-",
            contact=_ANY_CONTACT,
            category=Category.MARKETING,
            author=Author.SYSTEM,
            text=text,
            media_url=media_url,
        )
        snapshot = Snapshot(
            config=config, lines={}, contact=ContactView(_ANY_CONTACT), blocked_domains=blocked
        )
        for finding in links.check_message(Context(message, snapshot, _NO_CLOCK)):
            rule = CATALOGUE[finding.code]
            found.setdefault(
                (finding.code, finding.message_en),
                TextFinding(
                    finding.code,
                    finding.severity,
                    finding.message_pt,
                    finding.message_en,
                    rule.why_pt,
                    rule.why_en,
                    variant=text or None,
                ),
            )
    return list(found.values())


def read_blocked(
    store: Store, template: Template, *, media_url: str | None = None
) -> frozenset[str]:
    """The blocklist entries that could match a link of the template (one indexed lookup)."""
    texts = _checkable_variants(template)
    return store.blocklist.among(domains=link_domains([*texts, media_url or ""]))


def link_domains(texts: Iterable[str]) -> list[str]:
    """Every host of the texts' links and each of its parent domains (blocklists match those)."""
    hosts: set[str] = set()
    for text in texts:
        for link in find_links(text):
            labels = link.host.split(".")
            hosts.update(".".join(labels[i:]) for i in range(len(labels)))
    return sorted(hosts)


def top_share(template: Template, rows: Iterable[Mapping[str, str | None]]) -> float:
    """The share of the audience holding its most common placeholder values (folded as ZG505
    folds texts): those contacts get identical texts whenever the spintax draws alike. 1.0 for a
    template without placeholders, or an empty audience."""
    if not template.fields:
        return 1.0
    keys = [field_key(name) for name in template.fields]
    seen: Counter[tuple[str, ...]] = Counter()
    total = 0
    for row in rows:
        folded = {field_key(column): value for column, value in row.items()}
        seen[tuple(" ".join((folded.get(key) or "").casefold().split()) for key in keys)] += 1
        total += 1
    if not total:
        return 1.0
    return seen.most_common(1)[0][1] / total


def check_pace(
    count: VariantCount,
    *,
    sends_per_hour: float,
    volume: VolumeConfig,
    top_share: float = 1.0,
) -> TextFinding | None:
    """A ZG505 warning when ``count`` spintax variants cannot carry ``sends_per_hour`` (the
    tenant's campaign sends an hour) without identical texts being deferred; None when they can.

    ``top_share`` is the share of the audience with the most common placeholder values
    (:func:`top_share`; 1.0, the worst case, when unknown): only those contacts can receive the
    same text, so only their sends need to be spread over the variants."""
    window = volume.identical_window_minutes
    most = volume.identical_max
    per_window = sends_per_hour * window / 60
    alike = per_window * top_share
    carried = count.distinct * most
    if alike <= carried:
        return None
    needed = math.ceil(alike / most)
    shown = num_pt(count.distinct), num_en(count.distinct)
    if not count.exact:
        shown = f"mais de {shown[0]}", f"over {shown[1]}"
    share_pt = share_en = ""
    if top_share < 1:
        percent = round(top_share * 100, 1)
        share_pt = (
            f"; {num_pt(percent)}% do público tem os mesmos valores nos campos, "
            f"{num_pt(alike)} desses envios podem ser iguais"
        )
        share_en = (
            f"; {num_en(percent)}% of the audience share the same field values, "
            f"{num_en(alike)} of those sends may be identical"
        )
    rule = CATALOGUE["ZG505"]
    return TextFinding(
        "ZG505",
        Severity.WARN,
        f"O texto tem {shown[0]} variações distintas e o ZG505 permite no máximo {num_pt(most)} "
        f"textos idênticos a cada {num_pt(window)} min: até {num_pt(carried)} envios iguais a "
        f"cada {num_pt(window)} min sem adiamento. No ritmo planejado de "
        f"{num_pt(sends_per_hour)} envios/h são {num_pt(per_window)} a cada {num_pt(window)} "
        f"min{share_pt}: use pelo menos {num_pt(needed)} variações (spintax {{a|b}}).",
        f"The text has {shown[1]} distinct variants and ZG505 allows at most {num_en(most)} "
        f"identical texts every {num_en(window)} min: up to {num_en(carried)} alike sends every "
        f"{num_en(window)} min without deferral. At the planned pace of "
        f"{num_en(sends_per_hour)} sends/h that is {num_en(per_window)} every {num_en(window)} "
        f"min{share_en}: use at least {num_en(needed)} variants (spintax {{a|b}}).",
        rule.why_pt,
        rule.why_en,
    )


def _checkable_variants(template: Template) -> list[str]:
    """Every variant with placeholders filled by their own names (a field's value is the
    contact's, not the campaign's: its links are the audience's business, judged at send), dots
    left out so a name never reads as a domain. A text without a dot or a bracket holds no link:
    one empty variant stands for it (the media URL is still checked)."""
    if "." not in template.source and "[" not in template.source:
        return [""]
    filled = {name: name.replace(".", "_") for name in template.fields}
    texts, complete = variants(template, filled, limit=LINK_CHECK_LIMIT)
    if not complete:
        combinations = count_variants(template, limit=1).combinations
        raise TemplateError(
            f"o texto tem {num_pt(combinations)} combinações, mais que as {num_pt(LINK_CHECK_LIMIT)} "
            "cujos links podem ser verificados; simplifique o spintax",
            f"the text has {num_en(combinations)} combinations, more than the "
            f"{num_en(LINK_CHECK_LIMIT)} whose links can be checked; simplify the spintax",
        )
    return texts
