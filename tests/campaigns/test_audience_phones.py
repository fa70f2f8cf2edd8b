"""The import's fast reading of Brazilian numbers gives exactly what the one definition of a
canonical contact, :func:`zapguard.domain.phones.normalize`, gives: same contact, same refusals."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from zapguard.campaigns.audiences.contacts import canonical
from zapguard.domain.phones import InvalidPhoneNumber, normalize

_DDD = st.sampled_from(
    ["11", "21", "31", "47", "55", "61", "71", "81", "92", "99", "10", "20", "90"]
)
_SUBSCRIBER = st.from_regex(r"[0-9]{8,9}", fullmatch=True)
_PREFIX = st.sampled_from(["", "+55", "55", "+55 ", "0", "0 21 ", "+1 ", "+"])
_LAYOUT = st.sampled_from(["{p}{d}{s}", "{p}({d}) {s}", "{p} {d} {s}", "{p}{d}-{s}", "{p}{d}.{s}"])


def outcome(function: object, raw: str) -> str:
    try:
        return function(raw)  # type: ignore[operator, no-any-return]
    except InvalidPhoneNumber:
        return "invalid"


@settings(max_examples=3000, deadline=None)
@given(prefix=_PREFIX, ddd=_DDD, subscriber=_SUBSCRIBER, layout=_LAYOUT)
@example(prefix="", ddd="55", subscriber="91234567", layout="{p}{d}{s}")
@example(prefix="55", ddd="11", subscriber="87654321", layout="{p}{d}{s}")
@example(prefix="0", ddd="11", subscriber="987654321", layout="{p}{d}{s}")
def test_brazilian_forms_read_fast_are_read_as_normalize_reads_them(
    prefix: str, ddd: str, subscriber: str, layout: str
) -> None:
    raw = layout.format(p=prefix, d=ddd, s=subscriber)
    assert outcome(canonical, raw) == outcome(normalize, raw)


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet="0123456789+()- .@:abc", max_size=20))
def test_any_text_is_read_as_normalize_reads_it(raw: str) -> None:
    assert outcome(canonical, raw) == outcome(normalize, raw)


@pytest.mark.parametrize(
    "raw",
    ["(11) 98765-4321", "+55 11 98765-4321", "5511987654321", "551187654321", "11 8765-4321"],
)
def test_the_ninth_digit_is_always_in_the_canonical_contact(raw: str) -> None:
    assert canonical(raw) == "+5511987654321"
