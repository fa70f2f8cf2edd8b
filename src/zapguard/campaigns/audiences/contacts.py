"""Phones to canonical contacts, a million at a time.

:func:`zapguard.domain.phones.normalize` is the one definition of a canonical contact (the 9th
digit included); it parses with ``phonenumbers``, some 30 µs a number, which is most of a
million-row import. :func:`canonical` answers the common Brazilian forms ("(11) 98765-4321",
"+55 11 98765-4321", "5511987654321", 8-digit mobiles) from ``phonenumbers``' own BR patterns
without parsing, and gives everything else to ``normalize``: both give the same answer for every
input (a property the tests check against ``normalize`` on generated numbers).
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

from zapguard.domain.phones import normalize

_NOT_DIGIT = re.compile(r"[^\d+]")
_INTERNATIONAL = re.compile(r"55\d{10,11}")
_NATIONAL = re.compile(r"[0-9]{10,11}")
_OLD_MOBILE = re.compile(r"([0-9]{2})([6-9][0-9]{7})")


@lru_cache(maxsize=1)
def _br_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """The BR general, mobile and fixed-line national number patterns phonenumbers validates
    with."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("BR")
    assert metadata is not None
    patterns = []
    for desc in (metadata.general_desc, metadata.mobile, metadata.fixed_line):
        assert desc is not None and desc.national_number_pattern is not None
        patterns.append(re.compile(str(desc.national_number_pattern)))
    general, mobile, fixed = patterns
    return general, mobile, fixed


def canonical(raw: str) -> str:
    """The canonical contact of ``raw`` (as :func:`normalize`); raises its
    :class:`~zapguard.domain.phones.InvalidPhoneNumber` when there is none."""
    return _fast(raw) or normalize(raw)


def _fast(raw: str) -> str | None:
    """The canonical form of a plain Brazilian number, or ``None`` to let ``normalize`` decide."""
    if "@" in raw or ":" in raw:
        return None  # WhatsApp IDs and device suffixes: normalize's own business
    digits = _NOT_DIGIT.sub("", raw)
    if digits.startswith("+55"):
        national = digits[3:]
    elif _INTERNATIONAL.fullmatch(digits):
        national = digits[2:]  # normalize reads a bare 55 + 10-11 digits as international
    elif digits.startswith("+"):
        return None
    else:
        national = digits
        if national.startswith("55"):
            return None  # phonenumbers may read the 55 as the country code: its rules decide
    # A national prefix (0, 90 and a carrier) is stripped by phonenumbers' parse rules: they decide.
    if not _NATIONAL.fullmatch(national) or national.startswith(("0", "90")):
        return None
    old = _OLD_MOBILE.fullmatch(national)
    if old:
        national = f"{old.group(1)}9{old.group(2)}"
    general, mobile, fixed = _br_patterns()
    if not general.fullmatch(national):
        return None
    if mobile.fullmatch(national) or (len(national) == 10 and fixed.fullmatch(national)):
        return "+55" + national
    return None
