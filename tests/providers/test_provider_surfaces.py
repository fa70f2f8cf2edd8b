"""Every route each provider publishes has a class on zapguard's surface, whatever way the path is
spelled; the tables hold no route the providers do not publish; and every route that can make
WhatsApp deliver something is a send zapguard judges or is refused.

The published lists are test data (``published_routes/*.tsv``), each citing where it was read.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zapguard.providers.cloud import routes as cloud_routes
from zapguard.providers.evolution import routes as evolution_routes
from zapguard.providers.surface import (
    Match,
    Names,
    PathRefused,
    RouteClass,
    RouteTable,
    decide,
    normalize,
)
from zapguard.providers.waha import routes as waha_routes

HERE = Path(__file__).parent / "published_routes"


@dataclass(frozen=True)
class Published:
    method: str
    path: str
    expected: RouteClass
    delivers: bool


@dataclass(frozen=True)
class Dialect:
    table: RouteTable
    source: str
    samples: dict[str, str]
    """Values for the path's parameters; the caller owns the ones in ``owned``."""
    owned: dict[Names, str]


DIALECTS = {
    "evolution": Dialect(
        evolution_routes.ROUTES,
        "evolution_api_2.3.6.tsv",
        {"instance": "Loja-Centro"},
        {Names.LINE: "Loja-Centro"},
    ),
    "waha": Dialect(
        waha_routes.ROUTES,
        "waha.tsv",
        {"session": "Sessao-A", "chatId": "5531988776655@c.us"},
        {Names.LINE: "Sessao-A"},
    ),
    "cloud": Dialect(
        cloud_routes.ROUTES,
        "whatsapp_cloud_api.tsv",
        {
            "version": "v21.0",
            "phone_number_id": "100200300",
            "waba_id": "555000111",
            "media_id": "777000111",
        },
        {Names.LINE: "100200300", Names.WABA: "555000111", Names.MEDIA: "777000111"},
    ),
}


def published(dialect: str) -> list[Published]:
    rows = []
    for line in (HERE / DIALECTS[dialect].source).read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        method, path, expected, delivers = line.split("\t")
        rows.append(Published(method, path, RouteClass(expected), delivers == "delivers"))
    return rows


def concrete(dialect: Dialect, path: str) -> str:
    """The path with sample values: the caller's own where named, a free value elsewhere."""
    return re.sub(
        r"\{(\w+)\}", lambda found: dialect.samples.get(found.group(1), "4242424242"), path
    )


def owner_of(dialect: Dialect) -> Callable[[Match], str | None]:
    """The caller owns the sample line, business account and media id; a name in the body or the
    query is taken to be the caller's (the API specs bind those against real lines)."""

    def owner(match: Match) -> str | None:
        bind = match.route.bind
        if bind is None or bind.where != "path":
            return "line"
        return "line" if match.params[bind.name] == dialect.owned.get(bind.names) else None

    return owner


def class_of(dialect: Dialect, method: str, path: str, *, admin: bool = True) -> RouteClass:
    decision = decide(
        dialect.table.classify(method, normalize(path)), admin=admin, owner=owner_of(dialect)
    )
    return decision.kind


def variants(dialect: Dialect, template: str) -> list[str]:
    """The same route spelled the ways Express, NestJS and proxies read alike: literal segments
    in another case, trailing and doubled slashes, a percent-escaped letter, dot segments."""
    parts = template.split("/")[1:]
    params = [bool(re.fullmatch(r"\{\w+\}", part)) for part in parts]

    def spelled(change: Callable[[str], str]) -> str:
        return concrete(
            dialect,
            "/"
            + "/".join(
                p if is_param else change(p) for p, is_param in zip(parts, params, strict=True)
            ),
        )

    path = concrete(dialect, template)
    segments = path.split("/")[1:]
    return [
        path,
        spelled(str.upper),
        spelled(str.lower),
        path + "/",
        "/" + "//".join(segments) + "//",
        spelled(lambda part: f"%{ord(part[0]):02X}{part[1:]}" if part else part),
        "/" + "/".join([segments[0], ".", "sobra", "..", *segments[1:]]),
    ]


CASES = [
    pytest.param(name, row, id=f"{name}:{row.method} {row.path}")
    for name in DIALECTS
    for row in published(name)
]


@pytest.mark.parametrize(("name", "row"), CASES)
def test_every_published_route_has_its_class_however_it_is_spelled(
    name: str, row: Published
) -> None:
    dialect = DIALECTS[name]

    classes = {
        variant: class_of(dialect, row.method, variant) for variant in variants(dialect, row.path)
    }

    assert set(classes.values()) == {row.expected}, classes


@pytest.mark.parametrize(("name", "row"), CASES)
def test_a_route_that_can_deliver_a_message_is_a_judged_send_or_refused(
    name: str, row: Published
) -> None:
    if not row.delivers:
        return
    assert row.expected in (RouteClass.SEND, RouteClass.REFUSED)
    path = concrete(DIALECTS[name], row.path)
    assert class_of(DIALECTS[name], row.method, path) in (RouteClass.SEND, RouteClass.REFUSED)


@pytest.mark.parametrize(("name", "row"), CASES)
def test_an_administrative_route_needs_the_admin_scope(name: str, row: Published) -> None:
    dialect = DIALECTS[name]
    decision = decide(
        dialect.table.classify(row.method, normalize(concrete(dialect, row.path))),
        admin=False,
        owner=owner_of(dialect),
    )
    if row.expected is RouteClass.ADMIN:
        assert (decision.kind, decision.why) == (RouteClass.REFUSED, "admin")
    else:
        assert decision.kind is row.expected


@pytest.mark.parametrize("name", list(DIALECTS))
def test_the_tables_hold_no_route_the_provider_does_not_publish(name: str) -> None:
    def shape(method: str, template: str) -> tuple[str, str]:
        return method, re.sub(r"\{\w+\}", "{}", template).casefold()

    known = {shape(row.method, row.path) for row in published(name)}
    extra = [
        (route.method, route.template)
        for route in DIALECTS[name].table.routes
        if shape(route.method, route.template) not in known
    ]
    assert extra == []


def test_the_canonical_path_is_rebuilt_from_the_template_keeping_parameter_case() -> None:
    dialect = DIALECTS["evolution"]
    decision = decide(
        dialect.table.classify("POST", normalize("/CHAT//./FINDCHATS/%4Coja-Centro/")),
        admin=True,
        owner=owner_of(dialect),
    )
    assert decision.match is not None
    assert decision.match.path() == "/chat/findChats/Loja-Centro"


def test_another_reading_of_the_path_that_names_someone_else_is_refused() -> None:
    # A session named "sessions": /api/sessions/chats reads as "session chats' info" and as
    # "chats of session sessions"; the caller owns only one of the two.
    dialect = Dialect(waha_routes.ROUTES, "", {}, {Names.LINE: "chats"})
    decision = decide(
        dialect.table.classify("GET", normalize("/api/sessions/chats")),
        admin=True,
        owner=owner_of(dialect),
    )
    assert (decision.kind, decision.why) == (RouteClass.REFUSED, "not_found")


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("/api/sendText%2F", "encoded '/'"),
        ("/api%2FsendText", "encoded '/'"),
        ("/api/send%5CText", "encoded '/'"),
        ("/api/sendText%252F", "encoded '/'"),
        ("/api/send%00Text", "encoded control"),
        ("/api/send\tText", "control"),
        ("/api/sendTéxt", "control"),
        ("/api\\sendText", "backslash"),
        ("/api/../../sendText", "climbs out"),
        ("/api/%2e%2e/%2e%2e/etc", "climbs out"),
        ("/api/send%ffText", "not UTF-8"),
        ("/api/send%zzText", "encoded '/'"),
    ],
)
def test_a_path_that_could_read_differently_elsewhere_is_refused(path: str, why: str) -> None:
    with pytest.raises(PathRefused) as refused:
        normalize(path)
    assert why in refused.value.en


def test_dot_segments_repeated_and_trailing_slashes_and_one_decoding_are_resolved() -> None:
    assert normalize("/api//x/../sendText/./") == ("api", "sendText")
    assert normalize("/message/send%54ext/Loja%20Centro") == ("message", "sendText", "Loja Centro")
    assert normalize("/api/%2e%2e/api/sendText") == ("api", "sendText")


@given(st.text(max_size=60))
def test_normalizing_any_path_either_refuses_it_or_gives_clean_segments(path: str) -> None:
    try:
        segments = normalize("/" + path)
    except PathRefused:
        return
    for segment in segments:
        assert segment not in ("", ".", "..")
        assert not any(char in segment for char in "/\\%")
        assert not re.search(r"[\x00-\x1f\x7f]", segment)
