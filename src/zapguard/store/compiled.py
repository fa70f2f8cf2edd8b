"""Statements of the accept path compiled once per dialect and run on the driver's connection.

Measured on the accept path (issue 8), SQLAlchemy's own Python per statement (cache key, parameter
coercion, execution context, result set-up) cost more than the database's work. A
:class:`Compiled` statement is compiled once for a dialect, with each parameter's bind processor and
each selected column's result processor looked up then, and runs on the DB-API connection the
SQLAlchemy :class:`~sqlalchemy.Connection` already holds, inside its transaction: the same SQL
text, the same type conversions (instants as naive UTC text on SQLite, JSON), none of the
per-statement machinery. Statements are counted in :data:`~zapguard.store.database.SQL_ACTIVITY`
as SQLAlchemy's are; driver errors become the store's errors as :func:`translate_errors` makes them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement

from zapguard.store.database import SQL_ACTIVITY
from zapguard.store.errors import Conflict, StoreError

_Processor = Callable[[Any], Any] | None


class _Form:
    """One statement compiled for one dialect."""

    def __init__(
        self, statement: ClauseElement, dialect: Dialect, column_keys: Sequence[str] | None
    ) -> None:
        compiled = statement.compile(
            dialect=dialect, column_keys=list(column_keys) if column_keys is not None else None
        )
        assert isinstance(compiled, SQLCompiler)  # a Core statement compiles to SQL
        self.sql = compiled.string
        by_name = {name: bind for bind, name in compiled.bind_names.items()}
        # (compiled name, caller's key or None for a value fixed in the statement, fixed value,
        # bind processor), in the order a positional driver wants them.
        order = compiled.positiontup if dialect.positional else list(by_name)
        self.binds: list[tuple[str, str | None, Any, _Processor]] = []
        for name in order or ():
            bind = by_name[name]
            self.binds.append(
                (
                    compiled.escaped_bind_names.get(name, name),
                    bind.key if bind.required else None,
                    bind.value,
                    bind.type.dialect_impl(dialect).bind_processor(dialect),
                )
            )
        self.positional = dialect.positional
        columns = getattr(statement, "exported_columns", ())
        self.results: list[_Processor] = [
            column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
        ]

    def arguments(self, params: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        values = []
        for _, key, fixed, process in self.binds:
            value = fixed if key is None else params[key]
            values.append(process(value) if process is not None else value)
        if self.positional:
            return values
        return {bind[0]: value for bind, value in zip(self.binds, values, strict=True)}


class Compiled:
    """A Core statement, compiled once per dialect on first use.

    ``column_keys``: for an ``INSERT`` without values, the columns the parameters give (as
    SQLAlchemy compiles it for the keys of an execute's parameters)."""

    def __init__(self, statement: ClauseElement, column_keys: Sequence[str] | None = None) -> None:
        self._statement = statement
        self._column_keys = column_keys
        self._forms: dict[str, _Form] = {}
        self._lock = threading.Lock()

    def _form(self, dialect: Dialect) -> _Form:
        form = self._forms.get(dialect.name)
        if form is None:
            with self._lock:
                form = self._forms.get(dialect.name)
                if form is None:
                    form = _Form(self._statement, dialect, self._column_keys)
                    self._forms[dialect.name] = form
        return form

    def execute(self, connection: Connection, params: Mapping[str, Any]) -> int:
        """Run it; how many rows it changed."""
        form = self._form(connection.dialect)
        cursor = _run(connection, form, params)
        try:
            return int(cursor.rowcount)
        finally:
            cursor.close()

    def execute_many(self, connection: Connection, params: Sequence[Mapping[str, Any]]) -> None:
        """Run it once per set of parameters, as one driver ``executemany`` (bulk inserts)."""
        if not params:
            return
        form = self._form(connection.dialect)
        driver = connection.connection.driver_connection
        assert driver is not None  # a connection SQLAlchemy holds open
        dbapi = connection.dialect.loaded_dbapi
        cursor = driver.cursor()
        SQL_ACTIVITY.statement()
        try:
            cursor.executemany(form.sql, [form.arguments(each) for each in params])
        except dbapi.IntegrityError as error:
            raise Conflict(
                f"violação de integridade dos dados / integrity violation: {error}"
            ) from error
        except dbapi.Error as error:
            raise StoreError(f"falha no banco de dados / database failure: {error}") from error
        finally:
            cursor.close()

    def rows(self, connection: Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Run it; the rows it returned, each value converted as its column's type says."""
        form = self._form(connection.dialect)
        cursor = _run(connection, form, params)
        try:
            fetched = cursor.fetchall()
        finally:
            cursor.close()
        processors = form.results
        if not any(processors):
            return [tuple(row) for row in fetched]
        return [
            tuple(
                process(value) if process is not None else value
                for process, value in zip(processors, row, strict=True)
            )
            for row in fetched
        ]


def _run(connection: Connection, form: _Form, params: Mapping[str, Any]) -> Any:
    driver = connection.connection.driver_connection
    assert driver is not None  # a connection SQLAlchemy holds open
    dbapi = connection.dialect.loaded_dbapi
    arguments = form.arguments(params)
    cursor = driver.cursor()
    SQL_ACTIVITY.statement()
    try:
        cursor.execute(form.sql, arguments)
    except dbapi.IntegrityError as error:
        cursor.close()
        raise Conflict(
            f"violação de integridade dos dados / integrity violation: {error}"
        ) from error
    except dbapi.Error as error:
        cursor.close()
        raise StoreError(f"falha no banco de dados / database failure: {error}") from error
    return cursor
