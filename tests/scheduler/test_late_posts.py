"""Missed check-ins: within the grace window they are posted on coming back; after it, at the
channel's next working morning marked late — unless a newer check-in of the launch is due then.
Never outside working hours, never twice."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.scheduler import CoordScheduler
from tests.scheduler import factories as f
from tests.scheduler.conftest import FakeServices

LAUNCH = date(2026, 12, 18)  # a Friday: T-3 is Tue 12-15, T-1 Thu 12-17
TUESDAY, WEDNESDAY, THURSDAY = date(2026, 12, 15), date(2026, 12, 16), date(2026, 12, 17)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def seed(services: FakeServices, language: str = "en") -> None:
    with services.db.transaction() as s:
        ws = f.workspace(s, language=language)
        f.launch(s, ws, "v7", LAUNCH, f.departments(s, ws))


def checkins(services: FakeServices) -> list[tuple[str, str]]:
    """(offset label, headline) of the check-ins sent so far, in order."""
    return [
        ((m.key or "").split(":")[3], m.reply.headline)
        for m in services.messenger.sent
        if (m.key or "").startswith("checkin:")
    ]


def test_back_within_the_grace_window_posts_on_coming_back(
    services: FakeServices, scheduler: CoordScheduler
) -> None:
    seed(services)
    scheduler.tick(at(TUESDAY, 11, 55))  # down since before 10:00, back 1 h 55 min late
    assert [label for label, _h in checkins(services)] == ["T-3"]
    assert not checkins(services)[0][1].startswith("Late")


def test_back_after_the_grace_window_posts_at_the_next_working_morning_marked_late(
    services: FakeServices, scheduler: CoordScheduler
) -> None:
    seed(services)
    scheduler.tick(at(TUESDAY, 12, 5))  # back 2 h 5 min late
    scheduler.run_through(at(TUESDAY, 12, 5), at(WEDNESDAY, 8, 59))
    assert checkins(services) == []  # not in the afternoon, not at night
    scheduler.run_through(at(WEDNESDAY, 8, 59), at(WEDNESDAY, 9, 0))
    [(label, headline)] = checkins(services)
    assert label == "T-3"
    assert headline.startswith("Late · v7 readiness check-in · T-3")
    assert "2 working days left" in headline  # counted from the day it is posted
    assert "missed Tue 2026-12-15's slot" in headline
    scheduler.run_through(at(WEDNESDAY, 9, 0), at(THURSDAY, 23, 0))
    assert [label for label, _h in checkins(services)] == ["T-3", "T-1"]  # T-3 once


def test_a_newer_check_in_supersedes_the_late_one(services: FakeServices, scheduler: CoordScheduler) -> None:
    seed(services)
    scheduler.tick(at(THURSDAY, 16, 0))  # T-1 missed beyond the window; Friday is launch day
    scheduler.run_through(at(THURSDAY, 16, 0), at(LAUNCH, 23, 0))
    assert [label for label, _h in checkins(services)] == ["T0"]


def test_the_late_label_in_chinese(services: FakeServices, scheduler: CoordScheduler) -> None:
    seed(services, language="zh")
    scheduler.tick(at(TUESDAY, 17, 30))  # inside the grace window but the day ends at 18:00
    scheduler.run_through(at(TUESDAY, 17, 30), at(WEDNESDAY, 9, 0))
    [(_label, headline)] = checkins(services)
    assert headline.startswith("【补发】v7 发布就绪检查 · T-3")


@pytest.mark.parametrize(
    ("back", "labels"),
    [
        (at(TUESDAY, 12, 5), ["T-3", "T-1"]),
        (at(TUESDAY, 19, 0), ["T-3", "T-1"]),
        (at(WEDNESDAY, 2, 0), ["T-1"]),  # down all Tuesday: its check-in is not caught up a day late
    ],
)
def test_nothing_is_posted_outside_working_hours_or_twice(
    services: FakeServices, scheduler: CoordScheduler, back: datetime, labels: list[str]
) -> None:
    seed(services)
    seen: list[datetime] = []
    original = services.messenger.send

    def send(message):  # type: ignore[no-untyped-def]
        seen.append(scheduler_now[0])
        return original(message)

    services.messenger.send = send  # type: ignore[method-assign]
    scheduler_now = [back]
    instants = [back, *(at(d, h, m) for d in (WEDNESDAY, THURSDAY) for h in range(24) for m in (0, 30))]
    for instant in sorted(i for i in instants if i >= back):
        scheduler_now[0] = instant
        scheduler.tick(instant)
    keys = [m.key for m in services.messenger.sent]
    assert len(keys) == len(set(keys))
    assert all(9 <= t.hour < 18 for t in seen), seen
    assert [label for label, _h in checkins(services)] == labels
