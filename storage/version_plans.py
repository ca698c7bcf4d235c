"""What a version plan reads: a launch's tasks and items in every state, and the history events
that moved tasks between launches (kind :data:`LAUNCH_CHANGE`, ``{"launch": [from, to]}`` with
launch names, as ``created`` records a task's first launch). Every query is scoped to the
launch's workspace.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Department, Launch, Task, TaskEvent, TaskKind, TaskStatus

LAUNCH_CHANGE = "launch"  # the task event of a task put in another launch (or in none)
CUT_STATUSES = (TaskStatus.DELETED, TaskStatus.CANCELLED)


def tasks_of(session: Session, launch: Launch) -> list[Task]:
    """Every task and item of ``launch``, whatever its status, in plan order: by department,
    items before tasks, items by their place in the plan, tasks by number."""
    query = (
        select(Task)
        .join(Department, Task.department_id == Department.id)
        .where(Task.workspace_id == launch.workspace_id, Task.launch_id == launch.id)
        .order_by(
            Department.position,
            Department.id,
            Task.kind != TaskKind.ITEM,
            Task.item_position,
            Task.number,
        )
    )
    return list(session.scalars(query).unique())


def launch_changes(session: Session, workspace_id: int) -> Sequence[TaskEvent]:
    """The workspace's moves of tasks between launches, oldest first."""
    query = (
        select(TaskEvent)
        .where(TaskEvent.workspace_id == workspace_id, TaskEvent.kind == LAUNCH_CHANGE)
        .order_by(TaskEvent.at, TaskEvent.id)
    )
    return session.scalars(query).unique().all()


def last_events(session: Session, tasks: Sequence[Task], kinds: Sequence[str]) -> dict[int, TaskEvent]:
    """Each task's latest event of one of ``kinds`` (task id -> event)."""
    if not tasks:
        return {}
    query = (
        select(TaskEvent)
        .where(
            TaskEvent.workspace_id == tasks[0].workspace_id,
            TaskEvent.task_id.in_([t.id for t in tasks]),
            TaskEvent.kind.in_(kinds),
        )
        .order_by(TaskEvent.at, TaskEvent.id)
    )
    return {event.task_id: event for event in session.scalars(query).unique()}


def tasks_by_id(session: Session, workspace_id: int, ids: Sequence[int]) -> dict[int, Task]:
    if not ids:
        return {}
    query = select(Task).where(Task.workspace_id == workspace_id, Task.id.in_(ids))
    return {task.id: task for task in session.scalars(query).unique()}
