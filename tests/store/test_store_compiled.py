"""Statements compiled once and run on the driver's connection behave as SQLAlchemy runs them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import bindparam, select

from zapguard.store import Store
from zapguard.store.compiled import Compiled
from zapguard.store.database import SQL_ACTIVITY
from zapguard.store.errors import Conflict
from zapguard.store.schema import decisions, tenants

T0 = datetime(2025, 1, 6, 12, 0, tzinfo=UTC)
DECISION_COLUMNS = [
    "tenant_id",
    "at",
    "message",
    "verdict",
    "codes",
    "line",
    "not_before",
    "message_pt",
    "message_en",
]
INSERT_DECISION = Compiled(decisions.insert().returning(decisions.c.id), DECISION_COLUMNS)
DECISIONS_OF = Compiled(
    select(decisions.c.at, decisions.c.message, decisions.c.codes, decisions.c.not_before).where(
        decisions.c.tenant_id == bindparam("tenant_id")
    )
)
DECISIONS_OF_STATEMENT = select(
    decisions.c.at, decisions.c.message, decisions.c.codes, decisions.c.not_before
).where(decisions.c.tenant_id == bindparam("t"))
INSERT_TENANT = Compiled(tenants.insert(), ["id", "name"])


def decision(at: datetime) -> dict[str, object]:
    return {
        "tenant_id": "acme",
        "at": at,
        "message": {"contact": "+5531988776655", "text": "olá"},
        "verdict": "allow",
        "codes": ["ZG101"],
        "line": None,
        "not_before": None,
        "message_pt": "",
        "message_en": "",
    }


def test_values_go_in_and_come_back_as_their_column_types_say(store: Store) -> None:
    brasilia = timezone(timedelta(hours=-3))
    with store.transaction(), store.writing("testing") as connection:
        ((first,),) = INSERT_DECISION.rows(connection, decision(T0.astimezone(brasilia)))
        ((second,),) = INSERT_DECISION.rows(connection, decision(T0 + timedelta(seconds=1)))
    assert second == first + 1
    with store.reading() as connection:
        got = DECISIONS_OF.rows(connection, {"tenant_id": "acme"})
        # What SQLAlchemy itself reads back from the same rows.
        expected = [tuple(row) for row in connection.execute(DECISIONS_OF_STATEMENT, {"t": "acme"})]
    assert got == expected
    assert got[0] == (T0, {"contact": "+5531988776655", "text": "olá"}, ["ZG101"], None)
    assert got[0][0].tzinfo == UTC


def test_each_run_is_counted_as_a_statement(store: Store) -> None:
    before = SQL_ACTIVITY.statements
    with store.reading() as connection:
        after_begin = SQL_ACTIVITY.statements
        DECISIONS_OF.rows(connection, {"tenant_id": "acme"})
        DECISIONS_OF.rows(connection, {"tenant_id": "acme"})
    assert after_begin - before <= 1  # the read transaction's BEGIN, where there is one
    assert SQL_ACTIVITY.statements - after_begin == 2


def test_a_duplicate_is_a_conflict_and_rolls_back_the_transaction(store: Store) -> None:
    tenant = {"id": "acme", "name": "Acme"}
    with pytest.raises(Conflict), store.transaction(), store.writing("testing") as connection:
        assert INSERT_TENANT.execute(connection, tenant) == 1
        INSERT_TENANT.execute(connection, {**tenant, "id": "globex"})
        INSERT_TENANT.execute(connection, tenant)
    with store.reading() as connection:
        assert list(connection.execute(select(tenants.c.id))) == []


def test_a_missing_parameter_is_an_error_not_a_null(store: Store) -> None:
    with (
        pytest.raises(KeyError, match="verdict"),
        store.transaction(),
        store.writing("testing") as connection,
    ):
        INSERT_DECISION.rows(connection, {k: v for k, v in decision(T0).items() if k != "verdict"})
