"""Drawing a chart (time, peak RSS added) and composing the weekly report at size.

    .venv/bin/python -m bench.report_bench                   # 125 workspaces × 800 tasks, 8 launches each
    .venv/bin/python -m bench.report_bench --workspaces 20 --database-url postgresql://…

Charts: a fresh process draws the burn-up once (matplotlib imported then: the cold draw) and
five times more (warm); the peak RSS the drawing added is ``ru_maxrss`` after against before.
Report: the database is seeded with core inserts (tasks with history: created, started, done or
due moved, blocked), then the weekly report of one workspace is composed ``--runs`` times.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench._harness import machine, table

NOW = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)
CHART_CHILD = """
import json, resource, statistics, time
from datetime import date
from handlers.burnup import Burnup, BurnupDay, ideal_line
from handlers.calendar import WorkCalendar
from handlers.charts import burnup_chart
from handlers.i18n import Translator
start, launch = date(2026, 11, 2), date(2026, 12, 15)
days = tuple(BurnupDay(date.fromordinal(start.toordinal() + i), i // 2, 40) for i in range(33))
burnup = Burnup("v2.3", start, launch, days, ideal_line(start, launch, 40, WorkCalendar()))
chart = burnup_chart(burnup, Translator("zh"))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0, c0 = time.perf_counter(), time.process_time()
from bot.chart_png import render_png
png = render_png(chart)
cold, cold_cpu = time.perf_counter() - t0, time.process_time() - c0
warm, warm_cpu = [], []
for _ in range(5):
    t0, c0 = time.perf_counter(), time.process_time()
    render_png(chart)
    warm.append(time.perf_counter() - t0); warm_cpu.append(time.process_time() - c0)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"cold": cold, "warm": statistics.median(warm), "rss_mb": (after - before) / 1024,
                  "cold_cpu": cold_cpu, "warm_cpu": statistics.median(warm_cpu),
                  "bytes": len(png)}))
"""


def chart_figures() -> dict[str, float]:
    shown = subprocess.run([sys.executable, "-c", CHART_CHILD], capture_output=True, text=True, check=True)
    return json.loads(shown.stdout.strip().splitlines()[-1])


def seed(url: str, workspaces: int, tasks: int, launches: int) -> None:
    from sqlalchemy import insert

    from storage.db import Database
    from storage.models import Department, Launch, Task, TaskEvent, Workspace

    rng = random.Random(17)
    db = Database(url)
    db.upgrade()
    created = NOW - timedelta(days=40)
    with db.engine.begin() as conn:
        for w in range(1, workspaces + 1):
            conn.execute(
                insert(Workspace),
                [
                    {
                        "id": w,
                        "platform": "slack",
                        "external_id": f"T{w}",
                        "timezone": "UTC",
                        "language": "en",
                        "created_at": created,
                    }
                ],
            )
            departments = [
                {"id": w * 10 + i, "workspace_id": w, "key": k, "position": i}
                for i, k in enumerate(("dev", "design", "marketing", "ops"))
            ]
            conn.execute(insert(Department), departments)
            launch_rows = [
                {
                    "id": w * 100 + i,
                    "workspace_id": w,
                    "name": f"v{i}",
                    "name_key": f"v{i}",
                    "launch_date": date(2026, 12, 1) + timedelta(days=5 * i),
                    "created_at": created,
                }
                for i in range(launches)
            ]
            conn.execute(insert(Launch), launch_rows)
            task_rows, event_rows = [], []
            for n in range(1, tasks + 1):
                task_id = w * 10_000 + n
                due = date(2026, 11, 15) + timedelta(days=rng.randrange(40))
                status = rng.choice(("todo", "in_progress", "blocked", "done", "done"))
                made = created + timedelta(days=rng.randrange(30))
                changed = made + timedelta(days=rng.randrange(10))
                task_rows.append(
                    {
                        "id": task_id,
                        "workspace_id": w,
                        "number": n,
                        "title": f"Task {n}",
                        "department_id": w * 10 + n % 4,
                        "due_date": due,
                        "status": status,
                        "launch_id": w * 100 + n % launches if n % 3 else None,
                        "kind": "item" if n % 2 else "task",
                        "created_at": made,
                        "updated_at": changed,
                        "done_at": changed if status == "done" else None,
                    }
                )
                event_rows.append(
                    {
                        "workspace_id": w,
                        "task_id": task_id,
                        "at": made,
                        "kind": "created",
                        "changes": {"due": [None, due.isoformat()]},
                    }
                )
                if n % 5 == 0:
                    event_rows.append(
                        {
                            "workspace_id": w,
                            "task_id": task_id,
                            "at": changed,
                            "kind": "due",
                            "changes": {"due": [(due - timedelta(days=3)).isoformat(), due.isoformat()]},
                        }
                    )
                if status != "todo":
                    event_rows.append(
                        {
                            "workspace_id": w,
                            "task_id": task_id,
                            "at": changed,
                            "kind": "status",
                            "changes": {"status": ["todo", status]},
                        }
                    )
            conn.execute(insert(Task), task_rows)
            conn.execute(insert(TaskEvent), event_rows)
    db.dispose()


def report_figures(url: str, runs: int) -> tuple[float, float, float]:
    """Median and worst wall seconds, and median CPU seconds, of composing one workspace's report."""
    from sqlalchemy import select

    from handlers.calendar import WorkCalendar
    from handlers.weekly_report import compose_weekly_report
    from storage.db import Database
    from storage.models import Workspace

    db = Database(url)
    timings, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        with db.transaction() as s:
            workspace = s.scalars(select(Workspace).where(Workspace.external_id == "T1")).one()
            compose_weekly_report(
                s, workspace, lang="en", zone=ZoneInfo("UTC"), calendar=WorkCalendar(), now=NOW
            )
        timings.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    db.dispose()
    return statistics.median(timings), max(timings), statistics.median(cpu)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workspaces", type=int, default=125)
    parser.add_argument("--tasks", type=int, default=800)
    parser.add_argument("--launches", type=int, default=8)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--database-url", help="an empty database (default: a temporary SQLite file)")
    args = parser.parse_args()
    chart = chart_figures()
    with tempfile.TemporaryDirectory(prefix="coordbot-report-bench-") as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        seed(url, args.workspaces, args.tasks, args.launches)
        median, worst, cpu = report_figures(url, args.runs)
    rows = [
        ["chart: first draw (imports matplotlib)", _ms(chart["cold"]), _ms(chart["cold_cpu"]), "< 1000 ms"],
        ["chart: later draws (median of 5)", _ms(chart["warm"]), _ms(chart["warm_cpu"]), "< 1000 ms"],
        ["chart: peak RSS added", f"{chart['rss_mb']:.1f} MB", "", "< 60 MB"],
        [
            f"weekly report, {args.tasks} tasks, {args.launches} launches (median)",
            _ms(median),
            _ms(cpu),
            "< 200 ms",
        ],
        ["weekly report (worst of runs)", _ms(worst), "", ""],
    ]
    print(table(["what", "wall", "cpu", "target"], rows))
    met = "met" if chart["cold_cpu"] < 1 and chart["rss_mb"] < 60 and cpu < 0.2 else "NOT met"
    print(
        f"summary: {machine()}; {args.workspaces} workspaces; chart {_ms(chart['cold_cpu'])} CPU cold, "
        f"+{chart['rss_mb']:.1f} MB; report {_ms(cpu)} CPU median — targets (CPU) {met}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
