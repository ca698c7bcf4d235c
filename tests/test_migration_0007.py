"""Migration 0007 on a database made at revision 0006 with data in it: every checklist item
becomes a launch item with nothing lost, tasks and their history untouched (SQLite, PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text

from handlers.clock import ManualClock
from handlers.context import Caller
from handlers.core import Coordinator
from storage.db import MIGRATIONS, Database

T0 = datetime(2026, 11, 2, 9, 0)
DONE_AT = datetime(2026, 11, 20, 15, 30)


def migrate(database: Database, revision: str, *, down: bool = False) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def seed_0006(database: Database) -> None:
    """Two workspaces (one Chinese), leads, a launch each with checklist items (some checked, one
    custom), tasks with history linked to a launch, and a check-in key of the old form."""
    workspaces = ((1, "slack", "T1", "UTC", "en", 3), (2, "feishu", "tenant", "Asia/Shanghai", "zh", 0))
    with database.engine.begin() as conn:
        for ws_id, platform, ext, tz, lang, seq in workspaces:
            conn.execute(
                text(
                    "INSERT INTO workspaces (id, platform, external_id, name, timezone, language, workdays, "
                    "task_seq, checkin_time, checkin_offsets, nudge_time, escalate_lead_after, "
                    "escalate_creator_after, created_at) VALUES (:id, :platform, :ext, :ext, :tz, :lang, 31, "
                    ":seq, '10:00', '-14,-7,-3,-1,0,1,7', '09:30', 2, 4, :t0)"
                ),
                {"id": ws_id, "platform": platform, "ext": ext, "tz": tz, "lang": lang, "seq": seq, "t0": T0},
            )
        for pid, ws, user, admin in ((1, 1, "alice", True), (2, 1, "bob", False), (3, 2, "ou_li", True)):
            conn.execute(
                text(
                    "INSERT INTO people (id, workspace_id, user_id, name, is_admin, created_at) "
                    "VALUES (:id, :ws, :user, :user, :admin, :t0)"
                ),
                {"id": pid, "ws": ws, "user": user, "admin": admin, "t0": T0},
            )
        for did, ws, key, lead in ((1, 1, "dev", 2), (2, 1, "ops", None), (3, 2, "dev", 3)):
            conn.execute(
                text(
                    "INSERT INTO departments (id, workspace_id, key, aliases, position, lead_id) "
                    "VALUES (:id, :ws, :key, '', :id, :lead)"
                ),
                {"id": did, "ws": ws, "key": key, "lead": lead},
            )
        for lid, ws, name, creator in ((1, 1, "v2", 1), (2, 2, "v9", 3)):
            conn.execute(
                text(
                    "INSERT INTO launches (id, workspace_id, name, name_key, launch_date, channel_id, "
                    "channel_name, created_by_id, created_at) "
                    "VALUES (:id, :ws, :name, :name, :day, 'CL', 'launch', :creator, :t0)"
                ),
                {"id": lid, "ws": ws, "name": name, "day": date(2026, 12, 15), "creator": creator, "t0": T0},
            )
        items = [
            (1, 1, 1, 1, "check.dev.feature_complete", "", 2, DONE_AT),
            (2, 1, 1, 2, "check.dev.qa_passed", "", None, None),
            (3, 1, 2, 1, "", "Custom: pager rota agreed", None, None),
            (4, 2, 3, 1, "check.dev.feature_complete", "", None, None),
        ]
        for iid, lid, did, pos, key, custom, by, at in items:
            conn.execute(
                text(
                    "INSERT INTO checklist_items (id, launch_id, department_id, position, text_key, text, "
                    "done_by_id, done_at) VALUES (:id, :lid, :did, :pos, :key, :text, :by, :at)"
                ),
                {
                    "id": iid,
                    "lid": lid,
                    "did": did,
                    "pos": pos,
                    "key": key,
                    "text": custom,
                    "by": by,
                    "at": at,
                },
            )
        for tid, number, launch in ((1, 1, 1), (2, 2, None), (3, 3, 1)):
            conn.execute(
                text(
                    "INSERT INTO tasks (id, workspace_id, number, title, department_id, assignee_id, "
                    "creator_id, priority, launch_id, status, created_at, updated_at) "
                    "VALUES (:id, 1, :n, :title, 1, 2, 1, 'normal', :launch, 'todo', :t0, :t0)"
                ),
                {"id": tid, "n": number, "title": f"Task {number}", "launch": launch, "t0": T0},
            )
            conn.execute(
                text(
                    "INSERT INTO task_events (workspace_id, task_id, actor_id, at, kind, changes) "
                    "VALUES (1, :id, 1, :t0, 'created', '{}')"
                ),
                {"id": tid, "t0": T0},
            )
        conn.execute(
            text(
                "INSERT INTO notifications (key, workspace_id, kind, target_kind, target_id, payload, "
                "status, attempts, created_at) VALUES "
                "('checkin:launch:1:2026-12-15:T-14', 1, 'checkin', 'channel', 'CL', '{}', 'sent', 1, :t0), "
                "('checkin:launch:1:2026-12-15:T0', 1, 'checkin', 'channel', 'CL', '{}', 'sent', 1, :t0)"
            ),
            {"t0": T0},
        )
        if conn.dialect.name == "postgresql":  # rows were given their ids: move the sequences past them
            for table in ("workspaces", "people", "departments", "launches", "checklist_items", "tasks"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )


def test_checklist_items_become_launch_items_with_nothing_lost(database_url: str) -> None:
    database = Database(database_url)
    try:
        migrate(database, "0006")
        seed_0006(database)
        database.upgrade()
        assert "checklist_items" not in inspect(database.engine).get_table_names()
        with database.engine.connect() as conn:
            items = conn.execute(
                text(
                    "SELECT workspace_id, number, title, department_id, assignee_id, creator_id, status, "
                    "done_at, done_by_id, kind, item_position, owner_role, launch_id FROM tasks "
                    "WHERE kind = 'item' "
                    "ORDER BY workspace_id, number"
                )
            ).all()
            assert [tuple(i[:7]) for i in items] == [
                (1, 4, "Feature complete", 1, 2, 1, "done"),  # numbered after the workspace's tasks
                (1, 5, "QA / regression passed", 1, 2, 1, "todo"),
                (1, 6, "Custom: pager rota agreed", 2, None, 1, "todo"),  # ops has no lead
                (2, 1, "功能开发完成", 3, 3, 3, "todo"),  # the Chinese workspace's language
            ]
            done = items[0]
            assert done.done_by_id == 2 and str(done.done_at)[:16] == "2026-11-20 15:30"
            assert [(i.item_position, i.owner_role, i.launch_id) for i in items] == [
                (1, "lead", 1),
                (2, "lead", 1),
                (1, "lead", 1),
                (1, "lead", 2),
            ]
            assert conn.execute(text("SELECT task_seq FROM workspaces ORDER BY id")).scalars().all() == [6, 1]
            # the tasks, their launch and their history are as they were
            tasks = conn.execute(
                text("SELECT number, launch_id FROM tasks WHERE kind = 'task' ORDER BY number")
            ).all()
            assert [tuple(t) for t in tasks] == [(1, 1), (2, None), (3, 1)]
            history = conn.execute(text("SELECT task_id, kind FROM task_events ORDER BY id")).all()
            assert [tuple(h) for h in history][:3] == [(1, "created"), (2, "created"), (3, "created")]
            item_history = conn.execute(
                text(
                    "SELECT e.kind, e.actor_id FROM task_events e JOIN tasks t ON t.id = e.task_id "
                    "WHERE t.number = 4 AND t.workspace_id = 1 ORDER BY e.id"
                )
            ).all()
            assert [tuple(h) for h in item_history] == [("created", 1), ("status", 2)]  # checked by bob
            launches = conn.execute(
                text("SELECT owner_id, status, template_name FROM launches ORDER BY id")
            ).all()
            assert [tuple(x) for x in launches] == [(1, "planned", "standard"), (3, "planned", "standard")]
            keys = conn.execute(text("SELECT key FROM notifications ORDER BY id")).scalars().all()
            assert keys == ["checkin:launch:1:T-14", "checkin:launch:1:T0:2026-12-15"]
        # the new code runs on the migrated data
        core = Coordinator(database, ManualClock(datetime(2026, 11, 25, 9, tzinfo=UTC)))
        bob = Caller("slack", "T1", "bob", "bob", "C1", "general")
        assert (
            core.handle_text(bob, "check v2 dev 2").reply.headline
            == "Checked off: QA / regression passed (<@bob|bob>)"
        )
        shown = core.handle_text(bob, "launch v2").reply.plain_text()
        assert "dev 2/2" in shown and "ops 0/1" in shown and "Custom: pager rota agreed" in shown
    finally:
        database.dispose()


def test_the_downgrade_gives_the_checklist_back(database_url: str) -> None:
    database = Database(database_url)
    try:
        migrate(database, "0006")
        seed_0006(database)
        database.upgrade()
        migrate(database, "0006", down=True)
        with database.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT launch_id, department_id, position, text, done_by_id FROM checklist_items "
                    "ORDER BY id"
                )
            ).all()
            assert [tuple(r) for r in rows] == [
                (1, 1, 1, "Feature complete", 2),
                (1, 1, 2, "QA / regression passed", None),
                (1, 2, 1, "Custom: pager rota agreed", None),
                (2, 3, 1, "功能开发完成", None),
            ]
            assert conn.execute(text("SELECT count(*) FROM task_events")).scalar() == 3
        database.upgrade()  # and up again
        with database.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM tasks WHERE kind = 'item'")).scalar() == 4
    finally:
        database.dispose()
