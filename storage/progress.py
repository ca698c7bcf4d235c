"""The rows progress over time is read from: a launch's work, a window's tasks, their events.

Every query is scoped to one workspace (through the launch or the workspace) and works on
SQLite and PostgreSQL. What the rows mean over time is :mod:`handlers.timeline`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, lazyload

from storage.models import Launch, Task, TaskEvent, TaskStatus, Workspace

# Progress never names a task's creator: it is not joined into every row.
_NO_CREATOR = lazyload(Task.creator)


def launch_work(session: Session, launch: Launch) -> list[Task]:
    """The launch's items and linked tasks, whatever their status now (a deleted one counted
    until it was deleted)."""
    return launches_work(session, [launch])


def launches_work(session: Session, launches: Sequence[Launch]) -> list[Task]:
    """:func:`launch_work` of several launches of one workspace, in one query."""
    if not launches:
        return []
    query = select(Task).where(
        Task.workspace_id == launches[0].workspace_id, Task.launch_id.in_([launch.id for launch in launches])
    )
    # Their launch is one the caller holds: the session's identity map gives it without SQL.
    rows = query.order_by(Task.number).options(_NO_CREATOR, lazyload(Task.launch))
    return list(session.scalars(rows).unique())


def tasks_open_during(session: Session, workspace: Workspace, since: datetime, until: datetime) -> list[Task]:
    """Tasks and items that may have been open at some moment from ``since`` to ``until``:
    created by ``until`` and either open now or changed since ``since`` (a task closed before
    ``since`` and untouched since was closed all along)."""
    query = select(Task).where(
        Task.workspace_id == workspace.id,
        Task.created_at <= until,
        or_(Task.status.in_(TaskStatus.OPEN), Task.updated_at >= since),
    )
    return list(session.scalars(query.order_by(Task.number).options(_NO_CREATOR)).unique())


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
    query = query.options(lazyload(TaskEvent.actor))  # the timelines never name who made a change
    return list(session.scalars(query.order_by(TaskEvent.at, TaskEvent.id)).unique())
