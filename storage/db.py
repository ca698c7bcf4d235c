"""The database handle: engine, one-transaction sessions, SQLite pragmas and migrations.

Whatever goes wrong with the database inside :meth:`Database.transaction` (or the read-only
:meth:`Database.reading`) leaves it as one exception, :class:`DatabaseUnavailable`: callers above
``storage/`` never catch SQLAlchemy's classes. :func:`insert_if_absent` is the one
``INSERT … ON CONFLICT DO NOTHING`` every once-only record (inbox entries, ledger rows,
workspaces, people) is written with.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, Engine, Row, Table, create_engine, event
from sqlalchemy import exc as sa
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.dml import Insert

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")
MIGRATION_LOCK = 0x636F6F7264  # "coord": the advisory lock key replicas migrate under
_CONFLICT_STATES = frozenset({"40001", "40P01"})  # serialization failure, deadlock detected
READ_ONLY = "coordbot_read_only"  # the execution option of Database.reading's transactions


class DatabaseUnavailable(Exception):
    """The database could not do what a transaction asked: unreachable, refused, or rolled back.

    ``in_doubt``: the failure came while committing, so the work may have been written after all
    (the answer was lost, not the commit); a guard keyed on the work's own id tells later.
    ``conflict``: PostgreSQL rolled the transaction back only because of another one's locks
    (a deadlock or serialization failure); running it again is safe and usually succeeds.
    """

    def __init__(self, reason: str, *, in_doubt: bool = False, conflict: bool = False) -> None:
        super().__init__(reason)
        self.in_doubt = in_doubt
        self.conflict = conflict

    @classmethod
    def from_error(cls, error: BaseException, *, in_doubt: bool = False) -> DatabaseUnavailable:
        orig = getattr(error, "orig", None)
        conflict = getattr(orig, "sqlstate", None) in _CONFLICT_STATES
        return cls(type(orig or error).__name__, in_doubt=in_doubt and not conflict, conflict=conflict)


# What SQLAlchemy raises when the database (not the caller's code) failed.
_DATABASE_ERRORS = (sa.DBAPIError, sa.TimeoutError, sa.DisconnectionError)


def insert_if_absent(
    session: Session, table: Table, rows: Sequence[dict[str, Any]], returning: Sequence[Column]
) -> list[Row]:
    """``INSERT … ON CONFLICT DO NOTHING RETURNING <returning>`` on SQLite and PostgreSQL.

    The rows this call inserted, as ``returning`` columns; a row whose unique key existed (written
    by anyone, ever) returns nothing. RETURNING, not ``rowcount``: psycopg 3 reports -1 for it.
    One statement per call, compiled once per table, columns and dialect (platforms wait on this).
    """
    if not rows:
        return []
    statement = _insert_if_absent(table, tuple(returning), session.get_bind().dialect.name)
    session.flush()  # as an ORM insert would: rows added to the session go first
    return list(session.connection().execute(statement, list(rows)))


@functools.cache
def _insert_if_absent(table: Table, returning: tuple[Column, ...], dialect: str) -> Insert:
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(table).on_conflict_do_nothing().returning(*returning)


def _normalise_url(url: str) -> str:
    """Let operators write ``postgresql://`` and still get the psycopg 3 driver we ship."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    url = _normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)

        @event.listens_for(engine, "begin")
        def _begin_immediate(conn) -> None:  # type: ignore[no-untyped-def]
            # Take the write lock at the start so concurrent commands queue instead of failing
            # with "database is locked" when a reader later tries to write. A read-only
            # transaction (Database.reading) begins deferred and query-only instead: it takes no
            # write lock, and a write in it fails at once rather than waiting for one.
            reading = bool(conn.get_execution_options().get(READ_ONLY))
            if conn.info.get(READ_ONLY, False) != reading:  # the flag outlives the transaction
                conn.exec_driver_sql(f"PRAGMA query_only={'ON' if reading else 'OFF'}")
                conn.info[READ_ONLY] = reading
            conn.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")

        _disable_pysqlite_transactions(engine)
        return engine
    engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)

    @event.listens_for(engine, "begin")
    def _read_only(conn) -> None:  # type: ignore[no-untyped-def]
        if conn.get_execution_options().get(READ_ONLY):
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")  # the transaction's first statement

    return engine


def _disable_pysqlite_transactions(engine: Engine) -> None:
    """pysqlite's own BEGIN handling fights an explicit BEGIN; switch it off (SQLAlchemy docs)."""

    @event.listens_for(engine, "connect")
    def _no_autobegin(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None


SQLITE_WRITER_WAIT = 10.0  # seconds a transaction queues for this process's SQLite writer lock


class _SqliteWriter:
    """This process's turn at SQLite's single writer: re-entrant, urgent turns go first.

    An urgent transaction (an adapter accepting an event while the platform waits for its answer)
    is handed the writer before queued ordinary ones, so it waits for at most the transaction in
    progress, not for every command queued before it. A release wakes one waiter, the next in
    line, rather than every thread queued (which made the tail under load).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._urgent = threading.Condition(self._lock)
        self._ordinary = threading.Condition(self._lock)
        self._owner: int | None = None
        self._depth = 0
        self._urgent_waiting = 0
        self._ordinary_waiting = 0

    @property
    def waiting(self) -> int:
        """Threads queued now (for tests and diagnostics)."""
        return self._urgent_waiting + self._ordinary_waiting

    def acquire(self, *, timeout: float, urgent: bool = False) -> bool:
        me = threading.get_ident()
        with self._lock:
            if self._owner == me:
                self._depth += 1
                return True
            if urgent:
                self._urgent_waiting += 1
                turn = self._urgent
            else:
                self._ordinary_waiting += 1
                turn = self._ordinary
            try:
                free = turn.wait_for(
                    lambda: self._owner is None and (urgent or self._urgent_waiting == 0), timeout
                )
            finally:
                if urgent:
                    self._urgent_waiting -= 1
                else:
                    self._ordinary_waiting -= 1
            if free:
                self._owner, self._depth = me, 1
            else:
                self._wake_next()  # pass on a wake-up this thread may have taken
            return free

    def release(self) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth == 0:
                self._owner = None
                self._wake_next()

    def _wake_next(self) -> None:
        if self._owner is not None:
            return
        if self._urgent_waiting:
            self._urgent.notify()
        elif self._ordinary_waiting:
            self._ordinary.notify()


def _rollback_quietly(session: Session) -> None:
    """Roll back; on a connection that is already gone that fails too, and says nothing new."""
    try:
        session.rollback()
    except _DATABASE_ERRORS:
        log.debug("rollback on a broken connection failed")


_REVISION_LINE = re.compile(r"^(revision|down_revision)\b[^=\n]*=(.*)$", re.MULTILINE)
_QUOTED = re.compile(r"""["']([^"']+)["']""")


@functools.cache
def _newest_revisions() -> frozenset[str]:
    """The heads of coordbot's migrations, from the ``revision``/``down_revision`` lines of their files.

    Read without alembic, whose import and script loading took most of a start-up that found the
    database current (``tests/test_migrations.py`` checks this against alembic's own heads).
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for name, value in _REVISION_LINE.findall(path.read_text(encoding="utf-8")):
            (revisions if name == "revision" else parents).update(_QUOTED.findall(value))
    return frozenset(revisions - parents)


def _alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


class Database:
    def __init__(self, url: str) -> None:
        self.url = _normalise_url(url)
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._reading_sessions = sessionmaker(
            self.engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False
        )
        # SQLite has one writer, and every write transaction here starts with BEGIN IMMEDIATE.
        # Threads of this process queue for it on a lock: SQLite's own busy handler polls with sleeps growing
        # to 100 ms, which under concurrent commands turned 10 ms transactions into 1 s tails.
        self._sqlite_writer = _SqliteWriter() if self.is_sqlite else None

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def transaction(self, *, urgent: bool = False) -> Iterator[Session]:
        """One unit of work: committed when the block ends, rolled back whole if it raises.

        A database failure leaves as :class:`DatabaseUnavailable` (``in_doubt`` when it came
        while committing). ``urgent``: a short transaction someone is waiting on (SQLite: it takes
        the writer first).
        """
        writer = self._sqlite_writer
        # Bounded like SQLite's busy timeout: past it, go on and let SQLite wait or fail as before.
        queued = writer is not None and writer.acquire(urgent=urgent, timeout=SQLITE_WRITER_WAIT)
        session = self._sessions()
        committing = False
        try:
            yield session
            committing = True
            session.commit()
        except _DATABASE_ERRORS as exc:
            _rollback_quietly(session)
            raise DatabaseUnavailable.from_error(exc, in_doubt=committing) from exc
        except BaseException:
            _rollback_quietly(session)
            raise
        finally:
            session.close()
            if queued:
                writer.release()  # type: ignore[union-attr]

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only transaction, for requests that only read (the web board, calendar feeds).

        Pages must not wait behind commands: on SQLite it begins deferred (no write lock, and not
        queued for this process's writer turn; WAL lets it read while another connection writes),
        on PostgreSQL it is ``READ ONLY``. A write inside it fails on both (SQLite: ``query_only``)
        and leaves as :class:`DatabaseUnavailable`, like any other database failure.
        """
        session = self._reading_sessions()
        try:
            yield session
            session.commit()  # not rollback: objects read stay loaded after the block
        except _DATABASE_ERRORS as exc:
            _rollback_quietly(session)
            raise DatabaseUnavailable.from_error(exc) from exc
        except BaseException:
            _rollback_quietly(session)
            raise
        finally:
            session.close()

    def upgrade(self) -> None:
        """Bring the schema to the newest migration (idempotent, and once across processes).

        Replicas started together all call this: the upgrade runs under a lock — PostgreSQL's
        transaction-scoped advisory lock :data:`MIGRATION_LOCK`, SQLite's writer lock (the
        transaction begins ``IMMEDIATE``) — so one process migrates while the others wait, then
        find the schema current and do nothing. A database already at the newest revisions is
        told by one query, without loading alembic (every start-up of every replica asks).
        """
        if self._current_revisions() == _newest_revisions():
            return
        from alembic import command

        config = _alembic_config()
        with self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
            config.attributes["connection"] = connection
            command.upgrade(config, "heads")

    def schema_revisions(self) -> tuple[set[str], set[str]]:
        """(the revisions the database is at, the newest revisions coordbot has) for readiness checks."""
        return self._current_revisions(), set(_newest_revisions())

    def _current_revisions(self) -> set[str]:
        """The revisions alembic recorded in the database (none before the first migration).

        Raises SQLAlchemy's errors when the database cannot be reached (the caller reports it).
        """
        with self.engine.connect() as connection:
            if not sa_inspect(connection).has_table("alembic_version"):
                return set()
            return set(connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars())

    def dispose(self) -> None:
        self.engine.dispose()
