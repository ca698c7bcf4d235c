"""``snooze``: ``tomorrow`` is the next working day's morning, ``2h`` two hours inside working hours
(else the next working morning) — on the assignee's own calendar, hours and time zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from handlers.clock import ManualClock
from handlers.core import Coordinator
from storage.db import Database
from storage.models import Task
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
