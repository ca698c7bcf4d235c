"""Fixtures for the Feishu adapter: the loopback fake Open API and a real ``lark.Client`` on it."""

from __future__ import annotations

import contextlib
import itertools
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import lark_oapi as lark
import pytest
import uvicorn

from bot.app import Services
from bot.feishu.runtime import FeishuRuntime, create_feishu_runtime
from bot.feishu.text import BotIdentity
from bot.server import build_asgi_app
from bot.settings import Settings
from handlers.context import Caller
from handlers.replies import Button, Outcome, Reply, Section, Tone
from tests.feishu import events
from tests.feishu.fake_feishu import FakeFeishu

_apps = itertools.count(1)


@pytest.fixture
def fake() -> Iterator[FakeFeishu]:
    server = FakeFeishu().start()
    yield server
    server.stop()


@pytest.fixture
def app_id() -> str:
    # The SDK caches tenant tokens per app id for the whole process: one app id per test.
    return f"cli_test_{next(_apps)}"


@pytest.fixture
def lark_client(fake: FakeFeishu, app_id: str) -> lark.Client:
    return (
        lark.Client.builder()
        .app_id(app_id)
        .app_secret("test-secret")
        .domain(fake.url)
        .timeout(5)
        .log_level(lark.LogLevel.WARNING)
        .build()
    )


# -- services, runtime and a real HTTP server ------------------------------------------------------


@dataclass
class RecordingCoordinator:
    """Stands in for the core in transport tests: records calls, answers with a task card."""

    texts: list[tuple[Caller, str]] = field(default_factory=list)
    actions: list[tuple[Caller, str, str]] = field(default_factory=list)
    outbox: list = field(default_factory=list)
    db: Any = None  # set by make_runtime

    def _ran_before(self, once) -> bool:  # type: ignore[no-untyped-def]
        if once is None:  # as the core does: the inbox entry is marked done with the command
            return False
        with self.db.transaction() as session:
            return not once(session)

    def handle_text(self, caller: Caller, text: str, *, once=None, answer=None) -> Outcome:  # type: ignore[no-untyped-def]
        if self._ran_before(once):
            return Outcome(Reply(""), already_done=True)
        self.texts.append((caller, text))
        card = (Section(text="#1", buttons=(Button("task.done", "Done", "1"),)),)
        reply = Reply(f"ok: {text}", card, ephemeral=False)  # for the whole chat: a threaded reply
        return Outcome(reply, list(self.outbox))

    def handle_action(self, caller: Caller, action_id: str, value: str, *, once=None, answer=None) -> Outcome:  # type: ignore[no-untyped-def]
        if self._ran_before(once):
            return Outcome(Reply(""), already_done=True)
        self.actions.append((caller, action_id, value))
        if value == "999":
            return Outcome(Reply("No task #999", tone=Tone.ERROR))
        reply = Reply(f"#{value} done", (Section(text="done"),), tone=Tone.SUCCESS)
        return Outcome(reply, list(self.outbox), changed_task=int(value))

    def language_for(self, caller: Caller) -> str:
        return "zh"


def feishu_settings(db, domain: str, app_id: str, *, encrypt: bool = True) -> Settings:  # type: ignore[no-untyped-def]
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=db.url,
        feishu_app_id=app_id,
        feishu_app_secret="app-secret",
        feishu_verification_token=events.VERIFICATION_TOKEN,
        feishu_encrypt_key=events.ENCRYPT_KEY if encrypt else None,
        feishu_domain=domain,
    )


@pytest.fixture
def make_runtime(db, clock, fake: FakeFeishu, app_id: str):  # type: ignore[no-untyped-def]
    """Build a runtime on the fake Open API around ``coordinator`` (the real core by default)."""
    made: list[FeishuRuntime] = []

    def make(  # type: ignore[no-untyped-def]
        coordinator=None, *, encrypt: bool = True, identity: BotIdentity | None = None
    ) -> FeishuRuntime:
        settings = feishu_settings(db, fake.url, app_id, encrypt=encrypt)
        if coordinator is None:
            from handlers.core import Coordinator

            coordinator = Coordinator(db, clock, default_timezone="UTC", default_language="en")
        elif isinstance(coordinator, RecordingCoordinator):
            coordinator.db = db
        services = Services(settings=settings, db=db, clock=clock, coordinator=coordinator)
        runtime = create_feishu_runtime(services, identity=identity)
        made.append(runtime)
        return runtime

    yield make
    for runtime in made:
        runtime.stop()


def _free_port() -> int:
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve(app):  # type: ignore[no-untyped-def]
    """Run ``app`` under uvicorn on a free loopback port in a thread; yield its base URL."""
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True, name="uvicorn-test")
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def http_server(db):  # type: ignore[no-untyped-def]
    """Serve a runtime's routes with the real ``build_asgi_app``; returns a starter."""
    stack = contextlib.ExitStack()

    def start(runtime: FeishuRuntime) -> str:
        return stack.enter_context(serve(build_asgi_app(db, runtime.routes)))

    yield start
    stack.close()
