"""Launch feedback in storage: items (``F12``), their +1s and history, and the launch summary.

Every query is scoped to one workspace (or one launch of it) and works on SQLite and PostgreSQL.
:func:`launch_feedback` is the read other features use (the retro, the board's launch page, the
follow-ups): a launch's items with their triage state, votes and counts, nothing to render.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from storage.db import insert_if_absent
from storage.models import (
    Feedback,
    FeedbackEvent,
    FeedbackStatus,
    FeedbackVote,
    Launch,
    Person,
    Task,
    Workspace,
)


@dataclass(frozen=True)
class FeedbackEntry:
    """One item as a summary shows it: ``votes`` counts the +1s (the author's log is not one)."""

    number: int
    kind: str | None
    text: str
    status: str
    votes: int
    department: str | None  # the department key it is counted under (None: no department)
    task_number: int | None
    author: str | None
    created_at: datetime
    carried_from: str | None = None  # the launch it was logged on, when carried into this one


@dataclass(frozen=True)
class LaunchFeedback:
    """A launch's feedback: its items (newest first) and their counts."""

    entries: tuple[FeedbackEntry, ...] = ()
    by_status: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, int] = field(default_factory=dict)  # "" for items of no kind
    by_department: dict[str, int] = field(default_factory=dict)  # "" for items of no department

    @property
    def total(self) -> int:
        return len(self.entries)

    @property
    def open(self) -> int:
        return sum(self.by_status.get(s, 0) for s in FeedbackStatus.OPEN)

    @property
    def untriaged(self) -> int:
        return self.by_status.get(FeedbackStatus.NEW, 0)


def next_number(session: Session, workspace: Workspace) -> int:
    """The workspace's next F-number; the row lock keeps concurrent loggers apart."""
    return int(session.connection().execute(_NEXT, {"workspace_id": workspace.id}).scalar_one())


_NEXT = (
    update(Workspace.__table__)
    .where(Workspace.__table__.c.id == bindparam("workspace_id"))
    .values(feedback_seq=Workspace.__table__.c.feedback_seq + 1)
    .returning(Workspace.__table__.c.feedback_seq)
)


def find(session: Session, workspace: Workspace, number: int, *, for_update: bool = False) -> Feedback | None:
    where = (Feedback.workspace_id == workspace.id, Feedback.number == number)
    if for_update and session.get_bind().dialect.name == "postgresql":
        session.execute(select(Feedback.id).where(*where).with_for_update())
    query = select(Feedback).where(*where)
    if for_update:
        query = query.execution_options(populate_existing=True)
    return session.scalars(query).unique().one_or_none()


def of_launch(session: Session, launch: Launch, statuses: Sequence[str] | None = None) -> list[Feedback]:
    """Feedback logged on ``launch`` or carried into it, newest first."""
    query = select(Feedback).where(
        Feedback.workspace_id == launch.workspace_id,
        or_(
            (Feedback.launch_id == launch.id) & Feedback.carried_to_id.is_(None),
            Feedback.carried_to_id == launch.id,
        ),
    )
    if statuses is not None:
        query = query.where(Feedback.status.in_(list(statuses)))
    return list(session.scalars(query.order_by(Feedback.number.desc())).unique())


def linked_to(session: Session, task: Task) -> list[Feedback]:
    """The feedback items a task was made from."""
    query = select(Feedback).where(Feedback.workspace_id == task.workspace_id, Feedback.task_id == task.id)
    return list(session.scalars(query).unique())


def add_vote(session: Session, item: Feedback, person: Person, at: datetime) -> bool:
    """A +1 from ``person``; False when they had given one already."""
    table = FeedbackVote.__table__
    row = {"feedback_id": item.id, "person_id": person.id, "at": at}
    return bool(insert_if_absent(session, table, [row], (table.c.id,)))


def vote_counts(session: Session, ids: Sequence[int]) -> dict[int, int]:
    if not ids:
        return {}
    query = (
        select(FeedbackVote.feedback_id, func.count())
        .where(FeedbackVote.feedback_id.in_(list(ids)))
        .group_by(FeedbackVote.feedback_id)
    )
    return {fid: int(n) for fid, n in session.execute(query)}


def voters(session: Session, item: Feedback) -> list[Person]:
    query = (
        select(Person)
        .join(FeedbackVote, FeedbackVote.person_id == Person.id)
        .where(FeedbackVote.feedback_id == item.id, Person.workspace_id == item.workspace_id)
        .order_by(FeedbackVote.id)
    )
    return list(session.scalars(query))


def record_event(
    session: Session, item: Feedback, actor: Person | None, at: datetime, kind: str, changes: dict[str, Any]
) -> None:
    if item.id is None:
        session.flush()
    session.add(
        FeedbackEvent(
            workspace_id=item.workspace_id,
            feedback_id=item.id,
            actor_id=actor.id if actor else None,
            at=at,
            kind=kind,
            changes=changes,
        )
    )


def history(session: Session, item: Feedback) -> list[FeedbackEvent]:
    query = select(FeedbackEvent).where(FeedbackEvent.feedback_id == item.id).order_by(FeedbackEvent.id)
    return list(session.scalars(query).unique())


def summarise(session: Session, launch: Launch, items: Sequence[Feedback]) -> LaunchFeedback:
    votes = vote_counts(session, [i.id for i in items])
    entries = tuple(
        FeedbackEntry(
            number=i.number,
            kind=i.kind,
            text=i.text,
            status=i.status,
            votes=votes.get(i.id, 0),
            department=i.department.key if i.department is not None else None,
            task_number=i.task.number if i.task is not None else None,
            author=i.author.display if i.author is not None else None,
            created_at=i.created_at,
            carried_from=i.launch.name if i.launch_id != launch.id else None,
        )
        for i in items
    )
    return LaunchFeedback(
        entries,
        dict(Counter(e.status for e in entries)),
        dict(Counter(e.kind or "" for e in entries)),
        dict(Counter(e.department or "" for e in entries)),
    )


def launch_feedback(session: Session, launch: Launch) -> LaunchFeedback:
    """The feedback of ``launch`` (logged on it, or carried into it) with triage states and counts."""
    return summarise(session, launch, of_launch(session, launch))
