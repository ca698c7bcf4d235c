"""The core runs a command again when PostgreSQL rolled it back for a deadlock or conflict, and
marks an inbox entry done with the command (the ``once`` guard)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, OperationalError

from handlers import core as core_module
from handlers.clock import ManualClock
from handlers.context import Caller
from handlers.core import Coordinator
from handlers.i18n import t
from storage.db import Database
from storage.models import Task

ALICE = Caller(platform="slack", workspace_id="T1", user_id="U1", channel_id="C1")


class _PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"sqlstate {sqlstate}")
        self.sqlstate = sqlstate


def _failing_context(monkeypatch: pytest.MonkeyPatch, errors: list[Exception]) -> list[int]:
    """Make the first runs fail with ``errors`` (one each), as the database would; count runs."""
    real = Coordinator._context
    runs: list[int] = []

    def context(self, session, caller):  # type: ignore[no-untyped-def]
        runs.append(1)
        if errors:
            raise errors.pop(0)
        return real(self, session, caller)

    monkeypatch.setattr(Coordinator, "_context", context)
    return runs


def _count(db: Database) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(Task)) or 0


@pytest.mark.parametrize("sqlstate", ["40P01", "40001"])
def test_a_deadlock_or_serialization_failure_runs_the_command_again(
    db: Database, clock: ManualClock, monkeypatch: pytest.MonkeyPatch, sqlstate: str
) -> None:
    coordinator = Coordinator(db, clock)
    runs = _failing_context(monkeypatch, [DBAPIError("UPDATE tasks", {}, _PgError(sqlstate))])
    outcome = coordinator.handle_text(ALICE, "add dev login page")
    assert "#1" in outcome.reply.headline
    assert len(runs) == 2 and _count(db) == 1


def test_conflicts_are_retried_a_bounded_number_of_times(
    db: Database, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    coordinator = Coordinator(db, clock)
    errors: list[Exception] = [
        DBAPIError("UPDATE tasks", {}, _PgError("40P01")) for _ in range(core_module.CONFLICT_RETRIES + 1)
    ]
    runs = _failing_context(monkeypatch, errors)
    outcome = coordinator.handle_text(ALICE, "add dev login page")
    assert outcome.reply.headline == t("en", "err.database_unavailable")
    assert outcome.retry_later
    assert len(runs) == core_module.CONFLICT_RETRIES + 1 and _count(db) == 0


def test_a_database_that_is_away_is_not_retried(
    db: Database, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    coordinator = Coordinator(db, clock)
    runs = _failing_context(monkeypatch, [OperationalError("SELECT 1", {}, ConnectionError("gone"))])
    outcome = coordinator.handle_text(ALICE, "add dev login page")
    assert outcome.reply.headline == t("en", "err.database_unavailable") and outcome.retry_later
    assert len(runs) == 1


def test_once_guard_marks_done_with_the_command_and_stops_a_second_run(
    db: Database, clock: ManualClock
) -> None:
    coordinator = Coordinator(db, clock)
    done: set[str] = set()

    def once(session) -> bool:  # type: ignore[no-untyped-def]
        if "m1" in done:
            return False
        done.add("m1")
        return True

    first = coordinator.handle_text(ALICE, "add dev login page", once=once)
    second = coordinator.handle_text(ALICE, "add dev login page", once=once)
    assert "#1" in first.reply.headline and not first.already_done
    assert second.already_done and _count(db) == 1


def test_a_refused_command_is_marked_done_on_its_own(db: Database, clock: ManualClock) -> None:
    coordinator = Coordinator(db, clock)
    calls: list[str] = []

    def once(session) -> bool:  # type: ignore[no-untyped-def]
        calls.append("once")
        return True

    outcome = coordinator.handle_text(ALICE, "add nowhere login page", once=once)
    assert outcome.reply.tone.value == "error" and not outcome.already_done
    assert calls == ["once", "once"]  # rolled back with the refused command, then marked alone
