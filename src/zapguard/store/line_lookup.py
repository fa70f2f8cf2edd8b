"""Finding a line by what a webhook names when it does not name the line's provider account.

Some Cloud API webhooks (``phone_number_quality_update``, ``account_update``) name the number, not
its ``phone_number_id``. A retired or banned line may share its number with the line now using
it, so the line that still uses the number wins.
"""

from __future__ import annotations

from sqlalchemy import select

from zapguard.store.records import LineRecord
from zapguard.store.repository import Store
from zapguard.store.schema import PHONE_FREEING_STATES, lines

__all__ = ["line_by_phone"]


def line_by_phone(store: Store, *, provider: str, phone: str) -> LineRecord | None:
    """The line of the ``[providers.<provider>]`` connection with the E.164 ``phone``: one in use
    before one retired or banned, then the lowest id; ``None`` when no line has it."""
    query = (
        select(lines.c.id)
        .where(lines.c.provider == provider, lines.c.phone == phone)
        .order_by(lines.c.state.in_(PHONE_FREEING_STATES), lines.c.id)
    )
    with store.read_connection("reading a line") as connection:
        line_id = connection.scalar(query)
    return None if line_id is None else store.get_line_record(line_id=line_id)
