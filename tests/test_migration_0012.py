"""Migration 0012 (people's status hint) on a database at the revision before it, with people in
it: they are kept with no hint, and the downgrade removes only the new column."""

from __future__ import annotations

from sqlalchemy import inspect, text

from storage.db import Database
from tests.test_migration_0010 import T0, insert_workspace, migrate


def columns(database: Database) -> set[str]:
    return {c["name"] for c in inspect(database.engine).get_columns("people")}


def test_the_status_hint_arrives_without_touching_people(database_url: str) -> None:
    database = Database(database_url)
    try:
        migrate(database, "0014")
        with database.engine.begin() as conn:
            insert_workspace(conn, "slack")
            conn.execute(
                text(
                    "INSERT INTO people (id, workspace_id, user_id, name, is_admin, created_at, away_until) "
                    "VALUES (1, 1, 'bob', 'Bob', false, :t0, '2026-12-27')"
                ),
                {"t0": T0},
            )
        migrate(database, "0012")
        with database.engine.connect() as conn:
            row = conn.execute(text("SELECT name, away_until, status_hint FROM people")).one()
        assert (row[0], str(row[1]), row[2]) == ("Bob", "2026-12-27", None)
        migrate(database, "0014", down=True)
        assert "status_hint" not in columns(database) and "away_until" in columns(database)
        with database.engine.connect() as conn:
            assert conn.execute(text("SELECT name FROM people")).scalar() == "Bob"
        database.upgrade()
        assert "status_hint" in columns(database)
    finally:
        database.dispose()
