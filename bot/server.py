"""The one HTTP application ``coordbot serve`` runs: ``GET /healthz`` plus each platform's routes.

Platforms contribute Starlette routes (``/slack/events``…, ``/feishu/events``); the server
knows nothing of their payloads. Handling is stateless, so several replicas can share one
database behind a load balancer.

Every request body is limited (:data:`MAX_BODY`, 512 KiB by default): a larger declared
``Content-Length`` is refused with 413 before anything is read, and a body that grows past the
limit while it streams in (chunked) is refused as soon as it does — no route ever buffers more.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from storage.db import Database

if TYPE_CHECKING:
    from bot.inbound import HeldWork

log = logging.getLogger(__name__)

MAX_BODY = 512 * 1024  # bytes; Slack and Feishu payloads are a few kB


class BodyLimit:
    """ASGI middleware: refuse request bodies over ``limit`` bytes with 413 (400 for a bad length).

    The body is read here, up to the limit, and handed to the application as one message, so a
    route that reads it gets what it would have got without the middleware.
    """

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = next((value for name, value in scope["headers"] if name == b"content-length"), None)
        if declared is not None:
            if not declared.strip().isdigit():
                await _refuse(scope, receive, send, 400, "bad Content-Length")
                return
            if int(declared) > self.limit:
                await _refuse(scope, receive, send, 413, "request body too large")
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await _refuse(scope, receive, send, 413, "request body too large")
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, reason: str) -> None:
    log.warning("refused %s %s: %s", scope.get("method"), scope.get("path"), reason)
    response = JSONResponse({"error": reason}, status_code=status, headers={"Connection": "close"})
    await response(scope, receive, send)


def build_asgi_app(
    db: Database,
    routes: Sequence[BaseRoute] = (),
    *,
    max_body: int = MAX_BODY,
    metrics: bool = False,
    clock: Callable[[], datetime] | None = None,
) -> Starlette:
    """The application: health and readiness, the platforms' routes, ``/metrics`` when asked for.

    Every request body is at most ``max_body``; without ``metrics`` ``GET /metrics`` is a 404.
    ``clock`` tells the metrics how old the oldest pending message is (default: the wall clock).
    """

    def healthz(_request: Request) -> JSONResponse:
        # A plain function, so Starlette runs it in the thread pool, never on the event loop; and a
        # raw DB-API query, so on SQLite it takes no write lock (no BEGIN IMMEDIATE) under load.
        try:
            connection = db.engine.raw_connection()
            try:
                cursor = connection.cursor()
                cursor.execute("select 1")
                cursor.close()
            finally:
                connection.close()
        except Exception as exc:
            log.warning("health check: database unreachable: %s", type(exc).__name__)
            return JSONResponse({"status": "degraded", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    def readyz(_request: Request) -> JSONResponse:
        # 503 while this replica should get no traffic: the database away, or its schema behind.
        try:
            current, heads = db.schema_revisions()
        except Exception as exc:
            log.warning("readiness: database unreachable: %s", type(exc).__name__)
            return JSONResponse({"status": "unready", "database": "unreachable"}, status_code=503)
        if current != heads:
            behind = {
                "status": "unready",
                "migrations": "behind",
                "at": sorted(current),
                "newest": sorted(heads),
            }
            return JSONResponse(behind, status_code=503)
        return JSONResponse({"status": "ready"})

    extra: list[BaseRoute] = []
    if metrics:
        from bot.metrics import metrics_route

        extra.append(metrics_route(db, clock or (lambda: datetime.now(UTC))))
    return Starlette(
        routes=[
            *extra,
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            *routes,
        ],
        middleware=[Middleware(BodyLimit, limit=max_body)],
    )


def releasing(response: Response, held: HeldWork) -> Response:
    """``response``, with the work held while it was made queued once it has been sent."""

    async def release() -> None:  # on the event loop: it only queues the work
        held.release()

    response.background = BackgroundTask(release)
    return response
