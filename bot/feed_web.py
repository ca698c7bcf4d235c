"""``GET /calendar/<token>.ics``: a person's iCalendar feed, on the ``coordbot serve`` app.

The token is looked up by its hash (:mod:`storage.access_links`) and opens only the workspace and
person it was issued for; an unknown, revoked or malformed one answers 404 and says nothing more.
Calendar apps poll the feed, so it is cheap (a few queries in a read-only transaction, which
never waits behind commands) and never cached by proxies. The token is never logged (uvicorn's
access log is off; errors here name no path).
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.app import Services
from handlers.feed_commands import FEED_PATH
from storage.access_links import AccessPurpose, Grant, check_token
from storage.db import DatabaseUnavailable
from storage.models import Person, Workspace

log = logging.getLogger(__name__)

HEADERS = {
    "Cache-Control": "private, no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
NOT_FOUND = PlainTextResponse("Not found\n", status_code=404, headers=HEADERS)


def feed_routes(services: Services) -> list[Route]:
    def feed(request: Request) -> Response:
        from handlers.ical_feed import build_feed  # icalendar on the first feed, not at start-up

        # A plain function: Starlette runs it in the thread pool, off the event loop.
        token = str(request.path_params.get("token", ""))
        try:
            with services.db.reading() as session:  # read-only: never waits behind commands
                now = services.clock.now()
                grant = check_token(session, token, purpose=AccessPurpose.CALENDAR, now=now)
                if not isinstance(grant, Grant):
                    return NOT_FOUND
                workspace = session.get(Workspace, grant.workspace_id)
                person = session.get(Person, grant.person_id)
                if workspace is None or person is None or person.workspace_id != workspace.id:
                    return NOT_FOUND
                body = build_feed(session, workspace, person, now)
        except DatabaseUnavailable as exc:
            log.warning("calendar feed: database unavailable: %s", exc)
            return PlainTextResponse("Try again later\n", status_code=503, headers={"Retry-After": "60"})
        headers = {**HEADERS, "Content-Disposition": 'inline; filename="coordbot.ics"'}
        return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)

    return [Route(FEED_PATH.replace("{token}", "{token:str}"), feed, methods=["GET"])]
