"""A replica for the two-replica SIGKILL test: ``python -m tests.scheduler.storm_child URL OUT AT
DELAY WORKERS SEED``.

Prints ``ready`` and waits for a line on standard input (so that two replicas tick together), ticks
the storm instant AT once (staggered like ``coordbot serve``), prints ``ticked``, then waits
for a line on standard input and runs the ten minutes after AT (the retries and the
reservations a killed replica left once their lease ran out). Its messenger appends each delivered
key to OUT (flushed and fsynced, like a platform that has accepted it), DELAY seconds per send.
"""

from __future__ import annotations

import random
import sys
from datetime import datetime, timedelta

from bot.messenger import MessengerRegistry
from bot.scheduler import CoordScheduler
from bot.sending import ConcurrentSender
from handlers.clock import ManualClock
from storage.db import Database
from tests.scheduler.conftest import FakeServices
from tests.scheduler.run_child import FileMessenger


def main() -> None:
    url, out, at_text, delay, workers, seed = sys.argv[1:7]
    at = datetime.fromisoformat(at_text)
    db = Database(url)
    services = FakeServices(
        db=db,
        clock=ManualClock(at),
        messengers=MessengerRegistry({"console": FileMessenger(out, float(delay))}),
    )
    scheduler = CoordScheduler(
        services,  # type: ignore[arg-type]
        ConcurrentSender(workers=int(workers)),
        stagger=random.Random(int(seed)),
    )
    print("ready", flush=True)
    sys.stdin.readline()
    scheduler.tick(at)
    print("ticked", flush=True)
    sys.stdin.readline()
    scheduler.run_through(at, at + timedelta(minutes=10))
    db.dispose()


if __name__ == "__main__":
    main()
