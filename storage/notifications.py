"""The notification ledger: every message coordbot sends on its own goes out once, and is never lost.

Life of a notification row (``notifications`` table, one row per unique key):

* **claim** — the scheduler inserts the row (``INSERT … ON CONFLICT DO NOTHING``) *before* sending,
  status ``pending`` and ``next_attempt_at`` = now + :data:`LEASE`: a reservation for the inserter.
  Only the process whose insert won goes on to send it.
* **acquire** — just before each send attempt a compare-and-set moves the row to ``sending``
  (``attempts`` + 1, ``next_attempt_at`` = now + :data:`LEASE`). Only one process can win it, so
  two replicas never both send; a process killed mid-send leaves a ``sending`` row that becomes
  retriable when its lease runs out (the one in flight may repeat — nothing else does).
* **outcome** — ``sent``; or ``failed`` with the error and a backoff ``next_attempt_at`` (the
  platform's Retry-After when longer); or ``dead`` for permanent errors and when attempts run
  out; or ``expired`` when its period is over (yesterday's digest is never sent late).
* ``marker`` rows record that a piece of once-only work happened (a day's nudge sweep, a task's
  escalation) without being a message.

The payload is opaque here (the scheduler stores the serialised outbound message); its
``expires_at`` entry (ISO instant), when present, is honoured by :func:`acquire`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import Notification

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
DEAD = "dead"
EXPIRED = "expired"
MARKER = "marker"
RETRYABLE = (PENDING, SENDING, FAILED)

LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=1)
KEY_CHUNK = 500  # keys per IN (...) list


@dataclass(frozen=True)
class NewNotification:
    key: str
    workspace_id: int
    kind: str
    target_kind: str  # "channel" | "user" | "-" for markers
    target_id: str
    payload: dict[str, Any] = field(default_factory=dict)
    expires_at: datetime | None = None


@dataclass(frozen=True)
class Acquired:
    """A notification this process now owns for one send attempt."""

    id: int
    key: str
    workspace_id: int
    kind: str
    target_kind: str
    target_id: str
    payload: dict[str, Any]
    attempt: int


def backoff(attempts: int, retry_after: float | None = None) -> timedelta:
    """Delay before the next attempt after ``attempts`` failed ones: 1, 2, 4 … minutes, capped at 1 h."""
    delay = min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)
    if retry_after is not None and retry_after > 0:
        delay = max(delay, timedelta(seconds=retry_after))
    return delay


def claim(session: Session, new: NewNotification, now: datetime) -> int | None:
    """Record ``new`` before sending it; its id when this call inserted it, None when the key existed."""
    payload = dict(new.payload)
    if new.expires_at is not None:
        payload["expires_at"] = new.expires_at.isoformat()
    values = {
        "key": new.key,
        "workspace_id": new.workspace_id,
        "kind": new.kind,
        "target_kind": new.target_kind,
        "target_id": new.target_id,
        "payload": payload,
        "status": PENDING,
        "attempts": 0,
        "next_attempt_at": now + LEASE,
        "created_at": now,
    }
    return _insert_ignore_returning_id(session, values)


def mark(session: Session, key: str, workspace_id: int, kind: str, now: datetime) -> bool:
    """Record that once-only work ``key`` is done; False when it already was (by anyone)."""
    values = {
        "key": key,
        "workspace_id": workspace_id,
        "kind": kind,
        "target_kind": "-",
        "target_id": "-",
        "payload": {},
        "status": MARKER,
        "attempts": 0,
        "next_attempt_at": None,
        "created_at": now,
        "sent_at": now,
    }
    return _insert_ignore_returning_id(session, values) is not None


def mark_many(session: Session, keys: Sequence[str], workspace_id: int, kind: str, now: datetime) -> None:
    """:func:`mark` for many keys in one statement per 500 (existing ones are left alone)."""
    wanted = sorted(set(keys))
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    if not wanted:
        return
    rows = [
        {
            "key": key,
            "workspace_id": workspace_id,
            "kind": kind,
            "target_kind": "-",
            "target_id": "-",
            "payload": {},
            "status": MARKER,
            "attempts": 0,
            "next_attempt_at": None,
            "created_at": now,
            "sent_at": now,
        }
        for key in wanted
    ]
    # executemany of one small statement (compiled once), not one giant multi-VALUES statement
    session.connection().execute(insert(Notification).on_conflict_do_nothing(), rows)


def existing_keys(session: Session, keys: Iterable[str]) -> set[str]:
    """Which of ``keys`` are already in the ledger (one indexed query per 500 keys)."""
    wanted = sorted(set(keys))
    found: set[str] = set()
    for start in range(0, len(wanted), KEY_CHUNK):
        chunk = wanted[start : start + KEY_CHUNK]
        found.update(session.scalars(select(Notification.key).where(Notification.key.in_(chunk))))
    return found


def acquire(session: Session, notification_id: int, now: datetime, *, own: bool = False) -> Acquired | None:
    """Take ``notification_id`` for one send attempt, or None when another process has it / it is done.

    ``own`` is for the process that just inserted the row: it may send before its reservation
    (``next_attempt_at``) runs out; everyone else waits for it. An expired row is marked
    ``expired`` and not handed out.
    """
    if own:
        taken = _take_own(session, notification_id, now)
        if taken is not None:
            return taken
    row = session.execute(
        select(
            Notification.status,
            Notification.attempts,
            Notification.next_attempt_at,
            Notification.payload,
            Notification.key,
            Notification.workspace_id,
            Notification.kind,
            Notification.target_kind,
            Notification.target_id,
        ).where(Notification.id == notification_id)
    ).one_or_none()
    if row is None or row.status not in RETRYABLE:
        return None
    if not (own and row.status == PENDING) and row.next_attempt_at is not None and row.next_attempt_at > now:
        return None
    guard = (
        (Notification.id == notification_id)
        & (Notification.status == row.status)
        & (Notification.attempts == row.attempts)
    )
    expires = (row.payload or {}).get("expires_at")
    if expires and now >= datetime.fromisoformat(expires):
        session.execute(
            update(Notification)
            .where(guard)
            .values(status=EXPIRED, next_attempt_at=None, last_error="expired")
        )
        return None
    result = session.execute(
        update(Notification)
        .where(guard)
        .values(status=SENDING, attempts=row.attempts + 1, next_attempt_at=now + LEASE)
    )
    if result.rowcount != 1:
        return None
    return Acquired(
        id=notification_id,
        key=row.key,
        workspace_id=row.workspace_id,
        kind=row.kind,
        target_kind=row.target_kind,
        target_id=row.target_id,
        payload=dict(row.payload or {}),
        attempt=row.attempts + 1,
    )


def record_sent(session: Session, notification_id: int, now: datetime) -> None:
    session.connection().execute(_statement("sent", _dialect(session)), {"nid": notification_id, "now": now})


def record_failure(
    session: Session,
    notification_id: int,
    now: datetime,
    error: str,
    *,
    permanent: bool = False,
    retry_after: float | None = None,
) -> str:
    """Record a failed attempt; returns the new status (``failed`` to retry later, or ``dead``)."""
    attempts = session.scalar(select(Notification.attempts).where(Notification.id == notification_id)) or 0
    if permanent or attempts >= MAX_ATTEMPTS:
        values: dict[str, Any] = {"status": DEAD, "next_attempt_at": None}
    else:
        values = {"status": FAILED, "next_attempt_at": now + backoff(attempts, retry_after)}
    values["last_error"] = error[:2000]
    session.execute(update(Notification).where(Notification.id == notification_id).values(**values))
    return str(values["status"])


def due_for_retry(session: Session, now: datetime, limit: int = 200) -> list[int]:
    """Ids of notifications whose next attempt has come (failed, or left behind by a dead process)."""
    return list(
        session.scalars(
            select(Notification.id)
            .where(Notification.status.in_(RETRYABLE), Notification.next_attempt_at <= now)
            .order_by(Notification.next_attempt_at, Notification.id)
            .limit(limit)
        )
    )


def next_attempt_after(session: Session, after: datetime) -> datetime | None:
    """The earliest pending attempt time later than ``after`` (for fast-forwarding a simulated clock)."""
    return session.scalar(
        select(func.min(Notification.next_attempt_at)).where(
            Notification.status.in_(RETRYABLE), Notification.next_attempt_at > after
        )
    )


def get(session: Session, key: str) -> Notification | None:
    return session.scalar(select(Notification).where(Notification.key == key))


def by_keys(session: Session, keys: Sequence[str]) -> list[Notification]:
    return list(session.scalars(select(Notification).where(Notification.key.in_(list(keys)))))


def prune(session: Session, before: datetime) -> int:
    """Forget finished notifications created before ``before`` (their periods are long over)."""
    result = session.execute(
        delete(Notification).where(
            Notification.created_at < before, Notification.status.in_((SENT, DEAD, EXPIRED, MARKER))
        )
    )
    return int(result.rowcount or 0)


_TABLE = Notification.__table__
_STATEMENTS: dict[str, Any] = {}


def _statement(name: str, dialect: str) -> Any:
    """Ledger statements built once per dialect (the tick runs them thousands of times)."""
    key = f"{name}:{dialect}"
    found = _STATEMENTS.get(key)
    if found is None:
        table = _TABLE
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        if name == "claim":
            found = insert(table).on_conflict_do_nothing().returning(table.c.id)
        elif name == "take_own":
            found = (
                update(table)
                .where(
                    table.c.id == bindparam("nid"),
                    table.c.status == PENDING,
                    table.c.attempts == 0,
                )
                .values(status=SENDING, attempts=1, next_attempt_at=bindparam("lease"))
                .returning(
                    table.c.key, table.c.workspace_id, table.c.kind, table.c.target_kind, table.c.target_id,
                    table.c.payload,
                )
            )  # fmt: skip
        elif name == "sent":
            found = (
                update(table)
                .where(table.c.id == bindparam("nid"))
                .values(status=SENT, sent_at=bindparam("now"), next_attempt_at=None)
            )
        else:  # pragma: no cover
            raise KeyError(name)
        _STATEMENTS[key] = found
    return found


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _insert_ignore_returning_id(session: Session, values: dict[str, Any]) -> int | None:
    """``INSERT … ON CONFLICT DO NOTHING RETURNING id``: the new id, or None when the key existed.

    (RETURNING rather than ``rowcount``: with psycopg 3 the rowcount of this statement is -1.)
    """
    statement = _statement("claim", _dialect(session))
    return session.connection().execute(statement, values).scalar_one_or_none()


def _take_own(session: Session, notification_id: int, now: datetime) -> Acquired | None:
    """The inserter's first attempt: one ``UPDATE … RETURNING`` when the row is still fresh and unexpired."""
    statement = _statement("take_own", _dialect(session))
    row = (
        session.connection().execute(statement, {"nid": notification_id, "lease": now + LEASE}).one_or_none()
    )
    if row is None:
        return None
    return Acquired(
        id=notification_id,
        key=row.key,
        workspace_id=row.workspace_id,
        kind=row.kind,
        target_kind=row.target_kind,
        target_id=row.target_id,
        payload=dict(row.payload or {}),
        attempt=1,
    )
