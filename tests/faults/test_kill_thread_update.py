"""SIGKILL in the middle of a thread update, as an operator would see it: a real ``coordbot serve``
process tells a task's source thread that the task started, and is killed while that reply is on
its way to Slack — once after Slack posted it (its answer never reached coordbot), once before
Slack took it. coordbot is started again (a real restart) in between; a replica past the ledger's
lease then retries what was left. Counted at the fake: the thread has each reply exactly once.
On SQLite and PostgreSQL.
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from storage import notifications as ledger
from storage.db import Database
from storage.models import Notification
from tests.faults.test_kill import _recover_as_a_second_replica
from tests.serve_process import start_serve
from tests.slack.conftest import ALICE, BOB, BOT_USER_ID, CHANNEL, SlackSender
from tests.slack.fake_slack import FakeSlack

THREADS = {"posted": "1700000000.000100", "refused": "1700000000.000200"}  # the source messages


class HoldingSlack(FakeSlack):
    """A fake Slack that holds the next reply to ``thread`` until the test lets go: after posting
    it (``post_first``: Slack took it, its answer is lost) or without taking it (a 503)."""

    def __init__(self) -> None:
        super().__init__()
        self.clock = time.time  # message ts in real time: the retry looks for them since its attempt
        self.arrived = threading.Event()
        self.release = threading.Event()
        self._held: tuple[str, bool] | None = None

    def hold(self, thread: str, *, post_first: bool) -> None:
        self.arrived.clear()
        self.release.clear()
        self._held = (thread, post_first)

    def _answer(
        self, method: str, params: dict[str, Any]
    ) -> tuple[int, dict[str, Any] | str, dict[str, str]]:
        held = self._held
        if method != "chat.postMessage" or held is None or params.get("thread_ts") != held[0]:
            return super()._answer(method, params)
        self._held = None
        answer = super()._answer(method, params) if held[1] else (503, "upstream gone", {})
        self.arrived.set()
        self.release.wait(30)
        return answer

    def thread_replies(self, thread: str, starting: str) -> list[str]:
        with self._cond:
            posted = self.history.get(CHANNEL, [])
            return [
                m["text"] for m in posted if m.get("thread_ts") == thread and m["text"].startswith(starting)
            ]


def _mention_in_thread(slack: SlackSender, thread: str, text: str) -> None:
    event = {
        "type": "app_mention",
        "user": ALICE,
        "text": f"<@{BOT_USER_ID}> {text}",
        "ts": f"{thread[:-3]}900",
        "thread_ts": thread,
        "channel": CHANNEL,
        "event_ts": f"{thread[:-3]}900",
    }
    assert slack.event(event).status_code == 200


def _kill_while_telling(
    process: subprocess.Popen[bytes],
    base: str,
    fake: HoldingSlack,
    thread: str,
    number: int,
    *,
    post_first: bool,
) -> None:
    """In a fresh serve process: add task ``number`` in ``thread``, start it, SIGKILL the process
    while the thread reply saying so is held at Slack."""
    with httpx.Client(timeout=10) as http:
        slack = SlackSender(base, fake, http, counter=number * 100)
        _mention_in_thread(slack, thread, f"add dev Sync crash {number} <@{BOB}>")
        fake.wait_for("chat.postMessage", where=lambda c: f"New task #{number}" in c.params["text"])
        fake.hold(thread, post_first=post_first)
        assert slack.command(f"start #{number}", user=BOB).status_code == 200
        assert fake.arrived.wait(20), "the thread update was never sent"
    process.send_signal(signal.SIGKILL)
    assert process.wait(10) == -signal.SIGKILL
    fake.release.set()


def test_sigkill_while_a_thread_update_is_sent_it_reaches_the_thread_exactly_once(
    database_url: str, tmp_path: Path
) -> None:
    db = Database(database_url)
    db.upgrade()
    fake = HoldingSlack().start()
    for user, name in ((ALICE, "Alice"), (BOB, "Bob")):
        fake.add_user(user, name)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for number, (case, thread) in enumerate(THREADS.items(), start=1):
            folder = tmp_path / case
            folder.mkdir()
            process, base = start_serve(database_url, fake, folder)  # the second one is the restart
            processes.append(process)
            _kill_while_telling(process, base, fake, thread, number, post_first=case == "posted")
        assert fake.thread_replies(THREADS["posted"], "#1 started") == ["#1 started (@Bob)"]
        assert fake.thread_replies(THREADS["refused"], "#2 started") == []

        _recover_as_a_second_replica(database_url, fake)

        for number, thread in enumerate(THREADS.values(), start=1):
            told = fake.thread_replies(thread, f"#{number} started")
            assert told == [f"#{number} started (@Bob)"], (thread, told)
        with db.transaction() as session:
            query = select(Notification).where(
                Notification.kind == "update", Notification.target_id == CHANNEL
            )
            rows = session.scalars(query).all()
            assert [(row.status, row.payload["outbound"]["target"]["thread"]) for row in rows] == [
                (ledger.SENT, thread) for thread in THREADS.values()
            ]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait(10)
        fake.release.set()
        fake.stop()
        db.dispose()
