"""Migration 0008 on a database at its predecessor 0010 with data in it: workspaces, departments and
people keep everything and take the calendar defaults; the downgrade gives 0010 back (SQLite,
PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import inspect, text

from handlers.clock import ManualClock
from handlers.context import Caller
from handlers.core import Coordinator
from storage.db import Database
from tests.test_migration_0007 import migrate

T0 = datetime(2026, 11, 2, 9, 0)


def seed_0010(database: Database) -> None:
    with database.engine.begin() as conn:
        for ws_id, platform, ext, tz, lang in (
            (1, "slack", "T1", "UTC", "en"),
            (2, "feishu", "ten", "Asia/Shanghai", "zh"),
        ):
            conn.execute(
                text(
                    "INSERT INTO workspaces (id, platform, external_id, name, timezone, language, workdays, "
                    "task_seq, checkin_time, checkin_offsets, nudge_time, escalate_lead_after, "
                    "escalate_creator_after, created_at) VALUES (:id, :platform, :ext, :ext, :tz, :lang, 31, "
                    "0, '10:00', '-14,-7,-3,-1,0,1,7', '09:30', 2, 4, :t0)"
                ),
                {"id": ws_id, "platform": platform, "ext": ext, "tz": tz, "lang": lang, "t0": T0},
            )
        conn.execute(
            text(
                "INSERT INTO people (id, workspace_id, user_id, name, timezone, is_admin, created_at) "
                "VALUES (1, 1, 'alice', 'Alice', 'Europe/Berlin', true, :t0), "
                "(2, 2, 'ou_li', 'Li', NULL, true, :t0)"
            ),
            {"t0": T0},
        )
        conn.execute(
            text(
                "INSERT INTO departments (id, workspace_id, key, aliases, position, lead_id, channel_id) "
                "VALUES (1, 1, 'dev', 'eng', 0, 1, 'C9'), (2, 2, 'dev', '', 0, 2, NULL)"
            )
        )


def test_existing_rows_take_the_calendar_defaults(database_url: str) -> None:
    database = Database(database_url)
    try:
        migrate(database, "0009")
        seed_0010(database)
        migrate(database, "head")
        with database.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT id, holiday_region, work_start, work_end, late_grace_minutes, timezone "
                    "FROM workspaces ORDER BY id"
                )
            ).all()
            assert [tuple(r) for r in rows] == [
                (1, None, "09:00", "18:00", 120, "UTC"),
                (2, None, "09:00", "18:00", 120, "Asia/Shanghai"),
            ]
            people = conn.execute(
                text(
                    "SELECT user_id, name, timezone, work_start, away_from, away_backup_id "
                    "FROM people ORDER BY id"
                )
            ).all()
            assert [tuple(p) for p in people] == [
                ("alice", "Alice", "Europe/Berlin", None, None, None),
                ("ou_li", "Li", None, None, None, None),
            ]
            depts = conn.execute(
                text("SELECT key, aliases, lead_id, channel_id, holiday_region FROM departments ORDER BY id")
            ).all()
            assert [tuple(d) for d in depts] == [("dev", "eng", 1, "C9", None), ("dev", "", 2, None, None)]
        # The Chinese workspace counts China's holidays by default; the English one weekends only.
        clock = ManualClock(datetime(2026, 9, 28, 9, 0, tzinfo=UTC))
        core = Coordinator(database, clock, default_timezone="UTC")
        zh = core.handle_text(Caller("feishu", "ten", "ou_li", "Li", "oc1", "g"), "holidays 2026-10")
        assert "国庆节" in zh.reply.plain_text()
        added = core.handle_text(
            Caller("slack", "T1", "alice", "Alice", "C1", "g"), "holiday add 2026-12-24 Offsite"
        )
        assert "Offsite" in added.reply.plain_text()
        migrate(database, "0009", down=True)
        assert "company_days" not in inspect(database.engine).get_table_names()
        with database.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM people")).scalar() == 2
            assert "holiday_region" not in {c["name"] for c in inspect(conn).get_columns("workspaces")}
        migrate(database, "head")  # and up again
    finally:
        database.dispose()
