"""Fixtures for the Feishu adapter: the loopback fake Open API and a real ``lark.Client`` on it."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import lark_oapi as lark
import pytest

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
