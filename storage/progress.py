"""The rows progress over time is read from: a launch's work, a window's tasks, their events.

Every query is scoped to one workspace (through the launch or the workspace) and works on
SQLite and PostgreSQL. What the rows mean over time is :mod:`handlers.timeline`.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from storage.models import Launch, Task, TaskEvent, TaskStatus, Workspace


def launch_work(session: Session, launch: Launch) -> list[Task]:
    """The launch's items and linked tasks, whatever their status now (a deleted one counted
    until it was deleted)."""
    query = select(Task).where(Task.workspace_id == launch.workspace_id, Task.launch_id == launch.id)
    return list(session.scalars(query.order_by(Task.number)).unique())


def tasks_open_during(session: Session, workspace: Workspace, since: datetime, until: datetime) -> list[Task]:
    """Tasks and items that may have been open at some moment from ``since`` to ``until``:
    created by ``until`` and either open now or changed since ``since`` (a task closed before
    ``since`` and untouched since was closed all along)."""
    query = select(Task).where(
        Task.workspace_id == workspace.id,
        Task.created_at <= until,
        or_(Task.status.in_(TaskStatus.OPEN), Task.updated_at >= since),
    )
    return list(session.scalars(query.order_by(Task.number)).unique())


def events_of(
    session: Session, workspace: Workspace | int, task_ids: Collection[int], *, since: datetime | None = None
) -> list[TaskEvent]:
    """The events of ``task_ids`` (after ``since``, when given), oldest first."""
    if not task_ids:
        return []
    workspace_id = workspace if isinstance(workspace, int) else workspace.id
    query = select(TaskEvent).where(
        TaskEvent.workspace_id == workspace_id,
        TaskEvent.task_id.in_(list(task_ids)),
    )
    if since is not None:
        query = query.where(TaskEvent.at > since)
    return list(session.scalars(query.order_by(TaskEvent.at, TaskEvent.id)).unique())
