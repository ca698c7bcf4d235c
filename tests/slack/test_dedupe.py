"""Claiming Slack event ids: the first claim wins, redeliveries do not, on SQLite and PostgreSQL."""

from __future__ import annotations

from bot.slack.listeners import claim
from handlers.clock import ManualClock
from storage.db import Database


def test_claim_is_true_once_per_event_id(db: Database, clock: ManualClock) -> None:
    with db.transaction() as session:
        assert claim(session, "Ev1", clock.now()) is True
    with db.transaction() as session:
        assert claim(session, "Ev1", clock.now()) is False
        assert claim(session, "Ev2", clock.now()) is True
