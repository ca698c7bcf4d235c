"""Feishu messages through the inbox: answered first, run after, once, and not lost by a crash."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select
from starlette.testclient import TestClient

from bot.feishu.text import BotIdentity
from bot.inbound import Accepted, Ticket
from bot.server import build_asgi_app
from handlers.replies import Outcome, Reply
from storage import inbox
from storage.db import DatabaseUnavailable
from storage.models import InboxEvent, ProcessedEvent, Task
from tests.feishu import events
from tests.feishu.conftest import RecordingCoordinator
from tests.feishu.fake_feishu import FakeFeishu
from tests.replica import scheduler_sends
from tests.virtual_seconds import virtual_sender

ME = BotIdentity(open_id=events.BOT_OPEN_ID, app_name="coordbot")


class Dropped:
    """A work pool in a process that died right after answering Feishu: nothing runs."""

    def submit(self, *_args, **_kwargs) -> None:  # type: ignore[no-untyped-def]
        return None

    def shutdown(self, wait: bool = True) -> None:
        return None


def deliver(db, runtime, event) -> int:  # type: ignore[no-untyped-def]
    raw, headers = events.signed(events.encrypt(event))
    client = TestClient(build_asgi_app(db, runtime.routes))
    return client.post("/feishu/events", content=raw, headers=headers).status_code


def pending(db) -> list[str]:  # type: ignore[no-untyped-def]
    with db.transaction() as session:
        return list(session.scalars(select(InboxEvent.key).where(InboxEvent.done_at.is_(None))))


class BlockingCoordinator(RecordingCoordinator):
    """Holds every command until released, to show Feishu got its answer before the work ran."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def handle_text(self, caller, text, *, once=None, answer=None):  # type: ignore[no-untyped-def]
        assert self.release.wait(10)
        return super().handle_text(caller, text, once=once, answer=answer)


def test_feishu_is_answered_before_the_command_runs(make_runtime, db, fake: FakeFeishu) -> None:  # type: ignore[no-untyped-def]
    core = BlockingCoordinator()
    runtime = make_runtime(core, identity=ME)
    assert deliver(db, runtime, events.message_event("@_user_1 list", message_id="om_first")) == 200
    assert core.texts == [] and fake.sent == []
    assert pending(db) == ["message:om_first"]  # accepted durably before the answer
    with db.transaction() as session:
        saved = session.scalar(select(InboxEvent.payload))
    assert events.VERIFICATION_TOKEN not in saved and "om_first" in saved  # no secret kept
    core.release.set()
    assert runtime.listeners.wait_idle()
    assert [text for _, text in core.texts] == ["list"]
    assert pending(db) == []
    assert fake.wait_sent(1)[0].path == "/open-apis/im/v1/messages/om_first/reply"


def test_a_crash_after_the_answer_loses_nothing(make_runtime, db, clock, fake: FakeFeishu) -> None:  # type: ignore[no-untyped-def]
    core = RecordingCoordinator()
    crashed = make_runtime(core, identity=ME)
    crashed.listeners.pipeline.work = Dropped()  # the process dies before its pool runs the work
    assert deliver(db, crashed, events.message_event("@_user_1 list mine", message_id="om_lost")) == 200
    assert core.texts == [] and pending(db) == ["message:om_lost"]

    survivor = make_runtime(core, identity=ME)  # another replica, or the restarted process
    assert survivor.listeners.recover() == 0  # the first owner's lease still runs
    clock.advance(inbox.LEASE + timedelta(seconds=1))
    assert survivor.listeners.recover() == 1
    assert [text for _, text in core.texts] == ["list mine"]
    assert fake.wait_sent(1)[0].path == "/open-apis/im/v1/messages/om_lost/reply"
    clock.advance(inbox.LEASE * 3)
    assert survivor.listeners.recover() == 0 and len(core.texts) == 1
    # Feishu redelivering the same message changes nothing either
    assert deliver(db, survivor, events.message_event("@_user_1 list mine", message_id="om_lost")) == 200
    assert survivor.listeners.wait_idle() and len(core.texts) == 1


def test_two_replicas_running_one_message_create_one_task(make_runtime, db, fake: FakeFeishu) -> None:  # type: ignore[no-untyped-def]
    first, second = make_runtime(identity=ME), make_runtime(identity=ME)  # the real core, one database
    first.listeners.pipeline.work = Dropped()
    event = events.message_event("add dev login page", message_id="om_race", chat_type="p2p", mentions=[])
    assert deliver(db, first, event) == 200
    (key,) = pending(db)
    with db.transaction() as session:
        payload = session.scalar(select(InboxEvent.payload))
    start = threading.Barrier(2)

    def run(bot) -> None:  # type: ignore[no-untyped-def]
        start.wait()
        bot.pipeline.run(Ticket(key, Accepted.SAVED), *bot.rebuild(inbox.Pending(key, payload, 1)))

    threads = [threading.Thread(target=run, args=(r.listeners,)) for r in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Task)) == 1
    assert pending(db) == []
    fake.wait_sent(1)
    assert len(fake.sent) == 1


class DatabaseAwayOnce(RecordingCoordinator):
    """The core's answer when its transaction could not reach the database, the first time."""

    def handle_text(self, caller, text, *, once=None, answer=None):  # type: ignore[no-untyped-def]
        if not getattr(self, "failed", False):
            self.failed = True
            return Outcome(Reply("database unavailable"), retry_later=True)
        return super().handle_text(caller, text, once=once, answer=answer)


def test_a_message_the_database_could_not_run_waits_in_the_inbox(make_runtime, db, clock, fake) -> None:  # type: ignore[no-untyped-def]
    core = DatabaseAwayOnce()
    runtime = make_runtime(core, identity=ME)
    assert deliver(db, runtime, events.message_event("@_user_1 list", message_id="om_wait")) == 200
    assert runtime.listeners.wait_idle()
    assert fake.sent == [] and pending(db) == ["message:om_wait"]  # no "try again": it will run
    clock.advance(inbox.LEASE + timedelta(seconds=1))
    assert runtime.listeners.recover() == 1
    assert [text for _, text in core.texts] == ["list"]
    assert fake.wait_sent(1)[0].path == "/open-apis/im/v1/messages/om_wait/reply"


def test_an_entry_that_keeps_failing_is_given_up(make_runtime, db, clock, fake, caplog) -> None:  # type: ignore[no-untyped-def]
    class AlwaysAway(RecordingCoordinator):
        def handle_text(self, caller, text, *, once=None, answer=None):  # type: ignore[no-untyped-def]
            self.texts.append((caller, text))
            return Outcome(Reply("database unavailable"), retry_later=True)

    core = AlwaysAway()
    runtime = make_runtime(core, identity=ME)
    assert deliver(db, runtime, events.message_event("@_user_1 list", message_id="om_poison")) == 200
    assert runtime.listeners.wait_idle()
    for _ in range(inbox.MAX_ATTEMPTS):
        clock.advance(inbox.LEASE + timedelta(seconds=1))
        runtime.listeners.recover()
    assert len(core.texts) == inbox.MAX_ATTEMPTS
    assert pending(db) == []
    assert "given up" in caplog.text
    assert fake.sent == []


def test_old_entries_and_event_ids_are_forgotten(make_runtime, db, clock) -> None:  # type: ignore[no-untyped-def]
    from bot.scheduler import KEEP_HANDLED, CoordScheduler

    runtime = make_runtime(RecordingCoordinator(), identity=ME)
    assert deliver(db, runtime, events.message_event("@_user_1 list", message_id="om_old")) == 200
    assert runtime.listeners.wait_idle()
    press = events.card_action_event("task.done", "1")
    assert deliver(db, runtime, press) == 200  # a card action: its event id is recorded
    scheduler = CoordScheduler(runtime.listeners.services, virtual_sender())
    assert scheduler.forget_handled() == 0
    clock.advance(KEEP_HANDLED + timedelta(minutes=1))
    assert scheduler.forget_handled() == 2
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(InboxEvent)) == 0
        assert session.scalar(select(func.count()).select_from(ProcessedEvent)) == 0


def test_a_slow_inbox_makes_feishu_deliver_again(make_runtime, db, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    core = RecordingCoordinator()
    runtime = make_runtime(core, identity=ME)

    def slow(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise TimeoutError("the inbox did not answer in time")

    monkeypatch.setattr(runtime.listeners.pipeline.accepts, "accept", slow)
    assert deliver(db, runtime, events.message_event("@_user_1 list", message_id="om_slow")) == 500
    assert runtime.listeners.wait_idle() and core.texts == []  # not run unguarded: Feishu sends it again
    monkeypatch.undo()
    assert deliver(db, runtime, events.message_event("@_user_1 list", message_id="om_slow")) == 200
    assert runtime.listeners.wait_idle() and [text for _, text in core.texts] == ["list"]


def test_an_accept_in_doubt_runs_the_message_once(make_runtime, db, clock, fake, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The inbox write landed but its answer was lost (the link dropped during COMMIT): the message
    runs at once, unsaved, and the sweeper later finds the entry already settled."""
    core = RecordingCoordinator()
    runtime = make_runtime(core, identity=ME)
    real = runtime.listeners.pipeline.accepts.accept

    def landed_but_raised(*args, **kwargs):  # type: ignore[no-untyped-def]
        real(*args, **kwargs)
        raise DatabaseUnavailable("server closed the connection unexpectedly", in_doubt=True)

    monkeypatch.setattr(runtime.listeners.pipeline.accepts, "accept", landed_but_raised)
    assert deliver(db, runtime, events.message_event("@_user_1 list", message_id="om_doubt")) == 200
    assert runtime.listeners.wait_idle()
    assert [text for _, text in core.texts] == ["list"]
    assert pending(db) == []
    clock.advance(inbox.LEASE + timedelta(seconds=1))
    assert runtime.listeners.recover() == 0 and len(core.texts) == 1


def test_an_unsaved_message_the_database_could_not_run_is_answered(  # type: ignore[no-untyped-def]
    make_runtime, db, fake, monkeypatch
) -> None:
    core = DatabaseAwayOnce()
    runtime = make_runtime(core, identity=ME)

    def refused(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise DatabaseUnavailable("connection refused")

    monkeypatch.setattr(runtime.listeners.pipeline.accepts, "accept", refused)
    assert deliver(db, runtime, events.message_event("@_user_1 list", message_id="om_away")) == 200
    assert runtime.listeners.wait_idle()
    (sent,) = fake.wait_for(lambda: fake.answers)  # nothing waits in the inbox: the person must hear
    assert sent.path.endswith("/ephemeral/v1/send")  # an error is for the asker alone
    assert "database unavailable" in str(sent.body)


def test_an_answer_feishu_refused_is_posted_to_the_chat_later(make_runtime, db, clock, fake) -> None:  # type: ignore[no-untyped-def]
    """The reply call failed after the command applied: the scheduler posts the answer to the
    chat instead, with the same uuid (so Feishu keeps one copy if the first call did land)."""
    from bot.feishu.messenger import message_uuid
    from storage.models import Notification

    runtime = make_runtime(identity=ME)  # the real core
    fake.fail("POST", "/om_refused/reply", status=500, code=1000, msg="internal error")
    event = events.message_event("@_user_1 add dev Answer later", message_id="om_refused")
    assert deliver(db, runtime, event) == 200
    assert runtime.listeners.wait_idle()
    with db.transaction() as session:
        (row,) = session.scalars(select(Notification).where(Notification.kind == "reply"))
        assert (row.key, row.target_kind, row.target_id) == ("reply:om_refused", "channel", "oc_group")
    assert scheduler_sends(runtime.listeners.services, clock) == (1, 0)  # once, by any replica's scheduler
    (posted,) = [c for c in fake.sent if c.path == "/open-apis/im/v1/messages"]
    assert posted.query == {"receive_id_type": "chat_id"} and posted.body["receive_id"] == "oc_group"
    assert posted.body["uuid"] == message_uuid("reply:om_refused")
    assert "Answer later" in posted.body["content"]


class ProcessDied(BaseException):
    """What a SIGKILL does to the rest of a message's work: nothing after it runs."""


def test_a_message_that_committed_just_before_a_crash_is_still_answered_once(  # type: ignore[no-untyped-def]
    make_runtime, db, clock, fake, monkeypatch
) -> None:
    """The command committed with its answer in the ledger, then the process died before
    answering: the scheduler replies to the message, once (the same uuid as the lost reply)."""
    from bot.feishu.messenger import message_uuid

    runtime = make_runtime(identity=ME)  # the real core

    def killed(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise ProcessDied

    monkeypatch.setattr(runtime.listeners.pipeline, "_answer", killed)
    event = events.message_event("@_user_1 add dev Committed then killed", message_id="om_killed")
    assert deliver(db, runtime, event) == 200
    assert runtime.listeners.wait_idle()
    monkeypatch.undo()
    with db.transaction() as session:
        assert [t.title for t in session.scalars(select(Task))] == ["Committed then killed"]
    assert pending(db) == [] and fake.answers == []

    clock.advance(inbox.LEASE + timedelta(seconds=1))
    assert runtime.listeners.recover() == 0  # it applied: nothing runs again
    assert scheduler_sends(runtime.listeners.services, clock) == (1, 0)  # once, by any replica's scheduler
    (reply,) = fake.answers
    assert reply.path == "/open-apis/im/v1/messages/om_killed/reply"
    assert reply.body["uuid"] == message_uuid("reply:om_killed")
    assert "Committed then killed" in reply.body["content"]
