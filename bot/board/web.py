"""The web board's HTTP side: redeeming links, the session cookie, security headers, the pages.

``/board/open/<token>`` redeems a one-time link from ``/coord board`` (rate-limited per client)
and answers with a session cookie (HttpOnly, SameSite=Lax, Secure over HTTPS, 12 hours) and a
redirect that drops the token from the address bar. Every other page reads that cookie; a page
shows one workspace, the cookie's, so an id of another workspace is a 404 whoever asks.
Tokens never reach a log line. Pages only read, in :meth:`Database.reading` (redeeming a link
writes, in a transaction). Pages are rendered by plain functions, which Starlette runs in its
thread pool (the database is synchronous), never on the event loop.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.app import Services
from bot.board.render import PageRenderer
from handlers.board_pages import BOARD_WEEKS, board_context, department_page, launch_page, roadmap_page
from handlers.clock import Clock
from handlers.i18n import Translator, normalise_language
from handlers.roadmap import MAX_WEEKS
from handlers.web_access import BOARD_SESSION_LIFETIME, WebAccess
from storage.access_links import AccessPurpose, Grant, Refusal, check_token, issue_token, redeem_token
from storage.db import Database

if TYPE_CHECKING:
    from jinja2 import Environment

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
COOKIE = "coordbot_board"
STATIC_FILES = {"board.css": "text/css", "board.js": "text/javascript"}
REDEEM_LIMIT = 10  # link redemptions per client address …
REDEEM_WINDOW = 60.0  # … per this many seconds (per replica)
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@cache
def board_templates() -> Environment:
    """The pages' templates, compiled once per process; they ship with the code, so no file is
    checked for changes per page."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    templates = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    for name in templates.list_templates(extensions=["html"]):
        templates.get_template(name)
    return templates


class RedeemLimiter:
    """At most ``limit`` attempts per client in any ``window`` seconds (a sliding window)."""

    def __init__(self, limit: int = REDEEM_LIMIT, window: float = REDEEM_WINDOW) -> None:
        self.limit = limit
        self.window = window
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str, now: float) -> bool:
        with self._lock:
            if len(self._seen) > 10_000:  # forget idle clients rather than grow without bound
                self._seen = {k: v for k, v in self._seen.items() if v and v[-1] > now - self.window}
            times = self._seen.setdefault(client, deque())
            while times and times[0] <= now - self.window:
                times.popleft()
            if len(times) >= self.limit:
                return False
            times.append(now)
            return True


class Board:
    """The board's routes for one process (see the module notes)."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        web: WebAccess,
        *,
        default_language: str = "en",
        limiter: RedeemLimiter | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.clock = clock
        self.web = web
        self.default_language = default_language
        self.limiter = limiter or RedeemLimiter()
        self.monotonic = monotonic

    @cached_property
    def templates(self) -> Environment:
        """The page templates, compiled with the first page (Jinja2 is not imported at start-up)."""
        return board_templates()

    @property
    def routes(self) -> list[BaseRoute]:
        return [
            Route("/board/open/{token}", self.open_link, methods=["GET"]),
            Route("/board", self.roadmap, methods=["GET"]),
            Route("/board/", self.roadmap, methods=["GET"]),
            Route("/board/launch/{launch_id:int}", self.launch, methods=["GET"]),
            Route("/board/department/{key}", self.department, methods=["GET"]),
            Route("/board/static/{name}", self.static, methods=["GET"]),
        ]

    # -- access -------------------------------------------------------------------------------

    def open_link(self, request: Request) -> Response:
        client = request.client.host if request.client else "?"
        if not self.limiter.allow(client, self.monotonic()):
            log.warning("board: too many link redemptions from %s", client)
            return self._message(request, "board.limited", 429, headers={"Retry-After": "60"})
        now = self.clock.now()
        with self.db.transaction() as session:
            outcome = redeem_token(
                session, request.path_params["token"], purpose=AccessPurpose.BOARD_LINK, now=now
            )
            if isinstance(outcome, Refusal):
                log.info("board: link refused (%s)", outcome.value)
                return self._message(
                    request, "board.link_refused", 410 if outcome != Refusal.UNKNOWN else 404
                )
            cookie = issue_token(
                session,
                workspace_id=outcome.workspace_id,
                person_id=outcome.person_id,
                purpose=AccessPurpose.BOARD_SESSION,
                now=now,
                lifetime=BOARD_SESSION_LIFETIME,
            )
        log.info("board: link redeemed for workspace %s person %s", outcome.workspace_id, outcome.person_id)
        response = RedirectResponse("/board/", status_code=303, headers=SECURITY_HEADERS)
        response.set_cookie(
            COOKIE,
            cookie,
            max_age=int(BOARD_SESSION_LIFETIME.total_seconds()),
            path="/board",
            httponly=True,
            secure=self._secure(request),
            samesite="lax",
        )
        return response

    def _secure(self, request: Request) -> bool:
        forwarded = request.headers.get("x-forwarded-proto", "")
        return (
            request.url.scheme == "https"
            or forwarded == "https"
            or (self.web.public_url or "").startswith("https://")
        )

    # -- pages ----------------------------------------------------------------------------------

    def roadmap(self, request: Request) -> Response:
        raw = request.query_params.get("weeks", "")
        weeks = int(raw) if raw.isdigit() and 1 <= int(raw) <= MAX_WEEKS else BOARD_WEEKS
        return self._page(request, lambda ctx, render: render.roadmap(roadmap_page(ctx, weeks)))

    def launch(self, request: Request) -> Response:
        launch_id = request.path_params["launch_id"]
        return self._page(request, lambda ctx, render: _or_none(launch_page(ctx, launch_id), render.launch))

    def department(self, request: Request) -> Response:
        key = request.path_params["key"][:40]
        return self._page(request, lambda ctx, render: _or_none(department_page(ctx, key), render.department))

    def static(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC_FILES:
            return Response("not found", status_code=404, headers=SECURITY_HEADERS)
        headers = {**SECURITY_HEADERS, "Cache-Control": "public, max-age=3600"}
        return FileResponse(HERE / "static" / name, media_type=STATIC_FILES[name], headers=headers)

    def _page(self, request: Request, body: Callable[[Any, PageRenderer], str | None]) -> Response:
        token = request.cookies.get(COOKIE, "")
        now = self.clock.now()
        with self.db.reading() as session:  # pages only read: they never wait behind commands
            grant = (
                check_token(session, token, purpose=AccessPurpose.BOARD_SESSION, now=now) if token else None
            )
            ctx = board_context(session, grant, now=now, web=self.web) if isinstance(grant, Grant) else None
            if ctx is None:
                return self._message(request, "board.signed_out", 401)
            html = body(ctx, PageRenderer(self.templates, ctx))
            if html is None:
                return self._message(request, "board.not_found", 404, tr=ctx.tr)
        return HTMLResponse(html, headers=SECURITY_HEADERS)

    def _message(
        self,
        request: Request,
        key: str,
        status: int,
        *,
        tr: Translator | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """A page that says what happened and what to do (ask for a new link in chat)."""
        tr = tr or Translator(self._browser_language(request))
        html = self.templates.get_template("message.html").render(
            t=tr, lang=tr.lang, title=tr(f"{key}.title"), body=tr(f"{key}.body")
        )
        return HTMLResponse(html, status_code=status, headers={**SECURITY_HEADERS, **(headers or {})})

    def _browser_language(self, request: Request) -> str:
        accept = request.headers.get("accept-language", "")
        first = accept.split(",")[0].split(";")[0].strip()
        return normalise_language(first) if first else self.default_language


def board_routes(services: Services) -> list[BaseRoute]:
    """The board's routes for ``coordbot serve``; none when it is turned off (COORDBOT_BOARD=off)."""
    settings = services.settings
    if not settings.board:
        return []
    board = Board(services.db, services.clock, settings.web_access, default_language=settings.language)
    return board.routes


def _or_none(page: Any, render: Callable[[Any], str]) -> str | None:
    return None if page is None else render(page)
