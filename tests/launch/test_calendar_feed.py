"""The personal calendar feed: ``/coord calendar`` answers the asker with an address whose token
is stored hashed; ``coordbot serve`` answers it with an iCalendar feed of launches, the person's
dated work and their departments' milestones (all-day events, stable UIDs); ``calendar reset``
turns it off (404), and a token of one workspace never shows another's data."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select
from starlette.testclient import TestClient

from bot.app import Services
from bot.feed_web import feed_routes
from bot.server import build_asgi_app
from handlers.core import Coordinator
from handlers.outbox import AnswerRoute
from handlers.replies import Target
from handlers.web_access import WebAccess
from storage.access_links import hash_token
from storage.models import AccessLink, Notification, Workspace
from tests.launch.conftest import Team, caller

PUBLIC = "https://coordbot.example.com"
FEED = re.compile(re.escape(PUBLIC) + r"/calendar/([A-Za-z0-9_\-]+)\.ics")


@pytest.fixture
def web_team(team: Team) -> Team:
    team.core = Coordinator(team.db, team.clock, default_timezone="UTC", web=WebAccess(public_url=PUBLIC))
    return team


@pytest.fixture
def client(web_team: Team) -> TestClient:
    services = Services(settings=None, db=web_team.db, clock=web_team.clock, coordinator=web_team.core)  # type: ignore[arg-type]
    return TestClient(build_asgi_app(web_team.db, feed_routes(services)))


def feed_token(team: Team, user: str) -> str:
    reply = team.ok(user, "calendar").reply
    assert reply.ephemeral
    match = FEED.search(reply.plain_text())
    assert match, reply.plain_text()
    return match.group(1)


def events(client: TestClient, token: str) -> dict[str, dict[str, object]]:
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert "no-cache" in response.headers["cache-control"]
    calendar = Calendar.from_ical(response.content)
    found = {}
    for event in calendar.walk("VEVENT"):
        start, end = event.decoded("dtstart"), event.decoded("dtend")
        assert type(start) is date and end == start + timedelta(days=1)  # all-day
        found[str(event["uid"])] = {
            "summary": str(event["summary"]),
            "day": start,
            "status": event.get("status"),
        }
    return found


def test_the_feed_holds_launches_my_dated_work_and_my_departments_milestones(
    web_team: Team, client: TestClient
) -> None:
    team = web_team
    team.ok("alice", "launch new v1 2026-12-15")
    team.ok("alice", "add dev Fix login <@frank|Frank> due 2026-12-04")  # #13: frank's
    team.ok("alice", "add design Polish <@frank|Frank>")  # no due date: not in a calendar
    team.ok("alice", "add ops Other people's work <@erin|Erin> due 2026-12-05")
    found = events(client, feed_token(team, "frank"))  # frank is a dev member
    workspace_id = team.item(1).workspace_id
    assert found[f"launch-{workspace_id}-{team.item(1).launch_id}@coordbot"] == {
        "summary": "🚀 Launch v1",
        "day": date(2026, 12, 15),
        "status": None,
    }
    assert found[f"task-{workspace_id}-13@coordbot"]["summary"] == "#13 Fix login [dev]"
    assert found[f"task-{workspace_id}-13@coordbot"]["day"] == date(2026, 12, 4)
    milestone = found[f"item-{workspace_id}-1@coordbot"]
    assert milestone == {
        "summary": "v1 · dev: Feature complete (T-10)",
        "day": date(2026, 12, 1),
        "status": None,
    }
    summaries = " ".join(str(e["summary"]) for e in found.values())
    assert "Polish" not in summaries and "Other people" not in summaries and "design:" not in summaries
    assert len(found) == 1 + 1 + 4  # the launch, #13, dev's four items


def test_a_moved_date_moves_the_event_and_done_work_leaves(web_team: Team, client: TestClient) -> None:
    team = web_team
    team.ok("alice", "launch new v1 2026-12-15")
    team.ok("bob", "add dev Fix login <@bob|Bob> due 2026-12-04")  # #13
    token = feed_token(team, "bob")
    before = events(client, token)
    team.ok("alice", "launch v1 date 2026-12-17")
    team.ok("bob", "due #13 2026-12-08")
    team.ok("bob", "done #2")
    after = events(client, token)
    assert set(after) == set(before)  # the same UIDs: events move, none is added
    workspace_id = team.item(1).workspace_id
    assert after[f"task-{workspace_id}-13@coordbot"]["day"] == date(2026, 12, 8)
    assert after[f"item-{workspace_id}-1@coordbot"]["day"] == date(2026, 12, 3)  # T-10 of the new date
    team.ok("bob", "done #13")
    team.ok("alice", "launch v1 cancel")
    cancelled = events(client, token)
    assert f"task-{workspace_id}-13@coordbot" not in cancelled
    launch = cancelled[f"launch-{workspace_id}-{team.item(1).launch_id}@coordbot"]
    assert launch["status"] == "CANCELLED" and launch["summary"] == "Launch v1 (cancelled)"


def test_reset_turns_every_address_off_and_a_new_one_works(web_team: Team, client: TestClient) -> None:
    team = web_team
    first, second = feed_token(team, "bob"), feed_token(team, "bob")
    assert first != second and client.get(f"/calendar/{first}.ics").status_code == 200
    assert "Turned off 2 calendar addresses" in team.ok("bob", "calendar reset").reply.plain_text()
    for token in (first, second):
        response = client.get(f"/calendar/{token}.ics")
        assert response.status_code == 404 and token not in response.text
    assert "no calendar address to turn off" in team.ok("bob", "calendar reset").reply.plain_text()
    assert client.get(f"/calendar/{feed_token(team, 'bob')}.ics").status_code == 200
    for junk in ("nothing", "x" * 200, "%00", first[:-1]):
        assert client.get(f"/calendar/{junk}.ics").status_code == 404


def test_the_token_is_stored_hashed_and_never_in_the_ledger(web_team: Team) -> None:
    team = web_team
    route = AnswerRoute("reply:1", Target.channel("C1"), Target.member("C1", "bob"))
    outcome = team.core.handle_text(caller("bob"), "calendar", answer=route)
    token = FEED.search(outcome.reply.plain_text()).group(1)  # type: ignore[union-attr]
    assert outcome.answer is not None and token in outcome.answer.reply.plain_text()  # sent as it is
    with team.db.transaction() as s:
        (link,) = s.scalars(select(AccessLink)).all()
        assert link.token_hash == hash_token(token) and link.purpose == "calendar"
        stored = json.dumps([n.payload for n in s.scalars(select(Notification)).all()], ensure_ascii=False)
    assert token not in stored and "could not be delivered at once" in stored


def test_another_workspaces_token_never_sees_this_ones_data(web_team: Team, client: TestClient) -> None:
    team = web_team
    team.ok("alice", "launch new secret-launch 2026-12-15")
    team.ok("bob", "add dev Secret work <@bob|Bob> due 2026-12-04")
    other = Team(team.core, team.db, team.clock, workspace="T2")
    other.ok("bob", "dept set dev lead <@bob|Bob>")  # the same user id, in another workspace
    other.ok("bob", "add dev Their work <@bob|Bob> due 2026-12-04")
    found = events(client, feed_token(other, "bob"))
    text = json.dumps(found, default=str)
    assert "secret" not in text.lower() and "Their work" in text
    assert all(uid.split("-")[1] == str(_workspace_id(other)) for uid in found)


def _workspace_id(team: Team) -> int:
    with team.db.transaction() as s:
        return s.scalars(select(Workspace.id).where(Workspace.external_id == team.workspace)).one()


def test_without_a_public_address_there_is_no_link_and_zh_reads_chinese(team: Team) -> None:
    team.refused("bob", "calendar", "COORDBOT_PUBLIC_URL")
    team.refused("bob", "calendar now", "/coord calendar reset")
    team.ok("alice", "settings language zh")
    team.refused("bob", "日历", "COORDBOT_PUBLIC_URL")
    assert "你没有可停用的日历地址" in team.ok("bob", "日历 重置").reply.plain_text()
