"""Chinese replies read as Chinese in plain text too (the console, notification fallbacks):
full-width colons and parentheses, and every message a command sends on carries its language."""

from __future__ import annotations

import re

import pytest

from handlers.clock import ManualClock
from handlers.context import Caller
from handlers.core import Coordinator
from handlers.replies import Field, Outcome, Reply, Section
from storage.db import Database

HALF_WIDTH_AFTER_CJK = re.compile(r"[\u4e00-\u9fff][:(]|[(][\u4e00-\u9fff]")


@pytest.fixture
def core(db: Database, clock: ManualClock) -> Coordinator:
    return Coordinator(db, clock, default_timezone="UTC")


def run(core: Coordinator, text: str, user: str = "alice") -> Outcome:
    return core.handle_text(Caller("slack", "T1", user, user, "C1", "general"), text)


def test_fields_and_context_use_the_reply_languages_punctuation() -> None:
    sections = (Section(fields=(Field("状态", "待办"),), context="由 @alice 创建"),)
    assert "状态：待办" in Reply("标题", sections, language="zh").plain_text()
    assert "（由 @alice 创建）" in Reply("标题", sections, language="zh").plain_text()
    english = Reply("Title", (Section(fields=(Field("Status", "open"),), context="by @alice"),))
    assert "Status: open" in english.plain_text() and "(by @alice)" in english.plain_text()


def test_a_chinese_workspaces_replies_and_dms_are_chinese_throughout(core: Coordinator) -> None:
    run(core, "settings language zh")
    run(core, "help", user="bob")
    commands = [
        "add dev 修复登录页 @bob 截止 周五 !high",
        "due #1 下周一",
        "block #1 等待接口",
        "unblock #1",
        "assign #1 @carol",
        "done #1",
        "launch new v2.3 2026-12-18",
        "launch v2.3",
        "show #1",
    ]
    for command in commands:
        outcome = run(core, command)
        for reply in (outcome.reply, *(message.reply for message in outcome.outbox)):
            assert reply.language == "zh", (command, reply.plain_text())
            shown = reply.plain_text()
            assert not HALF_WIDTH_AFTER_CJK.search(shown), (command, shown)
