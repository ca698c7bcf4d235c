"""Working hours, away time and missed slots: nobody is nudged outside their working day, and a
slot missed while coordbot was down is served late only within the grace window."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.scheduler import CoordScheduler
from storage.models import Person
from tests.scheduler import factories as f
from tests.scheduler.conftest import FakeServices

MONDAY = date(2026, 12, 14)
TUESDAY = date(2026, 12, 15)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def seed(services: FakeServices, **bob: object) -> None:
    """alice leads dev; bob (in dev) has a task overdue; carol is around; a 09:30 digest in #standup."""
    with services.db.transaction() as s:
        ws = f.workspace(s)
        alice = f.person(s, ws, "UALICE", name="alice")
        person = f.person(s, ws, "UBOB", name="bob")
        carol = f.person(s, ws, "UCAROL", name="carol")
        for name, value in bob.items():
            setattr(person, name, carol.id if value == "carol" else value)
        depts = f.departments(s, ws, {"dev": alice})
        f.task(s, ws, depts["dev"], "Ship", assignee=person, due=date(2026, 12, 1))
        f.digest(s, ws, "C-standup")


def sent(services: FakeServices) -> list[tuple[str, str]]:
    return [((m.key or "").split(":")[0], m.target.id) for m in services.messenger.sent]


def test_digest_missed_within_the_grace_window_is_posted(
    services: FakeServices, scheduler: CoordScheduler
) -> None:
    seed(services)
    scheduler.tick(at(MONDAY, 11, 15))  # first tick of the day: down since before 09:30
    assert ("digest", "C-standup") in sent(services)


def test_digest_missed_beyond_the_grace_window_is_dropped_for_the_day(
    services: FakeServices, scheduler: CoordScheduler
) -> None:
    seed(services)
    scheduler.tick(at(MONDAY, 11, 45))  # 2 h 15 min late
    scheduler.run_through(at(MONDAY, 11, 45), at(MONDAY, 23, 59))
    assert "digest" not in {kind for kind, _ in sent(services)}
    scheduler.run_through(at(MONDAY, 23, 59), at(TUESDAY, 9, 30))
    assert [k for k, _ in sent(services)].count("digest") == 1  # the next working morning


def test_nothing_is_posted_at_night_after_a_late_restart(
    services: FakeServices, scheduler: CoordScheduler
) -> None:
    seed(services)
    scheduler.run_through(at(MONDAY, 20, 0), at(MONDAY, 23, 59))  # back at 20:00
    assert sent(services) == []
    scheduler.run_through(at(MONDAY, 23, 59), at(TUESDAY, 10, 0))
    assert {("digest", "C-standup"), ("nudge", "UBOB")} <= set(sent(services))


def test_a_person_with_later_hours_is_nudged_when_their_day_begins(
    services: FakeServices, scheduler: CoordScheduler
) -> None:
    seed(services, work_start="10:00", work_end="19:00")
    scheduler.run_through(at(MONDAY, 0), at(MONDAY, 9, 59))
    assert ("nudge", "UBOB") not in sent(services)
    scheduler.run_through(at(MONDAY, 9, 59), at(MONDAY, 23, 59))
    nudges = [m for m in services.messenger.sent if (m.key or "").startswith("nudge:")]
    assert [(m.target.id, (m.key or "").split(":")[-1]) for m in nudges] == [("UBOB", "2026-12-14")]


def test_away_person_gets_no_nudge_and_their_backup_gets_the_work(
    services: FakeServices, scheduler: CoordScheduler
) -> None:
    seed(services, away_from=date(2026, 12, 10), away_until=date(2026, 12, 18), away_backup_id="carol")
    scheduler.run_through(at(MONDAY, 0), at(MONDAY, 12))
    nudged = [t for k, t in sent(services) if k == "nudge"]
    assert nudged == ["UCAROL"]


def test_away_without_backup_goes_to_the_lead(services: FakeServices, scheduler: CoordScheduler) -> None:
    seed(services, away_from=date(2026, 12, 10), away_until=date(2026, 12, 18))
    scheduler.run_through(at(MONDAY, 0), at(MONDAY, 12))
    assert [t for k, t in sent(services) if k == "nudge"] == ["UALICE"]
    with services.db.transaction() as s:
        bob = s.query(Person).filter_by(user_id="UBOB").one()
        bob.away_from = bob.away_until = None
    scheduler.run_through(at(MONDAY, 12), at(TUESDAY, 12))
    assert [t for k, t in sent(services) if k == "nudge"] == ["UALICE", "UBOB"]


def test_digest_shows_who_is_away_until_when(services: FakeServices, scheduler: CoordScheduler) -> None:
    seed(services, away_from=date(2026, 12, 10), away_until=date(2026, 12, 27))
    scheduler.run_through(at(MONDAY, 0), at(MONDAY, 9, 45))
    [digest] = [m for m in services.messenger.sent if (m.key or "").startswith("digest:")]
    assert "@bob (away until Mon 12-28)" in digest.reply.plain_text()


def test_a_vacationing_status_is_shown_in_the_digest_but_not_taken_as_away(
    services: FakeServices, scheduler: CoordScheduler
) -> None:
    seed(services, status_hint="🌴 Vacationing")
    scheduler.run_through(at(MONDAY, 0), at(MONDAY, 9, 45))
    [digest] = [m for m in services.messenger.sent if (m.key or "").startswith("digest:")]
    assert "@bob (status: 🌴 Vacationing)" in digest.reply.plain_text()
    assert [t for k, t in sent(services) if k == "nudge"] == ["UBOB"]  # still nudged: only a hint
