"""Migration 0015 (the scheduler's sweep mark) on a database at the revision before it, with data in
it: workspaces are kept with no mark, the scheduler sets it on its first tick and catches up from
then, and the downgrade removes only the new column."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import inspect, text

from bot.messenger import MessengerRegistry
from bot.scheduler import CoordScheduler
from handlers.clock import ManualClock
from storage.db import Database
from tests.scheduler.conftest import FakeServices, RecordingMessenger
from tests.test_migration_0010 import insert_workspace, migrate
from tests.virtual_seconds import virtual_sender

PREVIOUS = "0012"


def columns(database: Database) -> set[str]:
    return {c["name"] for c in inspect(database.engine).get_columns("workspaces")}


def test_workspaces_arrive_without_a_mark_and_the_first_tick_sets_it(database_url: str) -> None:
    database = Database(database_url)
    try:
        migrate(database, PREVIOUS)
        with database.engine.begin() as conn:
            insert_workspace(conn)
        migrate(database, "0015")
        with database.engine.connect() as conn:
            assert conn.execute(text("SELECT external_id, swept_until FROM workspaces")).one() == ("T1", None)
        messenger = RecordingMessenger()
        now = datetime(2026, 12, 15, 8, 0, tzinfo=UTC)
        services = FakeServices(database, ManualClock(now), MessengerRegistry({"console": messenger}))
        scheduler = CoordScheduler(services, virtual_sender())  # type: ignore[arg-type]
        scheduler.tick(now)
        with database.engine.connect() as conn:
            assert conn.execute(text("SELECT swept_until FROM workspaces")).scalar() is not None
        migrate(database, PREVIOUS, down=True)
        assert "swept_until" not in columns(database)
        with database.engine.connect() as conn:
            assert conn.execute(text("SELECT external_id FROM workspaces")).scalar() == "T1"
        database.upgrade()
        assert "swept_until" in columns(database)
    finally:
        database.dispose()
