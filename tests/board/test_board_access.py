"""The board's access rules over HTTP (in-process, both databases): one-time links, the session
cookie, revocation, workspace isolation with guessed ids, security headers, rate limiting,
tokens kept out of logs, the board turned off, and each page in both languages."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from bot.app import Services
from bot.board.web import COOKIE, Board, RedeemLimiter, board_routes
from bot.server import build_asgi_app
from bot.settings import Settings
from handlers.core import Coordinator
from handlers.replies import Tone
from handlers.web_access import WebAccess
from tests.board.conftest import PUBLIC_URL
from tests.launch.conftest import Team


def link(team: Team, user: str = "alice") -> str:
    outcome = team.ok(user, "board")
    assert outcome.reply.ephemeral
    url = outcome.reply.sections[0].text or ""
    assert url.startswith(f"{PUBLIC_URL}/board/open/")
    return url.removeprefix(PUBLIC_URL)


@pytest.fixture
def client(team: Team) -> Iterator[TestClient]:
    board = Board(team.db, team.clock, team.core.web, limiter=RedeemLimiter(limit=50))
    with TestClient(build_asgi_app(team.db, board.routes), base_url="https://testserver") as http:
        yield http


def sign_in(client: TestClient, team: Team, user: str = "alice") -> None:
    opened = client.get(link(team, user), follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == "/board/"


def seed(team: Team, workspace_language: str = "en") -> None:
    if workspace_language == "zh":
        team.ok("alice", "settings language zh")
    team.ok("alice", "launch new v2 2026-12-15")
    team.ok("alice", "add dev Fix login for v2 due 2026-11-20")


def test_a_link_opens_once_and_sets_a_strict_session_cookie(team: Team, client: TestClient) -> None:
    seed(team)
    path = link(team)
    opened = client.get(path, follow_redirects=False)
    assert opened.status_code == 303
    cookie = opened.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    for attribute in ("HttpOnly", "Secure", "SameSite=lax", "Max-Age=43200", "Path=/board"):
        assert attribute in cookie
    page = client.get("/board/")
    assert page.status_code == 200 and "v2" in page.text and "Fix login" in page.text
    again = TestClient(client.app, base_url="https://testserver").get(path, follow_redirects=False)
    assert again.status_code == 410 and "/coord board" in again.text and "no longer works" in again.text


def test_an_expired_link_is_refused_with_a_page_saying_what_to_do(team: Team, client: TestClient) -> None:
    path = link(team)
    team.clock.advance(timedelta(minutes=10))
    refused = client.get(path, follow_redirects=False)
    assert refused.status_code == 410 and "Ask for a new one in chat" in refused.text
    assert COOKIE not in refused.headers.get("set-cookie", "")
    assert client.get("/board/open/not-a-token").status_code == 404


def test_the_session_lasts_twelve_hours_and_revoke_ends_it(team: Team, client: TestClient) -> None:
    seed(team)
    sign_in(client, team)
    team.clock.advance(timedelta(hours=11, minutes=59))
    assert client.get("/board/").status_code == 200
    team.clock.advance(timedelta(minutes=1))
    assert client.get("/board/").status_code == 401
    sign_in(client, team)
    assert client.get("/board/").status_code == 200
    assert team.ok("alice", "board revoke").reply.headline.startswith("Signed out of the board everywhere (1")
    signed_out = client.get("/board/")
    assert signed_out.status_code == 401 and "/coord board" in signed_out.text


def test_another_workspaces_session_never_sees_this_ones_pages(team: Team, client: TestClient) -> None:
    seed(team)
    other = Team(team.core, team.db, team.clock, workspace="T2")
    other.ok("zoe", "launch new secret 2026-12-20")
    sign_in(client, other, "zoe")
    mine = client.get("/board/").text
    assert "secret" in mine and "v2" not in mine and "Fix login" not in mine
    for guessed in ("/board/launch/1", "/board/department/dev"):
        page = client.get(guessed)
        assert "Fix login" not in page.text and "v2" not in page.text.replace("secret", "")
    assert client.get("/board/launch/1").status_code == 404  # T1's launch, by its real id


def test_pages_carry_security_headers_and_no_external_reference(team: Team, client: TestClient) -> None:
    seed(team)
    sign_in(client, team)
    for path in ("/board/", "/board/launch/1", "/board/department/dev", "/board/nothing/here"):
        page = client.get(path)
        if page.status_code == 404 and path == "/board/nothing/here":
            continue  # Starlette's own 404
        csp = page.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["referrer-policy"] == "no-referrer"
        assert "https://" not in page.text.replace("http://www.w3.org/2000/svg", "")


def test_link_redemption_is_rate_limited(team: Team) -> None:
    board = Board(team.db, team.clock, team.core.web, limiter=RedeemLimiter(limit=3, window=60))
    with TestClient(build_asgi_app(team.db, board.routes)) as http:
        codes = [http.get(f"/board/open/guess{n}").status_code for n in range(4)]
        assert codes == [404, 404, 404, 429]
        assert http.get(link(team)).status_code == 429  # a real link waits its turn too


def test_tokens_never_reach_the_log(team: Team, client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    path = link(team)
    opened = client.get(path, follow_redirects=False)
    session = opened.cookies.get(COOKIE) or opened.headers["set-cookie"].split(";")[0].split("=", 1)[1]
    client.get("/board/")
    client.get(path)
    token = path.rsplit("/", 1)[1]
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))  # the client's
    assert token not in ours and session not in ours
    assert "board: link redeemed" in ours and "board: link refused (used)" in ours


def test_a_chinese_workspace_gets_chinese_pages(team: Team, client: TestClient) -> None:
    seed(team, "zh")
    sign_in(client, team)
    roadmap = client.get("/board/").text
    assert '<html lang="zh-CN">' in roadmap and "路线图" in roadmap and "有风险" in roadmap
    launch = client.get("/board/launch/1").text
    assert "各部门就绪情况" in launch and "功能开发完成" in launch
    assert "按人员列出的未完成工作" in client.get("/board/department/dev").text


def test_the_launch_and_department_pages(team: Team, client: TestClient) -> None:
    seed(team)
    team.ok("alice", "dept set dev lead <@bob|Bob>")
    team.ok("alice", "check v2 dev 1")
    team.ok("alice", "signoff v2 dev not ready load tests fail")
    team.ok("alice", "assign #13 <@bob|Bob>")
    sign_in(client, team)
    launch = client.get("/board/launch/1").text
    assert "Readiness by department" in launch and "✗ not ready: load tests fail" in launch
    assert "Feature complete" in launch and "@Alice · 2026-11-25 09:00" in launch  # who checked it, when
    assert "<code>/coord launch v2</code>" in launch and "/coord show #13" in launch
    assert "Overdue (1)" in launch and "At risk" in launch
    assert '<svg class="burnup"' in launch and "Burn-up of v2" in launch
    assert "1 of 11 done" in launch  # the burn-up: 10 launch items and the linked task, 1 checked off
    assert 'id="feedback"' not in launch  # a feedback section only where feedback exists
    team.ok("erin", "feedback v2 bug <Export> hidden on small screens")
    launch = client.get("/board/launch/1").text
    assert "Feedback (1)" in launch and "1 in all, 1 not triaged, 1 open" in launch
    assert "&lt;Export&gt; hidden on small screens" in launch and "<Export>" not in launch  # escaped
    department = client.get("/board/department/dev").text
    assert "@Bob" in department and "Fix login" in department
    assert "4 open · 1 overdue · 0 blocked" in department  # dev's open items (its lead's) and the task


def test_the_board_command_without_an_address_or_turned_off(team: Team) -> None:
    plain = Team(Coordinator(team.db, team.clock), team.db, team.clock)
    assert "COORDBOT_PUBLIC_URL" in plain.refused("alice", "board", "no address").reply.plain_text()
    off = Team(Coordinator(team.db, team.clock, web=WebAccess(PUBLIC_URL, board=False)), team.db, team.clock)
    assert off.say("alice", "board").reply.tone == Tone.ERROR
    assert "turned off" in off.say("alice", "board").reply.plain_text()
    settings = Settings(_env_file=None, database_url=team.db.url, board="off")  # type: ignore[call-arg]
    services = Services(settings=settings, db=team.db, clock=team.clock, coordinator=off.core)
    assert board_routes(services) == []
    assert board_routes(Services(Settings(_env_file=None), team.db, team.clock, off.core))  # type: ignore[call-arg]
