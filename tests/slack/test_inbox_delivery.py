"""Slash commands and button presses are saved before Slack gets its acknowledgement.

End to end: signed requests to the real HTTP route, the fake Web API and ``response_url``
endpoints; the inbox on SQLite and PostgreSQL. "The process died after the acknowledgement" is a
work pool that drops what it is given.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Executor, Future
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bot.app import Services
from bot.slack.runtime import SlackRuntime
from handlers.clock import ManualClock
from handlers.core import ACTION_DONE, Coordinator
from handlers.i18n import t
from storage import inbox
from storage.db import DatabaseUnavailable
from storage.models import InboxEvent, Notification, Task
from tests.replica import scheduler_sends
from tests.slack.conftest import ALICE, CHANNEL, SlackSender
from tests.slack.fake_slack import BOT_USER_ID, Call, FakeSlack

SAVED = t("en", "inbound.saved_for_later")


class Dropped(Executor):
    """A work pool in a process that died right after the acknowledgement: nothing runs."""

    def __init__(self) -> None:
        self.dropped = 0
        self.handed = threading.Event()  # work reaches the pool just after the answer is sent

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.dropped += 1
        self.handed.set()
        return Future()


def entries(services: Services) -> list[InboxEvent]:
    with services.db.transaction() as session:
        return list(session.scalars(select(InboxEvent).where(InboxEvent.platform == "slack")))


def tasks(services: Services) -> list[Task]:
    with services.db.transaction() as session:
        return list(session.scalars(select(Task).order_by(Task.number)))


def answers(fake: FakeSlack, url: str, count: int = 1) -> list[Call]:
    return fake.wait_for("response_url", count, where=lambda c: c.path.endswith(url.rsplit("/", 1)[1]))


def database_away_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The core's next transaction loses its database connection; later ones work."""
    real = Coordinator._context
    calls = {"n": 0}

    def away_once(self: Coordinator, session: Any, caller: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))
        return real(self, session, caller)

    monkeypatch.setattr(Coordinator, "_context", away_once)


def after_the_lease(clock: ManualClock) -> None:
    clock.advance(inbox.LEASE + timedelta(seconds=1))


def test_a_command_is_saved_before_the_ack_and_runs_after_a_crash(
    slack: SlackSender, runtime: SlackRuntime, services: Services, fake: FakeSlack, clock: ManualClock
) -> None:
    assert runtime.pipeline is not None
    dropped = runtime.pipeline.work = Dropped()
    body = slack.command_body("add dev Ship the build")
    response = slack.post(urlencode(body), "application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert dropped.handed.wait(10) and dropped.dropped == 1
    (entry,) = entries(services)
    assert entry.key == f"trigger:{body['trigger_id']}" and entry.done_at is None
    assert body["token"] not in entry.payload and body["response_url"] in entry.payload
    assert not tasks(services)

    assert runtime.recover() == 0  # its lease has not run out: maybe it is still running
    after_the_lease(clock)
    assert runtime.recover() == 1
    (answer,) = answers(fake, body["response_url"])
    assert "Ship the build" in answer.params["text"]
    assert [task.title for task in tasks(services)] == ["Ship the build"]
    assert entries(services)[0].done_at is not None

    after_the_lease(clock)
    assert runtime.recover() == 0  # once


def test_a_saved_button_press_runs_after_a_crash(
    slack: SlackSender, runtime: SlackRuntime, services: Services, fake: FakeSlack, clock: ManualClock
) -> None:
    first = slack.command("add dev Fix login @alice")
    assert first.status_code == 200
    fake.wait_for("response_url")
    (task,) = tasks(services)
    assert runtime.pipeline is not None
    runtime.pipeline.work = Dropped()
    action = {"action_id": f"{ACTION_DONE}:{task.number}", "value": str(task.number)}
    response, url = slack.block_action(action, user=ALICE)
    assert response.status_code == 200
    assert tasks(services)[0].status == "todo"
    after_the_lease(clock)
    assert runtime.recover() == 1
    answers(fake, url)
    assert tasks(services)[0].status == "done"


def test_a_redelivered_command_runs_once(slack: SlackSender, services: Services, fake: FakeSlack) -> None:
    body = urlencode(slack.command_body("add dev Only once"))
    assert slack.post(body, "application/x-www-form-urlencoded").status_code == 200
    assert slack.post(body, "application/x-www-form-urlencoded").status_code == 200
    fake.wait_for("response_url")
    assert [task.title for task in tasks(services)] == ["Only once"]
    assert len(entries(services)) == 1


def test_when_the_database_goes_away_after_the_save_the_command_waits_and_runs_later(
    slack: SlackSender,
    runtime: SlackRuntime,
    services: Services,
    fake: FakeSlack,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    database_away_once(monkeypatch)
    body = slack.command_body("add dev Survives the outage")
    assert slack.post(urlencode(body), "application/x-www-form-urlencoded").status_code == 200
    (told,) = answers(fake, body["response_url"])
    assert told.params["text"] == SAVED and told.params["response_type"] == "ephemeral"
    assert not tasks(services)
    assert entries(services)[0].done_at is None

    after_the_lease(clock)
    assert runtime.recover() == 1
    _, done = answers(fake, body["response_url"], 2)
    assert "Survives the outage" in done.params["text"]
    assert [task.title for task in tasks(services)] == ["Survives the outage"]


def test_a_command_the_inbox_refused_still_runs_once(
    slack: SlackSender,
    runtime: SlackRuntime,
    services: Services,
    fake: FakeSlack,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert runtime.pipeline is not None and runtime.pipeline.accepts is not None

    def refused(*_args: Any, **_kwargs: Any) -> bool:
        raise DatabaseUnavailable("database is locked")

    monkeypatch.setattr(runtime.pipeline.accepts, "accept", refused)
    body = slack.command_body("add dev Not saved but done")
    assert slack.post(urlencode(body), "application/x-www-form-urlencoded").status_code == 200
    (answer,) = answers(fake, body["response_url"])
    assert "Not saved but done" in answer.params["text"]
    (entry,) = entries(services)  # settled by the command itself: nothing for the sweeper
    assert entry.done_at is not None
    after_the_lease(clock)
    assert runtime.recover() == 0
    assert len(tasks(services)) == 1


def test_a_failing_command_is_not_run_again(
    slack: SlackSender,
    runtime: SlackRuntime,
    services: Services,
    fake: FakeSlack,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("a bug")

    assert runtime.listeners is not None
    monkeypatch.setattr(runtime.listeners.users, "name_mentions", broken)
    body = slack.command_body("list mine")
    slack.post(urlencode(body), "application/x-www-form-urlencoded")
    (answer,) = answers(fake, body["response_url"])
    assert answer.params["text"] == t("en", "inbound.error")
    after_the_lease(clock)
    assert runtime.recover() == 0


def said(fake: FakeSlack, text: str) -> list[Call]:
    """Waits for the bot's chat.postMessage whose text contains ``text``."""
    return fake.wait_for("chat.postMessage", where=lambda c: text in str(c.params.get("text")))


def test_a_mention_is_saved_before_the_ack_and_runs_after_a_crash(
    slack: SlackSender,
    runtime: SlackRuntime,
    services: Services,
    fake: FakeSlack,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert runtime.pipeline is not None
    monkeypatch.setattr(runtime.pipeline, "work", Dropped())  # the process dies after the ack
    event = {
        "type": "app_mention",
        "channel": CHANNEL,
        "user": ALICE,
        "text": f"<@{BOT_USER_ID}> add dev From a mention",
        "ts": "1700000000.000200",
    }
    assert slack.event(event, event_id="Ev0SAVED").status_code == 200
    (entry,) = entries(services)  # written before bolt acknowledged the event
    assert entry.key == "event:Ev0SAVED" and entry.done_at is None
    monkeypatch.undo()

    after_the_lease(clock)
    assert runtime.recover() == 1
    said(fake, "From a mention")
    assert [task.title for task in tasks(services)] == ["From a mention"]
    # Slack retrying the delivery changes nothing
    assert slack.event(event, event_id="Ev0SAVED", retry_num=1).status_code == 200
    after_the_lease(clock)
    assert runtime.recover() == 0
    assert len(tasks(services)) == 1


def test_a_dm_saved_before_an_outage_is_answered_when_it_runs(
    slack: SlackSender,
    runtime: SlackRuntime,
    services: Services,
    fake: FakeSlack,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    database_away_once(monkeypatch)
    event = {
        "type": "message",
        "channel_type": "im",
        "channel": "DALICE",
        "user": ALICE,
        "text": "add dev Written to the bot",
        "ts": "1700000000.000300",
    }
    assert slack.event(event, event_id="Ev0DM").status_code == 200
    (told,) = said(fake, "Your request is saved")
    assert told.params["channel"] == "DALICE"
    assert not tasks(services)
    after_the_lease(clock)
    assert runtime.recover() == 1
    said(fake, "Written to the bot")
    assert [task.title for task in tasks(services)] == ["Written to the bot"]


def eventually(check: Any, timeout: float = 10.0) -> Any:
    """Poll ``check`` until it returns something truthy (bounded): for work running after the ack."""
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)
    return found


@pytest.mark.parametrize("refusal", [404, 503])
def test_an_answer_slack_refused_reaches_the_person_by_dm(
    slack: SlackSender, services: Services, fake: FakeSlack, clock: ManualClock, refusal: int
) -> None:
    """The response_url expired (404) or Slack was down (503) when the command had applied: the
    scheduler sends the answer to the person's DM instead, once."""
    fake.http_error("response_url", status=refusal, body="expired_url", times=1)
    body = slack.command_body("add dev Answer me later")
    assert slack.post(urlencode(body), "application/x-www-form-urlencoded").status_code == 200
    (row,) = eventually(lambda: [r for r in replies(services) if r.status == "failed"])  # the refusal
    assert row.key == f"reply:{body['trigger_id']}" and row.target_id == ALICE
    assert [task.title for task in tasks(services)] == ["Answer me later"]

    assert scheduler_sends(services, clock) == (1, 0)  # once, by any replica's scheduler
    (dm,) = fake.calls_to("chat.postMessage")
    assert dm.params["channel"] == ALICE and "Answer me later" in dm.params["text"]


def replies(services: Services) -> list[Notification]:
    with services.db.transaction() as session:
        return list(session.scalars(select(Notification).where(Notification.kind == "reply")))


class ProcessDied(BaseException):
    """What a SIGKILL does to the rest of a request's work: nothing after it runs."""


def test_a_command_that_committed_just_before_a_crash_is_still_answered_once(
    slack: SlackSender,
    runtime: SlackRuntime,
    services: Services,
    fake: FakeSlack,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The command's transaction committed (task, settled inbox entry, its answer in the ledger),
    then the process died before answering: a replica's scheduler answers it, through the
    response_url while it is valid, once."""
    assert runtime.pipeline is not None

    def killed(*_args: Any, **_kwargs: Any) -> None:
        raise ProcessDied

    monkeypatch.setattr(runtime.pipeline, "_answer", killed)
    body = slack.command_body("add dev Committed then killed")
    assert slack.post(urlencode(body), "application/x-www-form-urlencoded").status_code == 200
    eventually(lambda: tasks(services))
    eventually(lambda: all(entry.done_at is not None for entry in entries(services)))
    assert runtime.pipeline.work is not None and runtime.pipeline.work.wait_idle()  # type: ignore[attr-defined]
    monkeypatch.undo()
    assert fake.calls_to("response_url") == []

    after_the_lease(clock)
    assert runtime.recover() == 0  # the command applied: nothing runs again
    assert scheduler_sends(services, clock) == (1, 0)  # once, by any replica's scheduler
    (answer,) = answers(fake, body["response_url"])
    assert "Committed then killed" in answer.params["text"]
    assert answer.params["response_type"] == "in_channel"
    assert [task.title for task in tasks(services)] == ["Committed then killed"]
    assert fake.calls_to("chat.postMessage") == []
