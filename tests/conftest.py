"""Shared fixtures: a migrated database on SQLite, and on PostgreSQL when asked for.

Set ``COORDBOT_TEST_DATABASE_URL`` (CI does) to run every ``db`` test on PostgreSQL too;
when it is set and the server is unreachable the tests fail rather than skip.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import settings
from sqlalchemy import create_engine, event, text

from handlers.clock import ManualClock
from storage.db import Database, _normalise_url

# Properties are checked by their examples, not their speed: on a shared CI machine one example
# can take longer than hypothesis's default 200 ms deadline.
settings.register_profile("coordbot", deadline=None)
settings.load_profile("coordbot")

PG_URL = os.environ.get("COORDBOT_TEST_DATABASE_URL", "").strip()
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


def _pg_schema_url(schema: str) -> str:
    joiner = "&" if "?" in PG_URL else "?"
    return f"{_normalise_url(PG_URL)}{joiner}options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session")
def pg_admin_engine():  # type: ignore[no-untyped-def]
    if not PG_URL:
        pytest.skip("COORDBOT_TEST_DATABASE_URL is not set")
    engine = create_engine(_normalise_url(PG_URL), pool_pre_ping=True)
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:  # the tests were asked for PostgreSQL: fail, do not skip
        pytest.fail(f"COORDBOT_TEST_DATABASE_URL is set but PostgreSQL is unreachable: {exc}")
    yield engine
    engine.dispose()


def make_database_url(backend: str, tmp_path, request) -> Iterator[str]:  # type: ignore[no-untyped-def]
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'coordbot-test.db'}"
        return
    admin = request.getfixturevalue("pg_admin_engine")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _pg_schema_url(schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A URL of an empty database: SQLite file, and a fresh PostgreSQL schema when configured."""
    yield from make_database_url(request.param, tmp_path, request)


# Migrating every test's database from nothing costs ~0.3 s on SQLite and ~1 s on PostgreSQL; the
# first migration in each test process is the real one, later databases get a copy of its result
# (SQLite: the file; PostgreSQL: the same SQL statements replayed into the test's own schema).
_sqlite_template: list[str] = []
_pg_statements: list[tuple[str, Any, bool]] = []


def _migrate_sqlite(url: str, temp: pytest.TempPathFactory) -> None:
    path = url.removeprefix("sqlite:///")
    if _sqlite_template:
        shutil.copyfile(_sqlite_template[0], path)
        return
    template = str(temp.mktemp("template") / "migrated.db")
    database = Database(f"sqlite:///{template}")
    database.upgrade()
    database.dispose()
    _sqlite_template.append(template)
    shutil.copyfile(template, path)


def _migrate_postgresql(database: Database) -> None:
    if _pg_statements:
        with database.engine.begin() as connection:
            for statement, parameters, many in _pg_statements:
                if many:
                    connection.exec_driver_sql(statement, list(parameters))
                else:
                    connection.exec_driver_sql(statement, parameters)
        return
    recorded: list[tuple[str, Any, bool]] = []

    def record(_conn, _cursor, statement, parameters, _context, many) -> None:  # type: ignore[no-untyped-def]
        recorded.append((statement, parameters, many))

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        database.upgrade()
    finally:
        event.remove(database.engine, "before_cursor_execute", record)
    _pg_statements.extend(recorded)


@pytest.fixture
def db(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    if database_url.startswith("sqlite:///"):
        _migrate_sqlite(database_url, tmp_path_factory)
        database = Database(database_url)
    else:
        database = Database(database_url)
        _migrate_postgresql(database)
    yield database
    database.dispose()


@pytest.fixture
def clock() -> ManualClock:
    # A Wednesday morning in UTC; tests move it explicitly.
    return ManualClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
