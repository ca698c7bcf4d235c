"""Slack Web API calls over kept-alive connections: slack_sdk's ``AsyncWebClient`` on one aiohttp
session per process, with the blocking face the messenger and its send threads use.

slack_sdk's ``WebClient`` goes through urllib, which opens a new connection (and, against Slack, a
new TLS handshake) for every call. :class:`SlackConnections` runs one event loop in a thread of its
own with one ``aiohttp.ClientSession``; each :class:`PooledWebClient` method call runs the async
client's method there and waits for it, at most the client's ``timeout`` (the per-call timeout a
shared session cannot carry itself). The connections stay open between calls and are shared by
every workspace's client and every sending thread.

The ``WebClient`` behaviour the messenger relies on is kept: a short ``Retry-After`` is waited out
(on the loop, holding no thread) unless the caller hands rate limits back
(:func:`bot.messenger.rate_limits_handed_back` travels with the call: the loop runs it in the
caller's context); connection errors come back as the built-in exceptions the messenger already
tells apart — ``ConnectionResetError`` when the request may have reached Slack, ``TimeoutError``,
and an ``OSError`` when no connection could be made.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

import aiohttp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.client import DEFAULT_TIMEOUT, wait_before_retry, waits_out

CONNECTIONS = 64  # open connections per process at most (the sender runs 32 calls at once)
KEEP_ALIVE = 30.0  # seconds an idle connection is kept for the next call


class AsyncRateLimitRetryHandler(AsyncRetryHandler):
    """:class:`bot.slack.client.RateLimitRetryHandler` for the async client: a 429 is retried
    after its ``Retry-After`` when that is at most ``max_wait`` seconds (``sleep`` for tests)."""

    def __init__(
        self,
        max_retry_count: int = 2,
        *,
        max_wait: float = 5.0,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        super().__init__(max_retry_count)
        self.max_wait = max_wait
        self.sleep = sleep

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return waits_out(response, self.max_wait)

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        seconds = wait_before_retry(response)
        if self.sleep is not None:
            self.sleep(seconds)
        else:
            await asyncio.sleep(seconds)
        state.increment_current_attempt()


class SlackConnections:
    """One event loop thread and one aiohttp session: the process's connections to Slack."""

    def __init__(self, *, limit: int = CONNECTIONS, keep_alive: float = KEEP_ALIVE) -> None:
        self._limit = limit
        self._keep_alive = keep_alive
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._session: aiohttp.ClientSession | None = None

    def client(
        self,
        token: str | None,
        base_url: str,
        *,
        timeout: int = DEFAULT_TIMEOUT,
        rate_limit_retries: int = 2,
        rate_limit_max_wait: float = 5.0,
        sleep: Callable[[float], None] | None = None,
        **_ignored: Any,  # build_web_client's connection retry: the messenger retries after a look
    ) -> PooledWebClient:
        """A client for ``token`` on these connections (the options of ``build_web_client``)."""
        if not base_url.endswith("/"):
            base_url += "/"
        handler = AsyncRateLimitRetryHandler(rate_limit_retries, max_wait=rate_limit_max_wait, sleep=sleep)
        session = self._run(self._open(), None)
        client = AsyncWebClient(
            token=token, base_url=base_url, timeout=timeout, session=session, retry_handlers=[handler]
        )
        return PooledWebClient(self, client, timeout)

    def call(self, work: Coroutine[Any, Any, Any], timeout: float) -> Any:
        """Run ``work`` on the loop in the caller's context: its result (TimeoutError after ``timeout``)."""
        try:
            return self._run(work, timeout)
        except aiohttp.ClientConnectorError as exc:  # no connection was made: nothing was sent
            raise ConnectionRefusedError(f"cannot connect to Slack: {exc}") from None
        except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as exc:  # it may have been
            raise ConnectionResetError(f"connection to Slack lost: {type(exc).__name__}") from None

    def close(self) -> None:
        """Close the session's connections and stop the loop (a later call starts them again)."""
        with self._lock:
            loop, thread, session = self._loop, self._thread, self._session
            self._loop = self._thread = self._session = None
        if loop is None or thread is None:
            return
        if session is not None:
            asyncio.run_coroutine_threadsafe(session.close(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()

    async def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._limit, keepalive_timeout=self._keep_alive)
            self._session = aiohttp.ClientSession(connector=connector)
        return self._session

    def _run(self, work: Coroutine[Any, Any, Any], timeout: float | None) -> Any:
        future = asyncio.run_coroutine_threadsafe(work, self._running_loop())
        try:
            return future.result(timeout)
        except FutureTimeout:
            future.cancel()
            raise TimeoutError(f"no answer from Slack within {timeout} s") from None

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name="coordbot-slack-http", daemon=True)
                thread.start()
                self._loop, self._thread = loop, thread
            return self._loop


class PooledWebClient:
    """``WebClient``'s methods, blocking, each running ``AsyncWebClient``'s on :class:`SlackConnections`.

    ``client.chat_postMessage(channel=…, text=…)`` waits for the async call and returns its
    response (``get`` and ``[...]`` read it as ``WebClient``'s do; errors are the same
    ``SlackApiError``). Attributes that are not Web API methods (``token``) are the async client's.
    """

    def __init__(self, connections: SlackConnections, client: AsyncWebClient, timeout: float) -> None:
        self._connections = connections
        self._client = client
        self._timeout = timeout

    @property
    def retry_handlers(self) -> list[AsyncRetryHandler]:
        return self._client.retry_handlers

    @retry_handlers.setter
    def retry_handlers(self, handlers: list[AsyncRetryHandler]) -> None:
        self._client.retry_handlers = handlers

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._client, name)
        if not inspect.iscoroutinefunction(method):
            return method

        def call(*args: Any, **kwargs: Any) -> Any:
            return self._connections.call(method(*args, **kwargs), self._timeout)

        return call
