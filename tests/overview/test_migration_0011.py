"""Migration 0011 on a database at 0010 with data in it: report schedules are added, nothing else
changes, and downgrading drops only them (SQLite, PostgreSQL)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import inspect, text

from storage.db import Database
from tests.test_migration_0007 import migrate

T0 = datetime(2026, 11, 2, 9, 0)


def test_0011_adds_report_schedules_and_keeps_the_data(database_url: str) -> None:
    database = Database(database_url)
    try:
        migrate(database, "0010")
        with database.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO workspaces (id, platform, external_id, name, timezone, language, workdays, "
                    "task_seq, checkin_time, checkin_offsets, nudge_time, escalate_lead_after, "
                    "escalate_creator_after, created_at) VALUES (1, 'slack', 'T1', 'T1', 'UTC', 'en', 31, 0, "
                    "'10:00', '-7,0', '09:30', 2, 4, :t0)"
                ),
                {"t0": T0},
            )
            conn.execute(
                text(
                    "INSERT INTO people (id, workspace_id, user_id, is_admin, created_at) "
                    "VALUES (1, 1, 'U1', true, :t0)"
                ),
                {"t0": T0},
            )
        migrate(database, "0011")
        with database.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO report_schedules (workspace_id, target_kind, target_id, weekday, at_time, "
                    "created_by_id, created_at) VALUES (1, 'channel', 'C1', 4, '16:00', 1, :t0)"
                ),
                {"t0": T0},
            )
            assert conn.execute(text("SELECT count(*) FROM people")).scalar() == 1
            assert conn.execute(text("SELECT weekday FROM report_schedules")).scalar() == 4
        migrate(database, "0010", down=True)
        tables = inspect(database.engine).get_table_names()
        assert "report_schedules" not in tables and "workspaces" in tables
        with database.engine.begin() as conn:
            assert conn.execute(text("SELECT external_id FROM workspaces")).scalar() == "T1"
    finally:
        database.dispose()
