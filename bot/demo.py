"""``coordbot demo [--lang zh]``: a scripted two-week launch, played in seconds.

A temporary SQLite database, a simulated clock and the console messenger: the script types real
``/coord`` commands as a team would (departments, a launch made from the standard template with
owned, dated items, tasks for every department, some done late, one blocked; the launch moved two
days; each lead's sign-off, one "not ready" first; the PM's go) and moves the clock a day at a
time, while the real scheduler posts what it would post — digests, readiness check-ins, item and
task nudges, escalations, the sign-off request, the launch-day go/no-go with its matrix and the
follow-ups, the PM's weekly report with its burn-up chart and the retro at T+7 — labelled by
channel or DM.
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
# ":advance 1d" runs the scheduler through a day, 08:00 to 08:00 (the 09:30 digest and nudges,
# the 10:00 check-in): the commands after it are typed first thing the next morning.
SCRIPT: tuple[str, ...] = (
    ":user alice",
    ":channel general",
    "/coord dept set dev lead @bob",
    "/coord dept set dev members @bob @frank",
    "/coord dept set design lead @carol",
    "/coord dept set marketing lead @dave",
    "/coord dept set ops lead @erin",
    "/coord launch new v2.3 2026-12-15 #launch-v2-3",  # the standard template: 12 items, dated, owned
    "/coord add dev Payment API @frank due 2026-12-04 for v2.3 !high",
    "/coord add dev Regression test pass @bob due 2026-12-09 for v2.3",
    "/coord add design App store screenshots @carol due 2026-12-03 for v2.3",
    "/coord add marketing Launch blog post @dave due 2026-12-08 for v2.3",
    "/coord add ops Support runbook @erin due 2026-12-10 for v2.3",
    ":channel launch-v2-3",
    "/coord digest here at 09:30",
    "/coord report here weekly fri 16:00",  # the PM's weekly report, with the burn-up chart
    ":advance 1d",  # Tue Dec 1: three items are due today (T-10); the T-14 check-in at 10:00
    ":user carol",
    "/coord start #15",
    "/coord check v2.3 design 1",
    ":user bob",
    "/coord check v2.3 dev 1",
    ":advance 1d",  # Wed Dec 2: marketing's T-10 item is a day late, dave is nudged
    ":user carol",
    "/coord done #15",
    ":advance 1d",  # Thu Dec 3
    ":user dave",
    "/coord check v2.3 marketing 1",
    ":advance 1d",  # Fri Dec 4: the payment API is due
    ":advance 3d",  # Mon Dec 7: frank is nudged
    ":user dave",
    "/coord block #16 waiting for legal review",
    ":advance 1d",  # Tue Dec 8: #13 escalated to bob, the blocked #16 to lead and creator; T-7
    ":advance 1d",  # Wed Dec 9
    ":user alice",
    "/coord launch v2.3 date 2026-12-17",  # two days for legal: T-n items move; T-7 is not re-posted
    ":user frank",
    "/coord done #13",
    ":user bob",
    "/coord done #14",
    "/coord check v2.3 dev 2",
    ":user dave",
    "/coord unblock #16",
    ":advance 1d",  # Thu Dec 10
    "/coord done #16",
    ":user carol",
    "/coord check v2.3 design 2",
    ":advance 1d",  # Fri Dec 11
    ":user dave",
    "/coord check v2.3 marketing 2",
    ":user erin",
    "/coord check v2.3 ops 1",
    "/coord done #17",
    ":advance 3d",  # Mon Dec 14: T-3 of the new date at 10:00
    ":user bob",
    "/coord check v2.3 dev 3",
    ":user erin",
    "/coord check v2.3 ops 2",
    ":advance 1d",  # Tue Dec 15: T-2 working days, the sign-off request at 10:00
    ":advance 1d",  # Wed Dec 16: the leads sign off; T-1 shows the matrix
    ":user bob",
    "/coord signoff v2.3 dev ready regression suite green",
    ":user carol",
    "/coord signoff v2.3 design ready",
    ":user dave",
    "/coord signoff v2.3 marketing ready",
    ":user erin",
    "/coord signoff v2.3 ops not ready the feedback channel is not set up yet",
    ":advance 1d",  # Thu Dec 17: launch day
    ":user erin",
    "/coord check v2.3 ops 3",
    "/coord signoff v2.3 ops ready",
    ":advance 4h",  # the launch-day check-in: the matrix, and the PM's decision
    ":user alice",
    "/coord launch v2.3 go",
    ":advance 1d",  # Fri Dec 18: the T+1 follow-up asks each department for feedback
    ":user bob",
    "/coord check v2.3 dev 4",
    ":user frank",  # feedback after the launch: logged, +1'd, triaged
    "/coord feedback v2.3 bug Export button hidden on small screens",
    ":user erin",
    "/coord feedback v2.3 request Support asks for CSV export with dates",
    "/coord feedback v2.3 question How do customers reset a stuck sync?",
    ":user carol",
    "/coord feedback F1 +1",
    ":user dave",
    "/coord feedback v2.3 praise The press loved the new onboarding",
    ":advance 1d",  # Sat Dec 19
    ":user alice",
    "/coord feedback list v2.3 new",
    "/coord feedback F1 task dev @bob",
    "/coord feedback F2 accept",
    "/coord feedback F4 wontfix praise: shared with the team, nothing to fix",
    ":advance 6d",  # Fri Dec 25: the T+7 follow-up (Thu Dec 24) shows the feedback, asks for v2.4
    ":user alice",
    "/coord launch new v2.4 2027-01-28 from v2.3",  # the fix, F2 and F3 come along
    "/coord plan v2.4",
)


def run_demo(lang: str = "en", out: TextIO = sys.stdout) -> None:
    """Play :data:`SCRIPT` against a fresh temporary database, printing everything to ``out``."""
    from bot.app import Services
    from bot.console import Console
    from bot.scheduler import CoordScheduler
    from bot.sending import ConcurrentSender
    from bot.settings import load_settings
    from handlers.clock import ManualClock

    with tempfile.TemporaryDirectory(prefix="coordbot-demo-") as tmp:
        settings = load_settings(
            database_url=f"sqlite:///{Path(tmp) / 'demo.db'}", language=lang, timezone="UTC", admin_ids=[]
        )
        clock = ManualClock(START)
        services = Services.build(settings, clock)
        scheduler = CoordScheduler(services, ConcurrentSender(workers=1))  # the transcript's order
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
