"""A change that changes nothing says so: no history event, no DM, no "is now" wording.

The class: every command that sets a field (assignee, department, due date, title, blocked
reason) run with the value the task already has.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from handlers.clock import ManualClock
from handlers.context import Caller
from handlers.core import Coordinator
from handlers.replies import Outcome, Tone
from storage.db import Database
from storage.models import TaskEvent


@pytest.fixture
def core(db: Database, clock: ManualClock) -> Coordinator:
    return Coordinator(db, clock, default_timezone="UTC")


def run(core: Coordinator, text: str, user: str = "alice") -> Outcome:
    return core.handle_text(Caller("slack", "T1", user, user, "C1", "general"), text)


def events(db: Database) -> int:
    with db.transaction() as s:
        return s.scalar(select(func.count()).select_from(TaskEvent)) or 0


SETUPS_AND_REPEATS = [
    ("assign #1 @bob", "assign #1 @bob"),
    ("assign #1 none", "assign #1 none"),
    ("assign #1 design", "assign #1 design"),
    ("due #1 2026-12-04", "due #1 2026-12-04"),
    ("due #1 none", "due #1 none"),
    ("rename #1 Ship the login page", "rename #1 Ship the login page"),
    ("block #1 waiting for the API", "block #1 waiting for the API"),
]


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize(("setup", "repeat"), SETUPS_AND_REPEATS)
def test_repeating_a_change_changes_nothing(
    core: Coordinator, db: Database, setup: str, repeat: str, language: str
) -> None:
    run(core, f"settings language {language}")
    run(core, "add dev Login page")
    run(core, "help", user="bob")  # bob is known to the workspace
    first = run(core, setup)
    assert first.reply.tone != Tone.ERROR, first.reply.plain_text()
    before = events(db)

    again = run(core, repeat)

    shown = again.reply.plain_text()
    assert again.reply.tone == Tone.INFO, shown
    assert ("Nothing to change" if language == "en" else "无需更改") in shown
    assert events(db) == before
    assert again.outbox == []


def test_a_real_change_after_a_repeat_still_changes(core: Coordinator, db: Database) -> None:
    run(core, "add dev Login page @bob")
    assert run(core, "assign #1 @bob").reply.tone == Tone.INFO
    before = events(db)
    moved = run(core, "assign #1 @carol")
    assert moved.reply.tone == Tone.SUCCESS
    assert events(db) == before + 1
