"""The two Slack clients a messenger may be built on, for tests that run on each.

``WebClient`` (urllib: a connection per call, as the bolt app and ``coordbot doctor`` use) and
:class:`bot.slack.pooled.PooledWebClient` (``AsyncWebClient`` on kept-alive connections, as
``coordbot serve``'s messenger uses); both take :func:`bot.slack.client.build_web_client`'s options.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from bot.slack.client import build_web_client
from bot.slack.pooled import SlackConnections

KINDS = ("urllib", "pooled")

Build = Callable[..., Any]  # (token, base_url, **build_web_client's options) -> a client


@contextmanager
def client_builder(kind: str) -> Iterator[Build]:
    """A ``build_web_client`` for ``kind``; the pooled one's connections are closed afterwards."""
    if kind == "urllib":
        yield build_web_client
        return
    connections = SlackConnections()
    try:
        yield connections.client
    finally:
        connections.close()


_current: list[Build] = [build_web_client]


def build_client(token: str | None, base_url: str, **options: Any) -> Any:
    """A client of the kind the running test is on (``each_client``); urllib outside one."""
    return _current[-1](token, base_url, **options)


@pytest.fixture(params=KINDS)
def each_client(request: pytest.FixtureRequest) -> Iterator[Build]:
    """Runs a test once on each client: ``pytestmark = pytest.mark.usefixtures("each_client")``."""
    with client_builder(request.param) as build:
        _current.append(build)
        try:
            yield build
        finally:
            _current.pop()
