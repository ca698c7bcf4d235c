"""The one HTTP application ``coordbot serve`` runs: ``GET /healthz`` plus each platform's routes.

Platforms contribute Starlette routes (``/slack/events``…, ``/feishu/events``); the server
knows nothing of their payloads. Handling is stateless, so several replicas can share one
database behind a load balancer.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from storage.db import Database

log = logging.getLogger(__name__)


def build_asgi_app(db: Database, routes: Sequence[BaseRoute] = ()) -> Starlette:
    async def healthz(_request: Request) -> JSONResponse:
        try:
            with db.engine.connect() as conn:
                conn.execute(text("select 1"))
        except Exception as exc:
            log.warning("health check: database unreachable: %s", type(exc).__name__)
            return JSONResponse({"status": "degraded", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    return Starlette(routes=[Route("/healthz", healthz, methods=["GET"]), *routes])
