"""``snooze``: ``tomorrow`` is the next working day's morning, ``2h`` two hours inside working hours
(else the next working morning) — on the assignee's own calendar, hours and time zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.delivery import deliver_outbox
from bot.messenger import MessengerRegistry
from bot.scheduler import CoordScheduler
from handlers.clock import ManualClock
from handlers.core import Coordinator
from storage.db import Database
from storage.models import Task
from tests.scheduler.conftest import FakeServices, RecordingMessenger
from tests.test_holidays import ok, run


@pytest.fixture
def core(db: Database, clock: ManualClock) -> Coordinator:
    return Coordinator(db, clock, default_timezone="UTC", admin_ids=["root"])


def snoozed_until(db: Database) -> datetime:
    with db.transaction() as s:
        until = s.scalars(select(Task.snoozed_until)).one()
        assert until is not None
        return until.astimezone(UTC)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "words", "expected"),
    [
        (utc(2026, 11, 25, 10), "2h", utc(2026, 11, 25, 12)),  # Wed: still inside the day
        (utc(2026, 11, 25, 17), "2h", utc(2026, 11, 26, 9)),  # past 18:00: Thu morning
        (utc(2026, 11, 27, 17), "2h", utc(2026, 11, 30, 9)),  # Fri evening: Monday morning
        (utc(2026, 11, 25, 10), "tomorrow", utc(2026, 11, 26, 9)),
        (utc(2026, 11, 27, 10), "tomorrow", utc(2026, 11, 30, 9)),  # Friday's tomorrow is Monday
        (utc(2026, 12, 31, 10), "tomorrow", utc(2027, 1, 4, 9)),  # company day off Jan 1, a weekend
        (utc(2026, 11, 25, 10), "until mon", utc(2026, 11, 30, 9)),  # a day: its working morning
        (utc(2026, 11, 25, 10), "fri", utc(2026, 11, 27, 9)),
        (utc(2026, 11, 25, 10), "until sat", utc(2026, 11, 30, 9)),  # a day off: the next working one
        (utc(2026, 12, 30, 10), "till jan 1", utc(2027, 1, 4, 9)),
        (utc(2026, 11, 25, 10), "到下周一", utc(2026, 11, 30, 9)),
    ],
)
def test_snooze_lands_in_working_time_en(
    core: Coordinator, db: Database, clock: ManualClock, now: datetime, words: str, expected: datetime
) -> None:
    ok(run(core, "root", "holiday add 2027-01-01 New Year"))
    ok(run(core, "alice", "add dev Ship <@bob|bob>"))
    clock.set(now)
    ok(run(core, "alice", f"snooze #1 {words}"))
    assert snoozed_until(db) == expected


def test_snooze_follows_the_assignees_hours_zone_and_office_zh(
    core: Coordinator, db: Database, clock: ManualClock
) -> None:
    """bob works 10:00-19:00 in Shanghai, on China's calendar (National Day; a make-up Saturday)."""
    chinese = {"platform": "feishu", "workspace": "tenant"}
    ok(run(core, "root", "settings holidays CN", **chinese))
    ok(run(core, "bob", "me hours 10:00-19:00", **chinese))
    ok(run(core, "bob", "me timezone Asia/Shanghai", **chinese))
    ok(run(core, "alice", "add dev Ship <@bob|bob>", **chinese))
    clock.set(utc(2026, 9, 30, 10))  # 18:00 in Shanghai, Wed before National Day
    text = ok(run(core, "alice", "snooze #1 明天", **chinese))
    assert snoozed_until(db) == utc(2026, 10, 8, 2)  # Thu Oct 8, after the holiday, at 10:00 there
    assert "#1 已暂停提醒，至 10月8日 周四 02:00（UTC）" in text  # shown in alice's time
    ok(run(core, "alice", "snooze #1 2小时", **chinese))  # 20:00 there: after bob's hours
    assert snoozed_until(db) == utc(2026, 10, 8, 2)
    clock.set(utc(2026, 10, 10, 3))  # 11:00 on the make-up Saturday
    ok(run(core, "alice", "snooze #1 2小时", **chinese))
    assert snoozed_until(db) == utc(2026, 10, 10, 5)


def test_a_snooze_ending_the_same_day_brings_the_nudge_back_then(
    core: Coordinator, db: Database, clock: ManualClock
) -> None:
    """After the day's sweep (09:30) bob snoozes his overdue task for 2 h: its nudge comes back at
    12:00, through the ledger; snoozing again or finishing it first withdraws that nudge."""
    messenger = RecordingMessenger("slack")
    services = FakeServices(db=db, clock=clock, messengers=MessengerRegistry({"slack": messenger}))
    scheduler = CoordScheduler(services)  # type: ignore[arg-type]
    ok(run(core, "alice", "add dev Ship <@bob|bob> due 2026-11-20"))
    clock.set(utc(2026, 11, 25, 10))
    out = run(core, "bob", "snooze #1 2h")  # after 09:30, the day's nudges
    deliver_outbox(out.outbox, services.messengers, db=db, now=clock.now)

    def returned() -> list:  # type: ignore[type-arg]
        return [m for m in messenger.sent if (m.key or "").startswith("snooze-end:")]

    assert returned() == []
    scheduler.run_through(utc(2026, 11, 25, 10), utc(2026, 11, 25, 11, 59))
    assert returned() == [] and messenger.keys("nudge:") == []  # the day's sweep skips it: snoozed
    scheduler.run_through(utc(2026, 11, 25, 11, 59), utc(2026, 11, 25, 12, 1))
    [nudge] = returned()
    assert nudge.target.id == "bob" and "#1 [dev] Ship" in nudge.reply.plain_text()
    clock.set(utc(2026, 11, 25, 13))
    ok(run(core, "bob", "snooze #1 2h"))  # back at 15:00 ...
    ok(run(core, "bob", "done #1"))  # ... but done first: no nudge then
    scheduler.run_through(utc(2026, 11, 25, 13), utc(2026, 11, 25, 17))
    assert len(returned()) == 1


@pytest.mark.parametrize("words", ["until yesterday", "today", "until 2028-01-01"])
def test_snooze_until_a_day_refuses_one_not_ahead_or_too_far(core: Coordinator, words: str) -> None:
    ok(run(core, "alice", "add dev Ship <@bob|bob>"))
    reply = run(core, "alice", f"snooze #1 {words}").reply
    assert "is not a day to snooze until" in reply.plain_text()
