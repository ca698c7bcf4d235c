"""Pages that only read never wait behind writers: the board's pages and the calendar feed run in
:meth:`Database.reading` (SQLite: a deferred, query-only transaction outside this process's writer
turn; PostgreSQL: ``READ ONLY``). They answer while another connection holds SQLite's write lock
or this process's writer turn is taken, a write inside the helper fails on both databases, and a
pooled connection that served a page writes again afterwards."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, func, select, text
from starlette.testclient import TestClient

import storage.db
from bot.app import Services
from bot.board.web import Board, RedeemLimiter
from bot.feed_web import feed_routes
from bot.server import build_asgi_app
from storage.db import Database, DatabaseUnavailable
from storage.models import Workspace
from tests.board.conftest import PUBLIC_URL
from tests.board.test_board_access import seed, sign_in
from tests.launch.conftest import Team

CREATED = datetime(2026, 1, 1, tzinfo=UTC)
FEED = re.compile(re.escape(PUBLIC_URL) + r"(/calendar/[A-Za-z0-9_\-]+\.ics)")


@pytest.fixture
def client(team: Team) -> Iterator[TestClient]:
    """The board's routes and the calendar feed on one app, as ``coordbot serve`` mounts them."""
    board = Board(team.db, team.clock, team.core.web, limiter=RedeemLimiter(limit=50))
    services = Services(settings=None, db=team.db, clock=team.clock, coordinator=team.core)  # type: ignore[arg-type]
    app = build_asgi_app(team.db, [*board.routes, *feed_routes(services)])
    with TestClient(app, base_url="https://testserver") as http:
        yield http


def feed_path(team: Team) -> str:
    match = FEED.search(team.ok("alice", "calendar").reply.plain_text())
    assert match
    return match.group(1)


def signed_in_with_data(team: Team, client: TestClient) -> str:
    """Seed a launch with work, sign alice in, and return her feed's path (all before any lock)."""
    seed(team)
    sign_in(client, team)
    return feed_path(team)


def launch_id(db: Database) -> int:
    with db.reading() as session:
        return session.scalars(text("SELECT id FROM launches ORDER BY id")).first()  # type: ignore[return-value]


def pages(client: TestClient, team: Team, feed: str) -> dict[str, int]:
    paths = ["/board/", f"/board/launch/{launch_id(team.db)}", "/board/department/dev", feed]
    return {path: client.get(path).status_code for path in paths}


@contextmanager
def impatient_writers(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A write transaction gives up within a fraction of a second (turn and busy timeout), so a
    page that wrongly waited for the writer fails quickly here instead of after 20 s."""
    monkeypatch.setattr(storage.db, "SQLITE_WRITER_WAIT", 0.2)
    db.engine.dispose()  # connections opened from now on get the short busy timeout
    event.listen(db.engine, "connect", _short_busy_timeout)
    yield


def _short_busy_timeout(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    dbapi_connection.execute("PRAGMA busy_timeout=200")


@pytest.mark.parametrize("backend", ["sqlite"])
def test_pages_answer_while_another_connection_holds_the_sqlite_write_lock(
    team: Team, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = signed_in_with_data(team, client)
    expected = pages(client, team, feed)
    assert set(expected.values()) == {200}
    with impatient_writers(team.db, monkeypatch):
        other = sqlite3.connect(team.db.engine.url.database or "", isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # another process's writer, mid-transaction
            other.execute("UPDATE workspaces SET name = name")
            assert pages(client, team, feed) == expected
            # a write really is locked out meanwhile
            with pytest.raises(DatabaseUnavailable), team.db.transaction() as session:
                session.execute(text("UPDATE workspaces SET name = name"))
        finally:
            other.execute("ROLLBACK")
            other.close()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_pages_answer_while_this_process_holds_its_writer_turn(
    team: Team, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = signed_in_with_data(team, client)
    # a command in progress, holding the writer turn (the pages run on other threads)
    with impatient_writers(team.db, monkeypatch), team.db.transaction() as session:
        session.execute(text("UPDATE workspaces SET name = name"))
        assert team.db._sqlite_writer is not None
        assert set(pages(client, team, feed).values()) == {200}
        assert team.db._sqlite_writer.waiting == 0  # no page queued for the writer


def workspace(name: str) -> Workspace:
    return Workspace(
        platform="slack", external_id=name, name=name, timezone="UTC", language="en", created_at=CREATED
    )


@contextmanager
def refused_as_read_only() -> Iterator[None]:
    """The block fails because its transaction is read-only (not for any other database reason)."""
    with pytest.raises(DatabaseUnavailable) as failed:
        yield
    reason = str(failed.value.__cause__).lower()
    assert "readonly database" in reason or "read-only transaction" in reason, reason


def test_a_write_inside_reading_fails_and_leaves_nothing_behind(db: Database) -> None:
    with db.transaction() as session:
        session.add(workspace("one"))
    with refused_as_read_only(), db.reading() as session:
        session.execute(text("UPDATE workspaces SET name = 'changed'"))
    with refused_as_read_only(), db.reading() as session:
        session.add(workspace("two"))  # flushed when the block ends
    with refused_as_read_only(), db.reading() as session:
        session.scalars(select(Workspace)).one().name = "renamed"
    with db.reading() as session:
        assert session.scalars(select(Workspace.name)).all() == ["one"]


def test_a_connection_that_served_a_read_writes_again(db: Database) -> None:
    for name in ("one", "two", "three"):  # each transaction reuses the pooled connection
        with db.reading() as session:
            before = session.scalar(select(func.count()).select_from(Workspace))
        with db.transaction() as session:
            session.add(workspace(name))
        with db.reading() as session:
            assert session.scalar(select(func.count()).select_from(Workspace)) == (before or 0) + 1


def test_objects_read_stay_loaded_after_the_block(db: Database) -> None:
    with db.transaction() as session:
        session.add(workspace("one"))
    with db.reading() as session:
        loaded = session.scalars(select(Workspace)).one()
    assert loaded.name == "one"
