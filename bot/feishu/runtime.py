"""Wiring the Feishu adapter into ``coordbot serve``: HTTP route, messenger, long connection.

``create_feishu_runtime(services)`` builds the app's Open API client (``FEISHU_APP_ID`` /
``FEISHU_APP_SECRET`` / ``FEISHU_DOMAIN``, :mod:`bot.feishu.sdk`), the messenger (registered
with the services) and ``POST /feishu/events``. ``start_long_connection()`` runs
``lark.ws.Client`` on its own daemon thread with its own event loop, for teams without a public
URL; ``start_inbox_sweeper()`` runs messages a crash or an outage left in the inbox (the
scheduler forgets handled ones after a week).

The HTTP route checks what Feishu sends before anything runs: the AES-256-CBC ``encrypt``
envelope (key ``sha256(FEISHU_ENCRYPT_KEY)``), the ``X-Lark-Signature`` (``sha256(timestamp +
nonce + encrypt_key + body)``) and the verification token; it answers the ``url_verification``
challenge itself. Secrets are never logged. The checked event goes straight to
:class:`~bot.feishu.listeners.FeishuListeners` (the SDK's dispatcher would decrypt and parse it
again), and through them into the inbound pipeline (:mod:`bot.inbound`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from lark_oapi.core.const import (
    LARK_REQUEST_NONCE,
    LARK_REQUEST_SIGNATURE,
    LARK_REQUEST_TIMESTAMP,
)
from lark_oapi.core.utils import AESCipher
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.feishu.listeners import FeishuListeners, applink_for
from bot.feishu.messenger import FeishuMessenger
from bot.feishu.sdk import LarkClient, build_client, load_ws_client
from bot.feishu.text import BotIdentity
from bot.inbound import Pipeline, WorkPool
from bot.inbox_sweeper import SWEEP_EVERY, InboxSweeper
from storage import inbox

log = logging.getLogger(__name__)

EVENTS_PATH = "/feishu/events"
HANDLED_EVENTS = frozenset({"im.message.receive_v1", "card.action.trigger"})
ACCEPT_WAIT = 2.5  # seconds a message waits for the inbox; Feishu waits 3 s for its answer
WORKERS = 4  # threads running messages after Feishu got its answer


def _secret(value: Any) -> str:
    if value is None:
        return ""
    return value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)


def signature(timestamp: str, nonce: str, encrypt_key: str, body: bytes) -> str:
    """Feishu's request signature: hex ``sha256(timestamp + nonce + encrypt_key + body)``."""
    return hashlib.sha256((timestamp + nonce + encrypt_key).encode("utf-8") + body).hexdigest()


@dataclass
class HttpAnswer:
    status: int
    body: dict[str, Any]


@dataclass
class FeishuRuntime:
    routes: list[BaseRoute]
    messenger: FeishuMessenger
    client: LarkClient
    listeners: FeishuListeners
    app_id: str
    app_secret: str = field(repr=False)
    domain: str
    verification_token: str = field(repr=False)
    encrypt_key: str = field(repr=False)
    _ws_thread: threading.Thread | None = field(default=None, repr=False)
    _ws_loop: asyncio.AbstractEventLoop | None = field(default=None, repr=False)
    _ws_client: Any = field(default=None, repr=False)
    _ws_ready: threading.Event = field(default_factory=threading.Event, repr=False)
    _sweeper: InboxSweeper | None = field(default=None, repr=False)

    # -- HTTP events ----------------------------------------------------------------------------

    async def http_endpoint(self, request: Request) -> Response:
        media_type = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
        if media_type and media_type != "application/json":  # Feishu always sends JSON
            return JSONResponse({"msg": "unsupported media type"}, status_code=415)
        body = await request.body()  # bot.server.BodyLimit has bounded it
        answer = await run_in_threadpool(self.handle_http, body, dict(request.headers))
        return JSONResponse(answer.body, status_code=answer.status)

    def handle_http(self, body: bytes, headers: dict[str, str]) -> HttpAnswer:
        """Check and dispatch one HTTP event delivery (runs off the event loop)."""
        lower = {k.lower(): v for k, v in headers.items()}
        try:
            envelope = json.loads(body)
        except (ValueError, RecursionError):  # RecursionError: nested too deep to be an event
            return HttpAnswer(400, {"msg": "body is not JSON"})
        if not isinstance(envelope, dict):
            return HttpAnswer(400, {"msg": "body is not a JSON object"})
        payload = envelope
        if "encrypt" in envelope:
            if not self.encrypt_key:
                log.warning("Feishu sent an encrypted event but FEISHU_ENCRYPT_KEY is not set")
                return HttpAnswer(400, {"msg": "encrypted event, no encrypt key configured"})
            try:
                payload = json.loads(AESCipher(self.encrypt_key).decrypt_str(str(envelope["encrypt"])))
            except Exception:
                log.warning("Feishu event could not be decrypted (wrong FEISHU_ENCRYPT_KEY?)")
                return HttpAnswer(400, {"msg": "cannot decrypt"})
            if not isinstance(payload, dict):
                return HttpAnswer(400, {"msg": "bad event"})

        header = payload.get("header") if isinstance(payload.get("header"), dict) else {}
        token = header.get("token") if header else payload.get("token")
        if not self.verification_token:
            log.error("Feishu HTTP event refused: FEISHU_VERIFICATION_TOKEN is not set")
            return HttpAnswer(403, {"msg": "verification token not configured"})
        if not isinstance(token, str) or not hmac.compare_digest(token, self.verification_token):
            log.warning("Feishu HTTP event refused: wrong verification token")
            return HttpAnswer(401, {"msg": "invalid verification token"})

        if payload.get("type") == "url_verification":
            return HttpAnswer(200, {"challenge": payload.get("challenge", "")})

        if self.encrypt_key:
            timestamp = lower.get(LARK_REQUEST_TIMESTAMP.lower())
            nonce = lower.get(LARK_REQUEST_NONCE.lower())
            given = lower.get(LARK_REQUEST_SIGNATURE.lower())
            if not (timestamp and nonce and given):
                log.warning("Feishu HTTP event refused: signature headers missing")
                return HttpAnswer(401, {"msg": "signature missing"})
            expected = signature(timestamp, nonce, self.encrypt_key, body)
            if not hmac.compare_digest(given.lower(), expected):
                log.warning("Feishu HTTP event refused: bad signature")
                return HttpAnswer(401, {"msg": "signature verification failed"})

        event_type = header.get("event_type") if header else None
        if event_type not in HANDLED_EVENTS:
            return HttpAnswer(200, {"msg": "ignored"})
        try:
            answer = self.handle_event(payload)
        except Exception:
            log.exception("Feishu event %s failed", header.get("event_id"))
            return HttpAnswer(500, {"msg": "event handling failed"})
        return HttpAnswer(200, answer if answer is not None else {"msg": "success"})

    def handle_event(self, event: dict[str, Any]) -> dict[str, Any] | None:
        """Hand a checked, decrypted event to the bot; returns the body of a callback's answer."""
        header = event.get("header") if isinstance(event.get("header"), dict) else {}
        event_type = header.get("event_type")
        if event_type == "im.message.receive_v1":
            self.listeners.accept_message(event)
            return None
        if event_type == "card.action.trigger":
            return self.listeners.on_card_action(event)
        return None

    # -- inbox ----------------------------------------------------------------------------------

    def start_inbox_sweeper(self, every: float = SWEEP_EVERY) -> None:
        """Every ``every`` seconds, run the inbox entries whose lease ran out while pending."""
        if self._sweeper is None:
            self._sweeper = InboxSweeper("feishu", self.listeners.recover)
        self._sweeper.start(every)

    # -- long connection ------------------------------------------------------------------------

    def start_long_connection(self) -> None:
        """Run ``lark.ws.Client`` on a daemon thread with its own event loop; returns at once."""
        if self._ws_thread is not None and self._ws_thread.is_alive():
            return
        self._ws_ready.clear()
        thread = threading.Thread(
            target=self._run_long_connection, name="feishu-long-connection", daemon=True
        )
        self._ws_thread = thread
        thread.start()
        self._ws_ready.wait(timeout=5)

    def _run_long_connection(self) -> None:
        from lark_oapi.core.enum import LogLevel

        ws_module = load_ws_client()

        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        # The SDK drives a loop it keeps at module level; give it this thread's own, so it never
        # touches the loop of the HTTP server or of any other thread.
        ws_module.loop = loop
        self._ws_loop = loop
        try:
            client = ws_module.Client(
                self.app_id,
                self.app_secret,
                event_handler=self.long_connection_events(),  # type: ignore[arg-type]
                domain=self.domain,
                # The SDK logs the connection URL (with its access ticket) at INFO: keep it quiet.
                log_level=LogLevel.WARNING,
            )
            client.on_reconnecting = lambda: log.warning("Feishu long connection lost; reconnecting")
            client.on_reconnected = lambda: log.info("Feishu long connection re-established")
            self._ws_client = client
        finally:
            self._ws_ready.set()
        try:
            log.info("Feishu long connection starting")
            client.start()
        except RuntimeError as exc:
            if "stopped" not in str(exc):  # loop.stop() from stop() ends start() this way
                log.exception("Feishu long connection ended")
        except Exception:
            log.exception("Feishu long connection failed")
        finally:
            with contextlib.suppress(Exception):  # the loop may be half torn down
                pending = asyncio.all_tasks(loop)
                for task in pending:
                    task.cancel()
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def long_connection_events(self) -> _LongConnectionEvents:
        """The handler ``lark.ws.Client`` hands event frames to."""
        return _LongConnectionEvents(self)

    @property
    def long_connection_running(self) -> bool:
        return self._ws_thread is not None and self._ws_thread.is_alive()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the sweeper and the long connection (if any) and finish pending work."""
        if self._sweeper is not None:
            self._sweeper.stop(timeout)
        loop, client, thread = self._ws_loop, self._ws_client, self._ws_thread
        if loop is not None and thread is not None and thread.is_alive():
            if client is not None:
                client._auto_reconnect = False  # the SDK has no public stop

                async def close() -> None:
                    try:
                        await asyncio.wait_for(client._disconnect(), timeout=2)
                    finally:
                        loop.stop()

                with contextlib.suppress(RuntimeError):  # the loop already closed
                    asyncio.run_coroutine_threadsafe(close(), loop)
            else:
                loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout)
        self._ws_thread = None
        self.listeners.close(wait=True)


class _LongConnectionEvents:
    """What ``lark.ws.Client`` hands frames to: the same path as HTTP events, no second parse.

    Feishu checks the long connection itself, so there is no signature or token to verify here.
    """

    def __init__(self, runtime: FeishuRuntime) -> None:
        self._runtime = runtime

    def _do_without_validation(self, payload: bytes) -> dict[str, Any] | None:
        event = json.loads(payload)
        if not isinstance(event, dict):
            return None
        return self._runtime.handle_event(event)

    do_without_validation = _do_without_validation  # the name lark-oapi before 1.5 called


def create_feishu_runtime(
    services: Any,
    *,
    identity: BotIdentity | None = None,
    client: LarkClient | None = None,
) -> FeishuRuntime:
    """Everything ``coordbot serve`` needs for Feishu, from ``services.settings``."""
    settings = services.settings
    app_id = settings.feishu_app_id or ""
    app_secret = _secret(settings.feishu_app_secret)
    if not app_id or not app_secret:
        raise ValueError("FEISHU_APP_ID and FEISHU_APP_SECRET are required for Feishu")
    domain = (settings.feishu_domain or "https://open.feishu.cn").rstrip("/")
    encrypt_key = _secret(settings.feishu_encrypt_key)
    verification_token = _secret(settings.feishu_verification_token)

    client = client or build_client(app_id, app_secret, domain)
    messenger = FeishuMessenger(client)
    services.messengers.register(messenger)
    pipeline = Pipeline(
        services,
        "feishu",
        work=WorkPool(WORKERS, "feishu-work"),
        accepts=inbox.AcceptQueue(services.db, services.clock.now),
        accept_wait=ACCEPT_WAIT,
        redelivers=True,
    )
    listeners = FeishuListeners(
        services, messenger, client, pipeline, identity=identity, applink=applink_for(domain)
    )
    runtime = FeishuRuntime(
        routes=[],
        messenger=messenger,
        client=client,
        listeners=listeners,
        app_id=app_id,
        app_secret=app_secret,
        domain=domain,
        verification_token=verification_token,
        encrypt_key=encrypt_key,
    )
    runtime.routes.append(Route(EVENTS_PATH, runtime.http_endpoint, methods=["POST"]))
    return runtime
