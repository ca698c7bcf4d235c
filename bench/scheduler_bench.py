"""Scheduler benchmark: 100,000 tasks, 1,000 launches with their 12,000 items, 500 digest channels.

    python -m bench.scheduler_bench                      # SQLite (a temporary file), pinned to one core
    python -m bench.scheduler_bench --pg postgresql://postgres@127.0.0.1:5432/test

Builds the data set (125 workspaces x 800 tasks, 8 launches each with the 12 items of the built-in
template, 4 team channels with a digest each),
then plays one day of ticks and prints, for each: wall time, CPU time, statements, rows read
(rows the database handed back to Python), messages sent and peak resident memory. The day is
played ``--repeat`` times over the same data (the ledger and the digests' marks cleared in
between) and each line shows the best run, with the median beside it: a shared machine's noise
only ever adds time.

With ``--pg URL`` the same runs on PostgreSQL too, in a schema of its own that is dropped at the
end. ``--profile STEP`` prints a pyinstrument profile of one step (``pip install -e .[bench]``).

Targets (issue 3): an idle tick under 50 ms and a full digest round for 500 channels under 2 s
on SQLite on one core.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import platform
import random
import resource
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Table, event, insert, text

from bot.messenger import Delivery, MessengerRegistry
from bot.scheduler import CoordScheduler
from handlers.calendar import WorkCalendar
from handlers.clock import ManualClock
from handlers.replies import Outbound
from storage.db import Database
from storage.launch_plans import STANDARD_ITEMS
from storage.models import (
    CompanyDay,
    CompanyDayKind,
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
IDLE_TICKS = 30


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


# --------------------------------------------------------------------------- the data set


def build(db: Database, seed: int = 7, holidays: str | None = None) -> None:
    """The data set; with ``holidays`` every workspace has that public-holiday region, two company
    days (one off, one worked) and a department in another office (US holidays)."""
    rng = random.Random(seed)
    started = time.perf_counter()
    workspaces = [
        {
            "id": w + 1,
            "platform": "console",
            "external_id": f"W{w}",
            "name": f"W{w}",
            "timezone": "UTC",
            "language": "en" if w % 2 else "zh",
            "workdays": 0b0011111,
            "task_seq": TASKS_PER_WORKSPACE + LAUNCHES_PER_WORKSPACE * len(STANDARD_ITEMS),
            "checkin_time": "10:00",
            "checkin_offsets": "-14,-7,-3,-1,0,1,7",
            "nudge_time": "11:00",
            "escalate_lead_after": 2,
            "escalate_creator_after": 4,
            "holiday_region": holidays,
            "created_at": EPOCH,
        }
        for w in range(WORKSPACES)
    ]
    people = [
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
        for w in range(WORKSPACES)
        for p in range(PEOPLE_PER_WORKSPACE)
    ]
    depts = [
        {
            "id": w * 4 + i + 1,
            "workspace_id": w + 1,
            "key": key,
            "aliases": "",
            "position": i,
            "lead_id": w * PEOPLE_PER_WORKSPACE + i + 1,
            "channel_id": f"C{w}-{key}",
            "channel_name": f"team-{key}",
            "holiday_region": "US" if holidays and i == 0 else None,
        }
        for w in range(WORKSPACES)
        for i, key in enumerate(DEPARTMENTS)
    ]
    digests = [
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
    ]
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
            items.extend(_launch_items(rng, w, lid, n, launches[-1]["launch_date"]))
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
                    "done_at": datetime.combine(due, datetime.min.time(), UTC) if status == "done" else None,
                    "kind": "task",
                    "item_position": None,
                    "due_offset": None,
                    "owner_role": None,
                    "done_by_id": None,
                }
            )
    company = [
        {"workspace_id": w + 1, "day": day, "kind": kind, "name": "Company day", "created_at": EPOCH}
        for w in range(WORKSPACES if holidays else 0)
        for day, kind in ((date(2026, 12, 24), CompanyDayKind.OFF), (date(2026, 12, 26), CompanyDayKind.WORK))
    ]
    with db.engine.begin() as conn:
        for model, rows in (
            (Workspace, workspaces),
            (CompanyDay, company),
            (Person, people),
            (Department, depts),
            (DigestSchedule, digests),
            (Launch, launches),
            (Task, tasks + items),
        ):
            _bulk_insert(conn, model.__table__, rows)  # type: ignore[arg-type]
    if not db.is_sqlite:  # PostgreSQL's autovacuum would have; coordbot never runs ANALYZE on SQLite
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    print(
        f"built {len(tasks):,} tasks, {len(launches):,} launches with {len(items):,} items, "
        f"{len(digests)} digest channels "
        f"in {time.perf_counter() - started:.1f} s",
        flush=True,
    )


def _launch_items(rng: random.Random, w: int, launch_id: int, n: int, day: date) -> list[dict[str, Any]]:
    """The launch's items from the built-in template, as ``launch new`` makes them: dated in working
    days from the launch, owned by the department's lead; mostly done once the launch is past."""
    calendar = WorkCalendar()
    rows = []
    positions: dict[str, int] = {}
    for k, (key, _text_key, offset) in enumerate(STANDARD_ITEMS):
        i = DEPARTMENTS.index(key)
        positions[key] = positions.get(key, 0) + 1
        due = calendar.add_working_days(day, offset or 0)
        done = rng.random() < (0.9 if due < TODAY else 0.15)
        rows.append(
            {
                "workspace_id": w + 1,
                "number": TASKS_PER_WORKSPACE + n * len(STANDARD_ITEMS) + k + 1,
                "title": f"Item {k} of launch {launch_id}",
                "department_id": w * 4 + i + 1,
                "assignee_id": w * PEOPLE_PER_WORKSPACE + i + 1,
                "creator_id": w * PEOPLE_PER_WORKSPACE + 1,
                "due_date": due,
                "priority": "normal",
                "launch_id": launch_id,
                "status": "done" if done else "todo",
                "blocked_reason": None,
                "snoozed_until": None,
                "created_at": EPOCH,
                "updated_at": EPOCH,
                "done_at": datetime.combine(due, datetime.min.time(), UTC) if done else None,
                "kind": "item",
                "item_position": positions[key],
                "due_offset": offset,
                "owner_role": "lead",
                "done_by_id": w * PEOPLE_PER_WORKSPACE + i + 1 if done else None,
            }
        )
    return rows


def _bulk_insert(conn: Any, table: Table, rows: list[dict[str, Any]]) -> None:
    """COPY on PostgreSQL (an executemany of 100,000 rows takes most of a minute there)."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        for start in range(0, len(rows), 10_000):
            conn.execute(insert(table), rows[start : start + 10_000])
        return
    columns = list(rows[0])
    sql = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    with conn.connection.driver_connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row([_naive_utc(row[c]) for c in columns])
    if "id" in columns:  # rows given their ids: move the sequence past them
        sequence = f"pg_get_serial_sequence('{table.name}', 'id')"
        conn.execute(text(f"SELECT setval({sequence}, (SELECT max(id) FROM {table.name}))"))


def _naive_utc(value: Any) -> Any:
    """How :class:`storage.types.UTCDateTime` stores an instant: naive UTC."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def reset(db: Database) -> None:
    """Forget what a played day did: the ledger, and when each channel's digest last went out."""
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM notifications"))
        conn.execute(text("UPDATE digest_schedules SET last_sent_at = NULL"))
        if not db.is_sqlite:
            conn.execute(text("ANALYZE notifications"))


# --------------------------------------------------------------------------- measuring


@dataclass
class Step:
    label: str
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    statements: int = 0
    rows: int = 0
    sent: int = 0
    peak_mb: float = 0.0
    per: int = 1  # ticks per run, for the idle average

    def line(self) -> str:
        best = min(range(len(self.wall)), key=self.wall.__getitem__)
        per = self.per
        runs = f"median {statistics.median(self.wall) / per * 1000:.1f} of {len(self.wall)}"
        wall, cpu = self.wall[best] / per * 1000, self.cpu[best] / per * 1000
        return (
            f"{self.label:<42} {wall:8.1f} ms  cpu {cpu:7.1f} ms"
            f"  ({runs})  {self.statements // per:5d} statements  {self.rows // per:6d} rows read"
            f"  {self.sent // per:5d} sent  peak RSS {self.peak_mb:6.1f} MB"
        )


def _rss_mb(field_name: str) -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak_rss() -> None:
    """Start a new peak-RSS window (Linux: ``clear_refs`` 5 resets VmHWM); harmless elsewhere."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def measure(step: Step, counter: RowCounter, messenger: NullMessenger, run: Callable[[], object]) -> None:
    gc.collect()
    _reset_peak_rss()
    statements, rows = counter.snapshot()
    sent = messenger.sent
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    step.wall.append(time.perf_counter() - wall)
    step.cpu.append(time.process_time() - cpu)
    now_statements, now_rows = counter.snapshot()
    step.statements, step.rows = now_statements - statements, now_rows - rows
    step.sent = messenger.sent - sent
    step.peak_mb = max(step.peak_mb, _rss_mb("VmHWM"))


def run(url: str, repeat: int, profile: str | None, holidays: str | None = None) -> None:
    db = Database(url)
    db.upgrade()
    build(db, holidays=holidays)
    messenger = NullMessenger()
    clock = ManualClock(datetime.combine(TODAY, datetime.min.time(), UTC))
    scheduler = CoordScheduler(Services(db, clock, MessengerRegistry({"console": messenger})))  # type: ignore[arg-type]
    counter = RowCounter(db)

    def at(hh: int, mm: int = 0) -> datetime:
        return datetime(TODAY.year, TODAY.month, TODAY.day, hh, mm, tzinfo=UTC)

    def idle_after() -> None:
        for minute in range(1, IDLE_TICKS + 1):
            scheduler.tick(at(11, minute))

    channels = WORKSPACES * len(DEPARTMENTS)
    steps = [
        (Step("idle tick (08:01, nothing due yet)"), lambda: scheduler.tick(at(8, 1)), "idle"),
        (Step(f"digest round, {channels} channels (09:30)"), lambda: scheduler.tick(at(9, 30)), "digest"),
        (Step("check-ins due today (10:00)"), lambda: scheduler.tick(at(10, 0)), "checkin"),
        (
            Step(f"nudge + escalation sweep, {WORKSPACES} ws (11:00)"),
            lambda: scheduler.tick(at(11, 0)),
            "sweep",
        ),
        (Step(f"idle tick after the day is done (x{IDLE_TICKS})", per=IDLE_TICKS), idle_after, "idle-after"),
    ]
    for attempt in range(repeat):
        if attempt:
            reset(db)
        scheduler.tick(at(8, 0))  # warm up connections and caches
        for step, action, _name in steps:
            measure(step, counter, messenger, action)
    for step, _action, _name in steps:
        print(step.line(), flush=True)
    print(summary(db, steps[0][0], steps[1][0]), flush=True)
    if profile:  # one more day, untimed, profiling the one step
        reset(db)
        scheduler.tick(at(8, 0))
        for _step, action, name in steps:
            if name == profile:
                _profiled(action)
            else:
                action()
    db.dispose()


IDLE_TARGET_MS = 50
DIGEST_TARGET_S = 2.0


def summary(db: Database, idle: Step, digest: Step) -> str:
    """One line: the issue-3 targets (an idle tick under 50 ms, a digest round under 2 s, on SQLite)."""
    idle_ms, digest_s = min(idle.wall) * 1000, min(digest.wall)
    figures = f"idle tick {idle_ms:.1f} ms, digest round {digest_s:.2f} s"
    if not db.is_sqlite:
        return f"scheduler_bench {db.engine.dialect.name}: {figures} (the targets are set for SQLite)"
    met = idle_ms < IDLE_TARGET_MS and digest_s < DIGEST_TARGET_S
    targets = f"targets < {IDLE_TARGET_MS} ms and < {DIGEST_TARGET_S:.0f} s"
    return f"scheduler_bench sqlite: {figures} ({targets}); {'PASS' if met else 'FAIL'}"


def _profiled(action: Callable[[], object]) -> None:
    try:
        from pyinstrument import Profiler
    except ImportError:  # pragma: no cover - an optional extra
        raise SystemExit("--profile needs pyinstrument: pip install -e '.[bench]'") from None
    profiler = Profiler(interval=0.0005)
    profiler.start()
    action()
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False), flush=True)


# --------------------------------------------------------------------------- the machine


def pin_to_cores(count: int) -> str:
    """Run on ``count`` of the CPUs this process may use (0: leave it alone)."""
    if count <= 0 or not hasattr(os, "sched_setaffinity"):
        return "not pinned"
    allowed = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, allowed[:count])
    return f"pinned to CPU {','.join(map(str, allowed[:count]))}"


def machine() -> str:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, {platform.system()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--pg", metavar="URL", help="also run against this PostgreSQL database (in a new schema)"
    )
    parser.add_argument("--pg-only", action="store_true", help="with --pg: skip the SQLite run")
    parser.add_argument("--repeat", type=int, default=3, help="play the day this many times (default 3)")
    parser.add_argument("--cores", type=int, default=1, help="CPUs to run on (default 1; 0 = do not pin)")
    parser.add_argument(
        "--profile",
        choices=("idle", "digest", "checkin", "sweep", "idle-after"),
        help="print a pyinstrument profile of this step (its last run)",
    )
    parser.add_argument(
        "--holidays",
        metavar="REGION",
        help="give every workspace these public holidays (e.g. CN), two company days and a team in "
        "a US office",
    )
    args = parser.parse_args()
    print(f"{machine()}; {pin_to_cores(args.cores)}", flush=True)
    if not args.pg_only:
        with tempfile.TemporaryDirectory() as tmp:
            print("== SQLite", flush=True)
            run(f"sqlite:///{Path(tmp) / 'bench.db'}", args.repeat, args.profile, args.holidays)
    if args.pg:
        from sqlalchemy import create_engine

        from storage.db import _normalise_url

        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(_normalise_url(args.pg))
        with admin.begin() as conn:
            version = conn.execute(text("SHOW server_version")).scalar()
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            print(f"== PostgreSQL {version}", flush=True)
            joiner = "&" if "?" in args.pg else "?"
            run(
                f"{args.pg}{joiner}options=-csearch_path%3D{schema}", args.repeat, args.profile, args.holidays
            )
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    main()
