"""The bulk, indexed queries a scheduler tick and a digest need.

Every function here reads a bounded number of rows through an index: a tick with nothing due
reads the workspaces, the launches dated on today's check-in days and the digest schedules due
and not yet posted today — never the task table. Task reads happen only for work that is due
(a digest, a launch's check-in, a day's nudge sweep), one query each whatever the size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache, cached_property
from typing import Any, NamedTuple

from sqlalchemy import and_, bindparam, literal, or_, select, union_all, update
from sqlalchemy.orm import Session, joinedload

from storage import company_days
from storage.company_days import NO_COMPANY_DAYS, CompanyDays
from storage.launch_plans import ITEM_STATUSES
from storage.models import (
    Department,
    DepartmentMember,
    DigestSchedule,
    Launch,
    LaunchStatus,
    Person,
    SignOff,
    Task,
    TaskKind,
    TaskStatus,
    Workspace,
)


@dataclass(frozen=True)
class Offices:
    """A workspace's departments with public holidays of their own (a team in another office).

    Their team channels and their people (lead, members) follow that office's calendar; a
    person in several such departments follows the first (by position). Empty for most
    workspaces, so hashing and looking up stay cheap.
    """

    departments: tuple[tuple[int, str], ...] = ()  # (department id, region)
    channels: tuple[tuple[str, str], ...] = ()  # (team channel id, region)
    people: tuple[tuple[int, str], ...] = ()  # (person id, region)

    @property
    def regions(self) -> frozenset[str]:
        return frozenset(region for _id, region in self.departments)

    def of_department(self, department_id: int) -> str | None:
        return self._by_department.get(department_id)

    def of_channel(self, channel_id: str | None) -> str | None:
        return self._by_channel.get(channel_id or "")

    def of_person(self, person_id: int) -> str | None:
        return self._by_person.get(person_id)

    @cached_property
    def _by_department(self) -> dict[int, str]:
        return dict(self.departments)

    @cached_property
    def _by_channel(self) -> dict[str, str]:
        return dict(self.channels)

    @cached_property
    def _by_person(self) -> dict[int, str]:
        return dict(self.people)


NO_OFFICES = Offices()


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
    holiday_region: str | None = None  # as stored (NULL: the language's default)
    work_start: str = "09:00"
    work_end: str = "18:00"
    late_grace_minutes: int = 120
    swept_until: datetime | None = None  # slots up to here were planned (see Workspace.swept_until)
    company: CompanyDays = NO_COMPANY_DAYS
    offices: Offices = NO_OFFICES


@dataclass(frozen=True)
class DigestWindow:
    """Workspaces that share a timezone, and what "now" means there."""

    workspace_ids: tuple[int, ...]
    local_hhmm: str  # the local wall-clock time, "HH:MM"
    day_start: datetime  # UTC instant the local day began
    weekday_bit: int  # the schedules' day bits that post today: 1 << local weekday (bit 0 = Monday), …


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
            Workspace.holiday_region,
            Workspace.work_start,
            Workspace.work_end,
            Workspace.late_grace_minutes,
            Workspace.swept_until,
        )
        .where(Workspace.uninstalled_at.is_(None))
        .order_by(Workspace.id)
    ).all()
    ids = [row.id for row in rows]
    company = company_days.for_workspaces(session, ids)
    offices = workspace_offices(session)
    return [
        WorkspaceInfo(
            *row, company=company.get(row.id, NO_COMPANY_DAYS), offices=offices.get(row.id, NO_OFFICES)
        )
        for row in rows
    ]


def workspace_offices(session: Session, workspace_id: int | None = None) -> dict[int, Offices]:
    """The :class:`Offices` of every workspace (or one): one query, and one more only when some
    department has a region of its own."""
    query = select(
        Department.workspace_id,
        Department.id,
        Department.channel_id,
        Department.holiday_region,
        Department.lead_id,
    ).where(Department.holiday_region.is_not(None))
    if workspace_id is not None:
        query = query.where(Department.workspace_id == workspace_id)
    rows = session.execute(query.order_by(Department.workspace_id, Department.position, Department.id)).all()
    if not rows:
        return {}
    members: dict[int, list[int]] = defaultdict(list)
    for department_id, person_id in session.execute(
        select(DepartmentMember.department_id, DepartmentMember.person_id)
        .where(DepartmentMember.department_id.in_([row.id for row in rows]))
        .order_by(DepartmentMember.id)
    ):
        members[department_id].append(person_id)
    found: dict[int, tuple[list[tuple[int, str]], dict[str, str], dict[int, str]]] = defaultdict(
        lambda: ([], {}, {})
    )
    for ws_id, dept_id, channel_id, region, lead_id in rows:
        departments, channels, people = found[ws_id]
        departments.append((dept_id, region))
        if channel_id:
            channels.setdefault(channel_id, region)
        for person_id in (*((lead_id,) if lead_id is not None else ()), *members[dept_id]):
            people.setdefault(person_id, region)
    return {
        ws_id: Offices(tuple(d), tuple(c.items()), tuple(sorted(p.items())))
        for ws_id, (d, c, p) in found.items()
    }


def person_zones(session: Session) -> dict[int, set[str]]:
    """The distinct personal timezones in each workspace (people without one follow the workspace)."""
    rows = session.execute(
        select(Person.workspace_id, Person.timezone).where(Person.timezone.is_not(None)).distinct()
    )
    zones: dict[int, set[str]] = defaultdict(set)
    for workspace_id, zone in rows:
        zones[workspace_id].add(zone)
    return zones


def launch_dates_on(session: Session, days: Iterable[date]) -> list[LaunchDate]:
    """Launches dated on any of ``days`` (index ``ix_launches_date``), except cancelled ones."""
    wanted = sorted(set(days))
    if not wanted:
        return []
    rows = session.execute(
        select(Launch.id, Launch.workspace_id, Launch.launch_date, Launch.channel_id, Launch.status)
        .where(Launch.launch_date.in_(wanted), Launch.status != LaunchStatus.CANCELLED)
        .order_by(Launch.id)
    )
    return [LaunchDate(*row) for row in rows]


class LaunchDate(NamedTuple):
    id: int
    workspace_id: int
    launch_date: date
    channel_id: str | None
    status: str


def launches_by_id(session: Session, ids: Iterable[int]) -> list[Launch]:
    wanted = sorted(set(ids))
    if not wanted:
        return []
    query = (
        select(Launch)
        .where(Launch.id.in_(wanted))
        .options(joinedload(Launch.owner), joinedload(Launch.decided_by))
    )
    return list(session.scalars(query.order_by(Launch.id)).unique())


@dataclass
class LaunchDetails:
    """What check-ins show of several launches: items (plan order), open tasks, sign-offs."""

    items: dict[int, list[Task]] = field(default_factory=lambda: defaultdict(list))
    tasks: dict[int, list[Task]] = field(default_factory=lambda: defaultdict(list))
    signoffs: dict[int, list[SignOff]] = field(default_factory=lambda: defaultdict(list))


def launch_details(session: Session, launch_ids: Sequence[int]) -> LaunchDetails:
    """Items, open tasks and sign-offs of several launches: three queries in all."""
    details = LaunchDetails()
    if not launch_ids:
        return details
    wanted = list(launch_ids)
    for task in session.scalars(
        select(Task)
        .join(Department, Department.id == Task.department_id)
        .where(
            Task.launch_id.in_(wanted),
            or_(
                and_(Task.kind == TaskKind.ITEM, Task.status.in_(ITEM_STATUSES)),
                and_(Task.kind == TaskKind.TASK, Task.status.in_(TaskStatus.OPEN)),
            ),
        )
        .order_by(
            Department.position,
            Department.id,
            Task.item_position,
            Task.due_date.is_(None),
            Task.due_date,
            Task.number,
        )
        .options(joinedload(Task.done_by))
    ).unique():
        (details.items if task.kind == TaskKind.ITEM else details.tasks)[task.launch_id or 0].append(task)
    for launch_tasks in details.tasks.values():
        launch_tasks.sort(key=lambda t: (t.due_date is None, t.due_date or date.min, t.number))
    for signoff in session.scalars(select(SignOff).where(SignOff.launch_id.in_(wanted))).unique():
        details.signoffs[signoff.launch_id].append(signoff)
    return details


def due_digests(
    session: Session,
    windows: Sequence[DigestWindow],
    *,
    only: Sequence[int] | None = None,
    claim: bool = False,
) -> list[DigestSchedule]:
    """Enabled digest schedules whose local time has come today, on one of their days, not yet posted.

    One query for every timezone at once; a schedule already posted today is filtered out by the
    database (``last_sent_at`` before the local day's start), so an idle tick reads no rows.
    ``claim`` locks the rows for the transaction and skips those another is composing now
    (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite serialises writers): another replica moves
    on to other digests instead of composing the same ones.
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
    if claim:
        query = query.with_for_update(skip_locked=True)
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
    work_start: str | None = None  # own working hours (None: the workspace's)
    work_end: str | None = None
    away_from: date | None = None
    away_until: date | None = None
    away_backup_id: int | None = None
    status_hint: str | None = None  # their chat status of being away: a hint shown, not acted on

    def away_on(self, day: date) -> bool:
        return (
            self.away_from is not None
            and self.away_until is not None
            and self.away_from <= day <= self.away_until
        )


@dataclass(frozen=True, slots=True)
class DepartmentRef:
    id: int
    key: str
    position: int
    lead: PersonRef | None
    aliases: str = ""  # comma-separated, as stored: Chinese replies name a department by its zh alias


@dataclass(frozen=True, slots=True)
class LaunchRef:
    id: int
    name: str


class TaskRow(NamedTuple):
    """A read-only task with what a digest or nudge shows; duck-types :class:`storage.models.Task`.

    Loaded by plain column queries (no ORM identity map), so a digest of hundreds of tasks
    or a day's overdue sweep stays one fast query. A named tuple: a round of digests builds
    tens of thousands, and a tuple is built several times faster than a frozen dataclass.
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


_TASKS = Task.__table__
_DEPARTMENTS = Department.__table__
_LAUNCHES = Launch.__table__
_PEOPLE = Person.__table__


@cache
def _task_select() -> Any:
    """A task's own columns with its department and launch names (two primary-key joins).

    People are left as ids: :class:`TaskReader` looks them up once per reader, not three
    times fifteen columns per row.
    """
    t, d, lx = _TASKS.c, _DEPARTMENTS.c, _LAUNCHES.c
    return (
        select(
            t.id,
            t.number,
            t.title,
            t.status,
            t.priority,
            t.due_date,
            t.blocked_reason,
            t.snoozed_until,
            t.done_at,
            t.department_id,
            d.key,
            d.position,
            d.lead_id,
            t.launch_id,
            lx.name,
            t.assignee_id,
            t.creator_id,
            d.aliases,
        )
        .select_from(_TASKS)
        .join(_DEPARTMENTS, d.id == t.department_id)
        .outerjoin(_LAUNCHES, lx.id == t.launch_id)
    )


@cache
def _digest_statement(scope: str) -> Any:
    """A digest's tasks: three index range reads, not one scan of the workspace's tasks.

    Open tasks due up to today and blocked tasks come through ``ix_tasks_open_due``; tasks done
    since the last digest through ``ix_tasks_done`` (workspace_id, done_at) — without it, every
    finished task of the workspace would be read to keep yesterday's few. ``scope`` narrows to a
    department's or a launch's tasks (``ids``), or is ``"workspace"``.
    """
    c = _TASKS.c

    def part(*conditions: Any) -> Any:
        query = _task_select().where(c.workspace_id == bindparam("workspace_id"), *conditions)
        if scope == "department":
            query = query.where(c.department_id.in_(bindparam("ids", expanding=True)))
        elif scope == "launch":
            query = query.where(c.launch_id.in_(bindparam("ids", expanding=True)))
        return query

    return union_all(
        part(c.status.in_((TaskStatus.TODO, TaskStatus.IN_PROGRESS)), c.due_date <= bindparam("today")),
        part(c.status == TaskStatus.BLOCKED),
        part(c.done_at >= bindparam("since"), c.status == TaskStatus.DONE),
    )


@cache
def _overdue_statement() -> Any:
    c = _TASKS.c
    return _task_select().where(
        c.workspace_id == bindparam("workspace_id"),
        c.status.in_(TaskStatus.OPEN),
        c.due_date < bindparam("before"),
    )


@cache
def _people_statement() -> Any:
    p = _PEOPLE.c
    columns = (p.id, p.user_id, p.name, p.timezone, p.language, p.work_start, p.work_end)
    return select(*columns, p.away_from, p.away_until, p.away_backup_id, p.status_hint).where(
        p.id.in_(bindparam("ids", expanding=True))
    )


def person_starts(session: Session) -> dict[int, set[tuple[str | None, str]]]:
    """The distinct (time zone, start of working hours) of people with hours of their own."""
    rows = session.execute(
        select(Person.workspace_id, Person.timezone, Person.work_start)
        .where(Person.work_start.is_not(None))
        .distinct()
    )
    found: dict[int, set[tuple[str | None, str]]] = defaultdict(set)
    for workspace_id, zone, start in rows:
        found[workspace_id].add((zone, start))
    return found


class TaskReader:
    """Reads :class:`TaskRow` lists within one transaction: one task query, then only unseen people.

    Each read is one query: the tasks with their department's and launch's names (primary-key
    joins, seventeen plain columns, no ORM). The people they name — assignee, creator,
    department lead — are looked up by id in at most one more query, only those this reader has
    not seen yet, so a round of digests over a workspace's channels looks each person up once.
    """

    def __init__(self, session: Session) -> None:
        self._connection = session.connection()
        self._people: dict[int, PersonRef] = {}
        self._departments: dict[int, DepartmentRef] = {}
        self._launches: dict[int, LaunchRef] = {}

    def digest(self, workspace_id: int, scope: ChannelScope, today: date, since: datetime) -> list[TaskRow]:
        """Open tasks due today or earlier, blocked tasks, tasks done since ``since``."""
        params: dict[str, Any] = {"workspace_id": workspace_id, "today": today, "since": since}
        if scope.department_ids:
            kind, params["ids"] = "department", list(scope.department_ids)
        elif scope.launch_ids:
            kind, params["ids"] = "launch", list(scope.launch_ids)
        else:
            kind = "workspace"
        return self._rows(self._connection.execute(_digest_statement(kind), params).all())

    def overdue(self, workspace_id: int, before: date) -> list[TaskRow]:
        """Open tasks due before ``before`` (index ``ix_tasks_open_due``)."""
        params = {"workspace_id": workspace_id, "before": before}
        return self._rows(self._connection.execute(_overdue_statement(), params).all())

    def people(self, ids: Iterable[int]) -> dict[int, PersonRef]:
        """People by id (backups of people who are away), looked up once per reader."""
        wanted = set(ids) - self._people.keys()
        if wanted:
            for row in self._connection.execute(_people_statement(), {"ids": sorted(wanted)}):
                self._people[row[0]] = PersonRef(*row)
        return {pid: self._people[pid] for pid in ids if pid in self._people}

    def _rows(self, rows: Sequence[Any]) -> list[TaskRow]:
        people = self._people
        wanted = {pid for r in rows for pid in (r[12], r[15], r[16]) if pid is not None} - people.keys()
        if wanted:
            for row in self._connection.execute(_people_statement(), {"ids": sorted(wanted)}):
                people[row[0]] = PersonRef(*row)
        departments, launches = self._departments, self._launches
        result = []
        for r in rows:
            department = departments.get(r[9])
            if department is None:
                lead = people.get(r[12]) if r[12] is not None else None
                department = departments[r[9]] = DepartmentRef(r[9], r[10], r[11], lead, r[17])
            launch = None
            if r[13] is not None:
                launch = launches.get(r[13])
                if launch is None:
                    launch = launches[r[13]] = LaunchRef(r[13], r[14])
            result.append(
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
                    department=department,
                    launch=launch,
                    assignee=people.get(r[15]) if r[15] is not None else None,
                    creator=people.get(r[16]) if r[16] is not None else None,
                )
            )
        result.sort(key=_task_order)
        return result


def _task_order(task: TaskRow) -> tuple[bool, date, int]:
    """Due date first (undated last), then number — the order every task list uses."""
    return (task.due_date is None, task.due_date or date.min, task.number)


def digest_tasks(
    session: Session, workspace_id: int, scope: ChannelScope, today: date, since: datetime
) -> list[TaskRow]:
    """One query: open tasks due today or earlier or blocked, and tasks done since ``since``."""
    return TaskReader(session).digest(workspace_id, scope, today, since)


def overdue_tasks(session: Session, workspace_id: int, before: date) -> list[TaskRow]:
    """Open tasks of a workspace due before ``before`` (index ``ix_tasks_open_due``), one query."""
    return TaskReader(session).overdue(workspace_id, before)


def channel_scopes(
    session: Session, channels: Iterable[tuple[int, str]]
) -> dict[tuple[int, str], ChannelScope]:
    """:func:`channel_scope` for many ``(workspace_id, channel_id)`` pairs: one query per 500 channels."""
    wanted = sorted(set(channels))
    found: dict[tuple[int, str], tuple[list[int], list[int]]] = {pair: ([], []) for pair in wanted}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        workspace_ids = sorted({w for w, _c in chunk})
        channel_ids = sorted({c for _w, c in chunk})
        depts = select(
            literal("d").label("kind"),
            Department.workspace_id.label("workspace_id"),
            Department.channel_id.label("channel_id"),
            Department.id.label("id"),
        ).where(Department.workspace_id.in_(workspace_ids), Department.channel_id.in_(channel_ids))
        launches = select(
            literal("l").label("kind"),
            Launch.workspace_id.label("workspace_id"),
            Launch.channel_id.label("channel_id"),
            Launch.id.label("id"),
        ).where(Launch.workspace_id.in_(workspace_ids), Launch.channel_id.in_(channel_ids))
        for kind, workspace_id, channel_id, row_id in session.execute(union_all(depts, launches)):
            entry = found.get((workspace_id, channel_id))
            if entry is not None:
                entry[0 if kind == "d" else 1].append(row_id)
    return {
        pair: ChannelScope(department_ids=tuple(sorted(d)), launch_ids=tuple(sorted(lx)))
        for pair, (d, lx) in found.items()
    }


def mark_digests_posted(session: Session, schedule_ids: Sequence[int], now: datetime) -> None:
    """Set ``last_sent_at`` of the digest schedules ``schedule_ids`` (one statement per 500)."""
    table = DigestSchedule.__table__
    ids = sorted(set(schedule_ids))
    for start in range(0, len(ids), 500):
        session.connection().execute(
            update(table).where(table.c.id.in_(ids[start : start + 500])).values(last_sent_at=now)
        )


def advance_swept(session: Session, workspace_ids: Sequence[int], now: datetime) -> None:
    """Move ``swept_until`` of ``workspace_ids`` forward to ``now`` (one statement per 500).

    A compare-and-set: only a mark that is unset or earlier moves, so replicas that swept the
    same slots (their claims share keys) never move it back, whatever order they commit in.
    """
    table = Workspace.__table__
    ids = sorted(set(workspace_ids))
    for start in range(0, len(ids), 500):
        session.connection().execute(
            update(table)
            .where(
                table.c.id.in_(ids[start : start + 500]),
                or_(table.c.swept_until.is_(None), table.c.swept_until < now),
            )
            .values(swept_until=now)
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
