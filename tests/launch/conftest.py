"""Fixtures for launch-plan tests: the real core on a real database, a scheduler on the same
database with a recording messenger, and a clock both share."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from bot.messenger import MessengerRegistry
from bot.scheduler import CoordScheduler
from handlers.clock import ManualClock
from handlers.context import Caller
from handlers.core import Coordinator
from handlers.replies import Outcome, Tone
from storage.db import Database
from storage.models import Task
from tests.scheduler.conftest import FakeServices, RecordingMessenger
from tests.virtual_seconds import virtual_sender

LAUNCH_DAY = date(2026, 12, 15)  # a Tuesday
START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # a Wednesday, three weeks before


def caller(user: str, channel: str = "C1", workspace: str = "T1", platform: str = "slack") -> Caller:
    return Caller(platform, workspace, user, user.title(), channel, "general")


@dataclass
class Team:
    """A workspace driven through the core: ``say`` runs a command as a person."""

    core: Coordinator
    db: Database
    clock: ManualClock
    platform: str = "slack"
    workspace: str = "T1"

    def say(self, user: str, text: str, channel: str = "C1") -> Outcome:
        return self.core.handle_text(caller(user, channel, self.workspace, self.platform), text)

    def ok(self, user: str, text: str, channel: str = "C1") -> Outcome:
        outcome = self.say(user, text, channel)
        assert outcome.reply.tone != Tone.ERROR, outcome.reply.plain_text()
        return outcome

    def refused(self, user: str, text: str, fragment: str, channel: str = "C1") -> Outcome:
        outcome = self.say(user, text, channel)
        assert outcome.reply.tone == Tone.ERROR, outcome.reply.plain_text()
        assert fragment in outcome.reply.plain_text(), outcome.reply.plain_text()
        return outcome

    def press(self, user: str, action: str, value: str) -> Outcome:
        return self.core.handle_action(
            caller(user, workspace=self.workspace, platform=self.platform), action, value
        )

    def tasks(self, **where: object) -> list[Task]:
        with self.db.transaction() as s:
            query = select(Task).filter_by(**where).order_by(Task.number).options(joinedload(Task.done_by))
            return list(s.scalars(query).unique())

    def item(self, number: int) -> Task:
        (found,) = self.tasks(number=number)
        return found


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def team(db: Database, clock: ManualClock) -> Team:
    """alice (the first person: admin, the PM), bob leads dev with frank as a member, carol leads
    design, dave leads marketing, ops has no lead; erin is nobody in particular."""
    core = Coordinator(db, clock, default_timezone="UTC")
    t = Team(core, db, clock)
    t.ok("alice", "dept list")
    t.ok("alice", "dept set dev lead <@bob|Bob>")
    t.ok("alice", "dept set dev members <@bob|Bob> <@frank|Frank>")
    t.ok("alice", "dept set design lead <@carol|Carol>")
    t.ok("alice", "dept set marketing lead <@dave|Dave>")
    t.ok("bob", "list mine")
    t.ok("erin", "list mine")
    return t


@pytest.fixture
def messenger() -> RecordingMessenger:
    return RecordingMessenger("slack")


@pytest.fixture
def scheduler(db: Database, clock: ManualClock, messenger: RecordingMessenger) -> Iterator[CoordScheduler]:
    services = FakeServices(
        db=db, clock=clock, messengers=MessengerRegistry({"slack": messenger}), messenger=messenger
    )
    sched = CoordScheduler(services, virtual_sender())  # type: ignore[arg-type]
    yield sched
    sched.shutdown()


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=UTC)
