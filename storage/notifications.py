"""The notification ledger: every message coordbot sends on its own goes out once, and is never lost.

Life of a notification row (``notifications`` table, one row per unique key):

* **claim** — the scheduler inserts the row (``INSERT … ON CONFLICT DO NOTHING``) *before* sending,
  status ``pending`` and ``next_attempt_at`` = now + :data:`LEASE`: a reservation for the inserter.
  Only the process whose insert won goes on to send it.
* **acquire** — before its send attempt a compare-and-set moves the row to ``sending``
  (``attempts`` + 1, ``next_attempt_at`` = the lease's end). Only one process can win it, so
  two replicas never both send; a process killed mid-send leaves ``sending`` rows that become
  retriable when their lease runs out. :func:`acquire_many` does this for a small batch in one
  statement (rows another process holds are skipped, never waited for).
* **outcome** — ``sent``; or ``failed`` with the error and a backoff ``next_attempt_at`` (the
  platform's Retry-After when longer); or ``dead`` for permanent errors and when attempts run
  out; or ``expired`` when its period is over (yesterday's digest is never sent late).
  :class:`OutcomeLog` records a successful send right after it, one short statement on a held
  connection, so the only send a kill can leave unrecorded is the one in flight.
* ``marker`` rows record that a piece of once-only work happened (a day's nudge sweep, a task's
  escalation) without being a message.

The payload is opaque here (the scheduler stores the serialised outbound message); its
``expires_at`` entry (ISO instant), when present, is honoured by :func:`acquire_many`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    Engine,
    Integer,
    String,
    and_,
    bindparam,
    delete,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.db import insert_if_absent
from storage.models import Notification, Workspace
from storage.types import UTCDateTime

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
TICK_SLACK = timedelta(seconds=5)  # a retry is due this much before its step ends (next_attempt_at)
KEY_CHUNK = 500  # keys per IN (...) list
MARK_CHUNK = 5000  # keys per array parameter
WRITER_WAIT = 10.0  # seconds an outcome record queues for the process's SQLite writer lock


@dataclass(frozen=True)
class NewNotification:
    key: str
    workspace_id: int
    kind: str
    target_kind: str  # "channel" | "user" | "-" for markers
    target_id: str
    payload: dict[str, Any] = field(default_factory=dict)
    expires_at: datetime | None = None
    not_before: datetime | None = None  # held until then (a DM waiting for working hours)


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
    created_at: datetime | None = None


def backoff(attempts: int) -> timedelta:
    """Delay before the next attempt after ``attempts`` failed ones: 1, 2, 4 … minutes, capped at 1 h."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


def next_attempt_at(now: datetime, attempts: int, retry_after: float | None = None) -> datetime:
    """When a failed notification comes due: :func:`backoff` later, on the tick meant for it.

    A step of the backoff is a whole number of tick periods; the failure is recorded a moment
    after its tick's instant and the next tick's instant jitters, so the step is shortened by
    :data:`TICK_SLACK` (never below the platform's ``Retry-After``) lest it slip a tick.
    """
    at = now + backoff(attempts) - TICK_SLACK
    if retry_after is not None and retry_after > 0:
        at = max(at, now + timedelta(seconds=retry_after))
    return at


def claim(session: Session, new: NewNotification, now: datetime) -> int | None:
    """Record ``new`` before sending it; its id when this call inserted it, None when the key existed."""
    return claim_many(session, [new], now).get(new.key)


def claim_many(session: Session, news: Sequence[NewNotification], now: datetime) -> dict[str, int]:
    """:func:`claim` for many: ``{key: id}`` of those this call inserted (one statement per 500 rows).

    ``INSERT … ON CONFLICT DO NOTHING RETURNING id, key`` as one multi-row statement: a key that
    already existed (claimed by anyone, ever) returns nothing, so only the inserter sends it.
    """
    rows = []
    for new in news:
        payload = dict(new.payload)
        if new.expires_at is not None:
            payload["expires_at"] = new.expires_at.isoformat()
        rows.append(
            {
                "key": new.key,
                "workspace_id": new.workspace_id,
                "kind": new.kind,
                "target_kind": new.target_kind,
                "target_id": new.target_id,
                "payload": payload,
                "status": PENDING,
                "attempts": 0,
                "next_attempt_at": max(now + LEASE, new.not_before) if new.not_before else now + LEASE,
                "created_at": now,
            }
        )
    return _insert_ignore(session, rows)


def mark(session: Session, key: str, workspace_id: int, kind: str, now: datetime) -> bool:
    """Record that once-only work ``key`` is done; False when it already was (by anyone)."""
    return bool(_insert_ignore(session, [_marker(key, workspace_id, kind, now)]))


def mark_many(session: Session, keys: Sequence[str], workspace_id: int, kind: str, now: datetime) -> set[str]:
    """:func:`mark` for many keys; the ones this call recorded (those already there are left alone).

    One ``INSERT … SELECT … FROM unnest(:keys)`` (PostgreSQL) / ``json_each(:keys)`` (SQLite)
    ``ON CONFLICT DO NOTHING RETURNING key`` per 5,000 keys: the keys travel as one array
    parameter, so a first sweep's tens of thousands of escalation markers are a few statements,
    and checking which were new needs no query of its own.
    """
    wanted = sorted(set(keys))
    inserted: set[str] = set()
    if not wanted:
        return inserted
    statement = _statement("mark_many", _dialect(session))
    connection = session.connection()
    params: dict[str, Any] = {"workspace_id": workspace_id, "kind": kind, "payload": {}, "now": now}
    for start in range(0, len(wanted), MARK_CHUNK):
        params["keys"] = wanted[start : start + MARK_CHUNK]
        inserted.update(connection.execute(statement, params).scalars())
    return inserted


def _marker(key: str, workspace_id: int, kind: str, now: datetime) -> dict[str, Any]:
    return {
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


def cancel(session: Session, key: str) -> bool:
    """Withdraw the notification ``key`` while it still waits unsent (its not-before time to come);
    True when it did."""
    table = _TABLE
    result = session.connection().execute(
        update(table)
        .where(table.c.key == key, table.c.status == PENDING, table.c.attempts == 0)
        .values(status=EXPIRED, next_attempt_at=None, last_error="cancelled")
    )
    return bool(result.rowcount)


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

    See :func:`acquire_many`.
    """
    got = acquire_many(session, [notification_id], now, own=own)
    return got[0] if got else None


def acquire_many(
    session: Session,
    ids: Sequence[int],
    now: datetime,
    *,
    own: bool = False,
    lease_until: datetime | None = None,
    payloads: bool = True,
) -> list[Acquired]:
    """Take the notifications ``ids`` for one send attempt each; those won, in the order given.

    A compare-and-set in one ``UPDATE … RETURNING`` (at most two): ``status`` → ``sending``,
    ``attempts`` + 1, ``next_attempt_at`` → ``lease_until`` (default now + :data:`LEASE`). A row
    is won when its next attempt has come (failed earlier, or left behind by a process whose
    lease ran out) — or, with ``own``, when it is still the fresh ``pending`` row this process
    inserted (the inserter need not wait for its own reservation). Rows another process is
    taking at the same moment are skipped (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite
    serialises writers), never waited for. An expired row is marked ``expired`` and not handed
    out. ``payloads=False`` leaves the payload out (the inserter still has the message).
    """
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    dialect = _dialect(session)
    connection = session.connection()
    params = {"ids": wanted, "now": now, "lease": lease_until or now + LEASE}
    rows: list[tuple[Any, dict[str, Any]]] = []
    if own:
        for row in connection.execute(_statement(f"take_own:{payloads}", dialect), params):
            rows.append((row, dict(row.payload or {}) if payloads else {}))
        taken = {row.id for row, _payload in rows}
        params["ids"] = [nid for nid in wanted if nid not in taken]
    if params["ids"]:
        rows.extend(
            (row, dict(row.payload or {}))
            for row in connection.execute(_statement("take_due", dialect), params)
        )
    acquired: dict[int, Acquired] = {}
    expired = []
    for row, payload in rows:
        expires = payload.get("expires_at")
        if expires and now >= datetime.fromisoformat(expires):
            expired.append(row.id)
            continue
        acquired[row.id] = Acquired(
            id=row.id,
            key=row.key,
            workspace_id=row.workspace_id,
            kind=row.kind,
            target_kind=row.target_kind,
            target_id=row.target_id,
            payload=payload,
            attempt=row.attempts,
            created_at=row.created_at,
        )
    if expired:  # taken above, so ours: give back the attempt and close them
        connection.execute(_statement("expire", dialect), {"ids": expired})
    return [acquired[nid] for nid in wanted if nid in acquired]


def renew(session: Session, ids: Sequence[int], lease_until: datetime, new_lease_until: datetime) -> set[int]:
    """Extend this process's lease on ``ids`` (taken with ``lease_until``); the ids still held.

    The old lease's end is the token: a row another process took after that lease ran out
    has a later one, and is not renewed (nor sent by us).
    """
    if not ids:
        return set()
    statement = _statement("renew", _dialect(session))
    params = {"ids": list(ids), "old": lease_until, "new": new_lease_until}
    return {row.id for row in session.connection().execute(statement, params)}


def record_sent(session: Session, notification_id: int, now: datetime) -> None:
    session.connection().execute(_statement("sent", _dialect(session)), {"nid": notification_id, "now": now})


class OutcomeLog:
    """Records each successful send right after it: one short statement on one held connection.

    The scheduler reserves a batch of notifications in one transaction, then for each: sends it,
    and records it here at once. Recording per message is what keeps a kill from repeating
    more than the one message in flight; doing it with a prepared statement on a connection
    held for the batch keeps it a fraction of the cost of a session and transaction per message:

    * SQLite: ``BEGIN IMMEDIATE; UPDATE; COMMIT`` — in WAL mode with ``synchronous=NORMAL`` a
      commit is not fsynced, only written to the WAL file. With ``writer`` (the process's SQLite
      writer lock, see :class:`storage.db.Database`) each record queues for the writer with the
      process's other transactions instead of in SQLite's busy handler.
    * PostgreSQL: one autocommitted ``UPDATE`` (one round trip) with ``synchronous_commit`` off
      for this connection: the commit is in the server's WAL buffers when the call returns, so a
      killed *bot* loses none of them; only a crash of the *database server* within a fraction of
      a second could forget a few, and those messages would be sent again after their lease —
      repeated, never lost. It is the durability SQLite gets here, and it saves a WAL flush
      (milliseconds on a busy disk) per message. Reservations and claims keep full durability.

    Use as a context manager; :meth:`sent` may be called from several threads (one statement at a
    time goes to the connection).
    """

    def __init__(self, engine: Engine, writer: Any = None) -> None:
        self._lock = threading.Lock()
        self._engine = engine
        self._dialect = engine.dialect.name
        self._writer = writer if self._dialect == "sqlite" else None
        self._connection: Connection | None = None

    def __enter__(self) -> OutcomeLog:
        connection = self._engine.connect()
        if self._dialect == "postgresql":
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            connection.exec_driver_sql("SET synchronous_commit TO off")
        self._connection = connection
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            if self._dialect == "postgresql":
                connection.exec_driver_sql("RESET synchronous_commit")  # before it goes back to the pool
        except Exception:
            connection.invalidate()  # never hand the setting on to another user of the pool
        finally:
            connection.close()

    def sent(self, notification_id: int, now: datetime) -> None:
        connection = self._connection
        assert connection is not None, "use OutcomeLog as a context manager"
        params = {"nid": notification_id, "now": now}
        if self._dialect == "postgresql":
            with self._lock:
                connection.execute(_statement("sent", self._dialect), params)  # autocommitted
            return
        writer = self._writer
        # Bounded like the Database's own wait: past it, let SQLite's busy handler take over.
        with self._lock:
            queued = writer is not None and writer.acquire(timeout=WRITER_WAIT)
            try:
                connection.execute(_statement("sent", self._dialect), params)
                connection.commit()
            finally:
                if queued:
                    writer.release()


def record_failure(
    session: Session,
    notification_id: int,
    now: datetime,
    error: str,
    *,
    permanent: bool = False,
    retry_after: float | None = None,
    max_attempts: int | None = MAX_ATTEMPTS,
) -> str:
    """Record a failed attempt; returns the new status (``failed`` to retry later, or ``dead``).

    ``max_attempts=None``: transient failures never use the notification up; it is retried (at
    most hourly) until it expires.
    """
    attempts = session.scalar(select(Notification.attempts).where(Notification.id == notification_id)) or 0
    if permanent or (max_attempts is not None and attempts >= max_attempts):
        values: dict[str, Any] = {"status": DEAD, "next_attempt_at": None}
    else:
        values = {"status": FAILED, "next_attempt_at": next_attempt_at(now, attempts, retry_after)}
    values["last_error"] = error[:2000]
    session.execute(update(Notification).where(Notification.id == notification_id).values(**values))
    return str(values["status"])


@dataclass(frozen=True)
class Due:
    """A notification whose next attempt has come, and the workspace it is sent in."""

    id: int
    platform: str
    workspace_external_id: str


def due_for_retry(
    session: Session, now: datetime, limit: int = 200, *, within: Sequence[str] | None = None
) -> list[Due]:
    """Notifications whose next attempt has come (failed, handed back, or left behind by a dead process).

    ``within``: only those sent in these rate-limit scopes (``slack:T123``; ``feishu:app`` is
    every Feishu workspace; see :meth:`bot.ratelimit.RateLimiter.scope_of`).
    """
    query = (
        select(Notification.id, Workspace.platform, Workspace.external_id)
        .join(Workspace, Workspace.id == Notification.workspace_id)
        .where(Notification.status.in_(RETRYABLE), Notification.next_attempt_at <= now)
    )
    if within is not None:
        if not within:
            return []
        query = query.where(_in_scopes(within))
    query = query.order_by(Notification.next_attempt_at, Notification.id).limit(limit)
    return [Due(row.id, row.platform, row.external_id) for row in session.execute(query)]


def _in_scopes(scopes: Sequence[str]) -> Any:
    """Workspaces in any of ``scopes`` (``platform:external_id``, or ``platform:app`` for all of one)."""
    whole: set[str] = set()
    by_platform: dict[str, list[str]] = {}
    for scope in scopes:
        platform, part = scope.split(":", 1)
        if part == "app":
            whole.add(platform)
        else:
            by_platform.setdefault(platform, []).append(part)
    conditions = [Workspace.platform.in_(sorted(whole))] if whole else []
    for platform, ids in sorted(by_platform.items()):
        if platform not in whole:
            conditions.append(and_(Workspace.platform == platform, Workspace.external_id.in_(ids)))
    return or_(*conditions)


def hand_back(session: Session, ids: Sequence[int], now: datetime) -> None:
    """Give fresh claims of this process up to whoever sends in their scope: due at ``now``.

    (A process that cannot lease a scope does this; see :mod:`storage.send_leases`.)
    """
    if ids:
        session.execute(
            update(Notification)
            .where(Notification.id.in_(list(ids)), Notification.status == PENDING, Notification.attempts == 0)
            .values(next_attempt_at=now)
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
        found = _STATEMENTS[key] = _build(name, dialect)
    return found


def _build(name: str, dialect: str) -> Any:
    table = _TABLE
    c = table.c
    ids = bindparam("ids", expanding=True)
    described = (c.id, c.key, c.workspace_id, c.kind, c.target_kind, c.target_id, c.attempts, c.created_at)

    def locked(*conditions: Any) -> Any:
        """The ids among ``ids`` meeting ``conditions``, locked in id order; rows others hold are skipped.

        (The UPDATEs repeat ``id IN ids`` outside this subquery too, so that PostgreSQL looks the
        rows up by primary key whatever its statistics say.)
        """
        return (
            select(c.id)
            .where(c.id.in_(ids), *conditions)
            .order_by(c.id)
            .with_for_update(skip_locked=True)  # PostgreSQL; SQLite has one writer at a time anyway
        )

    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    if name == "mark_many":
        if dialect == "postgresql":
            keys = func.unnest(bindparam("keys", type_=ARRAY(String))).table_valued("value")
            keys = keys.render_derived(name="new_keys")
        else:
            keys = func.json_each(bindparam("keys", type_=JSON)).table_valued("value").alias("new_keys")
        rows = select(
            keys.c.value,
            bindparam("workspace_id", type_=Integer),
            bindparam("kind", type_=String),
            literal("-"),
            literal("-"),
            bindparam("payload", type_=JSON),
            literal(MARKER),
            literal(0),
            bindparam("now", type_=UTCDateTime()),
            bindparam("now", type_=UTCDateTime()),
        ).where(literal(True))  # SQLite needs a WHERE before ON CONFLICT after INSERT … SELECT
        columns = ["key", "workspace_id", "kind", "target_kind", "target_id", "payload", "status"]
        columns += ["attempts", "created_at", "sent_at"]
        return insert(table).from_select(columns, rows).on_conflict_do_nothing().returning(c.key)
    if name.startswith("take_own:"):
        fresh = (c.status == PENDING, c.attempts == 0)
        with_payload = name.endswith("True")
        return (
            update(table)
            .where(c.id.in_(ids), c.id.in_(locked(*fresh)), *fresh)
            .values(status=SENDING, attempts=1, next_attempt_at=bindparam("lease"))
            .returning(*described, *((c.payload,) if with_payload else ()))
        )
    if name == "take_due":
        due = (c.status.in_(RETRYABLE), c.next_attempt_at <= bindparam("now"))
        return (
            update(table)
            .where(c.id.in_(ids), c.id.in_(locked(*due)), *due)
            .values(status=SENDING, attempts=c.attempts + 1, next_attempt_at=bindparam("lease"))
            .returning(*described, c.payload)
        )
    if name == "expire":
        return (
            update(table)
            .where(c.id.in_(ids), c.status == SENDING)
            .values(status=EXPIRED, attempts=c.attempts - 1, next_attempt_at=None, last_error="expired")
        )
    if name == "renew":
        return (
            update(table)
            .where(c.id.in_(ids), c.status == SENDING, c.next_attempt_at == bindparam("old"))
            .values(next_attempt_at=bindparam("new"))
            .returning(c.id)
        )
    if name == "sent":
        return (
            update(table)
            .where(c.id == bindparam("nid"))
            .values(status=SENT, sent_at=bindparam("now"), next_attempt_at=None)
        )
    raise KeyError(name)  # pragma: no cover


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _insert_ignore(session: Session, rows: list[dict[str, Any]]) -> dict[str, int]:
    """``{key: id}`` of the rows inserted (:func:`storage.db.insert_if_absent`, 500 rows a statement)."""
    inserted: dict[str, int] = {}
    for start in range(0, len(rows), KEY_CHUNK):
        chunk = rows[start : start + KEY_CHUNK]
        for nid, key in insert_if_absent(session, _TABLE, chunk, [_TABLE.c.id, _TABLE.c.key]):
            inserted[key] = nid
    return inserted
