"""Board elements link back to the chat message their task came from: Slack's permalink when the
task was made from a message, else the Slack conversation it was made in; never another scheme."""

from __future__ import annotations

import dataclasses
import html
import re

from starlette.testclient import TestClient

from handlers.context import SourceMessage
from tests.board.test_board_access import client, sign_in
from tests.launch.conftest import Team, caller

__all__ = ["client"]

PERMALINK = "https://acme.slack.com/archives/CSRC/p1700000000000100"


def add_from(team: Team, text: str, source: SourceMessage) -> None:
    outcome = team.core.handle_text(dataclasses.replace(caller("alice"), replying_to=source), text)
    assert outcome.reply.tone.value != "error", outcome.reply.plain_text()


def links(page: str) -> dict[str, str]:
    """Each work element's number -> the href of its source link."""
    found = {}
    for number, body in re.findall(r'id="task-(\d+)"(.*?)</(?:li|tr)>', page, re.S):
        href = re.search(r'<a class="src" href="([^"]+)"', body)
        if href:
            found[number] = html.unescape(href.group(1))
    return found


def test_tasks_from_slack_messages_link_to_them_on_every_page(team: Team, client: TestClient) -> None:
    team.ok("alice", "launch new v2 2026-12-15")
    add_from(
        team,
        "add dev Fix login for v2 due 2026-11-20",
        SourceMessage("CSRC", "1700000000.000100", None, PERMALINK),
    )
    add_from(
        team, "add dev Flaky test for v2", SourceMessage("CTHREAD", "1700000000.000200", "1700000000.000200")
    )
    add_from(team, "add dev Odd link for v2", SourceMessage("CODD", "1.2", None, "javascript:alert(1)"))
    team.ok("alice", "add dev Typed in chat for v2")
    sign_in(client, team)
    channel = "https://slack.com/app_redirect?team=T1&channel="
    expected = {"13": PERMALINK, "14": channel + "CTHREAD", "15": channel + "CODD"}  # #16: typed, no source
    launch = client.get("/board/launch/1").text
    assert links(launch) == expected
    assert "Source message in Slack" in launch and "Source conversation in Slack" in launch
    assert links(client.get("/board/department/dev").text) == expected
    assert "javascript:" not in launch


def test_the_link_labels_speak_chinese(team: Team, client: TestClient) -> None:
    team.ok("alice", "settings language zh")
    team.ok("alice", "launch new v2 2026-12-15")
    add_from(team, "add dev 修复登录 for v2", SourceMessage("CSRC", "1700000000.000100", None, PERMALINK))
    sign_in(client, team)
    page = client.get("/board/department/dev").text
    assert "Slack 中的来源消息" in page and links(page) == {"13": PERMALINK}
