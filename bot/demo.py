"""``coordbot demo [--lang zh]``: a scripted two-week launch, played in seconds.

A temporary SQLite database, a simulated clock and the console messenger: the script types real
``/coord`` commands as a team would (departments, a launch with its checklist, tasks for every
department, some done late, one blocked) and moves the clock a day at a time, while the real
scheduler posts what it would post — digests, readiness check-ins, overdue nudges, escalations,
the launch-day go/no-go and the follow-ups — labelled by channel or DM.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from handlers.i18n import t

START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # a Monday; the launch is two weeks later

# One line per step: console commands (":user", ":channel", ":advance") and /coord commands.
SCRIPT: tuple[str, ...] = (
    ":user alice",
    ":channel general",
    "/coord dept set dev lead @bob",
    "/coord dept set design lead @carol",
    "/coord dept set marketing lead @dave",
    "/coord dept set ops lead @erin",
    "/coord launch new v2.3 2026-12-15 #launch-v2-3",
    "/coord add dev Payment API @frank due 2026-12-04 for v2.3 !high",
    "/coord add dev Regression test pass @bob due 2026-12-09 for v2.3",
    "/coord add design App store screenshots @carol due 2026-12-03 for v2.3",
    "/coord add marketing Launch blog post @dave due 2026-12-08 for v2.3",
    "/coord add ops Support runbook @erin due 2026-12-10 for v2.3",
    ":channel launch-v2-3",
    "/coord digest here at 09:30",
    ":advance 1d",  # Tue Dec 1: T-14 check-in
    ":advance 1d",
    ":user carol",
    "/coord start #3",
    ":advance 1d",  # Thu Dec 3
    "/coord done #3",
    "/coord check v2.3 design 1",
    "/coord check v2.3 design 2",
    ":user bob",
    "/coord check v2.3 dev 1",
    ":advance 1d",  # Fri Dec 4: the payment API is due
    ":advance 3d",  # Mon Dec 7: frank is nudged
    ":user dave",
    "/coord block #4 waiting for legal review",
    ":advance 1d",  # Tue Dec 8: T-7, escalation of #1 to bob; blocked #4 goes to lead and creator
    ":advance 1d",  # Wed Dec 9
    ":user frank",
    "/coord done #1",
    ":user bob",
    "/coord done #2",
    "/coord check v2.3 dev 2",
    ":user dave",
    "/coord unblock #4",
    ":advance 1d",  # Thu Dec 10
    "/coord done #4",
    "/coord check v2.3 marketing 1",
    "/coord check v2.3 marketing 2",
    ":advance 1d",  # Fri Dec 11: T-3 (Saturday moved to Friday)
    ":user erin",
    "/coord check v2.3 ops 1",
    ":advance 3d",  # Mon Dec 14: T-1
    ":advance 1d",  # Tue Dec 15: launch day, go/no-go
    ":advance 1d",  # Wed Dec 16: T+1 follow-up
    ":user erin",
    "/coord done #5",
    ":advance 6d",  # Tue Dec 22: T+7 follow-up
    ":advance 4h",
)


def run_demo(lang: str = "en", out: TextIO = sys.stdout) -> None:
    """Play :data:`SCRIPT` against a fresh temporary database, printing everything to ``out``."""
    from bot.app import Services
    from bot.console import Console
    from bot.scheduler import CoordScheduler
    from bot.settings import load_settings
    from handlers.clock import ManualClock

    with tempfile.TemporaryDirectory(prefix="coordbot-demo-") as tmp:
        settings = load_settings(
            database_url=f"sqlite:///{Path(tmp) / 'demo.db'}", language=lang, timezone="UTC", admin_ids=[]
        )
        clock = ManualClock(START)
        services = Services.build(settings, clock)
        scheduler = CoordScheduler(services)
        console = Console(services, clock, out=out, user="alice", channel="general", scheduler=scheduler)
        out.write(t(lang, "sched.demo.title", launch="v2.3") + "\n")
        sent = 0
        for line in SCRIPT:
            if line.startswith(":advance"):
                before = clock.now()
                _quiet_advance(console, line)
                sent += _count_sent(services, before, clock.now())
                out.write(t(lang, "sched.demo.day", date=clock.now().strftime("%a %Y-%m-%d %H:%M")) + "\n")
                continue
            if line.startswith(":"):
                console.handle(line)
                continue
            out.write(f"{console.prompt}{line}\n")
            console.handle(line)
        out.write(t(lang, "sched.demo.done", n=sent) + "\n")
        out.flush()
        services.db.dispose()


def _quiet_advance(console: object, line: str) -> None:
    handle = getattr(console, "handle")  # noqa: B009 - the console's own line handler
    handle(line)


def _count_sent(services: object, start: datetime, end: datetime) -> int:
    from sqlalchemy import func, select

    from storage.models import Notification

    db = getattr(services, "db")  # noqa: B009
    with db.transaction() as s:
        return int(
            s.scalar(
                select(func.count())
                .select_from(Notification)
                .where(
                    Notification.sent_at > start, Notification.sent_at <= end, Notification.status == "sent"
                )
            )
            or 0
        )
