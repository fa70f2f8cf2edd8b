"""The one way a drop-in request is handled: normalize, classify, bind, check the scope, then send,
relay or refuse (see :mod:`zapguard.providers.surface` for the classes and the path rules).

Binding is where tenants are kept apart. One Evolution or WAHA server with one global key serving
the instances of several tenants is the normal set-up of a reseller, so the provider's key proves
nothing about who may touch which instance: every parameter that names a line (instance, session,
phone_number_id, business account, media id) must name one of the calling tenant's, of the
dialect's provider kind, and the relay goes to *that* line's provider connection. A name that
belongs to another tenant gets exactly the answer a name that exists nowhere gets.

A path the provider could read two ways (a session called ``sessions``: ``/api/sessions/chats``)
is relayed only when every reading binds to the caller's own lines; otherwise it is refused.

A route whose body can turn on something that answers contacts by itself (``Route.body``) is
relayed only when its JSON body passes the route's rule, and then as that JSON, whatever content
type the client named: the provider reads exactly what zapguard checked.

Every outcome is logged with the tenant, dialect, class and canonical route, never a key.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import Request
from fastapi.responses import JSONResponse, Response
from starlette.routing import BaseRoute
from starlette.routing import Route as WebRoute

from zapguard.api.auth import Caller, authenticate_caller
from zapguard.api.errors import ApiError
from zapguard.gateway.access import media_lines, note_media
from zapguard.gateway.service import Services
from zapguard.providers.bodies import check_body
from zapguard.providers.registry import dialect_kinds, package
from zapguard.providers.surface import (
    Decision,
    Match,
    Names,
    PathRefused,
    Route,
    RouteClass,
    RouteTable,
    decide,
    normalize,
)
from zapguard.service_config import ProviderSettings
from zapguard.store.records import LineRecord

log = logging.getLogger("zapguard.dropin")


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a drop-in request goes no further, for the dialect to answer in its own shape."""

    reason: str
    """``bad_path``, ``unknown`` (no such route), ``method`` (a known path, not with this
    method), ``refused`` (a route, or a route's body, zapguard refuses), ``admin`` (needs the
    admin scope), ``not_found`` (names nothing of the caller's), ``bad_body``, ``unreachable`` or
    ``unconfigured`` (the provider connection)."""
    status: int
    pt: str
    en: str
    subject: str | None = None
    """The value that named nothing of the caller's (an instance, a session, an id)."""
    route: str | None = None
    allow: tuple[str, ...] = ()
    """``method``: the methods the path takes, for the ``Allow`` header (RFC 9110 §15.5.6)."""

    @property
    def headers(self) -> dict[str, str] | None:
        return {"Allow": ", ".join(self.allow)} if self.allow else None

    @property
    def text(self) -> str:
        return f"{self.pt} / {self.en}"

    def details(self) -> dict[str, Any]:
        """The ``zapguard`` object a dialect's error body carries."""
        return {
            "class": RouteClass.REFUSED.value,
            "reason": self.reason,
            "route": self.route,
            "message_pt": self.pt,
            "message_en": self.en,
        }


@dataclass
class Call:
    """A request bound to one of the caller's lines: what a send handler or a relay works on."""

    request: Request
    raw: bytes
    services: Services
    caller: Caller
    surface: Surface
    match: Match
    line: LineRecord | None
    """The caller's line the request is bound to; ``None`` for a call that lists across the
    provider server (``Bind.optional``), which the relay answers for every line of the tenant."""
    body: dict[str, Any] | None = None
    """The JSON body, parsed, when the binding or the route's body rule read it: what is relayed
    is then this body, as JSON."""

    @property
    def tenant(self) -> str:
        return self.caller.tenant

    @property
    def record(self) -> LineRecord:
        """The bound line (sends are always bound to one)."""
        assert self.line is not None
        return self.line


SendHandler = Callable[[Call], Response]


@dataclass(frozen=True)
class Surface:
    """One provider dialect as zapguard serves it: the web half of a provider package (its route
    table, its paths and its provider kinds come from the package registered as ``name``)."""

    name: str
    sends: Mapping[str, SendHandler]
    refuse: Callable[[Refusal], Response]
    hidden: frozenset[str] = field(default_factory=frozenset)
    """Keys dropped from each item of a list answer (an instance's own key would let the client
    go around zapguard)."""

    @property
    def routes(self) -> RouteTable:
        return package(self.name).routes

    @property
    def kinds(self) -> frozenset[str]:
        """Provider kinds (``[providers.*] kind``) whose lines this dialect is relayed to."""
        return dialect_kinds(self.name)

    def owns(self, segment: str) -> bool:
        """Whether a path whose first segment is this one belongs to the dialect."""
        return package(self.name).owns(segment)


def raw_path(request: Request) -> str:
    """The path as the client sent it, percent-escapes and all."""
    raw = request.scope.get("raw_path")
    if isinstance(raw, bytes) and raw:
        return raw.decode("latin-1").split("?", 1)[0]
    return str(request.scope.get("path", "/"))


def dispatch(
    surfaces: tuple[Surface, ...], request: Request, raw: bytes, services: Services
) -> Response:
    """Serve a request under any drop-in surface; a path of none is zapguard's own 404."""
    path = raw_path(request)
    try:
        segments: tuple[str, ...] | PathRefused = normalize(path)
    except PathRefused as refused:
        segments = refused
    written = next((p for p in request.url.path.split("/") if p), "")
    said = _owner(surfaces, written)
    meant = _owner(surfaces, segments[0]) if isinstance(segments, tuple) and segments else None
    surface = said or meant
    if surface is None:
        request.state.dialect = None
        allowed = own_methods(request)
        if allowed:
            raise ApiError("method_not_allowed", headers={"Allow": ", ".join(allowed)})
        raise ApiError("not_found")
    if isinstance(segments, tuple) and said is not meant:
        segments = PathRefused(
            "o caminho sai da superfície do provedor", "the path climbs out of the provider surface"
        )
    return serve(surface, request, raw, services, segments)


_SURFACE_ENDPOINTS: set[object] = set()


def surface_endpoint(endpoint: Any) -> Any:
    """Mark a route's endpoint as the surfaces' (it only ever calls :func:`dispatch`), so that its
    path does not count as one of zapguard's own: ``/{version}/{id}/messages`` would otherwise
    claim every three-segment path ending in ``messages``, and the catch-all every path."""
    _SURFACE_ENDPOINTS.add(endpoint)
    return endpoint


def own_methods(request: Request) -> list[str]:
    """The methods zapguard's own routes take on this path (``app.state.own_routes``, the
    surfaces' aside): a 405 lists them in ``Allow``."""
    path = request.scope.get("path", "/")
    routes: list[BaseRoute] = getattr(request.app.state, "own_routes", [])
    return sorted(
        {
            method
            for route in routes
            if isinstance(route, WebRoute)
            and route.endpoint not in _SURFACE_ENDPOINTS
            and route.path_regex.fullmatch(path)
            for method in route.methods or ()
        }
    )


def _owner(surfaces: tuple[Surface, ...], segment: str) -> Surface | None:
    return next((surface for surface in surfaces if surface.owns(segment)), None)


def serve(
    surface: Surface,
    request: Request,
    raw: bytes,
    services: Services,
    segments: tuple[str, ...] | PathRefused,
) -> Response:
    request.state.dialect = surface.name
    caller = authenticate_caller(request, services)
    method = request.method
    if isinstance(segments, PathRefused):
        return _refuse(surface, caller, method, Refusal("bad_path", 422, segments.pt, segments.en))
    binder = _Binder(surface, request, raw, services, caller)
    decision = decide(
        surface.routes.classify(method, segments), admin=caller.admin, owner=binder.owner
    )
    if decision.why == "pass":
        assert decision.match is not None
        call = binder.bind(decision.match)
        assert isinstance(call, Call)
        route = decision.match.route
        if route.body is not None:
            refused = _check_body(call, binder)
            if refused is not None:
                return _refuse(surface, caller, method, refused)
        _log(surface, caller, method, route, "pass", line=_line_id(call))
        if route.kind is RouteClass.SEND:
            assert route.send is not None
            return surface.sends[route.send](call)
        return relay(call)
    return _refuse(surface, caller, method, _refusal(surface, method, segments, decision, binder))


def _refusal(
    surface: Surface,
    method: str,
    segments: tuple[str, ...],
    decision: Decision,
    binder: _Binder,
) -> Refusal:
    if decision.why == "unknown":
        path = "/" + "/".join(segments)
        allowed = surface.routes.methods(segments)
        if allowed:
            listed = ", ".join(allowed)
            return Refusal(
                "method",
                405,
                f"{path} não aceita {method} na {surface.name} (aceita: {listed})",
                f"{path} does not take {method} on {surface.name} (it takes: {listed})",
                allow=allowed,
            )
        return Refusal(
            "unknown",
            404,
            f"rota desconhecida da {surface.name}: {method} {path}",
            f"unknown {surface.name} route: {method} {path}",
        )
    route = decision.route
    if decision.why == "refused":
        assert route is not None
        return Refusal(
            "refused",
            403,
            f"recusado pelo zapguard: {route.why_pt or 'rota fora da lista permitida'}",
            f"refused by zapguard: {route.why_en or 'route not on the allowlist'}",
            route=route.template,
        )
    if decision.why == "admin":
        assert route is not None
        return Refusal(
            "admin",
            403,
            "chamada administrativa: exige uma chave com escopo admin (zapguard keys create "
            "--admin)",
            "administrative call: needs a key with the admin scope (zapguard keys create --admin)",
            route=route.template,
        )
    assert decision.match is not None
    bound = binder.bind(decision.match)
    if isinstance(bound, Refusal):
        return bound
    # It binds, but another reading of the path names something else.
    bind = decision.match.route.bind
    named = decision.match.params.get(bind.name) if bind is not None else None
    return binder.not_found(decision.match.route, named)


def _check_body(call: Call, binder: _Binder) -> Refusal | None:
    """The route's body rule applied to the request's JSON body; ``None`` when it passes (the body
    is then kept on the call, to be relayed as checked)."""
    route = call.match.route
    assert route.body is not None
    parsed = binder.json_body()
    if isinstance(parsed, Refusal):
        return parsed
    account = call.line.account if call.line is not None else ""
    problem = check_body(route.body, parsed, account)
    if problem is not None:
        return Refusal(
            "refused",
            403,
            f"recusado pelo zapguard: {problem.pt}",
            f"refused by zapguard: {problem.en}",
            subject=problem.field,
            route=route.template,
        )
    call.body = parsed
    return None


def _line_id(call: Call) -> str | None:
    return call.line.line.id if call.line is not None else None


def _refuse(surface: Surface, caller: Caller, method: str, refusal: Refusal) -> Response:
    _log(surface, caller, method, None, f"refused:{refusal.reason}", refusal=refusal)
    return surface.refuse(refusal)


def _log(
    surface: Surface,
    caller: Caller,
    method: str,
    route: Route | None,
    outcome: str,
    *,
    line: str | None = None,
    refusal: Refusal | None = None,
) -> None:
    template = route.template if route is not None else (refusal.route if refusal else None)
    kind = route.kind.value if route is not None else RouteClass.REFUSED.value
    log.log(
        logging.INFO if refusal is None else logging.WARNING,
        "drop-in %s: tenant=%s dialect=%s class=%s route=%s %s%s%s",
        outcome,
        caller.tenant,
        surface.name,
        kind,
        method,
        template or "-",
        f" line={line}" if line else "",
        f" ({refusal.en})" if refusal is not None else "",
    )


class _Binder:
    """Binds the parameter a route names its line by to one of the caller's lines."""

    def __init__(
        self, surface: Surface, request: Request, raw: bytes, services: Services, caller: Caller
    ) -> None:
        self._surface = surface
        self._request = request
        self._raw = raw
        self._services = services
        self._caller = caller
        self._records: list[LineRecord] | None = None
        self._body: dict[str, Any] | Refusal | None = None
        self._body_read = False
        self._bound: dict[int, Call | Refusal] = {}

    def owner(self, match: Match) -> str | None:
        """For :func:`decide`: the caller's line ``match`` binds to (``*`` for a list call)."""
        bound = self.bind(match)
        if isinstance(bound, Refusal):
            return None
        return bound.line.line.id if bound.line is not None else "*"

    def bind(self, match: Match) -> Call | Refusal:
        """``match`` bound to one of the caller's lines, or why it cannot be (worked out once)."""
        key = id(match)
        if key not in self._bound:
            self._bound[key] = self._bind(match)
        return self._bound[key]

    def _bind(self, match: Match) -> Call | Refusal:
        route = match.route
        bind = route.bind
        if bind is None:  # pragma: no cover - every route that passes names its line
            return self.not_found(route, None)
        body: dict[str, Any] | None = None
        if bind.where == "path":
            value: str | None = match.params[bind.name]
        elif bind.where == "query":
            values = self._request.query_params.getlist(bind.name)
            if len(values) > 1:
                return self.not_found(route, ",".join(values))
            value = values[0] if values else bind.default
        else:
            parsed = self.json_body()
            if isinstance(parsed, Refusal):
                return parsed
            body = parsed
            named = parsed.get(bind.name, bind.default)
            value = named if isinstance(named, str) else None
            if named is not None and value is None:
                return self._bad_body(f"{bind.name} deve ser texto", f"{bind.name} must be text")
        if value is None:
            if bind.optional:
                return self._call(match, None, body)
            return self.not_found(route, None)
        line = self._line(route, bind.names, value)
        if line is None:
            return self.not_found(route, value)
        return self._call(match, line, body)

    def _call(self, match: Match, line: LineRecord | None, body: dict[str, Any] | None) -> Call:
        return Call(
            self._request, self._raw, self._services, self._caller, self._surface, match, line, body
        )

    def _line(self, route: Route, names: Names, value: str) -> LineRecord | None:
        any_kind = route.kind is RouteClass.SEND  # a message may leave through any provider
        candidates = [
            record
            for record in self._lines()
            if any_kind or self._kind(record) in self._surface.kinds
        ]
        if names is Names.LINE:
            return next((r for r in candidates if r.account == value), None) or next(
                (r for r in candidates if r.line.id == value), None
            )
        if names is Names.WABA:
            return next((r for r in candidates if r.business_account == value), None)
        seen = set(media_lines(self._services, tenant_id=self._caller.tenant, media_id=value))
        return next((r for r in candidates if r.line.id in seen), None)

    def _kind(self, record: LineRecord) -> str | None:
        settings = self._services.settings_of(record.line)
        return settings.kind if settings is not None else None

    def _lines(self) -> list[LineRecord]:
        if self._records is None:
            self._records = self._services.store.lines.records(tenant_id=self._caller.tenant)
        return self._records

    def json_body(self) -> dict[str, Any] | Refusal:
        """The request's body as a JSON object (an empty body reads as ``{}``), or why not."""
        if not self._body_read:
            self._body_read = True
            try:
                parsed = json.loads(self._raw) if self._raw.strip() else {}
            except (ValueError, UnicodeDecodeError):
                parsed = None
            self._body = (
                parsed
                if isinstance(parsed, dict)
                else self._bad_body("o corpo não é um objeto JSON", "the body is not a JSON object")
            )
        assert self._body is not None
        return self._body

    def _bad_body(self, pt: str, en: str) -> Refusal:
        return Refusal("bad_body", 400, pt, en)

    def not_found(self, route: Route, value: str | None) -> Refusal:
        """The answer for a name that is not the caller's: the same whether it exists elsewhere
        or nowhere."""
        shown = value if value is not None else "?"
        return Refusal(
            "not_found",
            404,
            f"{shown}: não é uma linha desta empresa no zapguard",
            f"{shown}: not a line of this tenant in zapguard",
            subject=value,
            route=route.template,
        )


def relay(call: Call, *, body: bytes | None = None) -> Response:
    """Pass an allowed call to the bound line's provider connection, rebuilt canonically."""
    if call.line is None:
        return _relay_list(call)
    settings = call.services.settings_of(call.line.line)
    if settings is None:
        return call.surface.refuse(_unconfigured())
    answer = _forward(call, settings, call.line, body)
    if isinstance(answer, Refusal):
        return call.surface.refuse(answer)
    route = call.match.route
    if route.records_media and answer.is_success:
        _record_upload(call, call.line, answer)
    if route.lists_by is not None and answer.is_success:
        return _filtered(call, [(answer, {call.line.account})])
    if route.answer_hides and answer.is_success:
        return _without(answer, route.answer_hides)
    return Response(
        answer.content,
        status_code=answer.status_code,
        media_type=answer.headers.get("content-type"),
    )


def _forward(
    call: Call, settings: ProviderSettings, line: LineRecord | None, body: bytes | None
) -> httpx.Response | Refusal:
    # The header that carries the line's connection's own key; ``None`` if it has none.
    headers = package(settings.kind).credential(settings)
    if headers is None:
        return _unconfigured()
    route = call.match.route
    bind = route.bind
    account = line.account if line is not None else None
    values = {}
    if bind is not None and bind.where == "path" and bind.names is Names.LINE and account:
        values[bind.name] = account
    asked = call.request.query_params
    params = [
        (key, value)
        for key, value in asked.multi_items()
        if key in route.query and (bind is None or key != bind.name) and key not in route.line_query
    ]
    if bind is not None and bind.where == "query" and account:
        params.append((bind.name, account))
    if account:
        params.extend((key, account) for key in sorted(route.line_query) if key in asked)
    content = body if body is not None else call.raw
    content_type = call.request.headers.get("content-type", "application/json")
    if body is None and call.body is not None:
        # zapguard read the body (to bind it, or to check it): the provider gets what was read.
        rewritten = call.body
        if bind is not None and bind.where == "body" and account:
            rewritten = {**call.body, bind.name: account}
        content, content_type = json.dumps(rewritten).encode(), "application/json"
    if content:
        headers["Content-Type"] = content_type
    try:
        return call.services.http.request(
            call.request.method,
            f"{settings.base_url.rstrip('/')}{call.match.path(values)}",
            params=tuple(params),
            content=content,
            headers=headers,
        )
    except httpx.TransportError:
        return Refusal(
            "unreachable", 503, "provedor inacessível", "provider unreachable", route=route.template
        )


def _without(answer: httpx.Response, hidden: frozenset[str]) -> Response:
    """The provider's JSON answer without the keys the client must not see."""
    try:
        content = answer.json()
    except ValueError:
        content = None
    if not isinstance(content, dict):
        return Response(
            answer.content,
            status_code=answer.status_code,
            media_type=answer.headers.get("content-type"),
        )
    kept = {key: value for key, value in content.items() if key not in hidden}
    return JSONResponse(kept, status_code=answer.status_code)


def _relay_list(call: Call) -> Response:
    """A call that lists across the provider server: each of the tenant's connections of this
    dialect is asked, and each answer is cut to the tenant's own lines."""
    connections: dict[str, set[str]] = {}
    for record in call.services.store.lines.records(tenant_id=call.tenant):
        provider = record.line.provider
        settings = call.services.settings_of(record.line)
        if provider is not None and settings is not None and settings.kind in call.surface.kinds:
            connections.setdefault(provider, set()).add(record.account)
    answers: list[tuple[httpx.Response, set[str]]] = []
    for provider, accounts in sorted(connections.items()):
        answer = _forward(call, call.services.provider_settings[provider], None, None)
        if isinstance(answer, Refusal):
            return call.surface.refuse(answer)
        if not answer.is_success:
            return Response(
                answer.content,
                status_code=answer.status_code,
                media_type=answer.headers.get("content-type"),
            )
        answers.append((answer, accounts))
    return _filtered(call, answers)


def _filtered(call: Call, answers: list[tuple[httpx.Response, set[str]]]) -> Response:
    key = call.match.route.lists_by
    kept: list[Any] = []
    for answer, accounts in answers:
        try:
            items = answer.json()
        except ValueError:
            items = None
        if not isinstance(items, list):
            return call.surface.refuse(
                Refusal(
                    "unreachable",
                    502,
                    "resposta inesperada do provedor a uma listagem",
                    "unexpected provider answer to a list call",
                    route=call.match.route.template,
                )
            )
        kept.extend(
            {k: v for k, v in item.items() if k not in call.surface.hidden}
            for item in items
            if isinstance(item, dict) and item.get(key) in accounts
        )
    return JSONResponse(kept)


def _record_upload(call: Call, line: LineRecord, answer: httpx.Response) -> None:
    try:
        media_id = answer.json().get("id")
    except (ValueError, AttributeError):
        return
    if isinstance(media_id, str) and media_id:
        note_media(call.services, tenant_id=call.tenant, line_id=line.line.id, media_id=media_id)


def _unconfigured() -> Refusal:
    return Refusal(
        "unconfigured",
        503,
        "conexão do provedor sem chave ou não configurada",
        "provider connection without a key or not configured",
    )
