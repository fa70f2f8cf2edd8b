"""Phone numbers: one canonical E.164 form per person, and the time zone they live in."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zapguard.domain.phones import (
    InvalidPhoneNumber,
    aliases,
    normalize,
    timezone_for,
    whatsapp_id,
)

E164 = re.compile(r"\+[1-9]\d{1,14}")


@pytest.mark.parametrize(
    "raw",
    [
        "553188776655",
        "+55 31 98877-6655",
        "+55 (31) 9 8877-6655",
        "5531988776655",
        "(31) 98877-6655",
        "31988776655",
        "+55 31 8877-6655",
    ],
)
def test_brazilian_mobile_with_or_without_the_9th_digit_is_one_canonical_number(raw: str) -> None:
    assert normalize(raw) == "+5531988776655"


def test_canonical_brazilian_mobile_has_its_8_digit_form_as_alias() -> None:
    assert aliases("+5531988776655") == ("+553188776655",)


@pytest.mark.parametrize(
    "jid",
    [
        "5531988776655@s.whatsapp.net",
        "553188776655@s.whatsapp.net",
        "553188776655@c.us",
        "5531988776655@C.US",
        "5531988776655:12@s.whatsapp.net",
        "553188776655:3@s.whatsapp.net",
    ],
)
def test_whatsapp_ids_with_server_and_device_suffixes_are_the_same_number(jid: str) -> None:
    assert normalize(jid) == "+5531988776655"


def test_whatsapp_id_is_the_e164_digits_without_plus() -> None:
    assert whatsapp_id("+5531988776655") == "5531988776655"


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("+55 31 3222-1234", "+553132221234"),
        ("553132221234", "+553132221234"),
        ("(11) 2345-6789", "+551123456789"),
    ],
)
def test_landlines_get_no_9th_digit_and_no_alias(raw: str, e164: str) -> None:
    assert normalize(raw) == e164
    assert aliases(e164) == ()


def test_surrounding_white_space_is_ignored() -> None:
    assert normalize("  +55 31 98877-6655\n") == "+5531988776655"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "abc",
        "+55",
        "123",
        "5511612345678",  # 9-digit Brazilian mobiles start with 9
        "14155552671",  # without "+" the default region (BR) applies, and this is not Brazilian
        "120363025246125244@g.us",  # a group, not a person
    ],
)
def test_invalid_number_raises_naming_the_input(raw: str) -> None:
    with pytest.raises(InvalidPhoneNumber) as error:
        normalize(raw)
    assert repr(raw) in str(error.value)
    assert "inválido" in str(error.value) or "sem dígitos" in str(error.value)


def test_invalid_phone_number_is_a_value_error() -> None:
    assert issubclass(InvalidPhoneNumber, ValueError)


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("+1 650-253-0000", "+16502530000"),
        ("+44 20 7946 0958", "+442079460958"),
        ("+351 912 345 678", "+351912345678"),
    ],
)
def test_foreign_numbers_with_country_code_are_normalized_without_brazilian_aliases(
    raw: str, e164: str
) -> None:
    assert normalize(raw) == e164
    assert aliases(e164) == ()


def test_foreign_number_without_plus_is_read_in_the_given_default_region() -> None:
    assert normalize("(650) 253-0000", default_region="US") == "+16502530000"


@pytest.mark.parametrize(
    ("e164", "zone"),
    [
        ("+5581988776655", "America/Recife"),  # not Fernando de Noronha
        ("+558132221234", "America/Recife"),
        ("+5565988776655", "America/Cuiaba"),
        ("+5592988776655", "America/Manaus"),
        ("+5511988776655", "America/Sao_Paulo"),
        ("+5531988776655", "America/Sao_Paulo"),
        ("+5568999887766", "America/Rio_Branco"),
        ("+5571988776655", "America/Bahia"),
    ],
)
def test_brazilian_time_zone_is_the_main_zone_of_the_area_code(e164: str, zone: str) -> None:
    assert timezone_for(e164) == zone


@pytest.mark.parametrize(
    ("e164", "zone"),
    [("+16502530000", "America/Los_Angeles"), ("+442079460958", "Europe/London")],
)
def test_foreign_time_zone_comes_from_the_number(e164: str, zone: str) -> None:
    assert timezone_for(e164) == zone


def test_unknown_time_zone_falls_back_to_the_default() -> None:
    assert timezone_for("+999", default="UTC") == "UTC"


@given(st.text())
def test_normalize_returns_e164_or_raises_invalid_phone_number(raw: str) -> None:
    try:
        result = normalize(raw)
    except InvalidPhoneNumber:
        return
    assert E164.fullmatch(result)


@given(
    st.from_regex(
        r"\+?55[1-9][1-9]9?[6-9]\d{7}(:\d{1,2})?(@s\.whatsapp\.net|@c\.us)?", fullmatch=True
    )
)
def test_brazilian_mobile_and_its_alias_share_one_canonical_form(raw: str) -> None:
    try:
        canonical = normalize(raw)
    except InvalidPhoneNumber:
        return  # an area code that does not exist
    assert E164.fullmatch(canonical)
    assert [normalize(alias) for alias in aliases(canonical)] == [canonical]


def test_an_opaque_linked_id_is_not_taken_for_a_phone_number() -> None:
    with pytest.raises(InvalidPhoneNumber, match="not a phone"):
        normalize("5531988776655@lid")
