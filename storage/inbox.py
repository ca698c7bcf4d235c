"""The inbox: platform events accepted before answering, run afterwards, exactly once.

An adapter that must answer its platform quickly writes the event here (one small insert),
answers, and runs the command afterwards. ``accept`` doubles as the redelivery check: the key is
the platform's own id, so a redelivered event is not accepted twice. ``settle`` runs inside
the command's transaction and is what makes the command run once: if another worker settled
the key first, it returns False and the caller rolls its work back (and if the accept never
landed, it records the key as done, so work run unsaved is guarded too). Rows whose lease has run
out while still pending (the process died, the database was away) are handed out again by
``take_stale``, to whichever replica asks first. :class:`AcceptQueue` writes the accepts of
concurrent callers together, in one statement (a group commit).
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from storage.db import Database, insert_if_absent
from storage.models import InboxEvent

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)  # how long a worker owns an accepted event before others retry it
MAX_ATTEMPTS = 5  # runs of one event before it is given up (logged, kept with its payload)


@dataclass(frozen=True)
class Pending:
    key: str
    payload: str
    attempts: int


def accept(session: Session, platform: str, key: str, payload: str, now: datetime) -> bool:
    """Record an incoming event as pending; False when the key was accepted before (a redelivery)."""
    return accept_many(session, [(platform, key, payload)], now)[0]


def settle(session: Session, platform: str, key: str, now: datetime) -> bool:
    """Mark the event done in the caller's transaction, inserting it done if it was never
    accepted; False when it was done already.

    The guard for work that may or may not be in the inbox: when the accept timed out or the
    database refused it, the work still runs once — and a late accept that did land is settled.
    """
    statement = _settle_statement(session.get_bind().dialect.name)
    params = {"platform": platform, "key": key[:160], "now": now}
    return session.connection().execute(statement, params).first() is not None


@functools.cache
def _settle_statement(dialect: str) -> Insert:
    """:func:`settle`'s upsert, built once per dialect (built per call it cost more than it ran)."""
    table = InboxEvent.__table__
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    now = bindparam("now", type_=table.c.done_at.type)
    return (
        insert(table)
        .values(
            platform=bindparam("platform"),
            key=bindparam("key"),
            payload="",
            received_at=now,
            lease_until=now,
            attempts=1,
            done_at=now,
        )
        .on_conflict_do_update(
            index_elements=[table.c.platform, table.c.key],
            set_={"done_at": now},
            where=table.c.done_at.is_(None),
        )
        .returning(table.c.key)
    )


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


def recover(
    db: Database, platform: str, now: datetime, run: Callable[[Pending], None], *, limit: int = 50
) -> int:
    """Lease ``platform``'s stale entries and ``run`` each (a crash, an outage left them pending).

    An entry past :data:`MAX_ATTEMPTS` is given up instead (logged; the row keeps its payload),
    and one that fails is logged and left to its next lease. Returns how many were taken.
    """
    with db.transaction() as session:
        stale = take_stale(session, platform, now, limit=limit)
    for entry in stale:
        if entry.attempts > MAX_ATTEMPTS:
            log.error("%s inbox entry %s failed %d times; given up", platform, entry.key, entry.attempts - 1)
            with db.transaction() as session:
                give_up(session, platform, entry.key, now)
            continue
        log.warning("%s inbox entry %s runs again (attempt %d)", platform, entry.key, entry.attempts)
        try:
            run(entry)
        except Exception:
            log.exception("%s inbox entry %s failed", platform, entry.key)
    return len(stale)


def give_up(session: Session, platform: str, key: str, now: datetime) -> None:
    """Stop retrying an event (it kept failing); the row and its payload stay for the operator."""
    settle(session, platform, key, now)


def forget_done_before(session: Session, cutoff: datetime) -> int:
    """Drop finished events received before ``cutoff`` (platforms stop redelivering within hours)."""
    statement = delete(InboxEvent).where(InboxEvent.done_at.is_not(None), InboxEvent.received_at < cutoff)
    return int(session.execute(statement).rowcount or 0)


def accept_many(session: Session, entries: list[tuple[str, str, str]], now: datetime) -> list[bool]:
    """:func:`accept` for several ``(platform, key, payload)`` at once, in one statement.

    The answers are in order; a key that appears twice is accepted the first time only.
    """
    rows = [
        {
            "platform": platform,
            "key": key[:160],
            "payload": payload,
            "received_at": now,
            "lease_until": now + LEASE,
            "attempts": 1,
            "done_at": None,
        }
        for platform, key, payload in entries
    ]
    table = InboxEvent.__table__
    inserted = {tuple(row) for row in insert_if_absent(session, table, rows, [table.c.platform, table.c.key])}
    answers = []
    for row in rows:
        ident = (row["platform"], row["key"])
        answers.append(ident in inserted)
        inserted.discard(ident)  # a second copy in the same batch is a redelivery
    return answers


@dataclass
class _Waiting:
    platform: str
    key: str
    payload: str
    done: threading.Event = field(default_factory=threading.Event)
    accepted: bool = False
    error: BaseException | None = None


class AcceptQueue:
    """Group commit for :func:`accept`: callers wait while one thread writes them all at once.

    Each caller would otherwise run its own transaction; under load they queue for the database
    (SQLite has a single writer) and, worse, for each other in the interpreter. Here one thread
    takes whatever has arrived since its last commit and writes it in one transaction, so a busy
    second costs tens of commits instead of hundreds, and a caller waits for at most the batch
    being written and its own.
    """

    def __init__(self, db: Database, now: Callable[[], datetime], *, max_batch: int = 200) -> None:
        self._db = db
        self._now = now
        self._max_batch = max_batch
        self._arrived = threading.Condition()
        self._queue: list[_Waiting] = []
        self._thread: threading.Thread | None = None
        self._closed = False

    def accept(self, platform: str, key: str, payload: str, *, timeout: float = 10.0) -> bool:
        """Like :func:`accept` in a transaction of its own; raises what the database raised."""
        waiting = _Waiting(platform, key, payload)
        with self._arrived:
            if self._closed:
                raise RuntimeError("the accept queue is closed")
            self._queue.append(waiting)
            if self._thread is None:
                self._thread = threading.Thread(target=self._write_forever, name="inbox-accept", daemon=True)
                self._thread.start()
            self._arrived.notify()
        if not waiting.done.wait(timeout):
            raise TimeoutError("the inbox did not answer in time")
        if waiting.error is not None:
            raise waiting.error
        return waiting.accepted

    def close(self, timeout: float = 5.0) -> None:
        """Write what is queued, then stop the thread."""
        with self._arrived:
            self._closed = True
            self._arrived.notify()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _write_forever(self) -> None:
        while True:
            with self._arrived:
                while not self._queue and not self._closed:
                    self._arrived.wait()
                if not self._queue:
                    return
                batch, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch :]
            try:
                with self._db.transaction(urgent=True) as session:
                    entries = [(w.platform, w.key, w.payload) for w in batch]
                    answers = accept_many(session, entries, self._now())
                for waiting, accepted in zip(batch, answers, strict=True):
                    waiting.accepted = accepted
            except BaseException as exc:  # every caller of the batch hears it and decides
                for waiting in batch:
                    waiting.error = exc
            for waiting in batch:
                waiting.done.set()
