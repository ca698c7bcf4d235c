"""Repository functions: every query is scoped to one workspace and works on SQLite and PostgreSQL."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, bindparam, func, literal, select, update
from sqlalchemy.orm import Session

from storage.db import insert_if_absent
from storage.models import (
    Department,
    DepartmentMember,
    DigestSchedule,
    Launch,
    Person,
    Task,
    TaskEvent,
    TaskStatus,
    Workspace,
)

# The default departments and their aliases in both languages.
DEFAULT_DEPARTMENTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("dev", ("development", "engineering", "eng", "研发", "开发", "技术")),
    ("design", ("ux", "ui", "设计")),
    ("marketing", ("mkt", "market", "市场", "营销")),
    ("ops", ("operations", "support", "运营")),
)


def get_or_create_workspace(
    session: Session,
    platform: str,
    external_id: str,
    *,
    now: datetime,
    timezone: str,
    language: str,
    name: str | None = None,
) -> Workspace:
    """The workspace row, created with default departments on first contact (race-safe)."""
    query = select(Workspace).where(Workspace.platform == platform, Workspace.external_id == external_id)
    workspace = session.scalars(query).one_or_none()
    if workspace is not None:
        return workspace
    inserted = insert_if_absent(
        session,
        Workspace.__table__,
        [
            {
                "platform": platform,
                "external_id": external_id,
                "name": name,
                "timezone": timezone,
                "language": language,
                "created_at": now,  # the scheduling settings take the column defaults in models.py
            }
        ],
        [Workspace.id],
    )
    workspace = session.scalars(query).one()
    if inserted:
        for position, (key, aliases) in enumerate(DEFAULT_DEPARTMENTS):
            session.add(
                Department(workspace_id=workspace.id, key=key, aliases=",".join(aliases), position=position)
            )
        session.flush()
    return workspace


def get_or_create_person(
    session: Session,
    workspace: Workspace,
    user_id: str,
    *,
    now: datetime,
    name: str | None = None,
    timezone: str | None = None,
    language: str | None = None,
    make_admin: bool = False,
    status_hint: str | None = None,
) -> Person:
    """The person, created on first sight; the workspace's first person becomes an admin."""
    query = select(Person).where(Person.workspace_id == workspace.id, Person.user_id == user_id)
    person = session.scalars(query).one_or_none()
    if person is None:
        first = session.scalar(select(func.count()).where(Person.workspace_id == workspace.id)) == 0
        insert_if_absent(
            session,
            Person.__table__,
            [
                {
                    "workspace_id": workspace.id,
                    "user_id": user_id,
                    "name": name,
                    "timezone": timezone,
                    "language": language,
                    "is_admin": first or make_admin,
                    "created_at": now,
                    "status_hint": status_hint or None,
                }
            ],
            [Person.id],
        )
        person = session.scalars(query).one()
    else:
        update_person(
            person,
            name=name,
            timezone=timezone,
            language=language,
            make_admin=make_admin,
            status_hint=status_hint,
        )
    return person


def update_person(
    person: Person,
    *,
    name: str | None = None,
    timezone: str | None = None,
    language: str | None = None,
    make_admin: bool = False,
    status_hint: str | None = None,
) -> None:
    """Take what the platform says of a known person now (only what it says, and what changed;
    ``status_hint`` "" clears it: the platform was asked and says nothing of being away)."""
    if name and person.name != name:
        person.name = name
    if timezone and person.timezone != timezone:
        person.timezone = timezone
    if language and person.language != language:
        person.language = language
    if make_admin and not person.is_admin:
        person.is_admin = True
    if status_hint is not None and person.status_hint != (status_hint or None):
        person.status_hint = status_hint or None


def find_workspace_and_person(
    session: Session, platform: str, external_id: str, user_id: str
) -> tuple[Workspace | None, Person | None]:
    """The workspace and one of its people in one query (every request starts with these two)."""
    params = {"platform": platform, "external_id": external_id, "user_id": user_id}
    row = session.execute(_WORKSPACE_AND_PERSON, params).first()
    return (row[0], row[1]) if row is not None else (None, None)


_WORKSPACE_AND_PERSON = (
    select(Workspace, Person)
    .outerjoin(Person, (Person.workspace_id == Workspace.id) & (Person.user_id == bindparam("user_id")))
    .where(Workspace.platform == bindparam("platform"), Workspace.external_id == bindparam("external_id"))
)


def departments(session: Session, workspace: Workspace) -> Sequence[Department]:
    query = select(Department).where(Department.workspace_id == workspace.id)
    return session.scalars(query.order_by(Department.position, Department.id)).unique().all()


def find_department(session: Session, workspace: Workspace, word: str) -> Department | None:
    """A department by key or alias, case-insensitive (the first in the workspace's order).

    Matched in one prebuilt query rather than by loading every department.
    """
    word = word.strip().lower()
    if not word:
        return None
    # Aliases are stored comma-separated: the pattern matches one whole entry (none if the word
    # holds a comma itself).
    escaped = word.replace("/", "//").replace("%", "/%").replace("_", "/_")
    alias = f"%,{escaped},%" if "," not in word else ""
    params = {"workspace_id": workspace.id, "word": word, "alias": alias}
    return session.scalars(_FIND_DEPARTMENT, params).first()


_FIND_DEPARTMENT = (
    select(Department)
    .where(
        Department.workspace_id == bindparam("workspace_id"),
        (Department.key == bindparam("word"))
        | (literal(",") + Department.aliases + literal(",")).like(bindparam("alias"), escape="/"),
    )
    .order_by(Department.position, Department.id)
    .limit(1)
)


def next_task_number(session: Session, workspace: Workspace) -> int:
    """The workspace's next ``#number``; the row lock keeps concurrent creators apart.

    A Core statement built once: as an ORM update (synchronising the session's workspace) it cost
    more than the rest of creating the task. Nothing reads ``Workspace.task_seq`` from the object.
    """
    return int(session.connection().execute(_NEXT_TASK_NUMBER, {"workspace_id": workspace.id}).scalar_one())


_NEXT_TASK_NUMBER = (
    update(Workspace.__table__)
    .where(Workspace.__table__.c.id == bindparam("workspace_id"))
    .values(task_seq=Workspace.__table__.c.task_seq + 1)
    .returning(Workspace.__table__.c.task_seq)
)


def find_task(session: Session, workspace: Workspace, number: int) -> Task | None:
    query = select(Task).where(Task.workspace_id == workspace.id, Task.number == number)
    return session.scalars(query).unique().one_or_none()


def find_task_for_update(session: Session, workspace: Workspace, number: int) -> Task | None:
    """The task with its row locked (PostgreSQL) so concurrent changes apply one after another.

    The lock is taken first, on the bare row, and the task is read after it: a ``SELECT … FOR
    UPDATE`` that waited for another change re-reads the locked row but not the rows joined to it
    (assignee, department), so reading both in one statement could see a new ``assignee_id``
    next to the old assignee.
    """
    where = (Task.workspace_id == workspace.id, Task.number == number)
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(Task.id).where(*where).with_for_update())
    query = select(Task).where(*where).execution_options(populate_existing=True)
    return session.scalars(query).unique().one_or_none()


def record_event(
    session: Session, task: Task, actor: Person | None, at: datetime, kind: str, changes: dict[str, Any]
) -> None:
    """Append one row to the task's history, written at once (a Core insert, built once).

    History is append-only and never read back through the object that wrote it, so it need not
    pass through the session's unit of work, which cost more than the insert itself.
    """
    if task.id is None:  # a task created in this transaction and not flushed yet
        session.flush()
    row = {
        "workspace_id": task.workspace_id,
        "task_id": task.id,
        "actor_id": actor.id if actor else None,
        "at": at,
        "kind": kind,
        "changes": changes,
    }
    session.connection().execute(_RECORD_EVENT, row)


_RECORD_EVENT = TaskEvent.__table__.insert()


def task_history(session: Session, task: Task) -> Sequence[TaskEvent]:
    query = select(TaskEvent).where(TaskEvent.task_id == task.id).order_by(TaskEvent.id)
    return session.scalars(query).unique().all()


def list_tasks(
    session: Session,
    workspace: Workspace,
    *,
    statuses: Sequence[str] | None = TaskStatus.OPEN,
    department: Department | None = None,
    assignee: Person | None = None,
    launch: Launch | None = None,
    due_before: date | None = None,
    limit: int = 200,
) -> Sequence[Task]:
    params: dict[str, Any] = {
        "workspace_id": workspace.id,
        "statuses": list(statuses) if statuses is not None else None,
        "department_id": department.id if department is not None else None,
        "assignee_id": assignee.id if assignee is not None else None,
        "launch_id": launch.id if launch is not None else None,
        "due_before": due_before,
        "limit": limit,
    }
    query = _list_tasks_query(tuple(name for name, value in params.items() if value is not None))
    return session.scalars(query, params).unique().all()


@functools.cache
def _list_tasks_query(filters: tuple[str, ...]) -> Select[tuple[Task]]:
    """The task list for one combination of filters, built once with bind parameters: the
    statement with its eager loads cost more to build and key than to run."""
    conditions = {
        "workspace_id": Task.workspace_id == bindparam("workspace_id"),
        "statuses": Task.status.in_(bindparam("statuses", expanding=True)),
        "department_id": Task.department_id == bindparam("department_id"),
        "assignee_id": Task.assignee_id == bindparam("assignee_id"),
        "launch_id": Task.launch_id == bindparam("launch_id"),
        "due_before": Task.due_date < bindparam("due_before"),
    }
    query = select(Task).where(*(conditions[name] for name in filters if name in conditions))
    order = (Task.due_date.is_(None), Task.due_date, Task.number)
    return query.order_by(*order).limit(bindparam("limit"))


def count_tasks(session: Session, workspace: Workspace, **filters: Any) -> int:
    query = select(func.count()).select_from(Task).where(Task.workspace_id == workspace.id)
    statuses = filters.get("statuses", TaskStatus.OPEN)
    if statuses is not None:
        query = query.where(Task.status.in_(statuses))
    for name, column in (
        ("department", Task.department_id),
        ("assignee", Task.assignee_id),
        ("launch", Task.launch_id),
    ):
        if filters.get(name) is not None:
            query = query.where(column == filters[name].id)
    if filters.get("due_before") is not None:
        query = query.where(Task.due_date < filters["due_before"])
    return int(session.scalar(query) or 0)


def find_launch(session: Session, workspace: Workspace, name: str) -> Launch | None:
    query = select(Launch).where(Launch.workspace_id == workspace.id, Launch.name_key == name.casefold())
    return session.scalars(query).unique().one_or_none()


def launches(session: Session, workspace: Workspace, *, from_day: date | None = None) -> Sequence[Launch]:
    query = select(Launch).where(Launch.workspace_id == workspace.id)
    if from_day is not None:
        query = query.where(Launch.launch_date >= from_day)
    return session.scalars(query.order_by(Launch.launch_date, Launch.id)).unique().all()


def set_members(session: Session, department: Department, people: Sequence[Person]) -> None:
    department.members.clear()
    session.flush()
    seen: set[int] = set()
    for person in people:
        if person.id not in seen:
            seen.add(person.id)
            department.members.append(DepartmentMember(person_id=person.id, person=person))


def departments_led_or_joined(session: Session, person: Person) -> Sequence[Department]:
    member_of = select(DepartmentMember.department_id).where(DepartmentMember.person_id == person.id)
    query = select(Department).where(
        Department.workspace_id == person.workspace_id,
        (Department.lead_id == person.id) | Department.id.in_(member_of),
    )
    return session.scalars(query.order_by(Department.position)).unique().all()


def digest_for_channel(session: Session, workspace: Workspace, channel_id: str) -> DigestSchedule | None:
    query = select(DigestSchedule).where(
        DigestSchedule.workspace_id == workspace.id, DigestSchedule.channel_id == channel_id
    )
    return session.scalars(query).one_or_none()
