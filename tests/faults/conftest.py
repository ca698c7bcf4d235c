"""Fixtures for the fault and hostile-input tests: both platforms on one real HTTP server.

``stack`` is the project's one ASGI app (``bot.server.build_asgi_app``) with the Slack and the
Feishu routes mounted as ``coordbot serve`` mounts them, served by uvicorn on a loopback port,
the real core on the ``db`` fixture's database (SQLite, and PostgreSQL when configured), the
apps' real Web API / Open API clients pointed at the loopback fakes.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, inspect, select, table

from bot.app import Services
from bot.feishu.runtime import FeishuRuntime, create_feishu_runtime
from bot.feishu.text import BotIdentity
from bot.server import build_asgi_app
from bot.settings import Settings
from bot.slack.runtime import SlackRuntime, create_slack_runtime
from handlers.clock import ManualClock
from handlers.core import Coordinator
from storage.db import Database
from tests.feishu import events
from tests.feishu.fake_feishu import FakeFeishu
from tests.slack.conftest import (
    ADMIN,
    ALICE,
    BOB,
    SIGNING_SECRET,
    TEST_CLIENT_OPTIONS,
    LiveServer,
    SlackSender,
)
from tests.slack.fake_slack import FakeSlack

SOAK = os.environ.get("COORDBOT_SOAK", "").strip() not in ("", "0")
soak = pytest.mark.skipif(not SOAK, reason="soak test: set COORDBOT_SOAK=1")

FEISHU_ME = BotIdentity(open_id=events.BOT_OPEN_ID, app_name="coordbot")
_apps = itertools.count(1)


def unique_app_id() -> str:
    # lark caches tenant tokens per app id for the whole process: one app id per stack
    return f"cli_faults_{os.getpid()}_{next(_apps)}"


def stack_settings(database_url: str, slack: FakeSlack, feishu: FakeFeishu, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "slack_bot_token": "xoxb-test-token",
        "slack_signing_secret": SIGNING_SECRET,
        "slack_app_token": None,
        "slack_client_id": None,
        "slack_client_secret": None,
        "slack_api_url": slack.api_url,
        "slash_command": "/coord",
        "feishu_app_id": unique_app_id(),
        "feishu_app_secret": "app-secret",
        "feishu_verification_token": events.VERIFICATION_TOKEN,
        "feishu_encrypt_key": events.ENCRYPT_KEY,
        "feishu_domain": feishu.url,
        "timezone": "UTC",
        "language": "en",
        "admin_ids": [],
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class Stack:
    services: Services
    slack_fake: FakeSlack
    feishu_fake: FakeFeishu
    slack_runtime: SlackRuntime
    feishu_runtime: FeishuRuntime
    server: LiveServer
    http: httpx.Client
    slack: SlackSender
    app: Any  # the ASGI application the server runs (for in-process clients)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def db(self) -> Database:
        return self.services.db

    def healthz(self) -> int:
        return self.http.get(f"{self.url}/healthz").status_code

    def feishu_post(self, raw: bytes, headers: dict[str, str]) -> httpx.Response:
        return self.http.post(f"{self.url}/feishu/events", content=raw, headers=headers)


def build_stack_app(
    services: Services, *, slack_workers: int = 16
) -> tuple[SlackRuntime, FeishuRuntime, Any]:
    slack_runtime = create_slack_runtime(
        services, web_client_options=TEST_CLIENT_OPTIONS, work_workers=slack_workers
    )
    services.messengers.register(slack_runtime.messenger)
    feishu_runtime = create_feishu_runtime(services, identity=FEISHU_ME)
    app = build_asgi_app(services.db, [*slack_runtime.routes, *feishu_runtime.routes])
    return slack_runtime, feishu_runtime, app


@pytest.fixture
def slack_fake() -> Iterator[FakeSlack]:
    server = FakeSlack().start()
    server.add_user(ADMIN, "Ada", tz="Europe/Berlin")
    server.add_user(ALICE, "Alice", tz="America/New_York", locale="en-US")
    server.add_user(BOB, "Bob", tz="Asia/Shanghai", locale="zh-CN")
    yield server
    server.stop()


@pytest.fixture
def feishu_fake() -> Iterator[FakeFeishu]:
    server = FakeFeishu().start()
    yield server
    server.stop()


def make_stack(
    db: Database,
    clock: ManualClock,
    slack_fake: FakeSlack,
    feishu_fake: FakeFeishu,
    *,
    admin_ids: list[str] | None = None,
    slack_workers: int = 16,
    coordinator: Any = None,
) -> Iterator[Stack]:
    settings = stack_settings(db.url, slack_fake, feishu_fake, admin_ids=admin_ids or [])
    core = coordinator or Coordinator(
        db, clock, default_timezone="UTC", default_language="en", admin_ids=admin_ids or ()
    )
    services = Services(settings=settings, db=db, clock=clock, coordinator=core)
    slack_runtime, feishu_runtime, app = build_stack_app(services, slack_workers=slack_workers)
    server = LiveServer(app).start()
    http = httpx.Client(timeout=15)
    try:
        yield Stack(
            services=services,
            slack_fake=slack_fake,
            feishu_fake=feishu_fake,
            slack_runtime=slack_runtime,
            feishu_runtime=feishu_runtime,
            server=server,
            http=http,
            slack=SlackSender(server.url, slack_fake, http),
            app=app,
        )
    finally:
        http.close()
        server.stop()
        slack_runtime.stop()
        feishu_runtime.stop()


@pytest.fixture
def stack(
    db: Database, clock: ManualClock, slack_fake: FakeSlack, feishu_fake: FakeFeishu
) -> Iterator[Stack]:
    yield from make_stack(db, clock, slack_fake, feishu_fake)


@pytest.fixture
def sqlite_db(tmp_path) -> Iterator[Database]:  # type: ignore[no-untyped-def]
    """A migrated SQLite database, for tests where the backend is not what is being tested."""
    database = Database(f"sqlite:///{tmp_path / 'faults.db'}")
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture
def sqlite_stack(
    sqlite_db: Database, clock: ManualClock, slack_fake: FakeSlack, feishu_fake: FakeFeishu
) -> Iterator[Stack]:
    """:func:`stack` on SQLite only (HTTP-level tests: the database backend is not what they test)."""
    yield from make_stack(sqlite_db, clock, slack_fake, feishu_fake)


def settle(stack: Stack, timeout: float = 30.0) -> None:
    """Wait until the work requests started in the background (the pipelines' pools) has
    finished: every worker of each pool is free at once."""
    pools = [stack.slack_runtime.pipeline.work, stack.feishu_runtime.listeners.pipeline.work]
    for pool in pools:
        if pool is None:
            continue
        workers = getattr(pool, "_max_workers", 1)
        barrier = threading.Barrier(workers)
        futures = [pool.submit(barrier.wait, timeout) for _ in range(workers)]
        for future in futures:
            future.result(timeout=timeout)


def row_counts(db: Database) -> dict[str, int]:
    """Rows in every table of the database (a snapshot to compare before and after)."""
    with db.engine.connect() as conn:
        names = sorted(n for n in inspect(conn).get_table_names() if n != "alembic_version")
        return {
            name: conn.execute(select(func.count()).select_from(table(name))).scalar_one() for name in names
        }
