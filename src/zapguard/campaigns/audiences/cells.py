"""Cells as spreadsheets write them: yes/no in Portuguese and English, Brazilian dates, numbers.

Consent: ``sim``/``não``, ``s``/``n``, ``yes``/``no``, ``true``/``false``, ``verdadeiro``/``falso``
(Excel in pt-BR exports its booleans so), ``1``/``0``, compared without case or accents. A date:
``dd/mm/aaaa``, ``dd/mm/aaaa hh:mm[:ss]`` (also with ``-`` or ``.``), or ISO-8601; a time without a
zone is in the zone given (Brasília time by default: where Brazilian spreadsheets are typed).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from zapguard.campaigns.audiences.headers import fold
from zapguard.campaigns.audiences.readers import Cell

_YES = frozenset({"sim", "s", "yes", "y", "true", "verdadeiro", "1", "x"})
_NO = frozenset({"nao", "n", "no", "false", "falso", "0"})
_BRAZILIAN = re.compile(
    r"(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{4}|\d{2})"
    r"(?:[ T]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?"
)


class CellProblem(ValueError):
    """A cell that cannot be read as what its column holds; pt-BR / en."""


def text_of(cell: Cell) -> str:
    """A cell as text: a whole number without ``.0`` (a phone typed into Excel), a date in ISO."""
    if type(cell) is str:  # a CSV's every cell: the common case first
        return cell.strip()
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "true" if cell else "false"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime | date | time):
        return cell.isoformat()
    return str(cell).strip()


def consent_value(cell: Cell) -> bool | None:
    """``True`` for yes, ``False`` for no, ``None`` for a blank cell; anything else is a
    :class:`CellProblem`."""
    if cell is None:
        return None
    if isinstance(cell, bool):
        return cell
    if isinstance(cell, int | float) and cell in (0, 1):
        return bool(cell)
    return _consent_text(text_of(cell))


@lru_cache(maxsize=256)  # a consent column holds a handful of distinct values
def _consent_text(text: str) -> bool | None:
    folded = fold(text).rstrip(".")
    if not folded:
        return None
    if folded in _YES:
        return True
    if folded in _NO:
        return False
    raise CellProblem(
        f"consentimento ilegível {text!r} (use sim/não, yes/no, true/false, 1/0) / "
        f"unreadable consent {text!r}"
    )


def instant_of(cell: Cell, zone: ZoneInfo) -> datetime | None:
    """The instant a date cell names (``None`` when blank); an unreadable one is a
    :class:`CellProblem`."""
    if cell is None:
        return None
    if isinstance(cell, datetime):
        return cell if cell.tzinfo is not None else cell.replace(tzinfo=zone)
    if isinstance(cell, date):
        return datetime.combine(cell, time(), tzinfo=zone)
    text = text_of(cell)
    if not text:
        return None
    parsed = _date_text(text)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=zone)


@lru_cache(maxsize=4096)  # a list's dates repeat (one campaign, one form, a few days)
def _date_text(text: str) -> datetime:
    brazilian = _BRAZILIAN.fullmatch(text)
    try:
        if brazilian:
            year = int(brazilian["y"])
            year += 2000 if year < 100 else 0
            return datetime(
                year,
                int(brazilian["m"]),
                int(brazilian["d"]),
                int(brazilian["H"] or 0),
                int(brazilian["M"] or 0),
                int(brazilian["S"] or 0),
            )
        return datetime.fromisoformat(text)
    except ValueError:
        raise CellProblem(
            f"data ilegível {text!r} (use dd/mm/aaaa, dd/mm/aaaa hh:mm ou ISO-8601) / unreadable "
            f"date {text!r} (use dd/mm/yyyy, dd/mm/yyyy hh:mm or ISO-8601)"
        ) from None
