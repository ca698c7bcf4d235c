"""What an export reads: a workspace's tasks and items (all of them, or one launch's) with their
history. Two queries whatever the size, both scoped to the workspace."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from storage.models import Launch, Task, TaskEvent, Workspace


def tasks_for_export(session: Session, workspace: Workspace, launch: Launch | None = None) -> list[Task]:
    """Every task and item of ``workspace`` (of ``launch`` only, when given), by number."""
    query = (
        select(Task)
        .where(Task.workspace_id == workspace.id)
        .order_by(Task.number)
        .options(joinedload(Task.done_by))
    )
    if launch is not None:
        query = query.where(Task.launch_id == launch.id)
    return list(session.scalars(query).unique())


def history_of(session: Session, workspace: Workspace, tasks: Sequence[Task]) -> dict[int, list[TaskEvent]]:
    """Each task's events, oldest first (task id -> events)."""
    if not tasks:
        return {}
    query = (
        select(TaskEvent).where(TaskEvent.workspace_id == workspace.id).order_by(TaskEvent.at, TaskEvent.id)
    )
    if len(tasks) < 500:  # one launch's: name them; the whole workspace's: read them all
        query = query.where(TaskEvent.task_id.in_([t.id for t in tasks]))
    wanted = {t.id for t in tasks}
    events: dict[int, list[TaskEvent]] = {task_id: [] for task_id in wanted}
    for event in session.scalars(query).unique():
        if event.task_id in wanted:
            events[event.task_id].append(event)
    return events
