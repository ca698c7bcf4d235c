"""A workspace's own days off and extra working days (``company_days``), and its calendar's parts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.models import CompanyDay, CompanyDayKind


@dataclass(frozen=True)
class CompanyDays:
    """What a calendar needs of a workspace's company days."""

    off: frozenset[date] = frozenset()
    work: frozenset[date] = frozenset()


NO_COMPANY_DAYS = CompanyDays()


def for_workspaces(session: Session, workspace_ids: Iterable[int]) -> dict[int, CompanyDays]:
    """The company days of several workspaces: one query (the table is small: a few rows a year)."""
    wanted = sorted(set(workspace_ids))
    if not wanted:
        return {}
    found: dict[int, tuple[set[date], set[date]]] = defaultdict(lambda: (set(), set()))
    rows = session.execute(
        select(CompanyDay.workspace_id, CompanyDay.day, CompanyDay.kind).where(
            CompanyDay.workspace_id.in_(wanted)
        )
    )
    for workspace_id, day, kind in rows:
        found[workspace_id][0 if kind == CompanyDayKind.OFF else 1].add(day)
    return {ws: CompanyDays(frozenset(off), frozenset(work)) for ws, (off, work) in found.items()}


def listed(session: Session, workspace_id: int, start: date, end: date) -> Sequence[CompanyDay]:
    """Company days in ``[start, end]``, by date."""
    query = (
        select(CompanyDay)
        .where(CompanyDay.workspace_id == workspace_id, CompanyDay.day >= start, CompanyDay.day <= end)
        .order_by(CompanyDay.day)
    )
    return session.scalars(query).all()


def put(session: Session, workspace_id: int, day: date, kind: str, name: str, now: datetime) -> CompanyDay:
    """Make ``day`` a company day of ``kind`` (replacing what that day was before)."""
    existing = session.scalars(
        select(CompanyDay).where(CompanyDay.workspace_id == workspace_id, CompanyDay.day == day)
    ).one_or_none()
    if existing is None:
        existing = CompanyDay(workspace_id=workspace_id, day=day, kind=kind, name=name, created_at=now)
        session.add(existing)
    else:
        existing.kind, existing.name = kind, name
    session.flush()
    return existing


def remove(session: Session, workspace_id: int, day: date) -> bool:
    """Forget the company day ``day``; False when there was none."""
    result = session.execute(
        delete(CompanyDay).where(CompanyDay.workspace_id == workspace_id, CompanyDay.day == day)
    )
    return bool(result.rowcount)
