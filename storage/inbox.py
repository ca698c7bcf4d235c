"""The inbox: platform events accepted before answering, run afterwards, exactly once.

An adapter that must answer its platform quickly writes the event here (one small insert),
answers, and runs the command afterwards. ``accept`` doubles as the redelivery check: the key is
the platform's own id, so a redelivered event is not accepted twice. ``complete`` runs inside
the command's transaction and is what makes the command run once: if another worker completed
the key first, it returns False and the caller rolls its work back. Rows whose lease has run
out while still pending (the process died, the database was away) are handed out again by
``take_stale``, to whichever replica asks first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from storage.events import insert_ignore
from storage.models import InboxEvent

LEASE = timedelta(seconds=60)  # how long a worker owns an accepted event before others retry it
MAX_ATTEMPTS = 5  # runs of one event before it is given up (logged, kept with its payload)


@dataclass(frozen=True)
class Pending:
    key: str
    payload: str
    attempts: int


def accept(session: Session, platform: str, key: str, payload: str, now: datetime) -> bool:
    """Record an incoming event as pending; False when the key was accepted before (a redelivery)."""
    values = {
        "platform": platform,
        "key": key[:160],
        "payload": payload,
        "received_at": now,
        "lease_until": now + LEASE,
        "attempts": 1,
        "done_at": None,
    }
    return insert_ignore(session, InboxEvent, values)


def complete(session: Session, platform: str, key: str, now: datetime) -> bool:
    """Mark the event done in the caller's transaction; False when it already was."""
    statement = (
        update(InboxEvent)
        .where(InboxEvent.platform == platform, InboxEvent.key == key[:160], InboxEvent.done_at.is_(None))
        .values(done_at=now)
    )
    return session.execute(statement).rowcount == 1


def take_stale(session: Session, platform: str, now: datetime, *, limit: int = 50) -> list[Pending]:
    """Lease pending events whose lease ran out to the caller (each to one caller only)."""
    rows = session.execute(
        select(InboxEvent.key, InboxEvent.payload, InboxEvent.attempts, InboxEvent.lease_until)
        .where(InboxEvent.platform == platform, InboxEvent.done_at.is_(None), InboxEvent.lease_until < now)
        .order_by(InboxEvent.lease_until)
        .limit(limit)
    ).all()
    taken: list[Pending] = []
    for key, payload, attempts, lease_until in rows:
        # Conditional on the lease we read: another replica taking it first changes no row here.
        claimed = session.execute(
            update(InboxEvent)
            .where(
                InboxEvent.platform == platform,
                InboxEvent.key == key,
                InboxEvent.done_at.is_(None),
                InboxEvent.lease_until == lease_until,
            )
            .values(lease_until=now + LEASE, attempts=attempts + 1)
        ).rowcount
        if claimed == 1:
            taken.append(Pending(key, payload, attempts + 1))
    return taken


def give_up(session: Session, platform: str, key: str, now: datetime) -> None:
    """Stop retrying an event (it kept failing); the row and its payload stay for the operator."""
    session.execute(
        update(InboxEvent)
        .where(InboxEvent.platform == platform, InboxEvent.key == key, InboxEvent.done_at.is_(None))
        .values(done_at=now)
    )


def forget_done_before(session: Session, cutoff: datetime) -> int:
    """Drop finished events received before ``cutoff`` (platforms stop redelivering within hours)."""
    statement = delete(InboxEvent).where(InboxEvent.done_at.is_not(None), InboxEvent.received_at < cutoff)
    return int(session.execute(statement).rowcount or 0)
