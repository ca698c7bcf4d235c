"""The working calendar: working days, stepping and counting, with days off and extra workdays."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from handlers.calendar import WorkCalendar

MON = date(2026, 11, 30)
SAT = date(2026, 12, 5)


def test_weekends_are_days_off_by_default() -> None:
    calendar = WorkCalendar()
    assert calendar.is_working_day(MON)
    assert not calendar.is_working_day(SAT)
    assert calendar.next_working_day(SAT) == date(2026, 12, 7)
    assert calendar.previous_working_day(SAT) == date(2026, 12, 4)
    assert calendar.next_working_day(MON, include=True) == MON


def test_days_off_and_extra_workdays() -> None:
    calendar = WorkCalendar(days_off=frozenset({date(2026, 12, 2)}), extra_workdays=frozenset({SAT}))
    assert not calendar.is_working_day(date(2026, 12, 2))
    assert calendar.is_working_day(SAT)
    # Mon 11-30 .. Mon 12-07: Tue, Thu, Fri, Sat (make-up), Mon = 5 working days
    assert calendar.working_days_between(MON, date(2026, 12, 7)) == 5
    assert calendar.add_working_days(MON, 2) == date(2026, 12, 3)
    assert calendar.add_working_days(date(2026, 12, 7), -2) == date(2026, 12, 4)


def test_launch_offsets_count_back_from_the_launch_date() -> None:
    calendar = WorkCalendar()
    assert calendar.add_working_days(date(2026, 12, 15), -3) == date(2026, 12, 10)  # Tue -> Thu
    assert calendar.add_working_days(SAT, -1) == date(2026, 12, 4)
    assert calendar.add_working_days(SAT, 1) == date(2026, 12, 7)
    assert calendar.add_working_days(SAT, 0) == SAT


def test_a_calendar_without_working_days_still_answers() -> None:
    calendar = WorkCalendar(
        workdays=0b0000001, days_off=frozenset(MON + timedelta(weeks=w) for w in range(80))
    )
    assert calendar.next_working_day(MON) == MON  # nothing found within the search: the day itself


masks = st.integers(min_value=1, max_value=0b1111111)
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
exceptions = st.frozensets(st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31)), max_size=20)


@given(masks, days, st.integers(min_value=0, max_value=120), exceptions, exceptions)
def test_counting_agrees_with_stepping(
    mask: int, start: date, span: int, off: frozenset, extra: frozenset
) -> None:
    calendar = WorkCalendar(mask, off, extra)
    end = start + timedelta(days=span)
    expected = sum(calendar.is_working_day(start + timedelta(days=i)) for i in range(1, span + 1))
    assert calendar.working_days_between(start, end) == expected
    if expected:
        assert calendar.add_working_days(start, expected) <= end
        assert calendar.is_working_day(calendar.add_working_days(start, expected))
