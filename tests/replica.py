"""What another replica's scheduler sends, for the tests of answers owed after a failure or a crash."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.scheduler import CoordScheduler
from handlers.clock import ManualClock
from tests.virtual_seconds import virtual_sender


def scheduler_sends(services: Any, clock: ManualClock) -> tuple[int, int]:
    """How many messages a scheduler sends in the next 10 minutes, then in the two hours after."""
    scheduler = CoordScheduler(services, virtual_sender())
    try:
        start = clock.now()
        first = scheduler.run_through(start, start + timedelta(minutes=10))
        later = scheduler.run_through(start + timedelta(minutes=10), start + timedelta(hours=2))
    finally:
        scheduler.shutdown()
    return first, later
