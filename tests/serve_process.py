"""``coordbot serve`` as operators run it, in a process of its own, talking to a fake Slack."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.slack.conftest import SIGNING_SECRET
from tests.slack.fake_slack import FakeSlack

ROOT = Path(__file__).resolve().parents[1]


def start_serve(url: str, fake: FakeSlack, folder: Path, **env: str) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``coordbot serve --no-scheduler`` on a free loopback port: ``url`` its database, Slack
    at ``fake``, its own address the public one, then ``env`` (which may replace any of these).
    Returns the process and its base URL once /healthz answers; its output goes to
    ``folder/serve.log``."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    settings = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FEISHU_", "COORDBOT_"))}
    settings.update(
        COORDBOT_DATABASE_URL=url,
        COORDBOT_PUBLIC_URL=base,
        COORDBOT_LOG_LEVEL="WARNING",
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.api_url,
        PYTHONPATH=str(ROOT),
    )
    settings.update(env)  # the caller's settings win over these
    argv = [
        sys.executable,
        "-m",
        "bot.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-scheduler",
    ]
    log = folder / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(argv, cwd=folder, env=settings, stdout=output, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:  # bounded wait for the process to listen
        assert process.poll() is None, log.read_text(errors="replace")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return process, base
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "coordbot serve did not start"
        time.sleep(0.05)
