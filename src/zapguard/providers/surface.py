"""The drop-in surfaces are deny-by-default: a path is normalized, then classified by a route table.

A client of a provider (a helpdesk, a bot) points its whole base URL at zapguard. Every call it
makes is one of four classes:

* ``SEND``: becomes a message and goes through the policy;
* ``ALLOWED``: an explicit allowlist of read-only or harmless calls, relayed to the provider once
  bound to a line of the calling tenant;
* ``ADMIN``: administrative calls, relayed only for an API key with the admin scope (and still bound
  to the tenant's own line), and only with a body that turns on nothing that would answer contacts
  by itself, where the body can (``Route.body``);
* ``REFUSED``: everything else, known or not.

**Normalization comes first**, because the servers behind the surfaces do not compare paths byte
for byte. Evolution API runs on Express and WAHA on NestJS over Express, whose router matches case-
insensitively and ignores a trailing slash by default (Express 4 API reference, ``express.Router``
options ``caseSensitive`` and ``strict``, both "Disabled by default"): ``POST /api/SendText/`` *is*
``sendText`` on the real server. So the literal segments are compared case-insensitively; percent-
escapes are decoded exactly once; an escaped ``/``, ``\\`` or ``%`` left after that one decoding (a
path that means one thing here and another after a second decoding), control characters and
anything outside printable ASCII are refused; ``.`` and ``..`` segments are resolved (RFC 3986
§5.2.4), a ``..`` that climbs out of the surface is refused; repeated and trailing slashes vanish.

**What reaches the provider is rebuilt** from the matched route's template and the bound parameter
values, never the client's raw path: whatever a server does with odd paths, it only ever sees the
canonical form zapguard classified.

This module knows no provider, no store and no web framework: each dialect's route table is a value
(each provider package's ``routes`` module) and the binding of a
parameter to a tenant's line is done by the caller.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final, Literal
from urllib.parse import quote, unquote_to_bytes

from zapguard.providers.bodies import Rule

__all__ = [
    "Bind",
    "Classified",
    "Decision",
    "Match",
    "Names",
    "PathRefused",
    "Route",
    "RouteClass",
    "RouteTable",
    "decide",
    "normalize",
]


class RouteClass(StrEnum):
    SEND = "send"
    ALLOWED = "allowed"
    ADMIN = "admin"
    REFUSED = "refused"


class Names(StrEnum):
    """What a bound parameter's value names."""

    LINE = "line"
    """The provider's name for a line: phone_number_id, Evolution instance, WAHA session."""
    WABA = "waba"
    """A Cloud API WhatsApp Business Account id (a line's ``business_account``)."""
    MEDIA = "media"
    """A Cloud API media id zapguard saw on one of the tenant's lines."""


@dataclass(frozen=True, slots=True)
class Bind:
    """Where a route names the line it acts on, and what the value names."""

    where: Literal["path", "body", "query"]
    name: str
    names: Names = Names.LINE
    default: str | None = None
    """The value the provider assumes when the client leaves it out (WAHA's ``session``:
    ``default``). zapguard binds that value and then writes it explicitly."""
    optional: bool = False
    """Absent, the call lists things across the whole provider server: it is answered with the
    provider's list filtered to the tenant's own (``Route.lists_by``)."""


class PathRefused(ValueError):
    """A path zapguard will not classify; ``pt`` and ``en`` say why."""

    def __init__(self, pt: str, en: str) -> None:
        super().__init__(f"{pt} / {en}")
        self.pt = pt
        self.en = en


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def normalize(raw_path: str) -> tuple[str, ...]:
    """The decoded segments of ``raw_path`` (as sent, percent-escapes and all), or
    :class:`PathRefused`. See the module docstring for the rules."""
    if not raw_path.isascii() or _CONTROL.search(raw_path):
        raise PathRefused(
            "caminho com caractere de controle ou fora do ASCII",
            "path with a control or non-ASCII character",
        )
    if "\\" in raw_path:
        raise PathRefused("caminho com barra invertida", "path with a backslash")
    segments: list[str] = []
    for raw in raw_path.split("/"):
        segment = _decode(raw)
        if segment in ("", "."):
            continue
        if segment == "..":
            if not segments:
                raise PathRefused(
                    "'..' sai da superfície do provedor", "'..' climbs out of the provider surface"
                )
            segments.pop()
            continue
        segments.append(segment)
    return tuple(segments)


def _decode(raw: str) -> str:
    try:
        segment = unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        raise PathRefused(
            "escape percentual que não é UTF-8", "percent-escape that is not UTF-8"
        ) from None
    if any(char in segment for char in "/\\%"):
        raise PathRefused(
            "'/', '\\' ou '%' codificado no caminho (seria lido de outro jeito após nova "
            "decodificação)",
            "encoded '/', '\\' or '%' in the path (it would read differently once decoded again)",
        )
    if _CONTROL.search(segment):
        raise PathRefused(
            "caractere de controle codificado no caminho", "encoded control character in the path"
        )
    return segment


@dataclass(frozen=True, slots=True)
class Route:
    """One route of a provider's published API and what zapguard does with it."""

    method: str
    template: str
    """The provider's path, ``{name}`` for a parameter (e.g. ``/chat/findChats/{instance}``)."""
    kind: RouteClass
    bind: Bind | None = None
    query: frozenset[str] = frozenset()
    """Query parameters passed on (every other one is dropped)."""
    why_pt: str = ""
    why_en: str = ""
    """REFUSED: why, for the refusal the client reads."""
    lists_by: str | None = None
    """A list call (``Bind.optional``): the key that names each item of the provider's answer."""
    send: str | None = None
    """SEND: which of the dialect's send handlers takes it."""
    records_media: bool = False
    """The provider's answer carries a media ``id`` to remember for the bound line."""
    line_query: frozenset[str] = frozenset()
    """Query parameters (among ``query``) that name a line: the provider gets the bound line's
    own name there, whatever the client wrote (another tenant's number must never ride along)."""
    body: Rule | None = None
    """The call passes only with a JSON body this rule finds nothing against (see
    :mod:`zapguard.providers.bodies`); what reaches the provider is then that body, as JSON."""
    answer_hides: frozenset[str] = frozenset()
    """Keys dropped from the provider's JSON answer before the client sees it (an instance's own
    key would let the client send around zapguard)."""
    parts: tuple[str, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "parts", tuple(p for p in self.template.split("/") if p))

    @property
    def literals(self) -> int:
        return sum(1 for part in self.parts if not _is_param(part))


def _is_param(part: str) -> bool:
    return part.startswith("{") and part.endswith("}")


@dataclass(frozen=True, slots=True)
class Match:
    """A route the normalized path and method fit, with the parameter values (decoded)."""

    route: Route
    params: Mapping[str, str]

    def path(self, values: Mapping[str, str] | None = None) -> str:
        """The canonical path: the template's literals as the provider spells them, parameters
        from ``values`` (the bound ones, rewritten) or as matched, each percent-encoded."""
        chosen = {**self.params, **(values or {})}
        parts = [
            quote(chosen[part[1:-1]], safe="@:+,=!$'()*~") if _is_param(part) else part
            for part in self.route.parts
        ]
        return "/" + "/".join(parts)


@dataclass(frozen=True, slots=True)
class Classified:
    """Every reading of one request in a dialect: ``matches`` by route specificity, most specific
    first. Empty means the dialect has no such route (REFUSED, unknown)."""

    method: str
    segments: tuple[str, ...]
    matches: tuple[Match, ...]

    @property
    def kind(self) -> RouteClass:
        """The class of the most specific reading; REFUSED when there is none."""
        return self.matches[0].route.kind if self.matches else RouteClass.REFUSED

    def readings(self) -> list[list[Match]]:
        """The matches grouped by the shape of their template: one group per way the provider
        could read the path. Inside a group the matches are alternatives that differ only in what
        a parameter names (a Cloud ``/{id}`` may be a phone number, a business account or a media
        id); the most specific group first."""
        groups: dict[tuple[str, ...], list[Match]] = {}
        for match in self.matches:
            shape = tuple("{}" if _is_param(p) else p.casefold() for p in match.route.parts)
            groups.setdefault(shape, []).append(match)
        return list(groups.values())


@dataclass(frozen=True, slots=True)
class Decision:
    """What becomes of a request: go ahead as ``kind`` (``why == "pass"``), or be refused."""

    kind: RouteClass
    why: Literal["pass", "unknown", "refused", "admin", "not_found"]
    match: Match | None = None
    """The reading to act on; for ``not_found``, the one that named nothing of the caller's."""
    route: Route | None = None
    """``refused`` and ``admin``: the route that decided."""


def decide(
    classified: Classified, *, admin: bool, owner: Callable[[Match], str | None]
) -> Decision:
    """Decide a classified request for a caller.

    ``owner(match)`` names the caller's line the match's bound parameter designates (any stable
    token; a list call bound to no single line has one of its own), or ``None`` when it designates
    nothing of the caller's. A refused route wins over anything; an administrative one needs
    ``admin`` (checked before binding, so the answer says nothing about whose a name is); each
    reading of the path must bind, and all to the same line: a path the provider could read as
    acting on something else is refused.
    """
    readings = classified.readings()
    if not readings:
        return Decision(RouteClass.REFUSED, "unknown")
    routes = [group[0].route for group in readings]
    refusing = next((route for route in routes if route.kind is RouteClass.REFUSED), None)
    if refusing is not None:
        return Decision(RouteClass.REFUSED, "refused", route=refusing)
    if not admin and any(route.kind is RouteClass.ADMIN for route in routes):
        return Decision(RouteClass.REFUSED, "admin", route=routes[0])
    bound: list[tuple[Match, str]] = []
    for group in readings:
        found = next(((m, token) for m in group if (token := owner(m)) is not None), None)
        if found is None:
            return Decision(RouteClass.REFUSED, "not_found", match=group[0])
        bound.append(found)
    if len({token for _, token in bound}) > 1:
        return Decision(RouteClass.REFUSED, "not_found", match=bound[1][0])
    match = bound[0][0]
    return Decision(match.route.kind, "pass", match=match)


class RouteTable:
    """A dialect's routes; classifies a request by method and normalized path."""

    def __init__(
        self,
        dialect: str,
        routes: Iterable[Route],
        *,
        params: Mapping[str, re.Pattern[str]] | None = None,
    ) -> None:
        self.dialect = dialect
        self.routes: Final = tuple(routes)
        self._params = dict(params or {})
        self._by_shape: dict[tuple[str, int], list[Route]] = {}
        for route in self.routes:
            self._by_shape.setdefault((route.method, len(route.parts)), []).append(route)
        for candidates in self._by_shape.values():
            # The most literal segments first, then literals earlier in the path: "/lids/count"
            # is read before "/lids/{lid}".
            candidates.sort(key=lambda r: (-r.literals, [_is_param(p) for p in r.parts]))
        self.roots: Final = frozenset(
            route.parts[0].casefold()
            for route in self.routes
            if route.parts and not _is_param(route.parts[0])
        )

    def classify(self, method: str, segments: tuple[str, ...]) -> Classified:
        matches = []
        for route in self._by_shape.get((method.upper(), len(segments)), []):
            params = self._fit(route, segments)
            if params is not None:
                matches.append(Match(route, params))
        return Classified(method.upper(), segments, tuple(matches))

    def methods(self, segments: tuple[str, ...]) -> tuple[str, ...]:
        """Every method some route of the table takes on this path, whatever its class: what an
        ``Allow`` header lists when the path is known but the method is not."""
        return tuple(
            sorted(
                method
                for method, length in self._by_shape
                if length == len(segments) and self.classify(method, segments).matches
            )
        )

    def _fit(self, route: Route, segments: tuple[str, ...]) -> dict[str, str] | None:
        params: dict[str, str] = {}
        for part, segment in zip(route.parts, segments, strict=True):
            if _is_param(part):
                name = part[1:-1]
                pattern = self._params.get(name)
                if pattern is not None and not pattern.fullmatch(segment):
                    return None
                params[name] = segment
            elif part.casefold() != segment.casefold():
                return None
        return params
