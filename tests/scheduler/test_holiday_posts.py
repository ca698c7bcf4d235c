"""The scheduler on a calendar with public holidays and company days (the library's real data)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.scheduler import CoordScheduler
from storage.models import CompanyDay
from tests.scheduler import factories as f
from tests.scheduler.conftest import FakeServices


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def seed(services: FakeServices, region: str, *, company_off: date | None = None) -> None:
    """bob has a task overdue since long before; a digest at 09:30 on mon-fri in #standup."""
    with services.db.transaction() as s:
        ws = f.workspace(s, holiday_region=region)
        bob = f.person(s, ws, "UBOB", name="bob")
        depts = f.departments(s, ws)
        f.task(s, ws, depts["dev"], "Ship", assignee=bob, due=date(2026, 1, 5))
        f.digest(s, ws, "C-standup")
        if company_off is not None:
            s.add(
                CompanyDay(
                    workspace_id=ws.id,
                    day=company_off,
                    kind="off",
                    name="Offsite",
                    created_at=at(company_off, 0),
                )
            )


def posted_on(services: FakeServices, scheduler: CoordScheduler, day: date) -> set[str]:
    services.messenger.clear()
    scheduler.run_through(at(day, 0), at(day, 23, 59))
    return {(m.key or "").split(":")[0] for m in services.messenger.sent}


@pytest.mark.parametrize(
    ("region", "day", "expected"),
    [
        ("CN", date(2026, 10, 1), set()),  # National Day (Thursday)
        ("CN", date(2026, 10, 10), {"digest", "nudge"}),  # make-up Saturday
        ("CN", date(2026, 10, 9), {"digest", "nudge"}),  # a plain Friday
        ("CN", date(2026, 10, 11), set()),  # a plain Sunday
        ("US", date(2026, 11, 26), set()),  # Thanksgiving
        ("US", date(2026, 11, 27), {"digest", "nudge"}),
        ("none", date(2026, 10, 1), {"digest", "nudge"}),
    ],
)
def test_digest_and_nudge_on_each_kind_of_day(
    services: FakeServices, scheduler: CoordScheduler, region: str, day: date, expected: set[str]
) -> None:
    seed(services, region)
    assert posted_on(services, scheduler, day) == expected


def test_company_day_off_posts_nothing(services: FakeServices, scheduler: CoordScheduler) -> None:
    seed(services, "US", company_off=date(2026, 12, 24))
    assert posted_on(services, scheduler, date(2026, 12, 24)) == set()
    assert posted_on(services, scheduler, date(2026, 12, 23)) == {"digest", "nudge"}


def test_overdue_counts_skip_holidays(services: FakeServices, scheduler: CoordScheduler) -> None:
    with services.db.transaction() as s:
        ws = f.workspace(s, holiday_region="CN")
        bob = f.person(s, ws, "UBOB", name="bob")
        f.task(s, ws, f.departments(s, ws)["dev"], "Ship", assignee=bob, due=date(2026, 9, 30))
    scheduler.run_through(at(date(2026, 10, 8), 0), at(date(2026, 10, 8), 12))
    [nudge] = services.messenger.to("UBOB")
    assert "1 working day overdue" in nudge.reply.plain_text()  # Oct 1-7 are days off


def checkins(services: FakeServices) -> dict[str, tuple[date, str]]:
    found = {}
    for m in services.messenger.sent:
        key = m.key or ""
        if key.startswith("checkin:"):
            found[key.split(":")[3]] = (m.reply.headline, key)
    return found  # type: ignore[return-value]


def test_checkin_on_a_holiday_moves_before_it_with_real_days_left(
    services: FakeServices, scheduler: CoordScheduler
) -> None:
    launch_day = date(2026, 10, 9)  # Friday after National Day
    with services.db.transaction() as s:
        ws = f.workspace(s, holiday_region="CN")
        f.launch(s, ws, "v5", launch_day, f.departments(s, ws))
    sent_days: dict[str, date] = {}
    day = launch_day - timedelta(days=16)
    while day <= launch_day + timedelta(days=9):
        services.messenger.clear()
        scheduler.run_through(at(day, 0), at(day, 23, 59))
        for label in checkins(services):
            sent_days[label] = day
        if day == date(2026, 9, 30):
            headlines = [h for h, _k in checkins(services).values()]
        day += timedelta(days=1)
    # T-7 (Fri Oct 2) and T-3 (Tue Oct 6) fall in the holiday: both move to Wed Sep 30; the
    # nearer one (T-3) is posted then. T-1 is Thu Oct 8; T+1 Sat Oct 10 is a make-up workday.
    assert sent_days == {
        "T-14": date(2026, 9, 24),  # Fri Sep 25 is the Mid-Autumn Festival
        "T-3": date(2026, 9, 30),
        "T-1": date(2026, 10, 8),
        "T0": date(2026, 10, 9),
        "T+1": date(2026, 10, 10),
        "T+7": date(2026, 10, 16),
    }
    assert headlines == ["v5 readiness check-in · T-3 · moved from Tue 10-06 · 2 working days left"]


def test_a_launch_on_a_make_up_saturday(services: FakeServices, scheduler: CoordScheduler) -> None:
    launch_day = date(2026, 2, 28)  # a Saturday worked in China (调休)
    with services.db.transaction() as s:
        ws = f.workspace(s, holiday_region="CN")
        f.launch(s, ws, "v6", launch_day, f.departments(s, ws))
    sent: dict[str, tuple[date, str]] = {}
    day = launch_day - timedelta(days=15)
    while day <= launch_day + timedelta(days=8):
        services.messenger.clear()
        scheduler.run_through(at(day, 0), at(day, 23, 59))
        for label, (headline, _key) in checkins(services).items():
            sent[label] = (day, headline)
        day += timedelta(days=1)
    # T-7 (Sat Feb 21, in the Spring Festival) moves back to the make-up Saturday Feb 14, which is
    # T-14's own day: the nearer check-in (T-7) is the one posted.
    assert "T-14" not in sent
    assert sent["T-7"] == (
        date(2026, 2, 14),
        "v6 readiness check-in · T-7 · moved from Sat 02-21 · 5 working days left",
    )
    assert sent["T-3"] == (date(2026, 2, 25), "v6 readiness check-in · T-3 · 3 working days left")
    assert sent["T-1"] == (date(2026, 2, 27), "v6 readiness check-in · T-1 · 1 working day left")
    assert sent["T0"][0] == launch_day  # a working day in China, posted on the day
    assert sent["T+1"][0] == date(2026, 3, 2)  # Sunday Mar 1 -> Monday
