"""Weekly report schedules: one per channel or person's DM in a workspace."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from storage.models import ReportSchedule, Workspace


def find(session: Session, workspace: Workspace, target_kind: str, target_id: str) -> ReportSchedule | None:
    query = select(ReportSchedule).where(
        ReportSchedule.workspace_id == workspace.id,
        ReportSchedule.target_kind == target_kind,
        ReportSchedule.target_id == target_id,
    )
    return session.scalars(query).one_or_none()


def of_workspace(session: Session, workspace: Workspace) -> Sequence[ReportSchedule]:
    query = select(ReportSchedule).where(ReportSchedule.workspace_id == workspace.id)
    return session.scalars(query.order_by(ReportSchedule.id)).all()


def remove(session: Session, schedule: ReportSchedule) -> None:
    session.execute(delete(ReportSchedule).where(ReportSchedule.id == schedule.id))


def of_workspaces(session: Session, workspace_ids: Sequence[int]) -> Sequence[ReportSchedule]:
    """Every schedule of these workspaces (a handful each; the caller decides which are due)."""
    if not workspace_ids:
        return []
    query = select(ReportSchedule).where(ReportSchedule.workspace_id.in_(list(workspace_ids)))
    return session.scalars(query.order_by(ReportSchedule.id)).all()


def mark_sent(session: Session, ids: Sequence[int], now: datetime) -> None:
    if ids:
        session.execute(
            update(ReportSchedule).where(ReportSchedule.id.in_(list(ids))).values(last_sent_at=now)
        )
