"""A scheduler process for the SIGKILL test: ``python -m tests.scheduler.run_child URL OUT START END
[DELAY [WORKERS]]``.

Its messenger appends each delivered message's key to OUT (flushed and fsynced, like a platform
that has accepted it) and takes a little time per send, so a kill lands mid-run.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import datetime

from bot.messenger import Delivery, MessengerRegistry
from bot.scheduler import CoordScheduler
from bot.sending import ConcurrentSender
from handlers.clock import ManualClock
from handlers.replies import Outbound
from storage.db import Database
from tests.scheduler.conftest import FakeServices


class FileMessenger:
    platform = "console"

    def __init__(self, path: str, delay: float) -> None:
        self.path = path
        self.delay = delay

    def send(self, message: Outbound) -> Delivery:
        time.sleep(self.delay)
        with open(self.path, "a", encoding="utf-8") as out:
            out.write(f"{message.key}\n")
            out.flush()
            os.fsync(out.fileno())
        return Delivery()


def main() -> None:
    url, out, start, end = sys.argv[1:5]
    delay = float(sys.argv[5]) if len(sys.argv) > 5 else 0.0
    workers = int(sys.argv[6]) if len(sys.argv) > 6 else 1
    db = Database(url)
    begin, finish = datetime.fromisoformat(start), datetime.fromisoformat(end)
    services = FakeServices(
        db=db, clock=ManualClock(begin), messengers=MessengerRegistry({"console": FileMessenger(out, delay)})
    )
    CoordScheduler(services, ConcurrentSender(workers=workers)).run_through(begin, finish)  # type: ignore[arg-type]
    db.dispose()


if __name__ == "__main__":
    main()
