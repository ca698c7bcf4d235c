"""Translating Feishu message text and mentions for the core's grammar."""

from __future__ import annotations

import json

from bot.feishu.text import BotIdentity, Mention, message_text, translate

BOT = Mention("@_user_1", "ou_bot", "coordbot", None, "bot")
BOB = Mention("@_user_2", "ou_bob", "Bob Li", "u_bob", "user")
ZHANG = Mention("@_user_10", "ou_zhang", "张三", None, None)


def test_bot_mention_is_stripped_and_people_become_escapes() -> None:
    text = "@_user_1 /coord add design 首页改版 @_user_2 due 下周五"
    result = translate(text, [BOT, BOB], BotIdentity(open_id="ou_bot"))
    assert result.text == "/coord add design 首页改版 <@ou_bob|Bob Li> due 下周五"
    assert result.mentioned_bot
    assert result.people == (BOB,)


def test_placeholders_with_more_digits_are_not_confused() -> None:
    result = translate("@_user_1 assign 3 @_user_10", [BOT, ZHANG], BotIdentity(open_id="ou_bot"))
    assert result.text == "assign 3 <@ou_zhang|张三>"


def test_bot_known_by_type_or_name_when_open_id_unknown() -> None:
    assert translate("@_user_1 list", [BOT], BotIdentity(app_name="coordbot")).mentioned_bot
    assert translate("@_user_1 list", [BOT], BotIdentity()).mentioned_bot
    legacy_bot = Mention("@_user_1", "ou_bot", "coordbot")  # no mentioned_type, no user_id
    assert translate("@_user_1 list", [legacy_bot], BotIdentity(app_name="coordbot")).mentioned_bot
    other_bot = Mention("@_user_1", "ou_other", "otherbot", None, "bot")
    result = translate("@_user_1 list", [other_bot], BotIdentity(open_id="ou_bot"))
    assert not result.mentioned_bot
    assert result.text == "<@ou_other|otherbot> list"


def test_leading_mention_is_the_bot_as_a_last_resort() -> None:
    unknown = Mention("@_user_1", "ou_x", "coordbot")
    result = translate("@_user_1 help", [unknown], BotIdentity(), leading_is_bot=lambda: True)
    assert result.mentioned_bot
    assert result.text == "help"


def test_not_mentioned_and_unknown_placeholders() -> None:
    result = translate("hello @_user_3 @_all", [], BotIdentity(open_id="ou_bot"))
    assert not result.mentioned_bot
    assert result.text == "hello @_user_3"


def test_names_cannot_break_the_escape() -> None:
    evil = Mention("@_user_2", "ou_evil", "a|b<c>")
    assert translate("@_user_2", [evil], BotIdentity(open_id="ou_bot")).text == "<@ou_evil|abc>"


def test_from_event_dicts_and_sdk_objects() -> None:
    from lark_oapi.api.im.v1 import MentionEvent

    raw = {"key": "@_user_1", "id": {"open_id": "ou_bot", "union_id": "on_x"}, "name": "coordbot",
           "tenant_key": "t1", "mentioned_type": "bot"}
    assert Mention.from_event(raw) == Mention("@_user_1", "ou_bot", "coordbot", None, "bot")
    assert Mention.from_event(MentionEvent(raw)) == Mention("@_user_1", "ou_bot", "coordbot", None, "bot")


def test_message_text() -> None:
    assert message_text("text", json.dumps({"text": "@_user_1 list"})) == "@_user_1 list"
    post = {"title": "", "content": [[{"tag": "at", "user_id": "@_user_1", "user_name": "coordbot"},
                                       {"tag": "text", "text": " list mine"}]]}
    assert message_text("post", json.dumps(post)) == "@_user_1 list mine"
    assert message_text("post", json.dumps({"zh_cn": post})) == "@_user_1 list mine"
    assert message_text("image", json.dumps({"image_key": "img_x"})) is None
    assert message_text("text", "not json") is None
