from datetime import UTC, datetime

from storage.db import Database
from storage.events import claim_event


def test_an_event_id_is_claimed_once(db: Database) -> None:
    now = datetime(2026, 11, 25, tzinfo=UTC)
    with db.transaction() as s:
        assert claim_event(s, "slack", "Ev1", now) is True
        assert claim_event(s, "slack", "Ev1", now) is False
        assert claim_event(s, "feishu", "Ev1", now) is True  # platforms do not collide
    with db.transaction() as s:
        assert claim_event(s, "slack", "Ev1", now) is False
