"""The one insert-if-absent (:func:`storage.db.insert_if_absent`): the first write of a key wins,
later ones (a redelivery, another replica) change nothing, on SQLite and PostgreSQL."""

from datetime import UTC, datetime

from storage.db import Database, insert_if_absent
from storage.models import InboxEvent

NOW = datetime(2026, 11, 25, tzinfo=UTC)
TABLE = InboxEvent.__table__


def row(platform: str, key: str) -> dict[str, object]:
    return {
        "platform": platform,
        "key": key,
        "payload": "{}",
        "received_at": NOW,
        "lease_until": NOW,
        "attempts": 1,
        "done_at": None,
    }


def test_a_key_is_written_once(db: Database) -> None:
    returning = [TABLE.c.platform, TABLE.c.key]
    with db.transaction() as s:
        assert [tuple(r) for r in insert_if_absent(s, TABLE, [row("slack", "Ev1")], returning)] == [
            ("slack", "Ev1")
        ]
        assert insert_if_absent(s, TABLE, [row("slack", "Ev1")], returning) == []
        # platforms do not collide; a batch returns only what it inserted
        got = insert_if_absent(
            s, TABLE, [row("feishu", "Ev1"), row("slack", "Ev1"), row("slack", "Ev2")], returning
        )
        assert sorted(tuple(r) for r in got) == [("feishu", "Ev1"), ("slack", "Ev2")]
    with db.transaction() as s:
        assert insert_if_absent(s, TABLE, [row("slack", "Ev1")], returning) == []
        assert insert_if_absent(s, TABLE, [], returning) == []
