"""Pure timing rules: local times, DST, working days, launch offsets."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from handlers import due
from handlers.calendar import WorkCalendar

NY = due.zone("America/New_York")
SHANGHAI = due.zone("Asia/Shanghai")
MON_FRI = WorkCalendar(0b0011111)


def test_due_instant_follows_the_zone() -> None:
    assert due.due_instant(date(2026, 12, 2), time(9, 30), SHANGHAI) == datetime(
        2026, 12, 2, 1, 30, tzinfo=UTC
    )
    assert due.due_instant(date(2026, 12, 2), time(9, 30), NY) == datetime(2026, 12, 2, 14, 30, tzinfo=UTC)
    assert due.due_instant(date(2026, 7, 2), time(9, 30), NY) == datetime(2026, 7, 2, 13, 30, tzinfo=UTC)


def test_a_time_inside_the_spring_forward_gap_is_due_at_the_jump() -> None:
    # 2026-03-08 02:00 EST -> 03:00 EDT (07:00 UTC); 02:30 never shows on the wall clock.
    assert due.due_instant(date(2026, 3, 8), time(2, 30), NY) == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    assert not due.reached(datetime(2026, 3, 8, 6, 59, tzinfo=UTC), date(2026, 3, 8), time(2, 30), NY)
    assert due.reached(datetime(2026, 3, 8, 7, 0, tzinfo=UTC), date(2026, 3, 8), time(2, 30), NY)


def test_a_time_that_happens_twice_is_due_at_its_first_occurrence() -> None:
    # 2026-11-01 02:00 EDT -> 01:00 EST; 01:30 happens at 05:30 and again at 06:30 UTC.
    assert due.due_instant(date(2026, 11, 1), time(1, 30), NY) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)


def test_day_bounds_across_dst() -> None:
    assert due.start_of_day(date(2026, 3, 8), NY) == datetime(2026, 3, 8, 5, 0, tzinfo=UTC)
    assert due.end_of_day(date(2026, 3, 8), NY) == datetime(2026, 3, 9, 4, 0, tzinfo=UTC)  # a 23 h day
    assert due.end_of_day(date(2026, 11, 1), NY) - due.start_of_day(date(2026, 11, 1), NY) == timedelta(
        hours=25
    )


@given(
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)),
    st.sampled_from(["America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]),
    st.times(),
)
def test_a_local_time_is_reached_exactly_once_per_local_day(naive: datetime, name: str, at: time) -> None:
    """Walking minute by minute, ``reached`` flips from False to True once on each local day."""
    tz = due.zone(name)
    at = at.replace(second=0, microsecond=0)
    day = naive.date()
    instant = due.due_instant(day, at, tz)
    assert due.start_of_day(day, tz) <= instant < due.end_of_day(day, tz)
    assert due.reached(instant, day, at, tz)
    assert not due.reached(instant - timedelta(minutes=1), day, at, tz)
    shown = instant.astimezone(tz)
    assert shown.date() == day
    assert shown.time() >= at  # never before the wall clock shows it
    before = (instant - timedelta(minutes=1)).astimezone(tz)
    assert before.date() < day or before.time() < at or before.fold != shown.fold


def test_working_days() -> None:
    assert MON_FRI.is_working_day(date(2026, 12, 4))  # Friday
    assert not MON_FRI.is_working_day(date(2026, 12, 5))  # Saturday
    assert WorkCalendar(0).is_working_day(date(2026, 12, 5))  # an empty mask means every day
    # Due Friday Dec 4: Monday is 1 working day overdue, Tuesday 2, Friday Dec 11 5.
    assert MON_FRI.working_days_between(date(2026, 12, 4), date(2026, 12, 6)) == 0
    assert MON_FRI.working_days_between(date(2026, 12, 4), date(2026, 12, 7)) == 1
    assert MON_FRI.working_days_between(date(2026, 12, 4), date(2026, 12, 8)) == 2
    assert MON_FRI.working_days_between(date(2026, 12, 4), date(2026, 12, 11)) == 5
    assert MON_FRI.working_days_between(date(2026, 12, 4), date(2026, 12, 4)) == 0


@given(
    st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)), st.integers(0, 400), st.integers(0, 127)
)
def test_working_days_between_matches_counting(start: date, span: int, mask: int) -> None:
    end = start + timedelta(days=span)
    calendar = WorkCalendar(mask)
    expected = sum(1 for n in range(1, span + 1) if calendar.is_working_day(start + timedelta(days=n)))
    assert calendar.working_days_between(start, end) == expected


def test_offsets_parse_and_label() -> None:
    assert due.parse_offsets("-14,-7,-3,-1,0,1,7") == (-14, -7, -3, -1, 0, 1, 7)
    assert due.parse_offsets(" 7, -1 ,x, T-3") == (-3, -1, 7)
    assert due.parse_offsets("") == due.DEFAULT_OFFSETS
    assert [due.offset_label(o) for o in (-7, 0, 1)] == ["T-7", "T0", "T+1"]


def test_checkins_on_plain_working_days() -> None:
    # Launch Tuesday Dec 15 2026: T-7 is Tuesday Dec 8, T-1 Monday Dec 14.
    assert due.checkins_on(date(2026, 12, 8), due.DEFAULT_OFFSETS, MON_FRI)[date(2026, 12, 15)] == -7
    assert due.checkins_on(date(2026, 12, 14), due.DEFAULT_OFFSETS, MON_FRI)[date(2026, 12, 15)] == -1
    assert due.checkins_on(date(2026, 12, 15), due.DEFAULT_OFFSETS, MON_FRI)[date(2026, 12, 15)] == 0


def test_weekend_checkins_move_to_a_working_day() -> None:
    # Launch Monday Dec 14: T-1 is Sunday -> posted Friday Dec 11; T+7 Monday Dec 21 stays.
    friday = due.checkins_on(date(2026, 12, 11), due.DEFAULT_OFFSETS, MON_FRI)
    assert friday[date(2026, 12, 14)] == -1
    assert date(2026, 12, 14) not in due.checkins_on(date(2026, 12, 13), due.DEFAULT_OFFSETS, MON_FRI)
    # Launch Friday Dec 11: T+1 is Saturday -> posted Monday Dec 14.
    assert due.checkins_on(date(2026, 12, 14), due.DEFAULT_OFFSETS, MON_FRI)[date(2026, 12, 11)] == 1
    # Launch day on a Sunday is still posted on the day.
    assert due.checkins_on(date(2026, 12, 13), due.DEFAULT_OFFSETS, MON_FRI)[date(2026, 12, 13)] == 0


def test_two_offsets_on_one_day_keep_the_nearest() -> None:
    # Launch Tuesday Dec 15 with T-3 (Sat) and T-4 (Fri) both posted Friday Dec 11: one check-in, T-3.
    assert due.checkins_on(date(2026, 12, 11), (-4, -3), MON_FRI)[date(2026, 12, 15)] == -3
    assert due.checkins_on(date(2026, 12, 10), (-4, -3), MON_FRI).get(date(2026, 12, 15)) is None


@settings(deadline=None)  # pure and quick; the first example pays for imports on a loaded machine
@given(st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 1, 1)), st.integers(1, 127))
def test_every_checkin_is_posted_exactly_once(launch: date, mask: int) -> None:
    """Over the days around a launch, each offset's check-in is posted once (or merged into a nearer one)."""
    posted: list[int] = []
    for n in range(-30, 30):
        today = launch + timedelta(days=n)
        offset = due.checkins_on(today, due.DEFAULT_OFFSETS, WorkCalendar(mask)).get(launch)
        if offset is not None:
            posted.append(offset)
            assert WorkCalendar(mask).is_working_day(today) or offset == 0
    assert len(posted) == len(set(posted))
    assert 0 in posted
    assert posted == sorted(posted)
