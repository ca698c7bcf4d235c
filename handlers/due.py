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
MAX_DAYS_OFF_RUN = 40  # a run of days off longer than this is taken as the calendar's end (never loops)
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


def posting_day(nominal: date, offset: int, calendar: WorkCalendar) -> date:
    """The day a check-in nominally on ``nominal`` is posted.

    Launch day itself is always posted on the day. Before the launch a check-in that falls on a
    day off (a weekend, a public holiday, a company day) moves to the previous working day
    (people get it while they can still act); a follow-up after the launch moves to the next one.
    """
    if offset == 0 or calendar.is_working_day(nominal):
        return nominal
    if offset < 0:
        return calendar.previous_working_day(nominal)
    return calendar.next_working_day(nominal)


def checkins_on(today: date, offsets: Iterable[int], calendar: WorkCalendar) -> dict[date, int]:
    """Launch dates with a check-in posted ``today``, and the offset of that check-in.

    When two offsets of one launch land on the same day (e.g. T-2 and T-1 both move to Friday),
    only the one nearest the launch is kept.
    """
    return dict(_checkins_on(today, tuple(sorted(set(offsets))), calendar))


@lru_cache(maxsize=4096)
def _checkins_on(
    today: date, offsets: tuple[int, ...], calendar: WorkCalendar
) -> tuple[tuple[date, int], ...]:
    result: dict[date, int] = {}
    working = calendar.is_working_day(today)
    # The nominal days that move onto today: today, and the days off after it (check-ins before
    # a launch move back) or before it (follow-ups move forward).
    ahead = _days_off_run(today, 1, calendar) if working else ()
    behind = _days_off_run(today, -1, calendar) if working else ()
    for offset in sorted(set(offsets), key=abs, reverse=True):
        if offset == 0:
            nominals: tuple[date, ...] = (today,)
        elif not working:
            continue
        else:
            nominals = (today, *(ahead if offset < 0 else behind))
        for nominal in nominals:
            result[nominal - timedelta(days=offset)] = offset
    return tuple(result.items())


def _days_off_run(day: date, step: int, calendar: WorkCalendar) -> tuple[date, ...]:
    """The days off right after (``step`` 1) or before (-1) ``day``, nearest first."""
    run = []
    current = day + timedelta(days=step)
    while not calendar.is_working_day(current) and len(run) < MAX_DAYS_OFF_RUN:
        run.append(current)
        current += timedelta(days=step)
    return tuple(run)


def checkin_headline_parts(
    today: date, offset: int, launch_date: date, calendar: WorkCalendar
) -> tuple[date | None, int]:
    """For a check-in posted ``today``: the day off it moved from (None if it did not move), and
    the working days left until the launch (days ``d`` with ``today < d <= launch``)."""
    nominal = launch_date + timedelta(days=offset)
    moved_from = nominal if nominal != today else None
    return moved_from, calendar.working_days_between(today, launch_date)


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
