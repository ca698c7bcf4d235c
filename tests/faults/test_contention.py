"""50 clients changing the same task at once, through the real HTTP server with signed Slack
requests (uvicorn, bolt, the real core), on SQLite and on PostgreSQL.

Every request is answered once; each change either happens whole — one history entry, whose
"before" is exactly what the previous entry left — or is refused with a reason (a transition
the task's state no longer allows, a permission); the task ends where its history says.
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from sqlalchemy import select

from handlers.clock import ManualClock
from handlers.context import Caller
from handlers.core import Coordinator
from handlers.i18n import t
from handlers.replies import Outcome, Tone
from storage.db import Database
from storage.models import Task, TaskEvent
from tests.faults.conftest import Stack, make_stack, settle, soak
from tests.feishu.fake_feishu import FakeFeishu
from tests.slack.conftest import SlackSender
from tests.slack.fake_slack import TEAM_ID, FakeSlack

CLIENTS = 50
USERS = [f"UC{n:02d}" for n in range(CLIENTS)]
ADMINS = USERS[:-5]  # the last five may not close or reassign other people's tasks
VERBS = ("done", "reopen", "assign", "start", "block", "unblock")
BROKEN = {t("en", "err.internal"), t("en", "err.database_unavailable")}
_senders = itertools.count(1)  # each request its own trigger_id (a repeated one is a redelivery)


@dataclass
class RecordingCore:
    """The real core, with every text command's outcome recorded (to match against the history)."""

    core: Coordinator
    outcomes: list[tuple[str, str, Outcome]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle_text(self, caller: Caller, text: str, **kwargs: Any) -> Outcome:
        outcome = self.core.handle_text(caller, text, **kwargs)
        with self.lock:
            self.outcomes.append((caller.user_id, text, outcome))
        return outcome

    def __getattr__(self, name: str) -> Any:
        return getattr(self.core, name)


@pytest.fixture
def contended(
    db: Database, clock: ManualClock, slack_fake: FakeSlack, feishu_fake: FakeFeishu
) -> Iterator[tuple[Stack, RecordingCore]]:
    core = RecordingCore(
        Coordinator(db, clock, default_timezone="UTC", default_language="en", admin_ids=ADMINS)
    )
    for user in USERS:  # known to the fake: their profiles are looked up once, then cached
        slack_fake.add_user(user, f"Client {user[2:]}")
    for stack in make_stack(
        db, clock, slack_fake, feishu_fake, admin_ids=ADMINS, coordinator=core, slack_workers=CLIENTS
    ):
        yield stack, core


def command_for(n: int) -> str:
    verb = VERBS[n % len(VERBS)]
    if verb == "assign":
        return f"assign #1 <@{USERS[(n * 7) % CLIENTS]}>"
    if verb == "block":
        return f"block #1 waiting for client {n}"
    return f"{verb} #1"


def rush(stack: Stack, commands: list[tuple[str, str]]) -> list[str]:
    """Send all ``(user, text)`` commands at once, each from its own connection; return the
    response_url of each (in order) after every one was answered."""
    barrier = threading.Barrier(len(commands))
    answered_before = len(stack.slack_fake.calls_to("response_url"))

    def send(index: int) -> str:
        user, text = commands[index]
        with httpx.Client(timeout=30) as http:
            sender = SlackSender(stack.url, stack.slack_fake, http, counter=1000 * next(_senders))
            body = sender.command_body(text, user=user)
            encoded = urlencode(body)
            barrier.wait(timeout=30)
            response = sender.post(encoded, "application/x-www-form-urlencoded")
            assert response.status_code == 200, response.text
            return body["response_url"]

    with ThreadPoolExecutor(max_workers=len(commands)) as pool:
        urls = list(pool.map(send, range(len(commands))))
    stack.slack_fake.wait_for("response_url", answered_before + len(commands), timeout=120)
    settle(stack)
    return urls


def check_history(stack: Stack, core: RecordingCore, urls: list[str]) -> Counter[str]:
    # every request answered exactly once
    answered = Counter(c.path for c in stack.slack_fake.calls_to("response_url"))
    assert sorted(answered) == sorted("/respond/" + url.rsplit("/", 1)[1] for url in urls)
    assert set(answered.values()) == {1}
    # the core never broke: changes or reasoned refusals only
    changed = [(user, text) for user, text, o in core.outcomes if o.reply.tone != Tone.ERROR]
    refused = [o.reply.headline for _u, _t, o in core.outcomes if o.reply.tone == Tone.ERROR]
    assert not BROKEN & set(refused), refused
    with stack.db.transaction() as s:
        task = s.scalars(select(Task)).unique().one()
        history = list(
            s.scalars(select(TaskEvent).where(TaskEvent.task_id == task.id).order_by(TaskEvent.id))
        )
        state: dict[str, Any] = {"status": "todo", "assignee": None, "blocked_reason": None}
        actors = Counter()
        for event in history[1:]:  # after "created"
            for name, (before, after) in event.changes.items():
                if name in state:
                    assert before == state[name], (event.kind, name, before, state[name])
                    state[name] = after
            actors[event.actor.user_id if event.actor else None] += 1
        final = {
            "status": task.status,
            "assignee": task.assignee.user_id if task.assignee else None,
            "blocked_reason": task.blocked_reason,
        }
    assert history[0].kind == "created"
    assert state == final  # the task is where its history says
    assert len(history) - 1 == len(changed)  # one entry per change, none for a refusal
    assert actors == Counter(user for user, _text in changed)
    return Counter(kind for _u, _t, o in core.outcomes for kind in [o.reply.tone.value])


def test_fifty_clients_on_one_task_leave_it_consistent(contended: tuple[Stack, RecordingCore]) -> None:
    stack, core = contended
    admin = Caller("slack", TEAM_ID, USERS[0])
    assert core.core.handle_text(admin, "add dev Contended task").reply.tone == Tone.SUCCESS
    urls = rush(stack, [(USERS[n], command_for(n)) for n in range(CLIENTS)])
    assert len(core.outcomes) == CLIENTS
    tones = check_history(stack, core, urls)
    assert tones["success"] + tones["warning"] > 0 and tones["error"] > 0, tones  # both really happened


@soak
def test_soak_ten_rounds_of_fifty(contended: tuple[Stack, RecordingCore]) -> None:
    stack, core = contended
    assert core.core.handle_text(Caller("slack", TEAM_ID, USERS[0]), "add dev Contended task").reply
    urls: list[str] = []
    for round_ in range(10):
        urls += rush(stack, [(USERS[n], command_for(n + round_)) for n in range(CLIENTS)])
    assert len(core.outcomes) == CLIENTS * 10
    check_history(stack, core, urls)
