"""Missed slots across midnight or a restart: a tick finds the check-in slots since the
workspace's ``swept_until`` and puts them through the rules for late posts — at the next working
morning marked late, unless a newer check-in of the launch supersedes it; a missed day's digest is
dropped. Under the same ledger keys: nothing is ever posted twice or outside working hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.scheduler import CoordScheduler
from storage import company_days
from storage.models import Workspace
from storage.scheduling import advance_swept
from tests.scheduler import factories as f
from tests.scheduler.conftest import FakeServices

LAUNCH = date(2026, 12, 18)  # a Friday: T-7 is Fri 12-11, T-3 Tue 12-15, T-1 Thu 12-17
FRIDAY_BEFORE, MONDAY, TUESDAY, WEDNESDAY = (
    date(2026, 12, 11),
    date(2026, 12, 14),
    date(2026, 12, 15),
    date(2026, 12, 16),
)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def seed(services: FakeServices, language: str = "en", **settings: object) -> None:
    with services.db.transaction() as s:
        ws = f.workspace(s, language=language, **settings)
        f.launch(s, ws, "v7", LAUNCH, f.departments(s, ws))
        f.digest(s, ws, "C-general")


def swept_until(services: FakeServices) -> datetime | None:
    with services.db.transaction() as s:
        return s.scalar(select(Workspace.swept_until))


def posts(services: FakeServices, prefix: str) -> list[tuple[str, str]]:
    return [
        (m.key or "", m.reply.headline) for m in services.messenger.sent if (m.key or "").startswith(prefix)
    ]


def play(scheduler: CoordScheduler, services: FakeServices, start: datetime, end: datetime) -> list[datetime]:
    """Tick every 30 minutes in ``[start, end]``; the instants messages were sent at."""
    seen: list[datetime] = []
    original = services.messenger.send
    now = [start]

    def send(message):  # type: ignore[no-untyped-def]
        seen.append(now[0])
        return original(message)

    services.messenger.send = send  # type: ignore[method-assign]
    while now[0] <= end:
        scheduler.tick(now[0])
        now[0] += timedelta(minutes=30)
    services.messenger.send = original  # type: ignore[method-assign]
    return seen


def test_the_mark_moves_once_a_day_at_the_check_in_slot(
    services: FakeServices, scheduler: CoordScheduler
) -> None:
    seed(services)
    scheduler.tick(at(MONDAY, 8, 0))
    assert swept_until(services) == at(MONDAY, 8, 0)  # first tick: from now on
    scheduler.tick(at(MONDAY, 9, 0))
    assert swept_until(services) == at(MONDAY, 8, 0)  # no slot since: no write
    scheduler.tick(at(MONDAY, 10, 1))
    assert swept_until(services) == at(MONDAY, 10, 1)
    with services.db.transaction() as s:  # compare-and-set: a replica behind never moves it back
        advance_swept(s, [1], at(MONDAY, 9, 0))
    assert swept_until(services) == at(MONDAY, 10, 1)


def test_down_across_midnight_posts_the_check_in_late_next_working_morning_and_drops_the_digest(
    services: FakeServices, scheduler: CoordScheduler
) -> None:
    seed(services)
    scheduler.tick(at(TUESDAY, 8, 0))  # up, then down from 08:00 until Wednesday 02:00
    seen = play(scheduler, services, at(WEDNESDAY, 2, 0), at(date(2026, 12, 17), 23, 30))
    assert all(9 <= t.hour < 18 for t in seen), seen
    [(key, headline), t_1] = posts(services, "checkin:")
    assert key.endswith(":T-3") and t_1[0].endswith(":T-1")
    assert headline.startswith("Late · v7 readiness check-in · T-3 · 2 working days left")
    assert "missed Tue 2026-12-15's slot" in headline
    digests = [key for key, _h in posts(services, "digest:")]
    assert digests == ["digest:channel:1:C-general:2026-12-16", "digest:channel:1:C-general:2026-12-17"]
    assert seen[0] == at(WEDNESDAY, 9, 0)


def test_down_over_a_weekend_posts_friday_s_check_in_on_monday(
    services: FakeServices, scheduler: CoordScheduler
) -> None:
    seed(services)
    scheduler.tick(at(FRIDAY_BEFORE, 8, 0))  # down from Friday 08:00 (T-7's day) to Sunday night
    play(scheduler, services, at(date(2026, 12, 13), 22, 0), at(MONDAY, 12, 0))
    [(key, headline)] = posts(services, "checkin:")
    assert key.endswith(":T-7") and headline.startswith("Late · v7 readiness check-in · T-7")
    assert "missed Fri 2026-12-11's slot" in headline
    assert [key for key, _h in posts(services, "digest:")] == ["digest:channel:1:C-general:2026-12-14"]


def test_down_before_a_company_day_off_waits_for_the_next_working_morning(
    services: FakeServices, scheduler: CoordScheduler
) -> None:
    seed(services)
    with services.db.transaction() as s:
        company_days.put(s, 1, MONDAY, "off", "Offsite", at(MONDAY, 0))
    scheduler.tick(at(FRIDAY_BEFORE, 8, 0))  # T-7 missed on Friday; Monday is a day off
    seen = play(scheduler, services, at(date(2026, 12, 13), 22, 0), at(TUESDAY, 12, 0))
    assert not any(t.date() == MONDAY for t in seen)
    # Tuesday's own check-in (T-3) comes by the next working morning: it supersedes the late T-7.
    assert [key.split(":")[-1] for key, _h in posts(services, "checkin:")] == ["T-3"]
    assert not posts(services, "checkin:")[0][1].startswith("Late")


def test_a_newer_check_in_missed_too_supersedes_the_older(
    services: FakeServices, scheduler: CoordScheduler
) -> None:
    seed(services)
    scheduler.tick(at(FRIDAY_BEFORE, 8, 0))  # down over T-7 (Fri) and T-3 (Tue), back Tuesday night
    seen = play(scheduler, services, at(TUESDAY, 20, 0), at(WEDNESDAY, 12, 0))
    assert [key.split(":")[-1] for key, _h in posts(services, "checkin:")] == ["T-3"]
    assert seen[0] == at(WEDNESDAY, 9, 0) and posts(services, "checkin:")[0][1].startswith("Late")
    play(scheduler, services, at(WEDNESDAY, 12, 30), at(LAUNCH, 12, 0))
    labels = [key.split(":")[-2 if ":T0:" in key else -1] for key, _h in posts(services, "checkin:")]
    assert labels == ["T-3", "T-1", "T0"]  # T-7 never, nothing twice


def test_a_check_in_due_by_the_next_morning_supersedes_the_missed_one(
    services: FakeServices, scheduler: CoordScheduler
) -> None:
    seed(services)
    scheduler.tick(at(TUESDAY, 8, 0))  # T-3 missed; back Thursday 08:00: T-1 is due today
    play(scheduler, services, at(date(2026, 12, 17), 8, 0), at(date(2026, 12, 17), 12, 0))
    assert [key.split(":")[-1] for key, _h in posts(services, "checkin:")] == ["T-1"]


def test_the_late_label_across_midnight_in_chinese(services: FakeServices, scheduler: CoordScheduler) -> None:
    seed(services, language="zh")
    scheduler.tick(at(TUESDAY, 8, 0))
    play(scheduler, services, at(WEDNESDAY, 2, 0), at(WEDNESDAY, 12, 0))
    [(_key, headline)] = posts(services, "checkin:")
    assert headline.startswith("【补发】v7 发布就绪检查 · T-3")


@pytest.mark.parametrize("replicas", [2])
def test_two_replicas_catching_up_post_once(services: FakeServices, replicas: int) -> None:
    from tests.virtual_seconds import virtual_sender

    seed(services)
    schedulers = [CoordScheduler(services, virtual_sender()) for _ in range(replicas)]  # type: ignore[arg-type]
    schedulers[0].tick(at(TUESDAY, 8, 0))
    for instant in (at(WEDNESDAY, 2, 0), at(WEDNESDAY, 9, 0), at(WEDNESDAY, 9, 30)):
        for one in schedulers:
            one.tick(instant)
    keys = services.messenger.keys()
    assert len(keys) == len(set(keys))
    assert [k.split(":")[-1] for k in services.messenger.keys("checkin:")] == ["T-3"]
