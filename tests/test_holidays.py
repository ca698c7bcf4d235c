"""The working calendar on the holidays library's real data, and the commands that set it."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers import holidays
from handlers.calendar import WorkCalendar, working_calendar
from handlers.clock import ManualClock
from handlers.context import Caller
from handlers.core import Coordinator
from handlers.replies import Outcome, Tone
from storage.company_days import CompanyDays
from storage.db import Database

CN = WorkCalendar(region="CN")
US = WorkCalendar(region="US")


def test_china_spring_festival_2026_and_its_make_up_saturdays() -> None:
    for day in range(16, 21):  # Mon Feb 16 (除夕) .. Fri Feb 20
        assert not CN.is_working_day(date(2026, 2, day))
    assert not CN.is_working_day(date(2026, 2, 23))  # the Monday after, moved from Sat Feb 28
    assert CN.is_working_day(date(2026, 2, 14))  # make-up Saturday (调休)
    assert CN.is_working_day(date(2026, 2, 28))
    assert not CN.is_working_day(date(2026, 2, 21))  # a plain weekend inside the holiday
    # Fri Feb 13 -> Feb 28: Sat 14, Tue 24 .. Fri 27, Sat 28.
    assert CN.working_days_between(date(2026, 2, 13), date(2026, 2, 28)) == 6
    assert CN.next_working_day(date(2026, 2, 15)) == date(2026, 2, 24)


def test_china_national_day_2026() -> None:
    assert [CN.is_working_day(date(2026, 10, d)) for d in range(1, 11)] == [
        False, False, False, False, False, False, False, True, True, True,  # Sat Oct 10 is worked
    ]  # fmt: skip
    assert CN.is_working_day(date(2026, 9, 20))  # make-up Sunday
    assert CN.previous_working_day(date(2026, 10, 7)) == date(2026, 9, 30)


def test_us_federal_holidays_and_a_company_day() -> None:
    assert not US.is_working_day(date(2026, 7, 3))  # Independence Day, observed on the Friday
    assert not US.is_working_day(date(2026, 11, 26))  # Thanksgiving
    assert US.is_working_day(date(2026, 11, 27))  # federal: the day after is worked
    company = CompanyDays(off=frozenset({date(2026, 12, 24)}), work=frozenset({date(2026, 7, 3)}))
    mine = working_calendar(0b0011111, "US", "en", company)
    assert not mine.is_working_day(date(2026, 12, 24))
    assert mine.is_working_day(date(2026, 7, 3))  # a company working day wins over the holiday
    assert mine.working_days_between(date(2026, 12, 23), date(2026, 12, 28)) == 1  # 24 off, 25 Christmas


def test_a_year_without_published_data_counts_weekdays_only() -> None:
    assert not CN.holidays_known(2027)
    assert CN.holidays_known(2026)
    assert CN.is_working_day(date(2027, 2, 8))  # a Monday in the (unpublished) Spring Festival
    assert not CN.is_working_day(date(2027, 2, 6))  # Saturday
    assert holidays.public_year("CN", 2027).days_off == {}


def test_regions_parse_and_default_from_language() -> None:
    assert holidays.parse_region("cn") == "CN"
    assert holidays.parse_region("us-ca") == "US-CA"
    assert holidays.parse_region("US_CA") == "US-CA"
    assert holidays.parse_region("none") == holidays.NONE
    assert holidays.parse_region("XX") is None
    assert holidays.parse_region("US-ZZ") is None
    assert working_calendar(0b0011111, None, "zh").region == "CN"
    assert working_calendar(0b0011111, None, "en").region == holidays.NONE
    assert working_calendar(0b0011111, "none", "zh").region == holidays.NONE


@settings(deadline=None)
@given(
    st.dates(min_value=date(2025, 6, 1), max_value=date(2027, 6, 1)),
    st.integers(0, 500),
    st.sampled_from(["CN", "US", "DE", "none"]),
    st.integers(0, 127),
)
def test_counting_matches_day_by_day(start: date, span: int, region: str, mask: int) -> None:
    calendar = WorkCalendar(
        mask, frozenset({start + timedelta(days=3)}), frozenset({start + timedelta(5)}), region
    )
    end = start + timedelta(days=span)
    expected = sum(calendar.is_working_day(start + timedelta(days=n)) for n in range(1, span + 1))
    assert calendar.working_days_between(start, end) == expected
    if span:
        back = calendar.add_working_days(end, -min(span, 20))
        assert calendar.is_working_day(back) or not any(
            calendar.is_working_day(end - timedelta(days=n)) for n in range(1, 400)
        )


# ------------------------------------------------------------------------ commands


@pytest.fixture
def core(db: Database, clock: ManualClock) -> Coordinator:
    return Coordinator(db, clock, default_timezone="UTC", admin_ids=["root"])


def run(core: Coordinator, user: str, text: str, platform: str = "slack", workspace: str = "T1") -> Outcome:
    return core.handle_text(Caller(platform, workspace, user, user.title(), "C1", "general"), text)


def ok(outcome: Outcome) -> str:
    assert outcome.reply.tone != Tone.ERROR, outcome.reply.plain_text()
    return outcome.reply.plain_text()


def err(outcome: Outcome) -> str:
    assert outcome.reply.tone == Tone.ERROR, outcome.reply.plain_text()
    return outcome.reply.plain_text()


def test_settings_say_where_the_default_comes_from(core: Coordinator) -> None:
    assert "Public holidays: none (default for the workspace language" in ok(run(core, "root", "settings"))
    zh = ok(run(core, "root", "settings", platform="feishu", workspace="tenant"))  # Feishu: Chinese
    assert "法定节假日：CN（按工作区语言默认" in zh
    assert "Public holidays set to US-CA" in ok(run(core, "root", "settings holidays us-ca"))
    assert "Public holidays: US-CA" in ok(run(core, "root", "settings"))
    assert "CN, US, US-CA" in err(run(core, "root", "settings holidays Narnia"))
    assert "admins" in err(run(core, "bob", "settings holidays CN"))


def test_holidays_lists_names_in_the_workspace_language(core: Coordinator, clock: ManualClock) -> None:
    clock.set(clock.now().replace(year=2026, month=9, day=1))
    text = ok(run(core, "root", "holidays 2026-10", platform="feishu", workspace="tenant"))
    assert "10月1日 周四 · 国庆节" in text
    assert "10月10日 周六 · 调休上班（上班）" in text
    ok(run(core, "root", "settings holidays CN"))
    english = ok(run(core, "root", "holidays oct"))
    assert "Thu 2026-10-01 · National Day" in english and "Sat 2026-10-10 · Make-up working day" in english
    nxt = ok(run(core, "root", "holidays next"))
    assert "Sun 2026-09-20 · Make-up working day" in nxt and "National Day" not in nxt  # the next run only


def test_company_days_are_added_listed_and_removed(core: Coordinator, clock: ManualClock) -> None:
    clock.set(clock.now().replace(year=2026, month=12, day=1))
    assert "Thu 2026-12-24" in ok(run(core, "root", "holiday add 2026-12-24 Company day"))
    ok(run(core, "root", "holiday workday 2027-01-02"))
    text = ok(run(core, "root", "holidays"))
    assert "Thu 2026-12-24 · Company day · company" in text
    assert "Sat 2027-01-02 · Extra working day (working day) · company" in text
    assert "admins" in err(run(core, "bob", "holiday add 2026-12-31"))
    ok(run(core, "root", "holiday remove 2026-12-24"))
    assert "12-24" not in ok(run(core, "root", "holidays"))
    assert "not a company day" in err(run(core, "root", "holiday remove 2026-12-24"))
    assert "Usage" in err(run(core, "root", "holiday frobnicate 2026-12-24"))
    # Due dates typed in working days skip the company day and Christmas: Wed Dec 23 + 2 = Tue Dec 29.
    clock.set(clock.now().replace(day=23))
    ok(run(core, "root", "holiday add 2026-12-24"))
    ok(run(core, "root", "settings holidays US"))
    assert "due Tue 2026-12-29" in ok(run(core, "root", "add dev Ship due 2 working days"))


def test_unknown_year_is_shown_and_logged_once(
    core: Coordinator, clock: ManualClock, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(holidays, "_noted", set())  # once per process: each database's run starts fresh
    clock.set(clock.now().replace(year=2026, month=12, day=20))
    ok(run(core, "root", "settings holidays CN"))
    with caplog.at_level(logging.WARNING, logger="handlers.holidays"):
        first = ok(run(core, "root", "holidays 2027-02"))
        ok(run(core, "root", "holidays 2027-02"))
    assert "No public-holiday data for 2027 (CN) yet" in first
    logged = [r for r in caplog.records if "2027" in r.getMessage()]
    assert len(logged) == 1


def test_a_department_follows_its_own_office(core: Coordinator) -> None:
    assert "dev follows the public holidays of SG" in ok(run(core, "root", "dept set dev holidays SG"))
    assert "Usage" in err(run(core, "root", "dept set dev holidays Narnia"))
