"""Translating Feishu message text and mentions for the core's grammar."""

from __future__ import annotations

import json

from bot.feishu.text import BotIdentity, Mention, read_message, translate

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

    raw = {
        "key": "@_user_1",
        "id": {"open_id": "ou_bot", "union_id": "on_x"},
        "name": "coordbot",
        "tenant_key": "t1",
        "mentioned_type": "bot",
    }
    assert Mention.from_event(raw) == Mention("@_user_1", "ou_bot", "coordbot", None, "bot")
    assert Mention.from_event(MentionEvent(raw)) == Mention("@_user_1", "ou_bot", "coordbot", None, "bot")


def text_of(message_type: str, content: str, mentions: tuple[Mention, ...] = ()) -> str | None:
    read = read_message(message_type, content, mentions)
    return None if read is None else translate(read.text, read.mentions, BotIdentity(open_id="ou_bot")).text


def test_message_text() -> None:
    assert text_of("text", json.dumps({"text": "@_user_1 list"}), (BOT,)) == "list"
    post = {
        "title": "",
        "content": [
            [
                {"tag": "at", "user_id": "@_user_1", "user_name": "coordbot"},
                {"tag": "text", "text": " list mine"},
            ]
        ],
    }
    assert text_of("post", json.dumps(post), (BOT,)) == "list mine"
    assert text_of("post", json.dumps({"zh_cn": post}), (BOT,)) == "list mine"
    assert text_of("image", json.dumps({"image_key": "img_x"})) is None
    assert text_of("text", "not json") is None


def test_mentions_inside_a_post_are_read_from_its_structure() -> None:
    """``at`` elements with the person's own ids (no ``@_user_N`` key): the bot's is dropped,
    a person's becomes a mention the grammar reads; none is read as words."""
    post = {
        "zh_cn": {
            "title": "",
            "content": [
                [
                    {"tag": "at", "user_id": "ou_bot", "user_name": "coordbot"},
                    {"tag": "text", "text": "add dev Fix"},
                    {"tag": "at", "user_id": "ou_bob", "user_name": "Bob"},
                    {"tag": "text", "text": "due tomorrow"},
                ],
            ],
        }
    }
    read = read_message("post", json.dumps(post), ())
    assert read is not None
    result = translate(read.text, read.mentions, BotIdentity(open_id="ou_bot"))
    assert result.mentioned_bot
    assert result.text == "add dev Fix <@ou_bob|Bob> due tomorrow"
    assert "ou_bot" not in result.text
    everyone = {
        "content": [[{"tag": "at", "user_id": "all", "user_name": "所有人"}, {"tag": "text", "text": "help"}]]
    }
    read = read_message("post", json.dumps(everyone), ())
    assert (
        read is not None and translate(read.text, read.mentions, BotIdentity(open_id="ou_bot")).text == "help"
    )
