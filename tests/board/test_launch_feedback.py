"""The board's launch page shows the launch's feedback with its triage state, where there is any."""

from __future__ import annotations

import html
import re
from datetime import date

from starlette.testclient import TestClient

from tests.board.test_board_access import client, sign_in
from tests.launch.conftest import Team, at

__all__ = ["client"]


def feedback_items(page: str) -> dict[str, str]:
    """F-number -> the item's text on the page, tags stripped."""
    found = re.findall(r'<li id="feedback-(\d+)" class="fb-(\w+)">(.*?)</li>', page, re.S)
    return {
        f"F{n} {status}": " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())
        for n, status, body in found
    }


def test_the_launch_page_lists_feedback_with_its_triage_state(team: Team, client: TestClient) -> None:
    team.ok("alice", "launch new v2 2026-11-26")
    team.clock.set(at(date(2026, 11, 27), 10))
    sign_in(client, team)
    assert 'id="feedback"' not in client.get("/board/launch/1").text  # none yet: no section
    team.ok("erin", "feedback v2 bug The export button is hidden")
    team.ok("alice", "feedback v2 request Dark mode please")
    team.ok("bob", "feedback F1 +1")
    team.ok("alice", "feedback F1 task dev")
    team.ok("alice", "feedback F2 wontfix not this year")
    page = client.get("/board/launch/1").text
    assert "Feedback (2)" in page and "2 in all, 0 not triaged, 1 open" in page
    items = feedback_items(page)
    assert set(items) == {"F1 task", "F2 wontfix"}
    assert items["F1 task"].startswith("F1 The export button is hidden bug · @Erin · +1")
    assert "→ #13" in items["F1 task"] and items["F1 task"].endswith("/coord feedback F1")
    assert "won't fix" in items["F2 wontfix"]


def test_the_feedback_section_speaks_chinese(team: Team, client: TestClient) -> None:
    team.ok("alice", "settings language zh")
    team.ok("alice", "launch new v2 2026-11-26")
    team.clock.set(at(date(2026, 11, 27), 10))
    team.ok("erin", "feedback v2 bug 导出按钮找不到")
    sign_in(client, team)
    page = client.get("/board/launch/1").text
    assert "用户反馈（1）" in page and "导出按钮找不到" in page
