"""Board benchmark: how long the web board's pages and ``/coord roadmap`` take to render.

    python -m bench.board_bench                     # SQLite (a temporary file), pinned to one core
    python -m bench.board_bench --pg postgresql://postgres@127.0.0.1:5432/test

Builds the scheduler benchmark's data set (125 workspaces x 800 tasks, 8 launches each with the 12
items of the built-in template), then moves one workspace's 8 launches into the coming 12 weeks
and ties a third of its 800 tasks to them, so every one of its pages shows all of it. Each page
is fetched ``--repeat`` times through the ASGI app (cookie check, queries, templates, SVG) and
each line shows the best and the median wall time, and CPU time per page: a shared machine's
noise only ever adds time.

Target (issue 18): every page under 100 ms; ``/coord roadmap`` under 200 ms (issue 17). The
verdict reads CPU time per page (the process's, the test client's thread included): on a shared
machine the wall time is mostly waiting for a core.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from starlette.testclient import TestClient

from bench.scheduler_bench import LAUNCHES_PER_WORKSPACE, TODAY, build, machine, pin_to_cores
from bot.board.web import COOKIE, Board
from bot.server import build_asgi_app
from handlers.clock import ManualClock
from handlers.context import Caller
from handlers.core import Coordinator
from handlers.web_access import BOARD_SESSION_LIFETIME, WebAccess
from storage.access_links import AccessPurpose, issue_token
from storage.db import Database

WORKSPACE = 2  # the scheduler set's second workspace: English (odd ones are Chinese)
PAGE_TARGET_MS = 100
ROADMAP_TARGET_MS = 200


@dataclass
class Timing:
    name: str
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    size: int = 0

    def line(self) -> str:
        best, median = min(self.wall) * 1000, statistics.median(self.wall) * 1000
        cpu = statistics.median(self.cpu) * 1000
        return f"{self.name:<34} {best:>8.1f} {median:>10.1f} {cpu:>8.1f} {self.size / 1024:>8.0f}"


def focus(db: Database) -> None:
    """Workspace 2's launches: all in the next 12 weeks; a third of its tasks tied to them, due near them."""
    with db.engine.begin() as conn:
        launches = conn.execute(
            text("SELECT id, launch_date FROM launches WHERE workspace_id = :w ORDER BY id"), {"w": WORKSPACE}
        ).all()
        for n, (launch_id, old) in enumerate(launches):
            new = TODAY + timedelta(days=5 + n * 10)
            shift = (new - (old if not isinstance(old, str) else datetime.fromisoformat(old).date())).days
            conn.execute(
                text("UPDATE launches SET launch_date = :d WHERE id = :id"), {"d": new, "id": launch_id}
            )
            items = conn.execute(
                text("SELECT id, due_date FROM tasks WHERE launch_id = :id AND kind = 'item'"),
                {"id": launch_id},
            ).all()
            for item_id, due in items:
                due = due if not isinstance(due, str) else datetime.fromisoformat(due).date()
                conn.execute(
                    text("UPDATE tasks SET due_date = :d WHERE id = :id"),
                    {"d": due + timedelta(days=shift), "id": item_id},
                )
        tasks = conn.execute(
            text("SELECT id FROM tasks WHERE workspace_id = :w AND kind = 'task' ORDER BY number"),
            {"w": WORKSPACE},
        ).all()
        for k, (task_id,) in enumerate(tasks[::3]):
            launch_id, launch_day = (
                launches[k % LAUNCHES_PER_WORKSPACE][0],
                TODAY + timedelta(days=5 + (k % LAUNCHES_PER_WORKSPACE) * 10),
            )
            conn.execute(
                text("UPDATE tasks SET launch_id = :l, due_date = :d WHERE id = :id"),
                {"l": launch_id, "d": launch_day - timedelta(days=k % 20), "id": task_id},
            )


def measure(timing: Timing, action: Callable[[], int], repeat: int) -> None:
    action()  # warm caches: templates compiled, statements prepared
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        timing.size = action()
        timing.wall.append(time.perf_counter() - wall)
        timing.cpu.append(time.process_time() - cpu)


def run(url: str, repeat: int) -> list[Timing]:
    db = Database(url)
    db.upgrade()
    build(db)
    focus(db)
    now = datetime.combine(TODAY, datetime.min.time(), UTC) + timedelta(hours=9)
    clock = ManualClock(now)
    web = WebAccess("http://bench")
    with db.transaction() as session:
        token = issue_token(
            session,
            workspace_id=WORKSPACE,
            person_id=(WORKSPACE - 1) * 16 + 1,
            purpose=AccessPurpose.BOARD_SESSION,
            now=now,
            lifetime=BOARD_SESSION_LIFETIME,
        )
    client = TestClient(build_asgi_app(db, Board(db, clock, web).routes), cookies={COOKIE: token})
    with db.engine.connect() as conn:
        first_launch = conn.execute(
            text("SELECT min(id) FROM launches WHERE workspace_id = :w"), {"w": WORKSPACE}
        ).scalar()

    def page(path: str) -> Callable[[], int]:
        def fetch() -> int:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            return len(response.content)

        return fetch

    core = Coordinator(db, clock, web=web)
    caller = Caller("console", f"W{WORKSPACE - 1}", f"U{WORKSPACE - 1}_0")

    def roadmap() -> int:
        reply = core.handle_text(caller, "roadmap 12").reply
        assert reply.tone.value != "error", reply.plain_text()
        return len(reply.plain_text().encode())

    timings = [
        (Timing("board: roadmap, 12 weeks"), page("/board/")),
        (Timing("board: roadmap, 52 weeks"), page("/board/?weeks=52")),
        (Timing("board: launch page"), page(f"/board/launch/{first_launch}")),
        (Timing("board: department page (dev)"), page("/board/department/dev")),
        (Timing("chat: /coord roadmap 12"), roadmap),
    ]
    for timing, action in timings:
        measure(timing, action, repeat)
    client.close()
    db.dispose()
    return [t for t, _ in timings]


def report(label: str, timings: list[Timing]) -> None:
    print(f"\n{label}")
    print(f"{'page':<34} {'best ms':>8} {'median ms':>10} {'cpu ms':>8} {'KiB':>8}")
    for timing in timings:
        print(timing.line())
    pages = [t for t in timings if t.name.startswith("board")]
    worst = max(statistics.median(t.cpu) for t in pages) * 1000
    chat = statistics.median(timings[-1].cpu) * 1000
    verdict = "ok" if worst < PAGE_TARGET_MS and chat < ROADMAP_TARGET_MS else "OVER TARGET"
    print(
        f"board_bench {label}: slowest page {worst:.1f} ms CPU (median; target {PAGE_TARGET_MS}), "
        f"/coord roadmap {chat:.1f} ms CPU (target {ROADMAP_TARGET_MS}): {verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--pg", metavar="URL", help="also run against this PostgreSQL database (in a new schema)"
    )
    parser.add_argument("--repeat", type=int, default=20, help="fetches of each page (default 20)")
    parser.add_argument("--cores", type=int, default=1, help="CPUs to run on (default 1; 0 = do not pin)")
    args = parser.parse_args()
    print(f"machine: {machine()}, {pin_to_cores(args.cores)}")
    with tempfile.TemporaryDirectory() as folder:
        report("sqlite", run(f"sqlite:///{Path(folder) / 'board.db'}", args.repeat))
    if args.pg:
        from sqlalchemy import create_engine

        from storage.db import _normalise_url

        schema = f"board_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(_normalise_url(args.pg))
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            joiner = "&" if "?" in args.pg else "?"
            report("postgresql", run(f"{args.pg}{joiner}options=-csearch_path%3D{schema}", args.repeat))
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


if __name__ == "__main__":
    main()
