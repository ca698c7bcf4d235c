"""What a person's calendar feed reads: the workspace's launches, the person's open dated work,
and the dated launch items of the departments they lead or belong to. Every query is scoped to
the person's workspace."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from storage.models import (
    Department,
    DepartmentMember,
    Launch,
    LaunchStatus,
    Person,
    Task,
    TaskKind,
    TaskStatus,
)


def launches_since(session: Session, workspace_id: int, since: date) -> list[Launch]:
    query = (
        select(Launch)
        .where(Launch.workspace_id == workspace_id, Launch.launch_date >= since)
        .order_by(Launch.launch_date, Launch.id)
    )
    return list(session.scalars(query).unique())


def dated_work_of(session: Session, person: Person) -> list[Task]:
    """The person's open tasks and items that have a due date."""
    query = (
        select(Task)
        .where(
            Task.workspace_id == person.workspace_id,
            Task.assignee_id == person.id,
            Task.status.in_(TaskStatus.OPEN),
            Task.due_date.is_not(None),
        )
        .order_by(Task.due_date, Task.number)
    )
    return list(session.scalars(query).unique())


def department_milestones(session: Session, person: Person, since: date) -> list[Task]:
    """Dated items, open or done, of launches still on (not cancelled), in departments ``person``
    leads or belongs to, due ``since`` or later."""
    theirs = select(DepartmentMember.department_id).where(DepartmentMember.person_id == person.id)
    departments = select(Department.id).where(
        Department.workspace_id == person.workspace_id,
        or_(Department.lead_id == person.id, Department.id.in_(theirs)),
    )
    query = (
        select(Task)
        .join(Launch, Launch.id == Task.launch_id)
        .where(
            Task.workspace_id == person.workspace_id,
            Task.kind == TaskKind.ITEM,
            Task.department_id.in_(departments),
            Task.status.in_((*TaskStatus.OPEN, TaskStatus.DONE)),
            Task.due_date >= since,
            Launch.status != LaunchStatus.CANCELLED,
        )
        .order_by(Task.due_date, Task.number)
    )
    return list(session.scalars(query).unique())
