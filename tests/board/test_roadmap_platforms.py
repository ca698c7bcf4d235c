"""The roadmap as each platform shows it: a Slack message and App Home within Block Kit's limits,
a Feishu card, both in the workspace's language, with twenty launches at once."""

from __future__ import annotations

import json

from bot.feishu.cards import MAX_CARD_BYTES, card_size, render_card
from bot.slack.blocks import render_home, render_message
from tests.launch.conftest import Team, caller
from tests.slack.limits import all_text, check_blocks, check_view


def plan_launches(team: Team, count: int) -> None:
    for n in range(count):
        team.ok("alice", f"launch new v{n} 2027-01-{n + 5:02d}")  # nothing due yet
    team.ok("alice", "add dev Fix login for v0 due 2026-11-20")


def test_slack_and_feishu_render_the_roadmap(team: Team) -> None:
    plan_launches(team, 22)
    reply = team.ok("alice", "roadmap 12").reply
    message = render_message(reply)
    check_blocks(message["blocks"])
    text = all_text(message["blocks"])
    assert "Roadmap, next 12 weeks: 22 launches, 1 at risk" in text and "⚠ v0" in text
    assert "more" in text  # cut to Block Kit's limits, saying so
    card = render_card(reply)
    assert card_size(card) <= MAX_CARD_BYTES
    assert "At risk: work past its due date" in json.dumps(card, ensure_ascii=False)
    home = render_home(team.core.home(caller("alice")))
    check_view(home)
    assert "Roadmap, next 8 weeks" in all_text(home["blocks"])


def test_the_roadmap_in_chinese_on_feishu(team: Team) -> None:
    team.ok("alice", "settings language zh")
    plan_launches(team, 2)
    card = json.dumps(render_card(team.ok("alice", "路线图 12").reply), ensure_ascii=False)
    assert "路线图（未来 12 周）：2 个发布，1 个有风险" in card and "风险：有工作已过截止日期" in card
