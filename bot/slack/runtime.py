"""Wiring the Slack adapter into a process: bolt app, HTTP routes, Socket Mode, messenger, OAuth.

Two installation modes:

* **single workspace** — ``SLACK_BOT_TOKEN`` + ``SLACK_SIGNING_SECRET`` (+ ``SLACK_APP_TOKEN``
  for Socket Mode);
* **multi-workspace OAuth** — ``SLACK_CLIENT_ID`` + ``SLACK_CLIENT_SECRET`` +
  ``SLACK_SIGNING_SECRET``: ``/slack/install`` and ``/slack/oauth_redirect`` store each team's
  installation in the project's database (slack_sdk's SQLAlchemy stores), and every request and
  outbound message uses that team's bot token.

HTTP requests are verified by bolt (signature and timestamp) and dispatched in a worker thread,
so the event loop never blocks; bolt returns the acknowledgement as soon as a listener calls
``ack()`` and the rest of the work continues on the listener executor.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from slack_sdk import WebClient
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.app import Services
from bot.inbox_sweeper import SWEEP_EVERY, InboxSweeper
from bot.settings import SettingsError
from bot.slack.client import build_web_client
from bot.slack.listeners import SlackHandlers
from bot.slack.messenger import SlackMessenger
from bot.slack.users import UserDirectory
from storage import inbox

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
MAX_BODY = 1_000_000  # Slack payloads are a few kB; refuse anything absurd before reading it
MAX_AGE = 60 * 5  # seconds a signed request stays valid (Slack's rule; older ones are replays)
ACCEPTED_TYPES = ("application/x-www-form-urlencoded", "application/json")
BOT_SCOPES = [
    "commands",
    "chat:write",
    "chat:write.public",
    "users:read",
    "im:write",
    "im:history",
    "channels:history",  # to check whether a post whose answer was lost went through
    "groups:history",
    "app_mentions:read",
    "channels:read",
    "groups:read",
]


@dataclass
class SlackRuntime:
    bolt_app: App
    messenger: SlackMessenger
    routes: list[BaseRoute]
    app_token: str | None = None
    socket_mode_handler: SocketModeHandler | None = None
    executor: ThreadPoolExecutor | None = None
    work_executor: ThreadPoolExecutor | None = None
    handlers: SlackHandlers | None = None
    _closers: list[Callable[[], None]] = field(default_factory=list)
    _sweeper: InboxSweeper | None = None

    def start_inbox_sweeper(self, every: float = SWEEP_EVERY) -> None:
        """Every ``every`` seconds, run saved commands and button presses whose lease ran out."""
        if self.handlers is None:
            return
        if self._sweeper is None:
            self._sweeper = InboxSweeper("slack", self.recover)
        self._sweeper.start(every)

    def recover(self) -> int:
        """Run the saved requests a crash or an outage left pending; how many were taken."""
        if self.handlers is None:
            return 0
        return self.handlers.recover(self.messenger.client)

    def start_socket_mode(self) -> None:
        """Connect over Socket Mode (``SLACK_APP_TOKEN``) in background threads; returns at once."""
        if not self.app_token:
            raise SettingsError("Socket Mode needs SLACK_APP_TOKEN (an app-level token, xapp-…)")
        if self.socket_mode_handler is None:
            self.socket_mode_handler = SocketModeHandler(self.bolt_app, self.app_token)
        self.socket_mode_handler.connect()
        log.info("Slack Socket Mode connected")

    def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.stop()
        if self.socket_mode_handler is not None:
            try:
                self.socket_mode_handler.close()
            except Exception:
                log.exception("closing the Socket Mode connection failed")
            self.socket_mode_handler = None
        if self.executor is not None:
            self.executor.shutdown(wait=True)
        if self.work_executor is not None:  # after bolt's: its listeners submit work here
            self.work_executor.shutdown(wait=True)
        if self.handlers is not None and self.handlers.accepts is not None:
            self.handlers.accepts.close()
        for close in self._closers:
            close()


def _secret(value: Any) -> str | None:
    return value.get_secret_value() if value is not None else None


def create_slack_runtime(
    services: Services,
    *,
    web_client_options: dict[str, Any] | None = None,
    max_workers: int = 16,
    work_workers: int = 8,
) -> SlackRuntime:
    """Build the Slack adapter from ``services.settings``; raises SettingsError naming what is missing.

    ``web_client_options`` go to :func:`bot.slack.client.build_web_client` (tests pass a no-op sleep).
    Bolt's executor (``max_workers`` threads) runs acknowledgements and event listeners; the work of
    commands and buttons runs on a pool of its own (``work_workers`` threads) so it never delays an ack.
    """
    settings = services.settings
    options = dict(web_client_options or {})
    base_url = settings.slack_api_url

    def make_client(token: str | None) -> WebClient:
        return build_web_client(token, base_url, **options)

    signing_secret = _secret(settings.slack_signing_secret)
    bot_token = _secret(settings.slack_bot_token)
    app_token = _secret(settings.slack_app_token)
    client_secret = _secret(settings.slack_client_secret)
    oauth = bool(settings.slack_client_id and client_secret)
    if not oauth and not bot_token:
        raise SettingsError(
            "Slack needs SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (OAuth)"
        )
    if not signing_secret and not app_token:
        raise SettingsError("Slack needs SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode)")

    executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="slack")
    work_executor = ThreadPoolExecutor(max_workers=work_workers, thread_name_prefix="slack-work")
    common: dict[str, Any] = {
        "signing_secret": signing_secret or "",
        "process_before_response": False,
        "listener_executor": executor,
        "ignoring_self_events_enabled": True,
        "url_verification_enabled": True,
        "request_verification_enabled": True,
    }
    if oauth:
        from bot.slack.oauth import oauth_flow_for

        flow, installation_store = oauth_flow_for(
            services, make_client(None), BOT_SCOPES, INSTALL_PATH, REDIRECT_PATH
        )
        bolt_app = App(
            client=make_client(None), oauth_flow=flow, installation_store=installation_store, **common
        )

        def token_for(team_id: str) -> str | None:
            bot = installation_store.find_bot(enterprise_id=None, team_id=team_id)
            return bot.bot_token if bot is not None else None

    else:
        bolt_app = App(client=make_client(bot_token), **common)  # the client carries the token

        def token_for(team_id: str) -> str | None:
            return bot_token

    users = UserDirectory(services.clock)
    accepts = inbox.AcceptQueue(services.db, services.clock.now)
    handlers = SlackHandlers(services, users, settings.slash_command, work_executor, accepts)
    handlers.register(bolt_app)
    messenger = SlackMessenger(token_for, make_client, language=settings.language)
    routes = _routes(bolt_app, signing_secret or "")
    return SlackRuntime(
        bolt_app=bolt_app,
        messenger=messenger,
        routes=routes,
        app_token=app_token,
        executor=executor,
        work_executor=work_executor,
        handlers=handlers,
    )


def signed_by_slack(secret: str, body: bytes, timestamp: str | None, signature: str | None) -> bool:
    """Slack's v0 signature over the raw bytes, within 5 minutes of now; False for anything malformed."""
    if not secret or not timestamp or not signature or not (timestamp.isascii() and timestamp.isdigit()):
        return False
    if abs(time.time() - int(timestamp)) > MAX_AGE:
        return False
    digest = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(f"v0={digest}".encode(), signature.encode("utf-8", "replace"))


def _routes(app: App, signing_secret: str) -> list[BaseRoute]:
    async def events(request: Request) -> Response:
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > MAX_BODY:
            return PlainTextResponse("payload too large", status_code=413)
        body = await request.body()
        if len(body) > MAX_BODY:
            return PlainTextResponse("payload too large", status_code=413)
        # Check the signature before anything reads the body (bolt parses it as it builds its
        # request: a forged body must not reach a JSON parser), then the kind of body.
        headers = request.headers
        if not signed_by_slack(
            signing_secret, body, headers.get("x-slack-request-timestamp"), headers.get("x-slack-signature")
        ):
            return JSONResponse({"error": "invalid request"}, status_code=401)
        media_type = (headers.get("content-type") or "").split(";")[0].strip().lower()
        if media_type not in ACCEPTED_TYPES:
            return JSONResponse({"error": "unsupported media type"}, status_code=415)
        try:
            bolt_request = to_bolt_request(request, body)
            if not isinstance(bolt_request.body, dict):
                raise ValueError("not an object")
        except Exception as exc:  # not UTF-8, not JSON, a payload that is not an object …
            log.warning("unreadable Slack request refused: %s", type(exc).__name__)
            return JSONResponse({"error": "bad request"}, status_code=400)
        started = time.monotonic()
        bolt_response = await run_in_threadpool(app.dispatch, bolt_request)
        elapsed = time.monotonic() - started
        if elapsed > 2.5:
            log.warning("Slack request acknowledged after %.1f s (Slack allows 3 s)", elapsed)
        return to_starlette_response(bolt_response)

    routes: list[BaseRoute] = [Route(EVENTS_PATH, events, methods=["POST"])]
    flow = app.oauth_flow
    if flow is not None:

        async def install(request: Request) -> Response:
            bolt_request = to_bolt_request(request, await request.body())
            return to_starlette_response(await run_in_threadpool(flow.handle_installation, bolt_request))

        async def redirect(request: Request) -> Response:
            bolt_request = to_bolt_request(request, await request.body())
            return to_starlette_response(await run_in_threadpool(flow.handle_callback, bolt_request))

        routes.append(Route(flow.install_path, install, methods=["GET"]))
        routes.append(Route(flow.redirect_uri_path, redirect, methods=["GET"]))
    return routes
