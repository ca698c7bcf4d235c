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
from storage.models import Base
from tests.cli import cli  # noqa: F401  (the fixture)

# Properties are checked by their examples, not their speed: on a shared CI machine one example
# can take longer than hypothesis's default 200 ms deadline.
settings.register_profile("coordbot", deadline=None)
settings.load_profile("coordbot")

PG_URL = os.environ.get("COORDBOT_TEST_DATABASE_URL", "").strip()
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


def _pg_schema_url(schema: str) -> str:
    """The test's schema; commits do not wait for the server's disk (only a server crash, which no
    test makes, could lose them), so PostgreSQL tests are not bound by this machine's fsync."""
    joiner = "&" if "?" in PG_URL else "?"
    options = f"-csearch_path%3D{schema}%20-csynchronous_commit%3Doff"
    return f"{_normalise_url(PG_URL)}{joiner}options={options}"


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
def backend(request) -> str:  # type: ignore[no-untyped-def]
    """Every database test runs on SQLite, and on PostgreSQL when configured."""
    return str(request.param)


@pytest.fixture
def database_url(backend: str, tmp_path, request) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A URL of an empty database: SQLite file, and a fresh PostgreSQL schema when configured."""
    yield from make_database_url(backend, tmp_path, request)


# Migrating every test's database from nothing costs ~0.3 s on SQLite and ~1 s on PostgreSQL. The
# first migration in each test process is the real one. Later SQLite databases get a copy of its
# file; on PostgreSQL each test process keeps one migrated schema and empties it for each test
# (a new schema, replayed from the recorded statements, only if emptying it fails).
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


class ReusedSchema:
    """This test process's migrated PostgreSQL schema, emptied before each test that takes it."""

    def __init__(self, admin: Any) -> None:
        self.admin = admin
        self.name = ""
        self.emptying = ""
        self.abandoned: list[str] = []

    def take(self) -> str:
        if self.name and self._empty():
            return _pg_schema_url(self.name)
        if self.name:  # dropped at the end: a connection left behind may still hold its locks
            self.abandoned.append(self.name)
        self.name = f"w_{uuid.uuid4().hex[:12]}"
        with self.admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{self.name}"'))
        database = Database(_pg_schema_url(self.name))
        try:
            _migrate_postgresql(database)
        finally:
            database.dispose()
        self.emptying = self._emptying_sql()
        return _pg_schema_url(self.name)

    def _emptying_sql(self) -> str:
        """One batch: delete every row (children first), restart every sequence."""
        with self.admin.connect() as conn:
            present = {
                row[0]
                for row in conn.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = :s"), {"s": self.name}
                )
            }
        ordered = [t.name for t in reversed(Base.metadata.sorted_tables) if t.name in present]
        others = sorted(present - set(ordered) - {"alembic_version"})
        deletes = "".join(f'DELETE FROM "{self.name}"."{table}";' for table in [*others, *ordered])
        restart = (
            "SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            f" WHERE c.relkind = 'S' AND n.nspname = '{self.name}'"
        )
        return f"SET LOCAL lock_timeout = '2s';{deletes}{restart}"

    def _empty(self) -> bool:
        try:
            with self.admin.begin() as conn:
                conn.exec_driver_sql(self.emptying)
        except Exception:  # a lock left by a killed process, a dropped table: start a new schema
            return False
        return True

    def drop(self) -> None:
        for name in [*self.abandoned, self.name]:
            if name:
                with self.admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))


@pytest.fixture(scope="session")
def reused_schema(pg_admin_engine) -> Iterator[ReusedSchema]:  # type: ignore[no-untyped-def]
    schema = ReusedSchema(pg_admin_engine)
    yield schema
    schema.drop()


@pytest.fixture
def db(backend: str, tmp_path, tmp_path_factory: pytest.TempPathFactory, request) -> Iterator[Database]:  # type: ignore[no-untyped-def]
    """A migrated database with nothing in it, on each backend."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'coordbot-test.db'}"
        _migrate_sqlite(url, tmp_path_factory)
        database = Database(url)
    else:
        database = Database(request.getfixturevalue("reused_schema").take())
    yield database
    database.dispose()


@pytest.fixture
def clock() -> ManualClock:
    # A Wednesday morning in UTC; tests move it explicitly.
    return ManualClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
