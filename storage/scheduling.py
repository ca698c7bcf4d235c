"""The bulk, indexed queries a scheduler tick and a digest need.

Every function here reads a bounded number of rows through an index: a tick with nothing due
reads the workspaces, the launches dated on today's check-in days and the digest schedules due
and not yet posted today — never the task table. Task reads happen only for work that is due
(a digest, a launch's check-in, a day's nudge sweep), one query each whatever the size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, and_, literal, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from storage.models import (
    ChecklistItem,
    Department,
    DigestSchedule,
    Launch,
    Person,
    Task,
    TaskStatus,
    Workspace,
)


@dataclass(frozen=True)
class WorkspaceInfo:
    """The scheduling settings of a workspace (a plain snapshot, safe outside the session)."""

    id: int
    platform: str
    external_id: str
    timezone: str
    language: str
    workdays: int
    checkin_time: str
    checkin_offsets: str
    nudge_time: str
    escalate_lead_after: int
    escalate_creator_after: int


@dataclass(frozen=True)
class DigestWindow:
    """Workspaces that share a timezone, and what "now" means there."""

    workspace_ids: tuple[int, ...]
    local_hhmm: str  # the local wall-clock time, "HH:MM"
    day_start: datetime  # UTC instant the local day began
    weekday_bit: int  # 1 << local weekday (bit 0 = Monday)


def workspaces(session: Session) -> list[WorkspaceInfo]:
    rows = session.execute(
        select(
            Workspace.id,
            Workspace.platform,
            Workspace.external_id,
            Workspace.timezone,
            Workspace.language,
            Workspace.workdays,
            Workspace.checkin_time,
            Workspace.checkin_offsets,
            Workspace.nudge_time,
            Workspace.escalate_lead_after,
            Workspace.escalate_creator_after,
        ).order_by(Workspace.id)
    )
    return [WorkspaceInfo(*row) for row in rows]


def person_zones(session: Session) -> dict[int, set[str]]:
    """The distinct personal timezones in each workspace (people without one follow the workspace)."""
    rows = session.execute(
        select(Person.workspace_id, Person.timezone).where(Person.timezone.is_not(None)).distinct()
    )
    zones: dict[int, set[str]] = defaultdict(set)
    for workspace_id, zone in rows:
        zones[workspace_id].add(zone)
    return zones


def launches_on(session: Session, days: Iterable[date]) -> list[Launch]:
    """Launches dated on any of ``days`` (index ``ix_launches_date``); their items are not loaded."""
    wanted = sorted(set(days))
    if not wanted:
        return []
    return list(session.scalars(select(Launch).where(Launch.launch_date.in_(wanted)).order_by(Launch.id)))


def launch_dates_on(session: Session, days: Iterable[date]) -> list[tuple[int, int, date, str | None]]:
    """``(id, workspace_id, launch_date, channel_id)`` of launches dated on any of ``days`` (indexed)."""
    wanted = sorted(set(days))
    if not wanted:
        return []
    rows = session.execute(
        select(Launch.id, Launch.workspace_id, Launch.launch_date, Launch.channel_id)
        .where(Launch.launch_date.in_(wanted))
        .order_by(Launch.id)
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


def launches_by_id(session: Session, ids: Iterable[int]) -> list[Launch]:
    wanted = sorted(set(ids))
    if not wanted:
        return []
    return list(session.scalars(select(Launch).where(Launch.id.in_(wanted)).order_by(Launch.id)))


def launch_details(
    session: Session, launch_ids: Sequence[int]
) -> tuple[dict[int, list[ChecklistItem]], dict[int, list[Task]]]:
    """Checklists and open tasks of several launches: two queries in all."""
    items: dict[int, list[ChecklistItem]] = defaultdict(list)
    tasks: dict[int, list[Task]] = defaultdict(list)
    if not launch_ids:
        return items, tasks
    for item in session.scalars(
        select(ChecklistItem)
        .where(ChecklistItem.launch_id.in_(launch_ids))
        .order_by(ChecklistItem.launch_id, ChecklistItem.department_id, ChecklistItem.position)
    ).unique():
        items[item.launch_id].append(item)
    for task in session.scalars(
        select(Task)
        .where(Task.launch_id.in_(launch_ids), Task.status.in_(TaskStatus.OPEN))
        .order_by(Task.due_date.is_(None), Task.due_date, Task.number)
    ).unique():
        tasks[task.launch_id or 0].append(task)
    return items, tasks


def departments_of(session: Session, workspace_id: int) -> list[Department]:
    return list(
        session.scalars(
            select(Department)
            .where(Department.workspace_id == workspace_id)
            .order_by(Department.position, Department.id)
        ).unique()
    )


def departments_by_workspace(session: Session, workspace_ids: Iterable[int]) -> dict[int, list[Department]]:
    wanted = sorted(set(workspace_ids))
    result: dict[int, list[Department]] = defaultdict(list)
    if not wanted:
        return result
    for dept in session.scalars(
        select(Department)
        .where(Department.workspace_id.in_(wanted))
        .order_by(Department.workspace_id, Department.position, Department.id)
    ).unique():
        result[dept.workspace_id].append(dept)
    return result


def due_digests(
    session: Session, windows: Sequence[DigestWindow], *, only: Sequence[int] | None = None
) -> list[DigestSchedule]:
    """Enabled digest schedules whose local time has come today, on one of their days, not yet posted.

    One query for every timezone at once; a schedule already posted today is filtered out by the
    database (``last_sent_at`` before the local day's start), so an idle tick reads no rows.
    """
    if not windows:
        return []
    conditions = [
        and_(
            DigestSchedule.workspace_id.in_(w.workspace_ids),
            DigestSchedule.at_time <= w.local_hhmm,
            DigestSchedule.days.op("&")(w.weekday_bit) != 0,
            or_(DigestSchedule.last_sent_at.is_(None), DigestSchedule.last_sent_at < w.day_start),
        )
        for w in windows
        if w.workspace_ids
    ]
    if not conditions:
        return []
    query = select(DigestSchedule).where(DigestSchedule.enabled.is_(True), or_(*conditions))
    if only is not None:
        query = query.where(DigestSchedule.id.in_(list(only)))
    return list(session.scalars(query.order_by(DigestSchedule.id)))


@dataclass(frozen=True)
class ChannelScope:
    """Which tasks a channel's digest covers: its departments, or its launches, else all."""

    department_ids: tuple[int, ...] = ()
    launch_ids: tuple[int, ...] = ()

    @property
    def whole_workspace(self) -> bool:
        return not self.department_ids and not self.launch_ids


def channel_scope(session: Session, workspace_id: int, channel_id: str) -> ChannelScope:
    """A department's team channel covers that department; a launch channel its launches (one query)."""
    depts = select(literal("d").label("kind"), Department.id.label("id")).where(
        Department.workspace_id == workspace_id, Department.channel_id == channel_id
    )
    launches = select(literal("l").label("kind"), Launch.id.label("id")).where(
        Launch.workspace_id == workspace_id, Launch.channel_id == channel_id
    )
    rows = session.execute(union_all(depts, launches)).all()
    return ChannelScope(
        department_ids=tuple(sorted(r.id for r in rows if r.kind == "d")),
        launch_ids=tuple(sorted(r.id for r in rows if r.kind == "l")),
    )


@dataclass(frozen=True, slots=True)
class PersonRef:
    """The parts of a person a notice needs (duck-types :class:`storage.models.Person`)."""

    id: int
    user_id: str
    name: str | None
    timezone: str | None
    language: str | None


@dataclass(frozen=True, slots=True)
class DepartmentRef:
    id: int
    key: str
    position: int
    lead: PersonRef | None


@dataclass(frozen=True, slots=True)
class LaunchRef:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class TaskRow:
    """A read-only task with what a digest or nudge shows; duck-types :class:`storage.models.Task`.

    Loaded by plain column queries (no ORM identity map), so a digest of hundreds of tasks
    or a day's overdue sweep stays one fast query.
    """

    id: int
    number: int
    title: str
    status: str
    priority: str
    due_date: date | None
    blocked_reason: str | None
    snoozed_until: datetime | None
    done_at: datetime | None
    department_id: int
    department: DepartmentRef
    assignee: PersonRef | None
    creator: PersonRef | None
    launch: LaunchRef | None

    @property
    def is_open(self) -> bool:
        return self.status != TaskStatus.DONE


@cache
def _task_row_query() -> Select[Any]:
    """The one column query behind :class:`TaskRow` (built once; callers add their conditions)."""
    assignee, creator, lead = aliased(Person), aliased(Person), aliased(Person)
    people = [(p.id, p.user_id, p.name, p.timezone, p.language) for p in (assignee, creator, lead)]
    return (
        select(
            Task.id,
            Task.number,
            Task.title,
            Task.status,
            Task.priority,
            Task.due_date,
            Task.blocked_reason,
            Task.snoozed_until,
            Task.done_at,
            Department.id,
            Department.key,
            Department.position,
            Launch.id,
            Launch.name,
            *[column for group in people for column in group],
        )
        .join(Department, Department.id == Task.department_id)
        .outerjoin(Launch, Launch.id == Task.launch_id)
        .outerjoin(assignee, assignee.id == Task.assignee_id)
        .outerjoin(creator, creator.id == Task.creator_id)
        .outerjoin(lead, lead.id == Department.lead_id)
        .order_by(Task.due_date.is_(None), Task.due_date, Task.number)
    )


def _task_rows(session: Session, *conditions: Any) -> list[TaskRow]:
    query = _task_row_query().where(*conditions)
    refs: dict[int, PersonRef] = {}
    depts: dict[int, DepartmentRef] = {}
    launches: dict[int, LaunchRef] = {}

    def person(values: tuple) -> PersonRef | None:  # type: ignore[type-arg]
        if values[0] is None:
            return None
        ref = refs.get(values[0])
        if ref is None:
            ref = refs[values[0]] = PersonRef(*values)
        return ref

    rows = []
    for r in session.execute(query):
        dept = depts.get(r[9])
        if dept is None:
            dept = depts[r[9]] = DepartmentRef(r[9], r[10], r[11], person(r[24:29]))
        launch = None
        if r[12] is not None:
            launch = launches.get(r[12]) or launches.setdefault(r[12], LaunchRef(r[12], r[13]))
        rows.append(
            TaskRow(
                id=r[0],
                number=r[1],
                title=r[2],
                status=r[3],
                priority=r[4],
                due_date=r[5],
                blocked_reason=r[6],
                snoozed_until=r[7],
                done_at=r[8],
                department_id=r[9],
                department=dept,
                assignee=person(r[14:19]),
                creator=person(r[19:24]),
                launch=launch,
            )
        )
    return rows


def digest_tasks(
    session: Session, workspace_id: int, scope: ChannelScope, today: date, since: datetime
) -> list[TaskRow]:
    """One query: open tasks due today or earlier or blocked, and tasks done since ``since``."""
    if scope.department_ids:
        where_scope = Task.department_id.in_(scope.department_ids)
    elif scope.launch_ids:
        where_scope = Task.launch_id.in_(scope.launch_ids)
    else:
        where_scope = Task.workspace_id == workspace_id
    relevant = or_(
        and_(Task.status.in_((TaskStatus.TODO, TaskStatus.IN_PROGRESS)), Task.due_date <= today),
        Task.status == TaskStatus.BLOCKED,
        and_(Task.status == TaskStatus.DONE, Task.done_at >= since),
    )
    return _task_rows(session, Task.workspace_id == workspace_id, where_scope, relevant)


def overdue_tasks(session: Session, workspace_id: int, before: date) -> list[TaskRow]:
    """Open tasks of a workspace due before ``before`` (index ``ix_tasks_open_due``), one query."""
    return _task_rows(
        session,
        Task.workspace_id == workspace_id,
        Task.status.in_(TaskStatus.OPEN),
        Task.due_date < before,
    )


def admins(session: Session, workspace_id: int) -> list[Person]:
    return list(
        session.scalars(
            select(Person)
            .where(Person.workspace_id == workspace_id, Person.is_admin.is_(True))
            .order_by(Person.id)
        )
    )


def workspace(session: Session, workspace_id: int) -> Workspace | None:
    return session.get(Workspace, workspace_id)
