"""Scheduler benchmark: 100,000 tasks, 1,000 launches, 500 digest channels.

    python -m bench.scheduler_bench                      # SQLite (a temporary file)
    python -m bench.scheduler_bench --pg postgresql://postgres@127.0.0.1:5432/test

Builds the data set (125 workspaces x 800 tasks, 8 launches, 4 team channels with a digest each),
then times one simulated day of ticks and prints, for each: wall time, statements, rows read
(rows the database handed back to Python) and peak Python memory.

Targets (issue 3): an idle tick under 50 ms and a full digest round for 500 channels under 2 s
on SQLite on one core.
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert, text

from bot.messenger import Delivery, MessengerRegistry
from bot.scheduler import CoordScheduler
from handlers.clock import ManualClock
from handlers.replies import Outbound
from storage.db import Database
from storage.models import (
    ChecklistItem,
    Department,
    DigestSchedule,
    Launch,
    Person,
    Task,
    Workspace,
)

WORKSPACES = 125
TASKS_PER_WORKSPACE = 800
LAUNCHES_PER_WORKSPACE = 8
PEOPLE_PER_WORKSPACE = 16
DEPARTMENTS = ("dev", "design", "marketing", "ops")
TODAY = date(2026, 12, 8)  # a Tuesday
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


class NullMessenger:
    platform = "console"

    def __init__(self) -> None:
        self.sent = 0

    def send(self, message: Outbound) -> Delivery:
        self.sent += 1
        return Delivery()


@dataclass
class Services:
    db: Database
    clock: ManualClock
    messengers: MessengerRegistry
    settings: Any = None
    coordinator: Any = None


class RowCounter:
    """Counts statements and the rows the database returns to Python."""

    def __init__(self, db: Database) -> None:
        self.statements = 0
        self.rows = 0
        self.db = db
        event.listen(db.engine, "before_cursor_execute", self._statement)
        if db.is_sqlite:
            event.listen(db.engine, "connect", self._sqlite_rows)
            db.engine.dispose()  # reconnect so every connection counts
        else:
            event.listen(db.engine, "after_cursor_execute", self._pg_rows)

    def _statement(self, *_args: object) -> None:
        self.statements += 1

    def _sqlite_rows(self, dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        def factory(_cursor, row):  # type: ignore[no-untyped-def]
            self.rows += 1
            return row

        dbapi_connection.row_factory = factory

    def _pg_rows(self, _conn, cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith(("SELECT", "WITH")) or " RETURNING " in statement.upper():
            self.rows += max(cursor.rowcount or 0, 0)

    def snapshot(self) -> tuple[int, int]:
        return self.statements, self.rows


def build(db: Database, seed: int = 7) -> None:
    rng = random.Random(seed)
    started = time.perf_counter()
    with db.transaction() as s:
        s.execute(
            insert(Workspace),
            [
                {
                    "id": w + 1,
                    "platform": "console",
                    "external_id": f"W{w}",
                    "name": f"W{w}",
                    "timezone": "UTC",
                    "language": "en" if w % 2 else "zh",
                    "workdays": 0b0011111,
                    "task_seq": TASKS_PER_WORKSPACE,
                    "checkin_time": "10:00",
                    "checkin_offsets": "-14,-7,-3,-1,0,1,7",
                    "nudge_time": "11:00",
                    "escalate_lead_after": 2,
                    "escalate_creator_after": 4,
                    "created_at": EPOCH,
                }
                for w in range(WORKSPACES)
            ],
        )
        people = []
        for w in range(WORKSPACES):
            for p in range(PEOPLE_PER_WORKSPACE):
                people.append(
                    {
                        "id": w * PEOPLE_PER_WORKSPACE + p + 1,
                        "workspace_id": w + 1,
                        "user_id": f"U{w}_{p}",
                        "name": f"person{w}_{p}",
                        "timezone": None,
                        "language": None,
                        "is_admin": p == 0,
                        "created_at": EPOCH,
                    }
                )
        s.execute(insert(Person), people)
        depts = []
        for w in range(WORKSPACES):
            for i, key in enumerate(DEPARTMENTS):
                depts.append(
                    {
                        "id": w * 4 + i + 1,
                        "workspace_id": w + 1,
                        "key": key,
                        "aliases": "",
                        "position": i,
                        "lead_id": w * PEOPLE_PER_WORKSPACE + i + 1,
                        "channel_id": f"C{w}-{key}",
                        "channel_name": f"team-{key}",
                    }
                )
        s.execute(insert(Department), depts)
        s.execute(
            insert(DigestSchedule),
            [
                {
                    "workspace_id": d["workspace_id"],
                    "channel_id": d["channel_id"],
                    "channel_name": d["channel_name"],
                    "at_time": "09:30",
                    "days": 0b0011111,
                    "enabled": True,
                    "last_sent_at": None,
                    "created_at": EPOCH,
                }
                for d in depts
            ],
        )
        launches, items = [], []
        for w in range(WORKSPACES):
            for n in range(LAUNCHES_PER_WORKSPACE):
                lid = w * LAUNCHES_PER_WORKSPACE + n + 1
                launches.append(
                    {
                        "id": lid,
                        "workspace_id": w + 1,
                        "name": f"v{n}",
                        "name_key": f"v{n}",
                        "launch_date": TODAY + timedelta(days=rng.randint(-400, 600)),
                        "channel_id": f"C{w}-launch-{n}",
                        "channel_name": f"launch-v{n}",
                        "created_at": EPOCH,
                    }
                )
                for i in range(4):
                    for position in range(1, 3):
                        items.append(
                            {
                                "launch_id": lid,
                                "department_id": w * 4 + i + 1,
                                "position": position,
                                "text_key": "",
                                "text": f"item {position}",
                                "done_at": EPOCH if rng.random() < 0.5 else None,
                            }
                        )
        s.execute(insert(Launch), launches)
        s.execute(insert(ChecklistItem), items)
        tasks = []
        for w in range(WORKSPACES):
            for n in range(TASKS_PER_WORKSPACE):
                status = rng.choices(("todo", "in_progress", "blocked", "done"), (30, 15, 5, 50))[0]
                due = TODAY + timedelta(days=rng.randint(-200, 60))
                tasks.append(
                    {
                        "workspace_id": w + 1,
                        "number": n + 1,
                        "title": f"Task {n} of workspace {w}",
                        "department_id": w * 4 + n % 4 + 1,
                        "assignee_id": w * PEOPLE_PER_WORKSPACE + rng.randrange(PEOPLE_PER_WORKSPACE) + 1,
                        "creator_id": w * PEOPLE_PER_WORKSPACE + rng.randrange(PEOPLE_PER_WORKSPACE) + 1,
                        "due_date": due,
                        "priority": "normal",
                        "launch_id": w * LAUNCHES_PER_WORKSPACE + rng.randrange(LAUNCHES_PER_WORKSPACE) + 1
                        if rng.random() < 0.3
                        else None,
                        "status": status,
                        "blocked_reason": "waiting" if status == "blocked" else None,
                        "snoozed_until": None,
                        "created_at": EPOCH,
                        "updated_at": EPOCH,
                        "done_at": datetime.combine(due, datetime.min.time(), UTC)
                        if status == "done"
                        else None,
                    }
                )
        for start in range(0, len(tasks), 10_000):
            s.execute(insert(Task), tasks[start : start + 10_000])
    if not db.is_sqlite:
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    print(
        f"built {WORKSPACES * TASKS_PER_WORKSPACE:,} tasks, {len(launches):,} launches, "
        f"{len(depts)} digest channels in {time.perf_counter() - started:.1f} s"
    )


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), UTC)


@contextmanager
def measured(label: str, counter: RowCounter, messenger: NullMessenger) -> Iterator[None]:
    statements, rows = counter.snapshot()
    sent = messenger.sent
    started = time.perf_counter()
    yield
    elapsed = time.perf_counter() - started
    now_statements, now_rows = counter.snapshot()
    print(
        f"{label:<44} {elapsed * 1000:9.1f} ms  {now_statements - statements:6d} statements  "
        f"{now_rows - rows:7d} rows read  {messenger.sent - sent:5d} sent  peak RSS {peak_mb():6.1f} MB"
    )


def peak_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(url: str) -> None:
    db = Database(url)
    db.upgrade()
    build(db)
    messenger = NullMessenger()
    clock = ManualClock(datetime.combine(TODAY, datetime.min.time(), UTC))
    scheduler = CoordScheduler(Services(db, clock, MessengerRegistry({"console": messenger})))  # type: ignore[arg-type]
    counter = RowCounter(db)

    def at(hh: int, mm: int = 0) -> datetime:
        return datetime(TODAY.year, TODAY.month, TODAY.day, hh, mm, tzinfo=UTC)

    scheduler.tick(at(8, 0))  # warm up connections and caches
    with measured("idle tick (08:01, nothing due yet)", counter, messenger):
        scheduler.tick(at(8, 1))
    with measured("digest round, 500 channels (09:30)", counter, messenger):
        scheduler.tick(at(9, 30))
    with measured("check-ins due today (10:00)", counter, messenger):
        scheduler.tick(at(10, 0))
    with measured("nudge + escalation sweep, 125 ws (11:00)", counter, messenger):
        scheduler.tick(at(11, 0))
    timings = []
    statements, rows = counter.snapshot()
    for minute in range(1, 31):
        started = time.perf_counter()
        scheduler.tick(at(11, minute))
        timings.append(time.perf_counter() - started)
    now_statements, now_rows = counter.snapshot()
    timings.sort()
    print(
        f"{'idle tick after the day is done (x30)':<44} {sum(timings) / len(timings) * 1000:9.1f} ms  "
        f"{(now_statements - statements) // 30:6d} statements  {(now_rows - rows) // 30:7d} rows read  "
        f"(median {timings[15] * 1000:.1f} ms, max {timings[-1] * 1000:.1f} ms)  peak RSS {peak_mb():6.1f} MB"
    )
    db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--pg", metavar="URL", help="also run against this PostgreSQL database (in a new schema)"
    )
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print("== SQLite")
        run(f"sqlite:///{Path(tmp) / 'bench.db'}")
    if args.pg:
        from sqlalchemy import create_engine

        from storage.db import _normalise_url

        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(_normalise_url(args.pg))
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            print("== PostgreSQL")
            joiner = "&" if "?" in args.pg else "?"
            run(f"{args.pg}{joiner}options=-csearch_path%3D{schema}")
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    main()
