"""Several requests at once (as several HTTP workers or replicas would send them)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from handlers.clock import ManualClock
from handlers.context import Caller
from handlers.core import Coordinator
from handlers.replies import Tone
from storage.db import Database
from storage.models import Task, TaskEvent


def test_concurrent_creators_get_unique_sequential_numbers(db: Database, clock: ManualClock) -> None:
    core = Coordinator(db, clock)
    core.handle_text(Caller("slack", "T1", "admin"), "list")  # the workspace exists before the rush

    def add(i: int) -> Tone:
        return core.handle_text(Caller("slack", "T1", f"U{i % 7}"), f"add dev Task {i}").reply.tone

    with ThreadPoolExecutor(max_workers=8) as pool:
        tones = list(pool.map(add, range(40)))
    assert set(tones) == {Tone.SUCCESS}
    with db.transaction() as s:
        numbers = sorted(s.scalars(select(Task.number)))
    assert numbers == list(range(1, 41))


def test_concurrent_changes_to_one_task_leave_a_consistent_history(db: Database, clock: ManualClock) -> None:
    core = Coordinator(db, clock)
    admin = Caller("slack", "T1", "admin")
    core.handle_text(admin, "add dev Contended")
    verbs = ["done", "reopen", "start", "assign #1 <@U9>"] * 8

    def act(verb: str) -> None:
        text = verb if verb.startswith("assign") else f"{verb} #1"
        core.handle_text(admin, text)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(act, verbs))
    with db.transaction() as s:
        task = s.scalars(select(Task)).unique().one()
        events = list(s.scalars(select(TaskEvent).order_by(TaskEvent.id)).unique())
    # Replaying the status changes in order ends where the task is: no lost or torn update.
    status = "todo"
    for event in events:
        if "status" in event.changes:
            before, after = event.changes["status"]
            assert before == status
            status = after
    assert status == task.status
