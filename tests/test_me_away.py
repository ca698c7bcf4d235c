"""``me hours|timezone`` and ``away``: what people set about their own working day."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from handlers import grammar as g
from handlers.calendar_grammar import SetAway
from handlers.clock import ManualClock
from handlers.core import Coordinator
from storage.db import Database
from storage.models import Person
from tests.test_holidays import err, ok, run


@pytest.fixture
def core(db: Database, clock: ManualClock) -> Coordinator:
    return Coordinator(db, clock, default_timezone="UTC", admin_ids=["root"])


def person(db: Database, user_id: str) -> Person:
    with db.transaction() as s:
        found = s.scalars(select(Person).where(Person.user_id == user_id)).one()
        s.expunge(found)
        return found


def test_my_hours_and_timezone(core: Coordinator, db: Database) -> None:
    assert "Your working hours: 09:00–18:00 (UTC)" in ok(run(core, "bob", "me"))
    assert "10:00–19:00" in ok(run(core, "bob", "me hours 10:00-19:00"))
    assert "(Asia/Shanghai)" in ok(run(core, "bob", "me timezone Asia/Shanghai"))
    bob = person(db, "bob")
    assert (bob.work_start, bob.work_end, bob.timezone) == ("10:00", "19:00", "Asia/Shanghai")
    assert "09:00-18:00" in err(run(core, "bob", "me hours 19:00-10:00"))
    assert "IANA" in err(run(core, "bob", "me timezone Mars/Base"))
    assert "09:00–18:00" in ok(run(core, "bob", "me hours none"))
    assert "工作时间：" in ok(run(core, "li", "我", platform="feishu", workspace="tenant"))


def test_away_with_backup_and_back(core: Coordinator, db: Database) -> None:
    text = ok(run(core, "bob", "away 2026-12-20..2026-12-27 backup @carol"))
    assert "bob is away" in text.lower() and "carol" in text
    bob, carol = person(db, "bob"), person(db, "carol")
    assert (bob.away_from, bob.away_until, bob.away_backup_id) == (
        date(2026, 12, 20),
        date(2026, 12, 27),
        carol.id,
    )
    assert "back" in ok(run(core, "bob", "away off"))
    assert person(db, "bob").away_until is None
    assert "away 2026-12-20..2026-12-27" in err(run(core, "bob", "away 2026-12-27..2026-12-20"))
    assert "someone else" in err(run(core, "bob", "away 2026-12-20..2026-12-21 backup @bob"))


def test_only_admins_and_leads_set_someone_else_away(core: Coordinator, db: Database) -> None:
    ok(run(core, "bob", "me"))
    assert "Only admins" in err(run(core, "eve", "away @bob 2026-12-20..2026-12-21"))
    ok(run(core, "root", "dept set dev lead @alice"))
    ok(run(core, "root", "dept set dev members @bob"))
    ok(run(core, "alice", "away @bob 2026-12-20..2026-12-21"))
    assert person(db, "bob").away_until == date(2026, 12, 21)
    ok(run(core, "root", "away @bob off"))
    assert person(db, "bob").away_until is None


TODAY = date(2026, 12, 3)  # a Thursday


@pytest.mark.parametrize(
    ("words", "start", "end"),
    [
        ("2026-12-20..2026-12-27", date(2026, 12, 20), date(2026, 12, 27)),
        ("tomorrow..next fri", date(2026, 12, 4), date(2026, 12, 11)),
        ("dec 10 to dec 12", date(2026, 12, 10), date(2026, 12, 12)),
        ("Dec 10 until Dec 12", date(2026, 12, 10), date(2026, 12, 12)),
        ("dec 20 ~ dec 27", date(2026, 12, 20), date(2026, 12, 27)),
        ("12月10日到12月12日", date(2026, 12, 10), date(2026, 12, 12)),
        ("12月10日 至 12月12日", date(2026, 12, 10), date(2026, 12, 12)),
        ("until friday", TODAY, date(2026, 12, 4)),
        ("到下周五", TODAY, date(2026, 12, 11)),
        ("next fri", date(2026, 12, 11), date(2026, 12, 11)),
        ("tomorrow", date(2026, 12, 4), date(2026, 12, 4)),
    ],
)
def test_away_reads_ranges_as_people_write_them(words: str, start: date, end: date) -> None:
    for text in (f"away {words}", f"away @bob {words} backup @carol"):
        cmd = g.parse(text, TODAY)
        assert isinstance(cmd, SetAway)
        assert (cmd.start, cmd.end) == (start, end), text
