"""The series the charts and reports draw: a launch's readiness burn-up, overdue work per department.

Platform-neutral and rendering-free: typed series of counts per day, rebuilt from the history
coordbot keeps (:mod:`handlers.timeline`). A day's count is the state at the end of that day in
the workspace's zone (at ``now`` for today).

Burn-up: the launch's items due by its date and its linked tasks; *done* against *total* (an
item or task counts from its creation until it is deleted or cancelled), and the ideal line
rising from nothing on the day the launch was made to the latest total on its date, evenly over
the working days between (the workspace calendar says which).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from handlers.calendar import WorkCalendar
from handlers.readiness import is_followup
from handlers.timeline import TaskTimeline, timelines
from storage import progress, repo
from storage.models import Department, Launch, LaunchStatus, Task, TaskEvent, TaskKind, TaskStatus, Workspace

DEFAULT_WEEKS = 8
MAX_WEEKS = 26
MAX_DAYS = 370  # a burn-up longer than a year keeps its last year


@dataclass(frozen=True)
class BurnupDay:
    day: date
    done: int
    total: int


@dataclass(frozen=True)
class Burnup:
    launch_name: str
    start: date  # the day the launch was made (or the first day kept)
    launch_date: date
    days: tuple[BurnupDay, ...]  # one per calendar day from ``start``, up to today or the launch
    ideal: tuple[tuple[date, float], ...]  # from ``start`` to ``launch_date``, one per day

    @property
    def latest(self) -> BurnupDay:
        return self.days[-1]

    def on(self, day: date) -> BurnupDay | None:
        """The counts at the end of ``day`` (the first day's before it, ``None`` after the last)."""
        if not self.days or day > self.days[-1].day:
            return None
        found = [d for d in self.days if d.day <= day]
        return found[-1] if found else BurnupDay(day, 0, 0)

    def ideal_on(self, day: date) -> float:
        found = [value for d, value in self.ideal if d <= day]
        return found[-1] if found else 0.0


@dataclass(frozen=True)
class DepartmentOverdue:
    department: Department
    counts: tuple[int, ...]  # one per day of :attr:`OverdueByDepartment.days`


@dataclass(frozen=True)
class OverdueByDepartment:
    days: tuple[date, ...]  # oldest first, a week apart, the last one today
    departments: tuple[DepartmentOverdue, ...]  # every department, in the workspace's order

    def total(self, index: int = -1) -> int:
        return sum(d.counts[index] for d in self.departments)


def end_of_day(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), zone) - timedelta(microseconds=1)


def _counted(task: Task, launch: Launch) -> bool:
    """In the burn-up: a linked task, or an item due by the launch (not a follow-up)."""
    return task.kind != TaskKind.ITEM or not is_followup(task, launch)


def _last_day(launch: Launch, today: date, zone: ZoneInfo) -> date:
    shipped = launch.launched_at.astimezone(zone).date() if launch.launched_at is not None else None
    last = min(launch.launch_date, shipped) if shipped is not None else launch.launch_date
    return min(today, last) if launch.status != LaunchStatus.CANCELLED else today


def ideal_line(
    start: date, launch_date: date, target: int, calendar: WorkCalendar
) -> tuple[tuple[date, float], ...]:
    span = calendar.working_days_between(start, launch_date)
    days = max((launch_date - start).days, 0)
    line = []
    for offset in range(days + 1):
        day = start + timedelta(days=offset)
        share = calendar.working_days_between(start, day) / span if span else float(day >= launch_date)
        line.append((day, round(target * share, 2)))
    return tuple(line)


def build_burnup(
    launch: Launch,
    work: Sequence[Task],
    events: Sequence[TaskEvent],
    *,
    calendar: WorkCalendar,
    zone: ZoneInfo,
    now: datetime,
) -> Burnup:
    """The burn-up of ``launch`` from its work (items and linked tasks) and their events."""
    counted = timelines([t for t in work if _counted(t, launch)], events)
    today = now.astimezone(zone).date()
    start = min(launch.created_at.astimezone(zone).date(), launch.launch_date)
    last = max(_last_day(launch, today, zone), start)
    start = max(start, last - timedelta(days=MAX_DAYS - 1))
    calendar_days = [start + timedelta(days=offset) for offset in range((last - start).days + 1)]
    instants = [min(end_of_day(day, zone), now) for day in calendar_days]
    days = [
        BurnupDay(day, done, total)
        for day, (done, total) in zip(calendar_days, _counts(counted, instants), strict=True)
    ]
    return Burnup(
        launch_name=launch.name,
        start=start,
        launch_date=launch.launch_date,
        days=tuple(days),
        ideal=ideal_line(start, launch.launch_date, days[-1].total, calendar),
    )


def _counts(counted: Sequence[TaskTimeline], instants: Sequence[datetime]) -> list[tuple[int, int]]:
    """(done, total) of ``counted`` at each of ``instants`` (ascending), in one sweep over the
    instants their states change at rather than every task's state on every day."""
    changes: list[tuple[datetime, int, int]] = []
    for timeline in counted:
        done, total = 0, 0
        for at, state in timeline.steps():
            now_done, now_total = (0, 0) if state is None else (int(state.status == TaskStatus.DONE), 1)
            if (now_done, now_total) != (done, total):
                changes.append((at, now_done - done, now_total - total))
                done, total = now_done, now_total
    changes.sort(key=lambda change: change[0])
    counts, done, total, index = [], 0, 0, 0
    for instant in instants:
        while index < len(changes) and changes[index][0] <= instant:
            done, total, index = done + changes[index][1], total + changes[index][2], index + 1
        counts.append((done, total))
    return counts


def launch_burnup(
    session: Session, launch: Launch, *, calendar: WorkCalendar, zone: ZoneInfo, now: datetime
) -> Burnup:
    """Two queries: the launch's work, and the events of it."""
    work = progress.launch_work(session, launch)
    events = progress.events_of(session, launch.workspace_id, [t.id for t in work])
    return build_burnup(launch, work, events, calendar=calendar, zone=zone, now=now)


def week_days(today: date, weeks: int) -> tuple[date, ...]:
    """``weeks`` days a week apart ending ``today``, oldest first."""
    return tuple(today - timedelta(weeks=back) for back in range(weeks - 1, -1, -1))


def build_overdue_by_department(
    departments: Sequence[Department],
    tasks: Sequence[Task],
    events: Sequence[TaskEvent],
    *,
    zone: ZoneInfo,
    now: datetime,
    weeks: int = DEFAULT_WEEKS,
) -> OverdueByDepartment:
    """Open work past its due date, per department, at the end of each of the last ``weeks``
    weeks (today's at ``now``): the department and due date it had then, not the ones it has now."""
    weeks = max(1, min(weeks, MAX_WEEKS))
    days = week_days(now.astimezone(zone).date(), weeks)
    instants = [min(end_of_day(day, zone), now) for day in days]
    counts = {d.key: [0] * len(days) for d in departments}
    for timeline in timelines(tasks, events):
        for index, (day, instant) in enumerate(zip(days, instants, strict=True)):
            state = timeline.state_at(instant)
            if state is not None and state.department in counts and state.is_overdue(day):
                counts[state.department][index] += 1
    return OverdueByDepartment(days, tuple(DepartmentOverdue(d, tuple(counts[d.key])) for d in departments))


def overdue_by_department(
    session: Session, workspace: Workspace, *, zone: ZoneInfo, now: datetime, weeks: int = DEFAULT_WEEKS
) -> OverdueByDepartment:
    """Three queries: the departments, the work that may have been open in the window, its events there."""
    weeks = max(1, min(weeks, MAX_WEEKS))
    since = end_of_day(week_days(now.astimezone(zone).date(), weeks)[0], zone)
    tasks = progress.tasks_open_during(session, workspace, since, now)
    events = progress.events_of(session, workspace, [t.id for t in tasks], since=since)
    departments = repo.departments(session, workspace)
    return build_overdue_by_department(departments, tasks, events, zone=zone, now=now, weeks=weeks)
