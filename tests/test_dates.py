"""Tests for handlers.dates: explicit dates only, never the wall clock."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.calendar import WorkCalendar
from handlers.dates import parse_date
from handlers.timewords import (
    MAX_DURATION,
    MIN_DURATION,
    WEEKDAY_NAMES,
    duration_seconds,
    format_weekdays,
    parse_clock_time,
    parse_duration,
    parse_weekdays,
)

WED = dt.date(2026, 11, 25)  # a Wednesday
MON = dt.date(2026, 11, 23)
FRI = dt.date(2026, 11, 27)
SUN = dt.date(2026, 11, 29)


def test_reference_days_are_what_the_tests_assume() -> None:
    assert (MON.weekday(), WED.weekday(), FRI.weekday(), SUN.weekday()) == (0, 2, 4, 6)


# ---------------------------------------------------------------------------- parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ISO and explicit years
        ("2026-12-15", dt.date(2026, 12, 15)),
        ("2027-01-03", dt.date(2027, 1, 3)),
        ("2025-01-01", dt.date(2025, 1, 1)),  # explicit: returned even though past
        ("2026/12/15", dt.date(2026, 12, 15)),
        ("  2026-12-15 ", dt.date(2026, 12, 15)),
        ("２０２６-１２-１５", dt.date(2026, 12, 15)),  # full-width digits
        ("2026年12月15日", dt.date(2026, 12, 15)),
        ("2026年12月15号", dt.date(2026, 12, 15)),
        ("2025年12月15日", dt.date(2025, 12, 15)),
        # relative words
        ("today", WED),
        ("Today", WED),
        ("tod", WED),
        ("tomorrow", dt.date(2026, 11, 26)),
        ("tmr", dt.date(2026, 11, 26)),
        ("tmrw", dt.date(2026, 11, 26)),
        ("yesterday", dt.date(2026, 11, 24)),
        ("今天", WED),
        ("明天", dt.date(2026, 11, 26)),
        ("后天", dt.date(2026, 11, 27)),
        ("大后天", dt.date(2026, 11, 28)),
        # English weekdays: the next one, today included; "next" is next week's
        ("fri", dt.date(2026, 11, 27)),
        ("friday", dt.date(2026, 11, 27)),
        ("Friday", dt.date(2026, 11, 27)),
        ("next fri", dt.date(2026, 12, 4)),
        ("next friday", dt.date(2026, 12, 4)),
        ("next mon", dt.date(2026, 11, 30)),
        ("last fri", dt.date(2026, 11, 20)),
        ("by fri", dt.date(2026, 11, 27)),
        ("on monday", dt.date(2026, 11, 30)),
        ("mon", dt.date(2026, 11, 30)),
        ("tue", dt.date(2026, 12, 1)),
        ("wed", WED),  # today is Wednesday: today
        ("thu", dt.date(2026, 11, 26)),
        ("thursday", dt.date(2026, 11, 26)),
        ("sat", dt.date(2026, 11, 28)),
        ("sun", dt.date(2026, 11, 29)),
        ("sunday", dt.date(2026, 11, 29)),
        ("this wed", WED),  # "this": on or after today
        ("this fri", dt.date(2026, 11, 27)),
        # offsets
        ("+3d", dt.date(2026, 11, 28)),
        ("+0d", WED),
        ("+2w", dt.date(2026, 12, 9)),
        ("+10d", dt.date(2026, 12, 5)),
        ("in 3 days", dt.date(2026, 11, 28)),
        ("in 1 day", dt.date(2026, 11, 26)),
        ("in 2 weeks", dt.date(2026, 12, 9)),
        ("3 days from now", dt.date(2026, 11, 28)),
        ("3天后", dt.date(2026, 11, 28)),
        ("两天后", dt.date(2026, 11, 27)),
        ("2周后", dt.date(2026, 12, 9)),
        ("3天前", dt.date(2026, 11, 22)),
        # Chinese weekdays
        ("周五", dt.date(2026, 11, 27)),
        ("星期五", dt.date(2026, 11, 27)),
        ("礼拜五", dt.date(2026, 11, 27)),
        ("週五", dt.date(2026, 11, 27)),
        ("周三", WED),
        ("周日", dt.date(2026, 11, 29)),
        ("星期天", dt.date(2026, 11, 29)),
        ("下周五", dt.date(2026, 12, 4)),
        ("下星期五", dt.date(2026, 12, 4)),
        ("下个礼拜五", dt.date(2026, 12, 4)),
        ("下周一", dt.date(2026, 11, 30)),
        ("下周日", dt.date(2026, 12, 6)),
        ("下下周五", dt.date(2026, 12, 11)),
        ("本周五", dt.date(2026, 11, 27)),
        ("这周五", dt.date(2026, 11, 27)),
        ("本周一", dt.date(2026, 11, 23)),  # in the past: returned anyway
        ("这周日", dt.date(2026, 11, 29)),
        ("上周五", dt.date(2026, 11, 20)),
        # month + day: this year, or next year when past
        ("12月15日", dt.date(2026, 12, 15)),
        ("12月15号", dt.date(2026, 12, 15)),
        ("十二月十五日", dt.date(2026, 12, 15)),
        ("1月3日", dt.date(2027, 1, 3)),
        ("11月25日", WED),  # today is not "past"
        ("11月24日", dt.date(2027, 11, 24)),
        ("dec 15", dt.date(2026, 12, 15)),
        ("Dec 15", dt.date(2026, 12, 15)),
        ("15 dec", dt.date(2026, 12, 15)),
        ("December 15", dt.date(2026, 12, 15)),
        ("december 15th", dt.date(2026, 12, 15)),
        ("15th of December", dt.date(2026, 12, 15)),
        ("jan 3", dt.date(2027, 1, 3)),
        ("3 january", dt.date(2027, 1, 3)),
        ("sept 1", dt.date(2027, 9, 1)),
        ("dec 15, 2027", dt.date(2027, 12, 15)),
        ("15 dec 2025", dt.date(2025, 12, 15)),
        # dateparser fallback
        ("in 3 months", dt.date(2027, 2, 25)),
        ("3 weeks ago", dt.date(2026, 11, 4)),
        ("tomorrow 9am", dt.date(2026, 11, 26)),
        ("12/15", dt.date(2026, 12, 15)),
    ],
)
def test_parse_date(text: str, expected: dt.date) -> None:
    assert parse_date(text, WED) == expected


def test_a_weekday_on_that_same_weekday_is_today() -> None:
    assert parse_date("fri", FRI) == FRI
    assert parse_date("周五", FRI) == FRI
    assert parse_date("next fri", FRI) == dt.date(2026, 12, 4)
    assert parse_date("下周五", FRI) == dt.date(2026, 12, 4)
    assert parse_date("this fri", FRI) == FRI


def test_chinese_weekday_from_monday_is_this_week() -> None:
    assert parse_date("周五", MON) == dt.date(2026, 11, 27)
    assert parse_date("下周五", MON) == dt.date(2026, 12, 4)
    assert parse_date("本周五", MON) == dt.date(2026, 11, 27)


def test_chinese_weeks_are_monday_based() -> None:
    # On Sunday the 29th, "this week" is Mon 23 .. Sun 29 and next week starts on the 30th.
    assert parse_date("本周五", SUN) == dt.date(2026, 11, 27)
    assert parse_date("下周一", SUN) == dt.date(2026, 11, 30)
    assert parse_date("下周五", SUN) == dt.date(2026, 12, 4)
    assert parse_date("周一", SUN) == dt.date(2026, 11, 30)


def test_month_day_rolls_to_next_year_and_handles_leap_days() -> None:
    assert parse_date("feb 29", dt.date(2027, 3, 1)) == dt.date(2028, 2, 29)
    assert parse_date("2月29日", dt.date(2028, 1, 10)) == dt.date(2028, 2, 29)
    assert parse_date("dec 31", dt.date(2026, 12, 31)) == dt.date(2026, 12, 31)
    assert parse_date("jan 1", dt.date(2026, 12, 31)) == dt.date(2027, 1, 1)


def test_today_may_be_a_datetime() -> None:
    assert parse_date("tomorrow", dt.datetime(2026, 11, 25, 23, 59)) == dt.date(2026, 11, 26)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "!!!",
        "banana",
        "5",
        "2026",
        "42",
        "1.5",
        "hello world",
        "may i help",
        "mon 3",
        "fri 13",
        "next",
        "week",
        # invalid calendar dates
        "2026-02-30",
        "2026-13-01",
        "2026-00-10",
        "13月40日",
        "2月30日",
        "2026年2月30日",
        "dec 32",
        "feb 30",
        "31 april",
        "dec 15, 2026x",
        # unsupported / ambiguous offsets
        "+1m",
        "+3",
        "+",
        "+xd",
        # overflow
        "+999999w",
        "in 999999 weeks",
    ],
)
def test_parse_date_rejects(text: str) -> None:
    assert parse_date(text, WED) is None


def test_parse_date_near_the_end_of_time_does_not_raise() -> None:
    assert parse_date("tomorrow", dt.date.max) is None
    assert parse_date("sat", dt.date.max) is None  # date.max is a Friday
    assert parse_date("fri", dt.date.max) == dt.date.max
    assert parse_date("dec 31", dt.date.max) == dt.date.max
    assert parse_date("yesterday", dt.date.min) is None


def test_dateparser_is_not_called_for_long_or_symbol_only_input() -> None:
    import dateparser

    with mock.patch.object(dateparser, "parse", side_effect=AssertionError("must not be called")) as parse:
        assert parse_date("next week " + "x" * 40, WED) is None
        assert parse_date("next " * 9 + "week", WED) is None  # 44 characters, all date words
        assert parse_date("?!.,;:", WED) is None
        assert parse_date("5", WED) is None
        assert parse_date("banana", WED) is None
        assert parse_date("fri", WED) == FRI  # explicit rule, no dateparser
        assert parse_date("12月15日", WED) == dt.date(2026, 12, 15)
    assert parse.call_count == 0


def test_dateparser_exceptions_become_none() -> None:
    import dateparser

    with mock.patch.object(dateparser, "parse", side_effect=RuntimeError("boom")):
        assert parse_date("in 3 months", WED) is None


def test_dateparser_gets_the_documented_settings() -> None:
    import dateparser

    with mock.patch.object(dateparser, "parse", return_value=dt.datetime(2027, 2, 25, 0, 0)) as parse:
        assert parse_date("in 3 months", WED) == dt.date(2027, 2, 25)
    (args, kwargs) = parse.call_args
    assert args == ("in 3 months",)
    assert kwargs["languages"] == ["en", "zh"]
    assert kwargs["settings"] == {
        "RELATIVE_BASE": dt.datetime(2026, 11, 25, 0, 0),
        "PREFER_DATES_FROM": "future",
    }


DAY_MONTH_FORMS = (
    "{mon} {d}", "{d} {mon}", "{month} {d}th", "the {d}th of {month}", "{m}/{d}", "{m}-{d}",
    "{m}月{d}日", "{m}月{d}号", "{m}月{d}", "{m}月{d}日 ",
)  # fmt: skip


@pytest.mark.parametrize("form", DAY_MONTH_FORMS)
def test_a_day_and_month_without_a_year_never_skips_today(form: str) -> None:
    for today in (WED, dt.date(2026, 12, 31), dt.date(2027, 2, 28), dt.date(2028, 2, 29)):
        for ahead in (0, 1, 40, 364):
            day = today + dt.timedelta(days=ahead)
            text = form.format(mon=day.strftime("%b"), month=day.strftime("%B"), m=day.month, d=day.day)
            assert parse_date(text, today) == day, (text, today)
    # yesterday's day and month is next year's
    assert parse_date("11/24", WED) == dt.date(2027, 11, 24)


def test_numbers_are_month_then_day_unless_the_first_cannot_be_a_month() -> None:
    assert parse_date("3/4", WED) == dt.date(2027, 3, 4)
    assert parse_date("25/11", WED) == WED
    assert parse_date("12/15/2027", WED) == dt.date(2027, 12, 15)
    assert parse_date("15/12/2027", WED) == dt.date(2027, 12, 15)
    assert parse_date("13/13", WED) is None


def test_a_day_of_the_month_alone_is_the_next_one_including_today() -> None:
    assert parse_date("the 25th", WED) == WED
    assert parse_date("25号", WED) == WED
    assert parse_date("the 15th", WED) == parse_date("15号", WED) == dt.date(2026, 12, 15)
    assert parse_date("31st", dt.date(2026, 11, 1)) == dt.date(2026, 12, 31)  # November has no 31st


# English and Chinese phrases that mean the same day, whatever day today is.
SAME_DAY = [
    ("today", "今天"),
    ("tomorrow", "明天"),
    ("fri", "周五"),
    ("wed", "星期三"),
    ("sun", "周日"),
    ("next fri", "下周五"),
    ("next mon", "下周一"),
    ("this fri", "本周五"),
    ("this mon", "这周一"),
    ("last fri", "上周五"),
    ("+3d", "3天后"),
    ("in 2 weeks", "2周后"),
    ("3 working days", "3个工作日"),
    ("10 business days", "十个工作日后"),
    ("eow", "本周内"),
    ("this week", "本周"),
    ("next week", "下周"),
    ("end of month", "月底"),
    ("eom", "本月底"),
    ("next month", "下个月"),
    ("dec 15", "12月15日"),
    ("the 15th", "15号"),
]


@pytest.mark.parametrize(("english", "chinese"), SAME_DAY)
def test_corresponding_words_mean_the_same_day_in_both_languages(english: str, chinese: str) -> None:
    for offset in range(0, 35):
        today = dt.date(2026, 11, 23) + dt.timedelta(days=offset)
        en = parse_date(english, today)
        assert en is not None and en == parse_date(chinese, today), (english, chinese, today)


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        ("eod", WED, WED),
        ("eow", WED, FRI),
        ("end of week", FRI, FRI),
        ("end of the week", dt.date(2026, 11, 28), dt.date(2026, 12, 4)),  # Saturday: next week's
        ("by end of week", WED, FRI),
        ("this week", WED, FRI),
        ("next week", WED, dt.date(2026, 12, 4)),
        ("下周", SUN, dt.date(2026, 12, 4)),
        ("end of month", WED, dt.date(2026, 11, 30)),
        ("月底", dt.date(2027, 1, 5), dt.date(2027, 1, 29)),  # Jan 31 2027 is a Sunday
        ("本月底", dt.date(2026, 10, 31), dt.date(2026, 11, 30)),  # Saturday after the last workday
        ("月底前", WED, dt.date(2026, 11, 30)),
        ("这个月", WED, dt.date(2026, 11, 30)),
        ("下个月", WED, dt.date(2026, 12, 31)),
        ("下月", dt.date(2027, 1, 5), dt.date(2027, 2, 26)),
        ("下个月15号", WED, dt.date(2026, 12, 15)),
        ("3 working days", FRI, dt.date(2026, 12, 2)),
        ("+2wd", WED, FRI),
        ("3个工作日内", FRI, dt.date(2026, 12, 2)),
    ],
)
def test_periods_and_working_days(text: str, today: dt.date, expected: dt.date) -> None:
    assert parse_date(text, today) == expected


def test_working_days_follow_the_calendar_given() -> None:
    sun_thu = WorkCalendar(0b1001111)
    assert parse_date("3 working days", WED, sun_thu) == dt.date(2026, 11, 30)  # Thu, Sun, Mon
    assert parse_date("eow", WED, sun_thu) == dt.date(2026, 11, 26)  # Thursday ends that week
    assert parse_date("next week", WED, sun_thu) == dt.date(2026, 12, 3)
    assert parse_date("eow", FRI, sun_thu) == dt.date(2026, 12, 3)  # its week began on Sunday the 29th
    holiday = WorkCalendar(days_off=frozenset({dt.date(2026, 11, 26), dt.date(2026, 11, 27)}))
    assert parse_date("2个工作日", WED, holiday) == dt.date(2026, 12, 1)
    assert parse_date("end of week", WED, holiday) == WED
    make_up = WorkCalendar(extra_workdays=frozenset({dt.date(2026, 11, 29)}))
    assert parse_date("eow", WED, make_up) == dt.date(2026, 11, 29)


def test_a_month_alone_is_not_a_day() -> None:
    for text in ("dec", "December", "in december", "may"):
        assert parse_date(text, WED) is None


# ------------------------------------------------------------------------ parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", dt.timedelta(minutes=30)),
        ("30 min", dt.timedelta(minutes=30)),
        ("45 minutes", dt.timedelta(minutes=45)),
        ("2h", dt.timedelta(hours=2)),
        ("2H", dt.timedelta(hours=2)),
        ("2 hours", dt.timedelta(hours=2)),
        ("1 hour", dt.timedelta(hours=1)),
        ("1.5h", dt.timedelta(hours=1, minutes=30)),
        ("3d", dt.timedelta(days=3)),
        ("3 days", dt.timedelta(days=3)),
        ("1w", dt.timedelta(weeks=1)),
        ("1 week", dt.timedelta(weeks=1)),
        ("2 weeks", dt.timedelta(weeks=2)),
        ("1d12h", dt.timedelta(days=1, hours=12)),
        ("1h30m", dt.timedelta(hours=1, minutes=30)),
        ("1w2d", dt.timedelta(days=9)),
        ("1h 30m", dt.timedelta(hours=1, minutes=30)),
        ("1 hour and 30 minutes", dt.timedelta(hours=1, minutes=30)),
        ("2小时", dt.timedelta(hours=2)),
        ("两个小时", dt.timedelta(hours=2)),
        ("30分钟", dt.timedelta(minutes=30)),
        ("半小时", dt.timedelta(minutes=30)),
        ("3天", dt.timedelta(days=3)),
        ("1周", dt.timedelta(weeks=1)),
        ("2个星期", dt.timedelta(weeks=2)),
        ("1天12小时", dt.timedelta(days=1, hours=12)),
        ("365d", dt.timedelta(days=365)),
        ("52w", dt.timedelta(weeks=52)),
    ],
)
def test_parse_duration(text: str, expected: dt.timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "0m",
        "0d",
        "0h0m",
        "-2h",
        "-1d",
        "366d",
        "53w",
        "8761h",
        "999999999w",
        "30",
        "h",
        "2 months",
        "2 hoursx",
        "banana",
        "1d 12",
        "2h and",
    ],
)
def test_parse_duration_rejects(text: str) -> None:
    assert parse_duration(text) is None


# ---------------------------------------------------------------------- parse_clock_time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:30", dt.time(9, 30)),
        ("9:30", dt.time(9, 30)),
        ("17:00", dt.time(17, 0)),
        ("00:00", dt.time(0, 0)),
        ("23:59", dt.time(23, 59)),
        ("9am", dt.time(9, 0)),
        ("9 AM", dt.time(9, 0)),
        ("5pm", dt.time(17, 0)),
        ("9:30pm", dt.time(21, 30)),
        ("12am", dt.time(0, 0)),
        ("12pm", dt.time(12, 0)),
        ("noon", dt.time(12, 0)),
        ("midnight", dt.time(0, 0)),
        ("9点", dt.time(9, 0)),
        ("9点30分", dt.time(9, 30)),
        ("下午3点半", dt.time(15, 30)),
        ("晚上8点", dt.time(20, 0)),
        ("上午十点", dt.time(10, 0)),
    ],
)
def test_parse_clock_time(text: str, expected: dt.time) -> None:
    assert parse_clock_time(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "9", "24:00", "25:00", "9:60", "9:7", "13pm", "0am", "12:30xm", "banana", "9:30:61", "25点"],
)
def test_parse_clock_time_rejects(text: str) -> None:
    assert parse_clock_time(text) is None


# ------------------------------------------------------------------------- weekday masks

MON_BIT, TUE_BIT, WED_BIT, THU_BIT, FRI_BIT, SAT_BIT, SUN_BIT = (1 << i for i in range(7))


def test_weekday_names() -> None:
    assert WEEKDAY_NAMES == ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mon-fri", 0b0011111),
        ("Mon - Fri", 0b0011111),
        ("mon to fri", 0b0011111),
        ("mon,wed,fri", MON_BIT | WED_BIT | FRI_BIT),
        ("mon, wed, fri", MON_BIT | WED_BIT | FRI_BIT),
        ("monday,wednesday", MON_BIT | WED_BIT),
        ("sun-thu", SUN_BIT | MON_BIT | TUE_BIT | WED_BIT | THU_BIT),
        ("fri-mon", FRI_BIT | SAT_BIT | SUN_BIT | MON_BIT),
        ("wed-wed", WED_BIT),
        ("tue", TUE_BIT),
        ("weekdays", 0b0011111),
        ("weekends", SAT_BIT | SUN_BIT),
        ("daily", 0b1111111),
        ("everyday", 0b1111111),
        ("every day", 0b1111111),
        ("all", 0b1111111),
        ("weekdays,sat", 0b0111111),
        ("周一至周五", 0b0011111),
        ("周一到周五", 0b0011111),
        ("周一至五", 0b0011111),
        ("工作日", 0b0011111),
        ("周一、周三、周五", MON_BIT | WED_BIT | FRI_BIT),
        ("星期六,星期日", SAT_BIT | SUN_BIT),
        ("每天", 0b1111111),
        ("每周一", MON_BIT),
    ],
)
def test_parse_weekdays(text: str, expected: int) -> None:
    assert parse_weekdays(text) == expected


@pytest.mark.parametrize(
    "text", ["", "  ", "banana", "mon-", "-fri", "mon-thu-fri", "mon,,xyz", "funday", "周八", "每周", "5"]
)
def test_parse_weekdays_rejects(text: str) -> None:
    assert parse_weekdays(text) is None


@pytest.mark.parametrize(
    ("mask", "expected"),
    [
        (0b1111111, "daily"),
        (0b0011111, "mon-fri"),
        (MON_BIT | WED_BIT | FRI_BIT, "mon,wed,fri"),
        (SAT_BIT | SUN_BIT, "sat,sun"),
        (MON_BIT | TUE_BIT, "mon,tue"),
        (TUE_BIT, "tue"),
        (SUN_BIT | MON_BIT | TUE_BIT | WED_BIT | THU_BIT, "sun-thu"),
        (MON_BIT | SUN_BIT, "mon,sun"),
        (MON_BIT | TUE_BIT | WED_BIT | FRI_BIT, "mon-wed,fri"),
    ],
)
def test_format_weekdays(mask: int, expected: str) -> None:
    assert format_weekdays(mask) == expected


@pytest.mark.parametrize("mask", [0, -1, 128, 1000])
def test_format_weekdays_rejects_out_of_range(mask: int) -> None:
    with pytest.raises(ValueError):
        format_weekdays(mask)


def test_weekday_mask_round_trip_for_every_mask() -> None:
    for mask in range(1, 128):
        text = format_weekdays(mask)
        assert parse_weekdays(text) == mask, (mask, text)


# ------------------------------------------------------------------------------ properties

_PROPERTY_SETTINGS = settings(max_examples=300, deadline=None)
_datey_text = st.one_of(
    st.text(),
    st.text(alphabet="0123456789-/.: +dwhmapn月日号周年天后下本这一二五十", max_size=12),
    st.sampled_from(
        ["fri", "next week", "dec 15", "12月15日", "下周五", "+3d", "mon-fri", "9am", "2h"]
    ).flatmap(
        lambda base: st.builds(lambda pre, post: pre + base + post, st.text(max_size=3), st.text(max_size=3))
    ),
)


@_PROPERTY_SETTINGS
@given(text=_datey_text, today=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31)))
def test_parse_date_never_raises(text: str, today: dt.date) -> None:
    result = parse_date(text, today)
    assert result is None or (type(result) is dt.date)


@_PROPERTY_SETTINGS
@given(text=_datey_text)
def test_parse_duration_never_raises(text: str) -> None:
    result = parse_duration(text)
    assert result is None or (
        isinstance(result, dt.timedelta) and dt.timedelta(0) < result <= dt.timedelta(days=365)
    )


@_PROPERTY_SETTINGS
@given(text=_datey_text)
def test_parse_clock_time_never_raises(text: str) -> None:
    result = parse_clock_time(text)
    assert result is None or isinstance(result, dt.time)


@_PROPERTY_SETTINGS
@given(text=_datey_text)
def test_parse_weekdays_never_raises(text: str) -> None:
    result = parse_weekdays(text)
    assert result is None or (isinstance(result, int) and 1 <= result <= 127)


@_PROPERTY_SETTINGS
@given(mask=st.integers(min_value=1, max_value=127))
def test_format_parse_weekdays_round_trip_property(mask: int) -> None:
    assert parse_weekdays(format_weekdays(mask)) == mask


def test_duration_limits_are_the_named_ones() -> None:
    assert parse_duration("1m") == MIN_DURATION
    assert parse_duration(f"{MAX_DURATION.days}d") == MAX_DURATION
    assert parse_duration("59s") is None and parse_duration("0.5m") is None
    assert parse_duration(f"{MAX_DURATION.days + 1}d") is None
    assert (
        duration_seconds(f"{MAX_DURATION.days + 1}d") == (MAX_DURATION.days + 1) * 86400
    )  # readable, too long
    assert duration_seconds("forever") is None


@pytest.mark.parametrize(
    ("words", "digits"),
    [
        ("in two weeks", "in 2 weeks"),
        ("in three working days", "in 3 working days"),
        ("in ten days", "in 10 days"),
        ("in one week", "in 1 week"),
    ],
)
def test_english_number_words_read_as_their_digits(words: str, digits: str) -> None:
    assert parse_date(words, WED) == parse_date(digits, WED) is not None


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("two hours", dt.timedelta(hours=2)),
        ("an hour", dt.timedelta(hours=1)),
        ("a day", dt.timedelta(days=1)),
        ("ten minutes", dt.timedelta(minutes=10)),
        ("one week", dt.timedelta(weeks=1)),
    ],
)
def test_durations_take_english_number_words(words: str, expected: dt.timedelta) -> None:
    assert parse_duration(words) == expected


@pytest.mark.parametrize("words", ["one", "someone", "a while", "phone", "tone day"])
def test_number_words_inside_other_words_or_alone_are_no_time(words: str) -> None:
    assert parse_date(words, WED) is None and parse_duration(words) is None
