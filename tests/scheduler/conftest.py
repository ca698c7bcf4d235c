"""Scheduler fixtures: fake services with a recording messenger, and a small seeded workspace."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import event

from bot.messenger import Delivery, DeliveryError, MessengerRegistry
from bot.scheduler import CoordScheduler
from handlers.clock import ManualClock
from handlers.replies import Outbound
from storage.db import Database
from tests.scheduler import factories as f
from tests.virtual_seconds import virtual_sender


class RecordingMessenger:
    """Records what would be sent; ``fail`` decides per message whether to raise instead."""

    def __init__(self, platform: str = "console") -> None:
        self.platform = platform
        self.sent: list[Outbound] = []
        self.attempts: list[Outbound] = []
        self.fail: Callable[[Outbound, int], DeliveryError | Exception | None] = lambda _m, _n: None
        self._lock = threading.Lock()

    def send(self, message: Outbound) -> Delivery:
        with self._lock:
            self.attempts.append(message)
            tries = sum(1 for m in self.attempts if m.key == message.key)
        error = self.fail(message, tries)
        if error is not None:
            raise error
        with self._lock:
            self.sent.append(message)
        return Delivery(message_id=str(len(self.sent)))

    def keys(self, prefix: str = "") -> list[str]:
        return [m.key or "" for m in self.sent if (m.key or "").startswith(prefix)]

    def to(self, target_id: str) -> list[Outbound]:
        return [m for m in self.sent if m.target.id == target_id]

    def clear(self) -> None:
        self.sent.clear()
        self.attempts.clear()


@dataclass
class FakeServices:
    """What the scheduler uses of :class:`bot.app.Services`."""

    db: Database
    clock: ManualClock
    messengers: MessengerRegistry
    settings: Any = None
    coordinator: Any = None
    messenger: RecordingMessenger = field(default_factory=RecordingMessenger)


@pytest.fixture
def services(db: Database) -> FakeServices:
    messenger = RecordingMessenger()
    clock = ManualClock(datetime(2026, 12, 1, 0, 0, tzinfo=UTC))
    return FakeServices(
        db=db, clock=clock, messengers=MessengerRegistry({"console": messenger}), messenger=messenger
    )


@pytest.fixture
def scheduler(services: FakeServices) -> Iterator[CoordScheduler]:
    sched = CoordScheduler(services, virtual_sender())  # type: ignore[arg-type]
    yield sched
    sched.shutdown()


LAUNCH_DAY = date(2026, 12, 15)  # a Tuesday


@dataclass
class World:
    ws_id: int
    people: dict[str, int]
    depts: dict[str, int]
    launch_id: int
    tasks: dict[str, int]


def seed_world(
    db: Database,
    *,
    timezone: str = "UTC",
    language: str = "en",
    launch_day: date = LAUNCH_DAY,
    done: dict[str, int] | None = None,
    with_tasks: bool = True,
) -> World:
    """One workspace: alice leads dev (admin), carol leads design, dave leads marketing, ops has no lead;
    bob is in dev, erin is the PM who creates tasks. Launch v2.3 on ``launch_day`` in #launch-v2.3."""
    with db.transaction() as s:
        ws = f.workspace(s, timezone=timezone, language=language)
        alice = f.person(s, ws, "UALICE", name="alice", is_admin=True)
        bob = f.person(s, ws, "UBOB", name="bob")
        carol = f.person(s, ws, "UCAROL", name="carol")
        dave = f.person(s, ws, "UDAVE", name="dave")
        erin = f.person(s, ws, "UERIN", name="erin")
        depts = f.departments(s, ws, {"dev": alice, "design": carol, "marketing": dave})
        lx = f.launch(s, ws, "v2.3", launch_day, depts, done=done or {"dev": 1, "design": 2})
        tasks = {}
        if with_tasks:
            tasks["api"] = f.task(
                s,
                ws,
                depts["dev"],
                "Ship the API",
                assignee=bob,
                creator=erin,
                due=date(2026, 12, 4),
                launch=lx,
            ).id
            tasks["docs"] = f.task(
                s, ws, depts["dev"], "Write API docs", assignee=bob, creator=erin, due=date(2026, 12, 7)
            ).id
            tasks["banner"] = f.task(
                s,
                ws,
                depts["marketing"],
                "Launch banner",
                assignee=dave,
                creator=erin,
                due=date(2026, 12, 9),
                status="blocked",
                blocked_reason="waiting for assets",
                launch=lx,
            ).id
            tasks["runbook"] = f.task(
                s, ws, depts["ops"], "Runbook", creator=erin, due=date(2026, 12, 14), launch=lx
            ).id
        return World(
            ws_id=ws.id,
            people={p.name or "": p.id for p in (alice, bob, carol, dave, erin)},
            depts={k: d.id for k, d in depts.items()},
            launch_id=lx.id,
            tasks=tasks,
        )


class QueryCounter:
    """Counts statements and rows fetched on an engine (SQLite row factory; any backend statements)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.statements: list[str] = []

    def __enter__(self) -> QueryCounter:
        event.listen(self.db.engine, "before_cursor_execute", self._before)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.db.engine, "before_cursor_execute", self._before)

    def _before(self, _conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        self.statements.append(statement)

    def selects(self, table: str | None = None) -> list[str]:
        found = [s for s in self.statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]
        if table is not None:
            found = [s for s in found if f"FROM {table}" in s]
        return found
