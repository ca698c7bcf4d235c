"""SIGKILL under load, as an operator would see it: a burst of slash commands to one replica (a real
``coordbot serve`` process), killed after about half were acknowledged; a second replica recovers.

Every acknowledged command's task exists exactly once, and every acknowledged command is answered
— at its ``response_url`` — also the ones whose work committed just before the kill. On SQLite
and PostgreSQL.
"""

from __future__ import annotations

import signal
import subprocess
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import httpx
from sqlalchemy import select

from bot.scheduler import CoordScheduler
from bot.slack.runtime import create_slack_runtime
from handlers.clock import ManualClock
from storage import inbox
from storage import notifications as ledger
from storage.db import Database
from storage.models import Task
from tests.serve_process import start_serve
from tests.slack.conftest import (
    ADMIN,
    ALICE,
    BOB,
    TEST_CLIENT_OPTIONS,
    SlackSender,
    make_services,
    slack_settings,
)
from tests.slack.fake_slack import FakeSlack
from tests.virtual_seconds import virtual_sender

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = 120
KILL_AFTER = 50  # acknowledgements


def _burst(base: str, fake: FakeSlack, halfway: threading.Event) -> dict[str, str]:
    """Send the commands from 8 clients (``halfway`` is set after :data:`KILL_AFTER` acks); the
    title -> trigger of each acknowledged one."""
    acked: dict[str, str] = {}
    lock = threading.Lock()
    with httpx.Client(timeout=5) as http:

        def send(n: int) -> None:
            sender = SlackSender(base, fake, http, counter=n * 10)
            title = f"Killed burst {n:04d}"
            body = sender.command_body(f"add dev {title}", user=(ALICE, BOB, ADMIN)[n % 3])
            try:
                response = sender.post(urlencode(body), "application/x-www-form-urlencoded")
            except httpx.HTTPError:
                return  # the replica was gone: never acknowledged, Slack shows an error
            if response.status_code == 200:
                with lock:
                    acked[title] = body["trigger_id"]
                    if len(acked) >= KILL_AFTER:
                        halfway.set()

        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(send, range(COMMANDS)))
    return acked


def test_sigkill_mid_burst_every_acknowledged_command_runs_once_and_is_answered(
    database_url: str, tmp_path: Path
) -> None:
    db = Database(database_url)
    db.upgrade()
    fake = FakeSlack().start()
    for user, name in ((ADMIN, "Ada"), (ALICE, "Alice"), (BOB, "Bob")):
        fake.add_user(user, name)
    process, base = start_serve(database_url, fake, tmp_path)
    try:
        halfway = threading.Event()
        killer = threading.Thread(target=_kill, args=(process, halfway), daemon=True)
        killer.start()
        acked = _burst(base, fake, halfway)
        killer.join(timeout=60)
        assert process.poll() == -signal.SIGKILL, "the replica was not killed mid-burst"
        assert KILL_AFTER <= len(acked) < COMMANDS, len(acked)

        _recover_as_a_second_replica(database_url, fake)

        with db.transaction() as session:
            titles = Counter(task.title for task in session.scalars(select(Task)))
        assert all(titles[title] == 1 for title in acked), {t: titles[t] for t in acked if titles[t] != 1}
        assert all(count == 1 for count in titles.values())  # nothing unacknowledged ran twice either
        answered = Counter(call.path.rsplit("/", 1)[1] for call in fake.calls_to("response_url"))
        missing = [title for title, trigger in acked.items() if answered[trigger] == 0]
        assert missing == [], f"acknowledged but never answered: {missing}"
        # at most the answers in flight when the process died are repeated (sent, not yet recorded)
        assert sum(count - 1 for count in answered.values()) <= 8
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        fake.stop()
        db.dispose()


def _kill(process: subprocess.Popen[bytes], halfway: threading.Event) -> None:
    """SIGKILL the replica once about :data:`KILL_AFTER` commands were acknowledged."""
    halfway.wait(60)
    process.send_signal(signal.SIGKILL)
    process.wait(10)


def _recover_as_a_second_replica(url: str, fake: FakeSlack) -> None:
    """Another replica, on a clock past every lease: its sweeper, then its scheduler."""
    clock = ManualClock(datetime.now(UTC) + max(inbox.LEASE, ledger.LEASE) * 2)
    db = Database(url)
    services = make_services(slack_settings(url, fake), db, clock)
    runtime = create_slack_runtime(services, web_client_options=TEST_CLIENT_OPTIONS)
    services.messengers.register(runtime.messenger)
    scheduler = CoordScheduler(services, virtual_sender())
    try:
        while runtime.recover() > 0:
            pass
        assert runtime.pipeline is not None and runtime.pipeline.work is not None
        assert runtime.pipeline.work.wait_idle(60)  # type: ignore[attr-defined]
        start = clock.now()
        scheduler.run_through(start, start + timedelta(minutes=30))
    finally:
        scheduler.shutdown()
        runtime.stop()
        db.dispose()
