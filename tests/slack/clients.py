"""The two Slack clients a messenger may be built on, for tests that run on each.

``WebClient`` (urllib: a connection per call, as the bolt app and ``coordbot doctor`` use) and
:class:`bot.slack.pooled.PooledWebClient` (``AsyncWebClient`` on kept-alive connections, as
``coordbot serve``'s messenger uses); both take :func:`bot.slack.client.build_web_client`'s options.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

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
