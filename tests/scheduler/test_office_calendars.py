"""A department with a holiday country of its own (a team in another office): its people, its
team channel's digest and the check-ins in its channel follow that office's calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.scheduler import CoordScheduler
from storage.models import DepartmentMember
from tests.scheduler import factories as f
from tests.scheduler.conftest import FakeServices

NATIONAL_DAY = date(2026, 10, 1)  # a day off in China, a Thursday worked in the US
THANKSGIVING = date(2026, 11, 26)  # a day off in the US, a Thursday worked in China


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def seed(services: FakeServices) -> None:
    """A CN workspace whose dev team works in a US office: bob (dev) and carol (design) are overdue;
    digests in #standup (whole workspace) and in dev's team channel."""
    with services.db.transaction() as s:
        ws = f.workspace(s, holiday_region="CN")
        bob = f.person(s, ws, "UBOB", name="bob")
        carol = f.person(s, ws, "UCAROL", name="carol")
        depts = f.departments(s, ws)
        depts["dev"].holiday_region = "US"
        s.add(DepartmentMember(department_id=depts["dev"].id, person_id=bob.id))
        f.task(s, ws, depts["dev"], "Ship", assignee=bob, due=date(2026, 9, 1))
        f.task(s, ws, depts["design"], "Mockups", assignee=carol, due=date(2026, 9, 1))
        f.digest(s, ws, "C-standup")
        f.digest(s, ws, "C-dev")


def posted_on(services: FakeServices, scheduler: CoordScheduler, day: date) -> set[tuple[str, str]]:
    services.messenger.clear()
    scheduler.run_through(at(day, 0), at(day, 23, 59))
    return {((m.key or "").split(":")[0], m.target.id) for m in services.messenger.sent}


def test_the_other_office_works_on_the_workspace_holiday(
    services: FakeServices, scheduler: CoordScheduler
) -> None:
    seed(services)
    assert posted_on(services, scheduler, NATIONAL_DAY) == {("digest", "C-dev"), ("nudge", "UBOB")}


def test_the_other_office_rests_on_its_own_holiday(services: FakeServices, scheduler: CoordScheduler) -> None:
    seed(services)
    assert posted_on(services, scheduler, THANKSGIVING) == {("digest", "C-standup"), ("nudge", "UCAROL")}
    # the next day both offices work: dev's digest covers the day off, and is posted once
    assert posted_on(services, scheduler, date(2026, 11, 27)) == {
        ("digest", "C-standup"),
        ("digest", "C-dev"),
        ("nudge", "UBOB"),
        ("nudge", "UCAROL"),
    }


def test_overdue_days_count_on_the_department_calendar(
    services: FakeServices, scheduler: CoordScheduler
) -> None:
    with services.db.transaction() as s:
        ws = f.workspace(s, holiday_region="CN")
        bob = f.person(s, ws, "UBOB", name="bob")
        depts = f.departments(s, ws)
        depts["dev"].holiday_region = "US"
        f.task(s, ws, depts["dev"], "Ship", assignee=bob, due=date(2026, 9, 30))
    scheduler.run_through(at(date(2026, 10, 8), 0), at(date(2026, 10, 8), 12))
    [nudge] = services.messenger.to("UBOB")
    assert "6 working days overdue" in nudge.reply.plain_text()  # the US works Oct 1-2 and 5-8


def test_checkins_in_the_team_channel_follow_its_office(
    services: FakeServices, scheduler: CoordScheduler
) -> None:
    launch_day = date(2026, 11, 27)  # T-1 is Thanksgiving: the US office's check-in moves to Wed
    with services.db.transaction() as s:
        ws = f.workspace(s, holiday_region="CN", checkin_offsets="-1")
        depts = f.departments(s, ws)
        depts["dev"].holiday_region = "US"
        f.launch(s, ws, "us", launch_day, depts, channel_id="C-dev")
        f.launch(s, ws, "cn", launch_day, depts, channel_id="C-launch")
    sent: dict[str, date] = {}
    for day in (date(2026, 11, 25), THANKSGIVING):
        services.messenger.clear()
        scheduler.run_through(at(day, 0), at(day, 23, 59))
        for m in services.messenger.sent:
            if (m.key or "").startswith("checkin:") and ":T-1" in (m.key or ""):
                sent[m.target.id] = day
    assert sent == {"C-dev": date(2026, 11, 25), "C-launch": THANKSGIVING}
