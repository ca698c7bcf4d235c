"""Migration 0010 (access links) on a database at the revision before it, with data in it: the
data is kept, links can be issued afterwards, and the downgrade removes only the new table."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from storage.access_links import AccessPurpose, Grant, issue_token, redeem_token
from storage.db import MIGRATIONS, Database

T0 = datetime(2026, 11, 2, 9, 0)

WORKSPACE_ROW = (
    "INSERT INTO workspaces (id, platform, external_id, name, timezone, language, workdays, "
    "task_seq, checkin_time, checkin_offsets, nudge_time, escalate_lead_after, "
    "escalate_creator_after, created_at) VALUES (1, :platform, 'T1', 'T1', 'UTC', 'en', 31, "
    "0, '10:00', '-14,-7,-3,-1,0,1,7', '09:30', 2, 4, :t0)"
)


def insert_workspace(connection, platform: str = "console") -> None:  # type: ignore[no-untyped-def]
    """Workspace 1 (``T1``) as a row of the schema from 0012 on (the settings columns it has had since)."""
    connection.execute(text(WORKSPACE_ROW), {"platform": platform, "t0": T0})


def alembic_config(database: Database, connection) -> Config:  # type: ignore[no-untyped-def]
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def migrate(database: Database, revision: str, *, down: bool = False) -> None:
    with database.engine.begin() as connection:
        config = alembic_config(database, connection)
        (command.downgrade if down else command.upgrade)(config, revision)


def previous_revision() -> str:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    down = ScriptDirectory.from_config(config).get_revision("0010").down_revision
    assert isinstance(down, str)
    return down


def seed(database: Database) -> None:
    with database.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO workspaces (id, platform, external_id, name, timezone, language, workdays, "
                "task_seq, checkin_time, checkin_offsets, nudge_time, escalate_lead_after, "
                "escalate_creator_after, created_at) VALUES (1, 'slack', 'T1', 'T1', 'UTC', 'en', 31, 1, "
                "'10:00', '-14,-7,-3,-1,0,1,7', '09:30', 2, 4, :t0)"
            ),
            {"t0": T0},
        )
        conn.execute(
            text(
                "INSERT INTO people (id, workspace_id, user_id, name, is_admin, created_at) "
                "VALUES (1, 1, 'alice', 'alice', true, :t0)"
            ),
            {"t0": T0},
        )
        conn.execute(
            text(
                "INSERT INTO departments (id, workspace_id, key, aliases, position) "
                "VALUES (1, 1, 'dev', '', 1)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO tasks (id, workspace_id, number, title, department_id, assignee_id, creator_id, "
                "priority, status, created_at, updated_at, kind) "
                "VALUES (1, 1, 1, 'Ship it', 1, 1, 1, 'normal', 'todo', :t0, :t0, 'task')"
            ),
            {"t0": T0},
        )


def test_access_links_arrive_without_touching_existing_data(database_url: str) -> None:
    database = Database(database_url)
    try:
        migrate(database, previous_revision())
        seed(database)
        database.upgrade()
        assert "access_links" in inspect(database.engine).get_table_names()
        with database.engine.connect() as conn:
            assert conn.execute(text("SELECT number, title FROM tasks")).all() == [(1, "Ship it")]
        now = datetime(2026, 11, 25, 9, tzinfo=UTC)
        with database.transaction() as session:
            token = issue_token(session, workspace_id=1, person_id=1, purpose=AccessPurpose.CALENDAR, now=now)
        with database.transaction() as session:
            assert isinstance(redeem_token(session, token, purpose=AccessPurpose.CALENDAR, now=now), Grant)
        migrate(database, previous_revision(), down=True)
        assert "access_links" not in inspect(database.engine).get_table_names()
        with database.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM people")).scalar() == 1
        database.upgrade()
    finally:
        database.dispose()
