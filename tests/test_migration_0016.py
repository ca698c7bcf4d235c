"""Migration 0016 (send leases) on a database at the revision before it, with data in it: the
data is kept, a Slack workspace's notifications go out through a lease the first tick creates,
and the downgrade removes only the new table."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import inspect, text

from bot.messenger import MessengerRegistry
from bot.scheduler import CoordScheduler
from handlers.clock import ManualClock
from handlers.notices import outbound_to_dict
from handlers.replies import Outbound, Reply, Target
from storage.db import Database
from tests.scheduler.conftest import FakeServices, RecordingMessenger
from tests.test_migration_0010 import T0, insert_workspace, migrate
from tests.virtual_seconds import virtual_sender

PREVIOUS = "0015"
REPLY = Outbound("slack", "T1", Target.channel("C1"), Reply(headline="hi"), key="reply:1")
PAYLOAD = json.dumps({"outbound": outbound_to_dict(REPLY)})


def tables(database: Database) -> set[str]:
    return set(inspect(database.engine).get_table_names())


def test_the_first_tick_after_the_upgrade_sends_through_a_new_lease(database_url: str) -> None:
    database = Database(database_url)
    try:
        migrate(database, PREVIOUS)
        with database.engine.begin() as conn:
            insert_workspace(conn, "slack")
            conn.execute(
                text(
                    "INSERT INTO notifications (workspace_id, key, kind, target_kind, target_id, status, "
                    "attempts, payload, next_attempt_at, created_at) VALUES (1, 'reply:1', 'reply', "
                    "'channel', 'C1', 'pending', 0, :payload, :t0, :t0)"
                ),
                {"t0": T0, "payload": PAYLOAD},
            )
        migrate(database, "0016")
        with database.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM send_leases")).scalar() == 0
            assert conn.execute(text("SELECT key, status FROM notifications")).one() == ("reply:1", "pending")
        messenger = RecordingMessenger("slack")
        now = datetime(2026, 12, 15, 8, 0, tzinfo=UTC)
        services = FakeServices(database, ManualClock(now), MessengerRegistry({"slack": messenger}))
        scheduler = CoordScheduler(services, virtual_sender())  # type: ignore[arg-type]
        try:
            assert scheduler.tick(now) == 1
        finally:
            scheduler.shutdown()
        assert messenger.keys() == ["reply:1"]
        with database.engine.connect() as conn:
            assert conn.execute(text("SELECT scope, sending FROM send_leases")).one() == ("slack:T1", False)
        migrate(database, PREVIOUS, down=True)
        assert "send_leases" not in tables(database)
        with database.engine.connect() as conn:
            assert conn.execute(text("SELECT status FROM notifications")).scalar() == "sent"
        database.upgrade()
        assert "send_leases" in tables(database)
    finally:
        database.dispose()
