"""Wiring the Slack adapter into a process: bolt app, HTTP routes, Socket Mode, messenger, OAuth.

Two installation modes:

* **single workspace** — ``SLACK_BOT_TOKEN`` + ``SLACK_SIGNING_SECRET`` (+ ``SLACK_APP_TOKEN``
  for Socket Mode);
* **multi-workspace OAuth** — ``SLACK_CLIENT_ID`` + ``SLACK_CLIENT_SECRET`` +
  ``SLACK_SIGNING_SECRET``: ``/slack/install`` and ``/slack/oauth_redirect`` store each team's
  installation in the project's database (slack_sdk's SQLAlchemy stores), and every request and
  outbound message uses that team's bot token.

An HTTP request's signature is checked once, with slack_sdk's ``SignatureVerifier`` (anything
malformed — a junk timestamp, a body that is not UTF-8 — is a 401), then its body is read here
(a form body is a slash command unless it is one ``payload`` field: bolt's own parser takes any
form body containing the word "payload" for an interaction) and dispatched by bolt in a worker
thread. Bolt runs with ``process_before_response``: a listener saves the request, calls ``ack()``
and hands the work to the pipeline's pool, and bolt answers as soon as the listener returns
(no polling). Every authentic request gets a 200, also kinds coordbot does not handle (Slack
disables event subscriptions of apps whose deliveries fail too often).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.app import Services
from bot.inbound import HeldWork, Pipeline, WorkPool
from bot.inbox_sweeper import SWEEP_EVERY, InboxSweeper
from bot.server import releasing
from bot.settings import SettingsError
from bot.slack.client import build_web_client
from bot.slack.listeners import SlackListeners
from bot.slack.messenger import SlackMessenger
from bot.slack.pooled import PooledWebClient, SlackConnections
from bot.slack.users import UserDirectory
from storage import inbox

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
ACCEPT_WAIT = 1.0  # seconds an acknowledgement waits for the inbox before running unsaved (3 s allowed)
ACCEPTED_TYPES = ("application/x-www-form-urlencoded", "application/json")
BOT_SCOPES = [
    "commands",
    "chat:write",
    "chat:write.public",
    "files:write",  # charts (the weekly report, /coord chart) are uploaded with files_upload_v2
    "users:read",
    "im:write",
    "im:history",
    "channels:history",  # to check whether a post whose answer was lost went through
    "groups:history",
    "app_mentions:read",
    "channels:read",
    "groups:read",
    "files:write",  # uploads: exports to the asker's DM
]


@dataclass
class SlackRuntime:
    bolt_app: App
    messenger: SlackMessenger
    routes: list[BaseRoute]
    app_token: str | None = None
    socket_mode_handler: SocketModeHandler | None = None
    pipeline: Pipeline | None = None
    listeners: SlackListeners | None = None
    _closers: list[Callable[[], None]] = field(default_factory=list)
    _sweeper: InboxSweeper | None = None

    def start_inbox_sweeper(self, every: float = SWEEP_EVERY) -> None:
        """Every ``every`` seconds, run saved commands and button presses whose lease ran out."""
        if self.listeners is None:
            return
        if self._sweeper is None:
            self._sweeper = InboxSweeper("slack", self.recover)
        self._sweeper.start(every)

    def recover(self) -> int:
        """Run the saved requests a crash or an outage left pending; how many were taken."""
        if self.listeners is None:
            return 0
        return self.listeners.recover(self.messenger.client)

    def start_socket_mode(self) -> None:
        """Connect over Socket Mode (``SLACK_APP_TOKEN``) in background threads; returns at once."""
        if not self.app_token:
            raise SettingsError("Socket Mode needs SLACK_APP_TOKEN (an app-level token, xapp-…)")
        if self.socket_mode_handler is None:
            self.socket_mode_handler = AcknowledgingSocketModeHandler(self.bolt_app, self.app_token)
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
        pipeline = self.pipeline
        if pipeline is not None:
            if pipeline.work is not None:
                pipeline.work.shutdown(wait=True)  # type: ignore[attr-defined]
            if pipeline.accepts is not None:
                pipeline.accepts.close()
        for close in self._closers:
            close()


def _secret(value: Any) -> str | None:
    return value.get_secret_value() if value is not None else None


def create_slack_runtime(
    services: Services,
    *,
    web_client_options: dict[str, Any] | None = None,
    work_workers: int = 8,
) -> SlackRuntime:
    """Build the Slack adapter from ``services.settings``; raises SettingsError naming what is missing.

    ``web_client_options`` go to :func:`bot.slack.client.build_web_client` (tests pass a no-op sleep).
    Listeners run in the request's thread and only save and acknowledge; the work runs on the
    pipeline's pool (``work_workers`` threads), so it never delays an ack.
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

    common: dict[str, Any] = {
        "signing_secret": signing_secret or "",
        "process_before_response": True,  # listeners ack themselves, then hand work to the pool
        "ignoring_self_events_enabled": True,
        "url_verification_enabled": True,
        "request_verification_enabled": False,  # checked once, in the route (SignatureVerifier)
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

        def forget_tokens(team_id: str) -> None:
            installation_store.delete_installation(enterprise_id=None, team_id=team_id)

    else:
        bolt_app = App(client=make_client(bot_token), **common)  # the client carries the token

        def token_for(team_id: str) -> str | None:
            return bot_token

        def forget_tokens(team_id: str) -> None:
            pass  # SLACK_BOT_TOKEN is the operator's to remove

    work = WorkPool(work_workers, "slack-work")
    accepts = inbox.AcceptQueue(services.db, services.clock.now)
    pipeline = Pipeline(services, "slack", work=work, accepts=accepts, accept_wait=ACCEPT_WAIT)
    users = UserDirectory(services.clock)
    listeners = SlackListeners(services, users, settings.slash_command, pipeline, forget_tokens=forget_tokens)
    listeners.register(bolt_app)
    # The messenger's calls (the scheduler's storms, answers, follow-ups) share kept-alive connections.
    connections = SlackConnections()

    def pooled_client(token: str) -> PooledWebClient:
        return connections.client(token, base_url, **options)

    messenger = SlackMessenger(token_for, pooled_client, on_user_gone=users.forget)
    return SlackRuntime(
        bolt_app=bolt_app,
        messenger=messenger,
        routes=_routes(bolt_app, signing_secret, pipeline),
        app_token=app_token,
        pipeline=pipeline,
        listeners=listeners,
        _closers=[connections.close],
    )


class AcknowledgingSocketModeHandler(SocketModeHandler):
    """Socket Mode, with every envelope acknowledged (bolt leaves kinds nobody listens to unacked)."""

    def handle(self, client: Any, req: Any) -> None:
        started = time.time()
        send_response(client, req, acknowledged(run_bolt_app(self.app, req)), started)


def acknowledged(response: BoltResponse) -> BoltResponse:
    """A kind of request coordbot has no listener for is still answered 200 (logged at debug)."""
    if response.status == 404:
        log.debug("Slack request of a kind coordbot does not handle: acknowledged")
        return BoltResponse(status=200, body="")
    return response


def signed_by_slack(verifier: SignatureVerifier | None, body: bytes, headers: Any) -> bool:
    """Slack's v0 signature over the raw bytes, within 5 minutes of now; False for anything malformed."""
    if verifier is None:
        return False
    try:
        return verifier.is_valid_request(body, headers)
    except (ValueError, TypeError):  # a timestamp that is no number, a body that is no UTF-8,
        return False  # a signature that is no ASCII


def read_body(body: bytes, media_type: str) -> dict[str, Any]:
    """The request as bolt reads it, without its guess: a form is a slash command (or another
    form) unless it is an interaction, which Slack sends as a lone ``payload`` field of JSON.

    Raises ValueError for a body that is not an object.
    """
    text = body.decode("utf-8")
    if media_type == "application/json":
        parsed = json.loads(text)
    else:
        fields = dict(parse_qsl(text, keep_blank_values=True))
        parsed = json.loads(fields["payload"]) if set(fields) == {"payload"} else fields
    if not isinstance(parsed, dict):
        raise ValueError("not an object")
    return parsed


def _routes(app: App, signing_secret: str | None, pipeline: Pipeline) -> list[BaseRoute]:
    verifier = SignatureVerifier(signing_secret) if signing_secret else None

    async def events(request: Request) -> Response:
        body = await request.body()  # bot.server.BodyLimit has bounded it
        headers = request.headers
        if not signed_by_slack(verifier, body, headers):
            return JSONResponse({"error": "invalid request"}, status_code=401)
        media_type = (headers.get("content-type") or "").split(";")[0].strip().lower()
        if media_type not in ACCEPTED_TYPES:
            return JSONResponse({"error": "unsupported media type"}, status_code=415)
        try:
            payload = read_body(body, media_type)
        except (ValueError, RecursionError) as exc:  # not JSON, a payload that is not an object …
            log.warning("unreadable Slack request refused: %s", type(exc).__name__)
            return JSONResponse({"error": "bad request"}, status_code=400)
        # Bolt takes an already-read body only in its Socket Mode shape; its own verification is
        # off (done above), so the mode changes nothing else.
        bolt_request = BoltRequest(body=payload, headers=dict(headers), mode="socket_mode")
        started = time.monotonic()
        bolt_response, held = await run_in_threadpool(dispatch_holding, bolt_request)
        elapsed = time.monotonic() - started
        if elapsed > 2.5:
            log.warning("Slack request acknowledged after %.1f s (Slack allows 3 s)", elapsed)
        return releasing(to_starlette_response(acknowledged(bolt_response)), held)

    def dispatch_holding(bolt_request: BoltRequest) -> tuple[BoltResponse, HeldWork]:
        # The work a listener submits starts once the acknowledgement is sent (Pipeline.answering).
        with pipeline.answering() as held:
            try:
                return app.dispatch(bolt_request), held
            except BaseException:
                held.release()
                raise

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
