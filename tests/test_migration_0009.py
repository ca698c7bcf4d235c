"""Migration 0009 on a database at the previous revision with data in it: tasks keep everything
and gain an empty description and no source, every workspace keeps thread updates on, and the
new code runs on the result; the downgrade keeps the tasks (SQLite, PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from handlers.clock import ManualClock
from handlers.context import Caller
from handlers.core import Coordinator
from storage.db import Database
from tests.test_migration_0007 import migrate

PREVIOUS = "0011"
T0 = datetime(2026, 11, 2, 9, 0)


def seed(database: Database) -> None:
    """A workspace, two people, a department, two tasks (one blocked) with their history."""
    with database.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO workspaces (id, platform, external_id, name, timezone, language, workdays, "
                "task_seq, checkin_time, checkin_offsets, nudge_time, escalate_lead_after, "
                "escalate_creator_after, created_at) VALUES (1, 'slack', 'T1', 'acme', 'UTC', 'en', 31, 2, "
                "'10:00', '-14,-7,-3,-1,0,1,7', '09:30', 2, 4, :t0)"
            ),
            {"t0": T0},
        )
        for pid, user, admin in ((1, "alice", True), (2, "bob", False)):
            conn.execute(
                text(
                    "INSERT INTO people (id, workspace_id, user_id, name, is_admin, created_at) "
                    "VALUES (:id, 1, :user, :user, :admin, :t0)"
                ),
                {"id": pid, "user": user, "admin": admin, "t0": T0},
            )
        conn.execute(
            text(
                "INSERT INTO departments (id, workspace_id, key, aliases, position) "
                "VALUES (1, 1, 'dev', '', 1)"
            )
        )
        for tid, status, reason in ((1, "todo", None), (2, "blocked", "waiting for the key")):
            conn.execute(
                text(
                    "INSERT INTO tasks (id, workspace_id, number, title, department_id, assignee_id, "
                    "creator_id, priority, status, blocked_reason, created_at, updated_at) "
                    "VALUES (:id, 1, :id, :title, 1, 2, 1, 'normal', :status, :reason, :t0, :t0)"
                ),
                {"id": tid, "title": f"Task {tid}", "status": status, "reason": reason, "t0": T0},
            )
            conn.execute(
                text(
                    "INSERT INTO task_events (workspace_id, task_id, actor_id, at, kind, changes) "
                    "VALUES (1, :id, 1, :t0, 'created', '{}')"
                ),
                {"id": tid, "t0": T0},
            )
        if conn.dialect.name == "postgresql":
            for table in ("workspaces", "people", "departments", "tasks", "task_events"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )


def test_tasks_gain_an_empty_description_and_no_source_with_nothing_lost(database_url: str) -> None:
    database = Database(database_url)
    try:
        migrate(database, PREVIOUS)
        seed(database)
        database.upgrade()
        with database.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT number, title, status, blocked_reason, assignee_id, description, source_channel, "
                    "source_thread, source_message, source_link, quiet FROM tasks ORDER BY number"
                )
            ).all()
            assert [tuple(r) for r in rows] == [
                (1, "Task 1", "todo", None, 2, None, None, None, None, None, False),
                (2, "Task 2", "blocked", "waiting for the key", 2, None, None, None, None, None, False),
            ]
            assert conn.execute(text("SELECT thread_updates FROM workspaces")).scalars().all() == [True]
            assert conn.execute(text("SELECT count(*) FROM task_events")).scalar() == 2
        core = Coordinator(database, ManualClock(datetime(2026, 11, 25, 9, tzinfo=UTC)))
        alice = Caller("slack", "T1", "alice", "alice", "C1", "general")
        assert core.handle_text(alice, "describe #2 The key comes from ops").reply.tone.value == "success"
        assert "The key comes from ops" in core.handle_text(alice, "show #2").reply.plain_text()
        assert "no thread" in core.handle_text(alice, "quiet #1").reply.headline
        migrate(database, PREVIOUS, down=True)
        with database.engine.connect() as conn:
            titles = conn.execute(text("SELECT title FROM tasks ORDER BY number")).scalars().all()
            assert titles == ["Task 1", "Task 2"]  # no table copy cascaded into them
            assert conn.execute(text("SELECT count(*) FROM people")).scalar() == 2
        database.upgrade()  # and up again
    finally:
        database.dispose()
