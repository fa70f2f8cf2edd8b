"""Fuzzing the two parsers every message and webhook goes through: whatever text arrives, the link
finder never raises, and the phone parser answers a canonical number or its documented error
(:class:`InvalidPhoneNumber`), never anything else.

WhatsApp IDs follow Baileys' ``jidEncode`` (WhiskeySockets/Baileys, ``src/WABinary/jid-utils.ts``):
``user[_agent][:device]@server``; the phone-number servers are ``s.whatsapp.net``, ``c.us`` and
``hosted`` (a Cloud-API-hosted device of a phone number), while ``lid``, ``hosted.lid``, ``g.us``,
``broadcast``, ``newsletter``, ``call`` and ``bot`` name something else (Baileys' binary decoder,
``src/WABinary/decode.ts``, maps the hosted domain types to ``hosted`` and ``hosted.lid``).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zapguard.domain.links import blocked_by, find_links, parse_link
from zapguard.domain.phones import InvalidPhoneNumber, aliases, normalize, timezone_for

FUZZ = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CANONICAL = re.compile(r"\+[1-9][0-9]{1,14}")  # ASCII digits only, whatever digits came in

# --- phone numbers -----------------------------------------------------------------------------

_DIGITS = st.sampled_from(
    [*"0123456789", "٣", "۵", "१", "０", "𝟙", "²", "①", "\u0e53"]  # other scripts' digits too
)
_NOISE = st.sampled_from(
    [
        "+",
        " ",
        "-",
        "(",
        ")",
        ".",
        "/",
        "#",
        "*",
        "x",
        "ext",
        "\u200b",
        "\t",
        "\x00",
        "\ud800",
        "+55",
        "55",
        "9",
        "tel:",
        ";ext=1",
    ]
)
_SERVERS = st.sampled_from(
    [
        "",
        "@s.whatsapp.net",
        "@c.us",
        "@hosted",
        "@S.WhatsApp.Net",
        "@lid",
        "@hosted.lid",
        "@g.us",
        "@broadcast",
        "@newsletter",
        "@call",
        "@bot",
        "@",
        "@@c.us",
        "@c.us@c.us",
        "@example.com",
    ]
)
_DEVICE = st.one_of(st.just(""), st.from_regex(r"(_\d{0,3})?(:\d{0,4})?", fullmatch=True))
PHONE_LIKE = st.tuples(
    st.lists(st.one_of(_DIGITS, _NOISE), max_size=40).map("".join), _DEVICE, _SERVERS
).map("".join)


@FUZZ
@given(st.one_of(PHONE_LIKE, st.text(), st.text(st.characters(codec=None), max_size=60)))
def test_the_phone_parser_answers_a_canonical_number_or_invalid_phone_number(raw: str) -> None:
    try:
        canonical = normalize(raw)
    except InvalidPhoneNumber:
        return
    assert CANONICAL.fullmatch(canonical), (raw, canonical)
    assert normalize(canonical) == canonical  # canonical means a fixed point
    for alias in aliases(canonical):
        assert normalize(alias) == canonical
    assert timezone_for(canonical)


BRAZILIAN_MOBILE = st.tuples(
    st.sampled_from(["11", "21", "31", "48", "61", "71", "81", "92"]),
    st.from_regex(r"9[6-9][0-9]{7}", fullmatch=True),
)


@FUZZ
@given(
    BRAZILIAN_MOBILE,
    st.booleans(),
    st.from_regex(r"(_[0-9]{1,3})?(:[0-9]{1,3})?", fullmatch=True),
    st.sampled_from(["s.whatsapp.net", "c.us", "hosted", "S.WHATSAPP.NET", "C.us"]),
)
def test_every_jid_form_of_a_brazilian_mobile_is_the_same_contact(
    mobile: tuple[str, str], ninth_digit: bool, agent_and_device: str, server: str
) -> None:
    area, number = mobile
    user = f"55{area}{number if ninth_digit else number[1:]}"
    jid = f"{user}{agent_and_device}@{server}"
    try:
        canonical = normalize(f"+55{area}{number}")
    except InvalidPhoneNumber:  # a range the numbering plan does not use: the same refusal
        with pytest.raises(InvalidPhoneNumber):
            normalize(jid)
        return
    assert normalize(jid) == canonical


@FUZZ
@given(
    BRAZILIAN_MOBILE,
    st.from_regex(r"(_[0-9]{1,3})?(:[0-9]{1,3})?", fullmatch=True),
    st.sampled_from(
        ["lid", "hosted.lid", "g.us", "broadcast", "newsletter", "call", "bot", "example.com", ""]
    ),
)
def test_ids_on_servers_that_are_not_phones_are_refused(
    mobile: tuple[str, str], agent_and_device: str, server: str
) -> None:
    area, number = mobile
    with pytest.raises(InvalidPhoneNumber, match="not a phone"):
        normalize(f"55{area}{number}{agent_and_device}@{server}")


@pytest.mark.parametrize(
    "jid",
    [
        "5531988776655:abc@s.whatsapp.net",  # a device that is not a number
        "55 31 98877-6655@s.whatsapp.net",  # a JID's user part is bare digits
        "@s.whatsapp.net",
        "5531988776655_@c.us",
        "5531988776655:@c.us",
    ],
)
def test_a_malformed_phone_jid_is_refused(jid: str) -> None:
    with pytest.raises(InvalidPhoneNumber):
        normalize(jid)


@pytest.mark.parametrize(
    ("jid", "number"),
    [
        ("14155552671@s.whatsapp.net", "+14155552671"),  # a JID's user is international
        ("447911123456:3@s.whatsapp.net", "+447911123456"),
        ("+5531988776655@c.us", "+5531988776655"),
    ],
)
def test_a_jid_is_read_as_an_international_number_whatever_the_country(
    jid: str, number: str
) -> None:
    assert normalize(jid) == number


# --- links -------------------------------------------------------------------------------------

_LABEL = st.from_regex(r"[a-z0-9\u00e9\u0430-\u044f-]{0,12}", fullmatch=True)
_HOST = st.lists(_LABEL, min_size=1, max_size=6).map(".".join)
_URL = st.tuples(
    st.sampled_from(
        [
            "",
            "http://",
            "https://",
            "ftp://",
            "HTTPS://",
            "a+b://",
            "//",
            "www.",
            "user:pw@",
            "https://u@",
            "xn--",
            "https://xn--",
        ]
    ),
    _HOST,
    st.sampled_from([".", ""]),
    st.sampled_from(
        [
            "com",
            "com.br",
            "br",
            "xn--p1ai",
            "xn--",
            "xn--zzz",
            "рф",
            "co.uk",
            "local",
            "",
            "1",
            "\ud800",
        ]
    ),
    st.sampled_from(["", ":80", ":99999", ":", ":0"]),
    st.sampled_from(["", "/", "/a(b)", "?q=1", "#f", ")", "]", ".", "...", "*", "_~", "/\u202e"]),
).map("".join)
TEXT = st.lists(
    st.one_of(
        _URL,
        st.text(max_size=6),
        st.sampled_from(
            [
                " ",
                "\n",
                "(",
                "[",
                "@",
                "[::1]",
                "[fe80::1]:80/x",
                "[1.2.3.4]",
                "1.2.3.4/x",
                "999.999.999.999/x",
                "[",
                "]",
                "a.",
                "-.",
                "\ud83d",
            ]
        ),
    ),
    max_size=12,
).map("".join)


@FUZZ
@given(st.one_of(TEXT, st.text(), st.text(st.characters(codec=None), max_size=80)))
def test_the_link_finder_never_raises_and_reports_links_of_the_text(text: str) -> None:
    links = find_links(text)
    for link in links:
        assert link.raw in text
        assert link.raw.startswith(link.url)
        assert link.host and link.host == link.host.lower()
        assert link.host.endswith(link.domain) or link.host == link.domain
        assert blocked_by(link.host, frozenset({link.domain})) == link.domain
    assert find_links(text) == links  # the same answer however often it is asked


@FUZZ
@given(st.one_of(_URL, st.text(), st.text(st.characters(codec=None), max_size=80)))
def test_parsing_one_value_as_a_link_never_raises(value: str) -> None:
    link = parse_link(value)
    if link is not None:
        assert link.host == link.host.lower()


@pytest.mark.parametrize(
    "text",
    [
        "a." * 5000 + "@",
        "x/" + "a.a/" * 3000,
        "a" * 100_000 + ".com",
        "." * 100_000,
        "[" + "1:" * 30_000 + "]",
        ("aa.bb-" * 5000) + "@x",
        ("a" * 31 + "://") * 2000 + "x.com",
    ],
    ids=["dots", "slashes", "long-label", "only-dots", "brackets", "hyphens", "schemes"],
)
def test_long_adversarial_words_are_read_without_error(text: str) -> None:
    for link in find_links(text):
        assert link.raw in text
