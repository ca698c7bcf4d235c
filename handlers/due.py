"""What is due at an instant: local times, daylight saving, working days, launch offsets.

Pure functions only: no database, no wall clock. The scheduler asks them, at every tick, whether
a local ``HH:MM`` has been reached on the local day, which launch dates get a check-in today,
and how many working days a task is overdue.

Daylight saving: a local time is *due* from the first instant at which the local wall clock
shows that time or later on that day (:func:`due_instant`). A time that does not exist (02:30 on
a spring-forward night) is due at the jump; a time that happens twice (01:30 on a fall-back night)
is due at its first occurrence. Notification keys carry the local date, so neither case skips or
doubles a post.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from handlers.calendar import WorkCalendar

DEFAULT_OFFSETS = (-14, -7, -3, -1, 0, 1, 7)
_SEARCH_LIMIT = 3 * 60  # minutes scanned for the end of a DST gap (gaps are at most 2 h)


@lru_cache(maxsize=512)
def zone(name: str | None) -> ZoneInfo:
    """The IANA zone ``name``; UTC when it is missing or unknown."""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo("UTC")


@lru_cache(maxsize=4096)
def parse_hhmm(text: str | None, default: time = time(9, 0)) -> time:
    """A stored ``HH:MM`` value; ``default`` when it is malformed."""
    try:
        hours, minutes = (text or "").strip().split(":")
        return time(int(hours), int(minutes))
    except (ValueError, TypeError):
        return default


def local_date(now: datetime, tz: ZoneInfo) -> date:
    return now.astimezone(tz).date()


@lru_cache(maxsize=65536)
def due_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant from which ``at`` on local ``day`` counts as reached (see the module notes)."""
    wall = datetime.combine(day, at)
    first = wall.replace(tzinfo=tz, fold=0)
    instant = first.astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) == wall:
        return instant  # the time exists (fold=0 is its first occurrence when it happens twice)
    # In a spring-forward gap: the first minute after the jump.
    start = wall.replace(tzinfo=tz, fold=1).astimezone(UTC).replace(second=0, microsecond=0)
    for minute in range(_SEARCH_LIMIT):
        candidate = start + timedelta(minutes=minute)
        shown = candidate.astimezone(tz).replace(tzinfo=None)
        if shown >= wall:
            return candidate
    return instant


def reached(now: datetime, day: date, at: time, tz: ZoneInfo) -> bool:
    """Has local ``at`` on local ``day`` been reached by ``now``?"""
    return now >= due_instant(day, at, tz)


def start_of_day(day: date, tz: ZoneInfo) -> datetime:
    """The UTC instant local ``day`` begins (midnight, or the first instant after a gap at midnight)."""
    return due_instant(day, time(0, 0), tz)


def end_of_day(day: date, tz: ZoneInfo) -> datetime:
    """The UTC instant local ``day`` ends: its notifications expire then."""
    return start_of_day(day + timedelta(days=1), tz)


def is_workday(day: date, mask: int) -> bool:
    """``mask`` bit 0 is Monday; a mask with no days at all counts every day as a working day."""
    return WorkCalendar(mask).is_working_day(day)


def working_days_between(after: date, upto: date, mask: int) -> int:
    """Working days ``d`` with ``after < d <= upto`` (a task due Monday is 1 day overdue on Tuesday)."""
    return WorkCalendar(mask).working_days_between(after, upto)


@lru_cache(maxsize=1024)
def parse_offsets(text: str | None) -> tuple[int, ...]:
    """``"-14,-7,-3,-1,0,1,7"`` -> sorted unique offsets (days relative to the launch date)."""
    found: set[int] = set()
    for part in (text or "").replace(" ", ",").split(","):
        part = part.strip().lstrip("T").lstrip("t")
        if not part:
            continue
        try:
            value = int(part)
        except ValueError:
            continue
        if -365 <= value <= 365:
            found.add(value)
    return tuple(sorted(found)) if found else DEFAULT_OFFSETS


def offset_label(offset: int) -> str:
    """``-7`` -> ``T-7``, ``0`` -> ``T0``, ``1`` -> ``T+1``."""
    if offset == 0:
        return "T0"
    return f"T{offset:+d}"


def posting_day(nominal: date, offset: int, mask: int) -> date:
    """The day a check-in nominally on ``nominal`` is posted.

    Launch day itself is always posted on the day. Before the launch a check-in that falls on a
    non-working day moves to the previous working day (people get it while they can still act);
    a follow-up after the launch moves to the next working day.
    """
    if offset == 0 or is_workday(nominal, mask):
        return nominal
    step = -1 if offset < 0 else 1
    day = nominal
    for _ in range(7):
        day += timedelta(days=step)
        if is_workday(day, mask):
            return day
    return nominal


def checkins_on(today: date, offsets: Iterable[int], mask: int) -> dict[date, int]:
    """Launch dates with a check-in posted ``today``, and the offset of that check-in.

    When two offsets of one launch land on the same day (e.g. T-2 and T-1 both move to Friday),
    only the one nearest the launch is kept.
    """
    return dict(_checkins_on(today, tuple(sorted(set(offsets))), mask))


@lru_cache(maxsize=4096)
def _checkins_on(today: date, offsets: tuple[int, ...], mask: int) -> tuple[tuple[date, int], ...]:
    result: dict[date, int] = {}
    for offset in sorted(set(offsets), key=abs, reverse=True):
        for shift in range(-7, 8):  # nominal days that may move onto today
            nominal = today + timedelta(days=shift)
            if posting_day(nominal, offset, mask) == today:
                result[nominal - timedelta(days=offset)] = offset
    return tuple(result.items())


def days_left(today: date, launch_date: date) -> int:
    return (launch_date - today).days


@lru_cache(maxsize=4096)
def dates_with_working_offset(today: date, offset: int, calendar: WorkCalendar) -> frozenset[date]:
    """Launch dates ``d`` for which ``offset`` working days from ``d`` (``-2``: T-2) is ``today``.

    Empty on a day off. Used for what is counted in working days from a launch (the sign-off
    request at T-2); the check-in offsets above are calendar days, moved off days off.
    """
    if offset >= 0 or not calendar.is_working_day(today):
        return frozenset()
    horizon = 3 * -offset + 14  # enough for any run of days off between them
    candidates = (today + timedelta(days=n) for n in range(1, horizon + 1))
    return frozenset(d for d in candidates if calendar.add_working_days(d, offset) == today)
