"""A Feishu reply that @-mentions the bot with ``添加 …`` makes a task whose source is the message
replied to (``parent_id``); the task's changes are then replied in that message's thread
(``reply_in_thread``) once, with a uuid that keeps a retry single."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from storage.models import Feedback, FeedbackVote, Task
from tests.feishu import events
from tests.feishu.fake_feishu import FakeFeishu
from tests.feishu.test_e2e import ME, Chat, ok


@pytest.fixture
def runtime(make_runtime):  # type: ignore[no-untyped-def]
    return make_runtime(identity=ME)


@pytest.fixture
def chat(runtime, http_server, fake: FakeFeishu) -> Chat:  # type: ignore[no-untyped-def]
    return Chat(http_server(runtime), fake)


def test_a_reply_that_adds_a_task_keeps_the_message_and_tells_its_thread(
    chat: Chat, fake: FakeFeishu, db
) -> None:  # type: ignore[no-untyped-def]
    ok(chat.say("部门 list"))
    event = events.message_event(
        "@_user_1 添加 研发 同步时崩溃", message_id="om_cmd", parent_id="om_report", root_id="om_report"
    )
    assert chat.deliver(event).status_code == 200
    fake.wait_for(lambda: [c for c in fake.answers if c.path.endswith("/om_cmd/reply")])
    with db.transaction() as session:
        task = session.scalars(select(Task)).one()
        assert (task.source_channel, task.source_message, task.source_thread) == (
            "oc_group",
            "om_report",
            "om_report",
        )
        assert task.source_link == "https://applink.feishu.cn/client/chat/open?openChatId=oc_group"
    shown = ok(chat.say("查看 #1"))
    link = "[https://applink.feishu.cn/client/chat/open?openChatId=oc_group]"
    assert link in json.dumps(shown, ensure_ascii=False)  # a clickable link on the card
    ok(chat.say("开始 #1"))
    (told,) = fake.wait_for(lambda: [c for c in fake.answers if c.path.endswith("/om_report/reply")])
    assert told.body["reply_in_thread"] is True and told.body["uuid"]
    assert "#1 已开始" in told.card["header"]["title"]["content"]  # type: ignore[index]


def test_a_reply_that_logs_feedback_keeps_the_message_and_its_link(chat: Chat, fake: FakeFeishu, db) -> None:  # type: ignore[no-untyped-def]
    ok(chat.say("发布 新建 v2.3 2026-11-26"))
    event = events.message_event(
        "@_user_1 反馈 v2.3 缺陷 客户说导出按钮看不到",
        message_id="om_fb",
        parent_id="om_said",
        root_id="om_said",
    )
    assert chat.deliver(event).status_code == 200
    (answer,) = fake.wait_for(lambda: [c for c in fake.answers if c.path.endswith("/om_fb/reply")])
    assert "已记录 F1（缺陷），针对 v2.3" in answer.card["header"]["title"]["content"]  # type: ignore[index]
    buttons = [e for e in json.dumps(answer.card, ensure_ascii=False).split('"') if e == "feedback.vote"]
    assert buttons  # others +1 it from the card
    with db.transaction() as session:
        item = session.scalars(select(Feedback)).one()
        assert (item.source_channel, item.source_message, item.source_thread) == (
            "oc_group",
            "om_said",
            "om_said",
        )
        assert item.source_link == "https://applink.feishu.cn/client/chat/open?openChatId=oc_group"
    pressed = chat.press("feedback.vote", "F1", user="ou_bob")
    assert pressed["toast"]["type"] == "success" and "F1" in pressed["toast"]["content"], pressed
    again = chat.press("feedback.vote", "F1", user="ou_bob")
    assert again["toast"]["type"] != "error" and "已经" in again["toast"]["content"], again
    with db.transaction() as session:
        assert session.scalars(select(func.count()).select_from(FeedbackVote)).one() == 1
    ok(chat.say("反馈 F1 不修复 下个版本再说"))
    (told,) = fake.wait_for(lambda: [c for c in fake.answers if c.path.endswith("/om_said/reply")])
    assert told.body["reply_in_thread"] is True and told.body["uuid"]
    assert "v2.3 的反馈 F1 不会修复" in told.card["header"]["title"]["content"]  # type: ignore[index]
    (dm,) = fake.wait_for(lambda: [c for c in fake.answers if c.body.get("receive_id") == "ou_bob"])
    assert "F1" in json.dumps(dm.body, ensure_ascii=False)  # bob, who +1'd, hears by DM
    assert not [c for c in fake.answers if c.body.get("receive_id") == "ou_alice"]  # she resolved it


def test_a_reply_inside_a_topic_adds_a_task_that_reports_to_the_topic(
    chat: Chat, fake: FakeFeishu, db
) -> None:  # type: ignore[no-untyped-def]
    """In a topic (a reply in thread, or a topic group) every reply answers the topic's first
    message: ``parent_id`` and ``root_id`` name it, and ``thread_id`` names the topic."""
    ok(chat.say("部门 list"))
    event = events.message_event(
        "@_user_1 添加 研发 导出超时",
        message_id="om_in_topic",
        parent_id="om_topic",
        root_id="om_topic",
        thread_id="omt_1a2b3c",
    )
    assert chat.deliver(event).status_code == 200  # encrypted and signed, as Feishu sends it
    (answer,) = fake.wait_for(lambda: [c for c in fake.answers if c.path.endswith("/om_in_topic/reply")])
    assert "#1" in answer.card["header"]["title"]["content"]  # type: ignore[index]
    with db.transaction() as session:
        task = session.scalars(select(Task)).one()
        assert (task.source_message, task.source_thread) == ("om_topic", "om_topic")
        assert task.source_link == "https://applink.feishu.cn/client/chat/open?openChatId=oc_group"
    assert [c for c in fake.answers if c.path.endswith("/om_topic/reply")] == []  # the answer told it
    ok(chat.say("完成 #1"))
    (told,) = fake.wait_for(lambda: [c for c in fake.answers if c.path.endswith("/om_topic/reply")])
    assert told.body["reply_in_thread"] is True and "#1 已完成" in told.card["header"]["title"]["content"]  # type: ignore[index]


def test_feedback_from_a_reply_to_a_reply_keeps_that_message_and_tells_the_first(
    chat: Chat, fake: FakeFeishu, db
) -> None:  # type: ignore[no-untyped-def]
    """A reply to a reply (outside topics): ``parent_id`` is the message answered, ``root_id`` the
    first of the chain, where the thread updates go."""
    ok(chat.say("发布 新建 v2.3 2026-11-26"))
    event = events.message_event(
        "@_user_1 反馈 v2.3 需求 客户想按日期导出",
        message_id="om_third",
        parent_id="om_second",
        root_id="om_first",
    )
    assert chat.deliver(event).status_code == 200
    fake.wait_for(lambda: [c for c in fake.answers if c.path.endswith("/om_third/reply")])
    with db.transaction() as session:
        item = session.scalars(select(Feedback)).one()
        assert (item.source_message, item.source_thread, item.kind) == ("om_second", "om_first", "request")
    ok(chat.say("反馈 F1 不修复 不在路线图上"))
    (told,) = fake.wait_for(lambda: [c for c in fake.answers if c.path.endswith("/om_first/reply")])
    assert told.body["reply_in_thread"] is True and "不会修复" in told.card["header"]["title"]["content"]  # type: ignore[index]
