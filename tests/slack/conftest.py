"""Fixtures for end-to-end Slack tests: the fake Web API, the runtime, a real uvicorn server,
and a sender that builds and signs requests exactly as Slack does."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import uvicorn
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from bot.app import Services
from bot.server import build_asgi_app
from bot.settings import Settings
from bot.slack.runtime import SlackRuntime, create_slack_runtime
from handlers.clock import ManualClock
from handlers.core import Coordinator
from storage.db import Database
from tests.slack.fake_slack import BOT_USER_ID, TEAM_ID, FakeSlack

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
ADMIN = "UADMIN"
ALICE = "UALICE"
BOB = "UBOB"
CHANNEL = "CLAUNCH"


def slack_settings(database_url: str, fake: FakeSlack, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "slack_bot_token": "xoxb-test-token",
        "slack_signing_secret": SIGNING_SECRET,
        "slack_app_token": None,
        "slack_client_id": None,
        "slack_client_secret": None,
        "slack_api_url": fake.api_url,
        "slash_command": "/coord",
        "timezone": "UTC",
        "language": "en",
        "admin_ids": [],
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def no_sleep(_seconds: float) -> None:
    pass


TEST_CLIENT_OPTIONS = {
    "sleep": no_sleep,
    "connection_retry_interval": FixedValueRetryIntervalCalculator(0.0),
    "timeout": 5,
}


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    server = FakeSlack().start()
    server.add_user(ADMIN, "Ada", tz="Europe/Berlin")
    server.add_user(ALICE, "Alice", tz="America/New_York", locale="en-US")
    server.add_user(BOB, "Bob", tz="Asia/Shanghai", locale="zh-CN")
    yield server
    server.stop()


def make_services(settings: Settings, db: Database, clock: ManualClock) -> Services:
    coordinator = Coordinator(
        db, clock, default_timezone=settings.timezone, default_language=settings.language
    )
    return Services(settings=settings, db=db, clock=clock, coordinator=coordinator)


@pytest.fixture
def services(db: Database, clock: ManualClock, fake: FakeSlack) -> Services:
    return make_services(slack_settings(db.url, fake), db, clock)


@pytest.fixture
def runtime(services: Services) -> Iterator[SlackRuntime]:
    rt = create_slack_runtime(services, web_client_options=TEST_CLIENT_OPTIONS)
    services.messengers.register(rt.messenger)
    yield rt
    rt.stop()


class LiveServer:
    """The project's one ASGI app served by uvicorn on a loopback port, in a background thread."""

    def __init__(self, app: Any) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:  # bounded wait for the server thread to listen
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


@pytest.fixture
def live(services: Services, runtime: SlackRuntime) -> Iterator[LiveServer]:
    server = LiveServer(build_asgi_app(services.db, runtime.routes)).start()
    yield server
    server.stop()


def sign(body: str, timestamp: int | None = None, secret: str = SIGNING_SECRET) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


@dataclass
class SlackSender:
    """Builds requests exactly as Slack sends them and signs them (v0 HMAC-SHA256)."""

    base_url: str
    fake: FakeSlack
    http: httpx.Client
    counter: int = 0

    def _next(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter:06d}"

    def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str = SIGNING_SECRET,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        all_headers = {"Content-Type": content_type, **sign(body, timestamp, secret), **(headers or {})}
        return self.http.post(f"{self.base_url}/slack/events", content=body.encode(), headers=all_headers)

    def command_body(
        self, text: str, *, user: str = ALICE, channel: str = CHANNEL, **extra: str
    ) -> dict[str, str]:
        trigger = self._next("13345224609.738474920.")
        return {
            "token": "gIkuvaNzQIHg97ATvDxqgjtO",
            "team_id": TEAM_ID,
            "team_domain": "acme",
            "channel_id": channel,
            "channel_name": "launch-v2" if channel.startswith("C") else "directmessage",
            "user_id": user,
            "user_name": user.lower()[1:],
            "command": "/coord",
            "text": text,
            "api_app_id": "A123456",
            "is_enterprise_install": "false",
            "response_url": self.fake.response_url(trigger),
            "trigger_id": trigger,
            **extra,
        }

    def command(self, text: str, **kwargs: Any) -> httpx.Response:
        return self.post(urlencode(self.command_body(text, **kwargs)), "application/x-www-form-urlencoded")

    def interaction(self, payload: dict[str, Any], **kwargs: Any) -> httpx.Response:
        body = urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded", **kwargs)

    def block_action(
        self,
        action: dict[str, Any],
        *,
        user: str = ALICE,
        message: dict[str, Any] | None = None,
        channel: str = CHANNEL,
        container: dict[str, Any] | None = None,
        view: dict[str, Any] | None = None,
    ) -> tuple[httpx.Response, str]:
        trigger = self._next("1334522460.9738474920.")
        response_url = self.fake.response_url(trigger)
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower()[1:], "name": user.lower()[1:], "team_id": TEAM_ID},
            "api_app_id": "A123456",
            "token": "gIkuvaNzQIHg97ATvDxqgjtO",
            "container": container
            or {
                "type": "message",
                "message_ts": "1700000000.000100",
                "channel_id": channel,
                "is_ephemeral": False,
            },
            "trigger_id": trigger,
            "team": {"id": TEAM_ID, "domain": "acme"},
            "enterprise": None,
            "is_enterprise_install": False,
            "state": {"values": {}},
            "actions": [{**action, "type": "button", "action_ts": "1700000001.000200"}],
        }
        if view is not None:
            payload["view"] = view
        else:
            payload["channel"] = {"id": channel, "name": "launch-v2"}
            payload["response_url"] = response_url
            if message is not None:
                payload["message"] = message
        return self.interaction(payload), response_url

    def view_submission(
        self, view: dict[str, Any], values: dict[str, Any], *, user: str = ALICE
    ) -> httpx.Response:
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM_ID, "domain": "acme"},
            "user": {"id": user, "username": user.lower()[1:], "name": user.lower()[1:], "team_id": TEAM_ID},
            "api_app_id": "A123456",
            "token": "gIkuvaNzQIHg97ATvDxqgjtO",
            "trigger_id": self._next("1334522460.9738474921."),
            "view": {
                **view,
                "id": "V123",
                "team_id": TEAM_ID,
                "state": {"values": values},
                "hash": "156772938.1827394",
                "root_view_id": "V123",
                "app_id": "A123456",
                "bot_id": "BBOT",
            },
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return self.interaction(payload)

    def shortcut(self, callback_id: str, *, user: str = ALICE) -> httpx.Response:
        payload = {
            "type": "shortcut",
            "token": "gIkuvaNzQIHg97ATvDxqgjtO",
            "action_ts": "1700000002.000300",
            "team": {"id": TEAM_ID, "domain": "acme"},
            "user": {"id": user, "username": user.lower()[1:], "team_id": TEAM_ID},
            "is_enterprise_install": False,
            "enterprise": None,
            "callback_id": callback_id,
            "trigger_id": self._next("1334522460.9738474922."),
        }
        return self.interaction(payload)

    def event_body(self, event: dict[str, Any], *, event_id: str | None = None) -> str:
        return json.dumps(
            {
                "token": "gIkuvaNzQIHg97ATvDxqgjtO",
                "team_id": TEAM_ID,
                "api_app_id": "A123456",
                "event": event,
                "type": "event_callback",
                "event_id": event_id or self._next("Ev0"),
                "event_time": 1700000000,
                "authorizations": [
                    {
                        "enterprise_id": None,
                        "team_id": TEAM_ID,
                        "user_id": BOT_USER_ID,
                        "is_bot": True,
                        "is_enterprise_install": False,
                    }
                ],
                "is_ext_shared_channel": False,
                "event_context": "4-eyJldCI6ImFwcF9tZW50aW9uIn0",
            }
        )

    def event(self, event: dict[str, Any], *, event_id: str | None = None, retry_num: int | None = None):
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        return self.post(self.event_body(event, event_id=event_id), "application/json", headers=headers)


@pytest.fixture
def slack(live: LiveServer, fake: FakeSlack) -> Iterator[SlackSender]:
    with httpx.Client(timeout=10) as http:
        yield SlackSender(live.url, fake, http)
