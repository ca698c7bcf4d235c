"""Shared fixtures: a migrated database on SQLite, and on PostgreSQL when asked for.

Set ``COORDBOT_TEST_DATABASE_URL`` (CI does) to run every ``db`` test on PostgreSQL too;
when it is set and the server is unreachable the tests fail rather than skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from hypothesis import settings
from sqlalchemy import create_engine, text

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


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture
def clock() -> ManualClock:
    # A Wednesday morning in UTC; tests move it explicitly.
    return ManualClock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
