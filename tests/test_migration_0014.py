"""Migration 0014 on a database at the previous revision with data in it: workspaces start their
F-numbers at 0, launches follow no earlier version, nothing is lost, and the new code runs on the
result; the downgrade keeps the launches and tasks (SQLite, PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from handlers.clock import ManualClock
from handlers.context import Caller
from handlers.core import Coordinator
from storage.db import Database
from tests.test_migration_0007 import migrate
from tests.test_migration_0009 import seed

PREVIOUS = "0008"
T0 = datetime(2026, 11, 2, 9, 0)


def seed_launch(database: Database) -> None:
    with database.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO launches (id, workspace_id, name, name_key, launch_date, created_by_id, "
                "owner_id, created_at, status) "
                "VALUES (1, 1, 'v2.3', 'v2.3', '2026-11-20', 1, 1, :t0, 'launched')"
            ),
            {"t0": T0},
        )
        conn.execute(text("UPDATE tasks SET launch_id = 1 WHERE id = 2"))
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT setval(pg_get_serial_sequence('launches', 'id'), 1)"))


def test_feedback_tables_arrive_empty_and_nothing_is_lost(database_url: str) -> None:
    database = Database(database_url)
    try:
        migrate(database, PREVIOUS)
        seed(database)
        seed_launch(database)
        database.upgrade()
        with database.engine.connect() as conn:
            assert conn.execute(text("SELECT feedback_seq, task_seq FROM workspaces")).one() == (0, 2)
            assert conn.execute(text("SELECT name, status, previous_id FROM launches")).one() == (
                "v2.3",
                "launched",
                None,
            )
            assert conn.execute(text("SELECT count(*) FROM feedback")).scalar() == 0
            assert conn.execute(text("SELECT launch_id FROM tasks ORDER BY id")).scalars().all() == [None, 1]
        core = Coordinator(database, ManualClock(datetime(2026, 11, 25, 9, tzinfo=UTC)))
        alice = Caller("slack", "T1", "alice", "alice", "C1", "general")
        logged = core.handle_text(alice, "feedback v2.3 bug Export is slow")
        assert logged.reply.headline == "Logged F1 (bug) on v2.3", logged.reply.plain_text()
        assert "F1 [bug] Export is slow" in core.handle_text(alice, "feedback list v2.3").reply.plain_text()
        migrate(database, PREVIOUS, down=True)
        with database.engine.connect() as conn:
            assert conn.execute(text("SELECT name FROM launches")).scalars().all() == ["v2.3"]
            assert conn.execute(text("SELECT count(*) FROM tasks")).scalar() == 2
        database.upgrade()
    finally:
        database.dispose()
