"""Fixtures for the overview (roadmap, board): the real core on a real database, a shared clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from handlers.clock import ManualClock
from handlers.core import Coordinator
from handlers.web_access import WebAccess
from storage.db import Database
from tests.launch.conftest import Team

START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # a Wednesday
PUBLIC_URL = "https://coord.example.com"


@pytest.fixture
def team_clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def team(db: Database, team_clock: ManualClock) -> Iterator[Team]:
    core = Coordinator(db, team_clock, web=WebAccess(public_url=PUBLIC_URL))
    yield Team(core, db, team_clock)
