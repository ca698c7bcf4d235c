"""``coordbot serve`` as operators run it: one process serving Slack and Feishu on one database."""

from __future__ import annotations

import gc
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from sqlalchemy import select

from storage.db import Database
from storage.models import Task, Workspace
from tests.feishu import events
from tests.feishu.fake_feishu import FakeFeishu
from tests.slack.conftest import SIGNING_SECRET, sign
from tests.slack.fake_slack import TEAM_ID, FakeSlack


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def fakes() -> Iterator[tuple[FakeSlack, FakeFeishu]]:
    slack, feishu = FakeSlack().start(), FakeFeishu().start()
    slack.add_user("UALICE", "Alice")
    yield slack, feishu
    slack.stop()
    feishu.stop()


def test_one_serve_process_answers_slack_and_feishu_on_one_database(
    tmp_path: Path, fakes: tuple[FakeSlack, FakeFeishu]
) -> None:
    slack, feishu = fakes
    port = free_port()
    database = tmp_path / "serve.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FEISHU_", "COORDBOT_"))}
    env.update(
        COORDBOT_DATABASE_URL=f"sqlite:///{database}",
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack.api_url,
        FEISHU_APP_ID=events.APP_ID,
        FEISHU_APP_SECRET="feishu-secret",
        FEISHU_VERIFICATION_TOKEN=events.VERIFICATION_TOKEN,
        FEISHU_ENCRYPT_KEY=events.ENCRYPT_KEY,
        FEISHU_DOMAIN=feishu.url,
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-scheduler",
        ],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(timeout=10) as http:
            deadline = time.monotonic() + 30
            while True:  # bounded wait for the server to come up
                try:
                    if http.get(f"{base}/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert process.poll() is None and time.monotonic() < deadline, "serve did not start"
                time.sleep(0.05)

            body = urlencode(
                {
                    "team_id": TEAM_ID,
                    "channel_id": "CLAUNCH",
                    "channel_name": "launch",
                    "user_id": "UALICE",
                    "user_name": "alice",
                    "command": "/coord",
                    "text": "add dev From Slack",
                    "response_url": slack.response_url("t1"),
                    "trigger_id": "1.2.3",
                    "api_app_id": "A1",
                }
            )
            answer = http.post(
                f"{base}/slack/events",
                content=body,
                headers={"Content-Type": "application/x-www-form-urlencoded", **sign(body)},
            )
            assert answer.status_code == 200
            slack.wait_for("response_url", where=lambda c: "From Slack" in str(c.params))

            raw, headers = events.signed(events.encrypt(events.message_event("add design 来自飞书")))
            assert http.post(f"{base}/feishu/events", content=raw, headers=headers).status_code == 200
            deadline = time.monotonic() + 10
            while not any("来自飞书" in str(call.body) for call in feishu.sent):
                assert time.monotonic() < deadline, "no Feishu reply"
                time.sleep(0.05)
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
    assert "Traceback" not in output, output
    db = Database(f"sqlite:///{database}")
    with db.transaction() as s:
        platforms = sorted(s.scalars(select(Workspace.platform)))
        titles = sorted(s.scalars(select(Task.title)))
    db.dispose()
    assert platforms == ["feishu", "slack"]
    assert titles == ["From Slack", "来自飞书"]
    for secret in ("xoxb-test", SIGNING_SECRET, "feishu-secret", events.ENCRYPT_KEY):
        assert secret not in output


def test_a_settled_start_up_collects_garbage_again_and_never_revisits_what_it_built() -> None:
    from bot.serve import settle_start_up

    built = object.__new__(type("Built", (), {}))  # alive before the start-up settles
    gc.disable()
    try:
        settle_start_up()
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0 and built not in gc.get_objects()
    finally:
        gc.unfreeze()
        gc.enable()
