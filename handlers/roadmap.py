"""The roadmap: the coming launches in date order, how ready each is, and which are at risk.

One module for every view of it: ``/coord roadmap``, Slack's App Home and the web board all read
:func:`build_roadmap`, so a launch flagged at risk in chat is flagged on the board too.

The risk rule (README's "Roadmap" section says it in words). A launch still planned is at risk
when any of these holds:

* ``overdue`` — a launch item or task of it is open past its due date;
* ``blocked`` — work of it has been blocked for more than :data:`BLOCKED_DAYS` working days;
* ``behind`` — its share of items done trails the share of its planning time (working days
  from its creation to its date) already gone by more than :data:`BEHIND_MARGIN`;
* ``not_ready`` — a department signed it off as not ready.

A launch that has shipped (marked launched, or past its date) is shown as shipped, with no flag.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, lazyload

from handlers import due
from handlers.calendar import WorkCalendar
from handlers.launch_views import followups_end, launch_phase
from handlers.readiness import Readiness, build_readiness
from storage import repo
from storage.launch_plans import ITEM_STATUSES
from storage.models import (
    Department,
    Launch,
    LaunchStatus,
    SignOff,
    Task,
    TaskEvent,
    TaskKind,
    TaskStatus,
    Workspace,
)

DEFAULT_WEEKS = 8  # /coord roadmap
MAX_WEEKS = 52
LOOKBACK_DAYS = 7  # launches of the past week stay on the roadmap, shown as shipped
BLOCKED_DAYS = 2  # working days blocked before blocked work puts its launch at risk
BEHIND_MARGIN = 0.25  # share of planning time gone by, beyond the share of items done


class Risk(StrEnum):
    OVERDUE = "overdue"
    BLOCKED = "blocked"
    BEHIND = "behind"
    NOT_READY = "not_ready"


@dataclass(frozen=True)
class RoadmapEntry:
    """One launch on the roadmap, with every figure the views show."""

    readiness: Readiness
    phase: str  # LaunchStatus: planned, launched, done
    working_days_left: int
    due_now: int  # launch items due by today (done or not)
    overdue: tuple[Task, ...]  # open items and tasks past their due date
    blocked: tuple[Task, ...]  # blocked items and tasks
    blocked_since: dict[int, date]  # task id -> the day it was blocked
    risks: tuple[Risk, ...]
    done_tasks: tuple[Task, ...] = ()  # linked tasks done (only when asked for: the board draws them)

    @property
    def launch(self) -> Launch:
        return self.readiness.launch

    @property
    def at_risk(self) -> bool:
        return bool(self.risks)

    @property
    def shipped(self) -> bool:
        return self.phase in (LaunchStatus.LAUNCHED, LaunchStatus.DONE)

    @property
    def open_work(self) -> tuple[Task, ...]:
        return (*self.readiness.open_items, *self.readiness.open_followups, *self.readiness.open_tasks)

    @property
    def signed_ready(self) -> int:
        return sum(1 for s in self.readiness.signoffs.values() if s.ready)

    @property
    def signed_not_ready(self) -> int:
        return sum(1 for s in self.readiness.signoffs.values() if not s.ready)


@dataclass(frozen=True)
class Roadmap:
    start: date
    end: date
    today: date
    entries: tuple[RoadmapEntry, ...]


def window(today: date, weeks: int) -> tuple[date, date]:
    """The days a roadmap of ``weeks`` covers: the past week (what just shipped) to ``weeks`` ahead."""
    return today - timedelta(days=LOOKBACK_DAYS), today + timedelta(weeks=weeks)


def build_roadmap(
    session: Session,
    workspace: Workspace,
    today: date,
    calendar: WorkCalendar,
    weeks: int = DEFAULT_WEEKS,
    *,
    with_done_tasks: bool = False,
) -> Roadmap:
    start, end = window(today, weeks)
    launches = session.scalars(
        select(Launch)
        .where(
            Launch.workspace_id == workspace.id,
            Launch.status != LaunchStatus.CANCELLED,
            Launch.launch_date >= start,
            Launch.launch_date <= end,
        )
        .order_by(Launch.launch_date, Launch.name_key)
    ).all()
    entries = roadmap_entries(session, workspace, launches, today, calendar, with_done_tasks=with_done_tasks)
    return Roadmap(start, end, today, entries)


def roadmap_entries(
    session: Session,
    workspace: Workspace,
    launches: Sequence[Launch],
    today: date,
    calendar: WorkCalendar,
    *,
    with_done_tasks: bool = False,
) -> tuple[RoadmapEntry, ...]:
    """Each launch's entry, in four queries however many launches (the board's launch page shows
    one launch the same way). ``with_done_tasks``: also the linked tasks already done (the board
    draws them; readiness counts only open ones)."""
    offsets = due.parse_offsets(workspace.checkin_offsets)
    held = repo.departments(session, workspace)  # noqa: F841  (in the identity map while rows load)
    work = _launch_work(session, [launch.id for launch in launches], with_done_tasks)
    readiness = [
        build_readiness(
            launch,
            work.items.get(launch.id, ()),
            work.open_tasks.get(launch.id, ()),
            work.signoffs.get(launch.id, ()),
        )
        for launch in launches
    ]
    blocked_ids = [t.id for r in readiness for t in _open(r) if t.status == TaskStatus.BLOCKED]
    since = blocked_days(session, blocked_ids)
    return tuple(
        _entry(
            r,
            today,
            calendar,
            launch_phase(r.launch, today, followups_end(r.launch, offsets, calendar)),
            since,
            tuple(work.done_tasks.get(r.launch.id, ())),
        )
        for r in readiness
    )


_HELD = (lazyload(Task.creator), lazyload(Task.department), lazyload(Task.launch))


@dataclass
class _LaunchWork:
    items: dict[int, list[Task]] = field(default_factory=dict)
    open_tasks: dict[int, list[Task]] = field(default_factory=dict)
    done_tasks: dict[int, list[Task]] = field(default_factory=dict)
    signoffs: dict[int, list[SignOff]] = field(default_factory=dict)


def _launch_work(session: Session, launch_ids: Sequence[int], with_done_tasks: bool) -> _LaunchWork:
    """The launches' items in plan order, linked tasks by due date, and sign-offs: three queries.

    Nothing here reads a task's creator, so it is not loaded; its department and launch are
    taken from the session's identity map (the caller holds them), not joined into every row:
    loading joined rows is most of a roadmap's cost.
    """
    found = _LaunchWork()
    if not launch_ids:
        return found
    items = session.scalars(
        select(Task)
        .join(Department, Department.id == Task.department_id)
        .where(Task.launch_id.in_(launch_ids), Task.kind == TaskKind.ITEM, Task.status.in_(ITEM_STATUSES))
        .order_by(Department.position, Department.id, Task.item_position, Task.number)
        .options(joinedload(Task.done_by), *_HELD)
    ).unique()
    for item in items:
        found.items.setdefault(item.launch_id or 0, []).append(item)
    statuses = (*TaskStatus.OPEN, TaskStatus.DONE) if with_done_tasks else TaskStatus.OPEN
    tasks = session.scalars(
        select(Task)
        .where(Task.launch_id.in_(launch_ids), Task.kind == TaskKind.TASK, Task.status.in_(statuses))
        .order_by(Task.due_date.is_(None), Task.due_date, Task.number)
        .options(*_HELD)
    ).unique()
    for task in tasks:
        into = found.done_tasks if task.status == TaskStatus.DONE else found.open_tasks
        into.setdefault(task.launch_id or 0, []).append(task)
    for signoff in session.scalars(select(SignOff).where(SignOff.launch_id.in_(launch_ids))).unique():
        found.signoffs.setdefault(signoff.launch_id, []).append(signoff)
    return found


def blocked_days(session: Session, task_ids: Sequence[int]) -> dict[int, date]:
    """The day each task was last blocked (from its history; one query)."""
    if not task_ids:
        return {}
    rows = session.execute(
        select(TaskEvent.task_id, func.max(TaskEvent.at))
        .where(TaskEvent.task_id.in_(task_ids), TaskEvent.kind == "blocked")
        .group_by(TaskEvent.task_id)
    ).all()
    return {task_id: at.date() for task_id, at in rows if at is not None}


def _open(readiness: Readiness) -> tuple[Task, ...]:
    return (*readiness.open_items, *readiness.open_followups, *readiness.open_tasks)


def _entry(
    readiness: Readiness,
    today: date,
    calendar: WorkCalendar,
    phase: str,
    since: dict[int, date],
    done_tasks: tuple[Task, ...],
) -> RoadmapEntry:
    launch = readiness.launch
    work = _open(readiness)
    overdue = tuple(t for t in work if t.due_date is not None and t.due_date < today)
    blocked = tuple(t for t in work if t.status == TaskStatus.BLOCKED)
    blocked_since = {t.id: since.get(t.id, t.updated_at.date()) for t in blocked}
    due_now = sum(1 for i in readiness.items if i.due_date is not None and i.due_date <= today)
    risks: list[Risk] = []
    if phase == LaunchStatus.PLANNED:
        if overdue:
            risks.append(Risk.OVERDUE)
        if any(calendar.working_days_between(day, today) > BLOCKED_DAYS for day in blocked_since.values()):
            risks.append(Risk.BLOCKED)
        if _behind(readiness, today, calendar):
            risks.append(Risk.BEHIND)
        if any(not s.ready for s in readiness.signoffs.values()):
            risks.append(Risk.NOT_READY)
    return RoadmapEntry(
        readiness=readiness,
        phase=phase,
        working_days_left=calendar.working_days_between(today, launch.launch_date),
        due_now=due_now,
        overdue=overdue,
        blocked=blocked,
        blocked_since=blocked_since,
        risks=tuple(risks),
        done_tasks=done_tasks,
    )


def _behind(readiness: Readiness, today: date, calendar: WorkCalendar) -> bool:
    launch = readiness.launch
    if not readiness.total:
        return False
    planned = calendar.working_days_between(launch.created_at.date(), launch.launch_date)
    if planned <= 0:
        return False
    elapsed = min(1.0, calendar.working_days_between(launch.created_at.date(), today) / planned)
    return elapsed - readiness.done / readiness.total > BEHIND_MARGIN
