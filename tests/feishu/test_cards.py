"""Card rendering: replies built by hand, checked against the card JSON 2.0 shape Feishu takes."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.feishu.cards import (
    MAX_CARD_BYTES,
    card_content,
    card_size,
    escape_markdown,
    render_card,
    toast,
)
from handlers.core import ACTION_DONE, ACTION_SNOOZE, ACTION_START
from handlers.i18n import catalog
from handlers.replies import Button, ButtonStyle, Field, Reply, Section, Tone


def task_reply(tone: Tone = Tone.INFO) -> Reply:
    return Reply(
        headline="#12 Homepage redesign",
        tone=tone,
        sections=(
            Section(
                text="Design the new homepage",
                fields=(Field("Department", "design"), Field("Due", "Fri 4 Dec"), Field("Status", "open")),
                buttons=(
                    Button(ACTION_START, "Start", "12", ButtonStyle.PRIMARY),
                    Button(ACTION_DONE, "Done", "12"),
                    Button(ACTION_SNOOZE, "Snooze", "12", ButtonStyle.DANGER),
                ),
                context="created by <@ou_alice|Alice>",
            ),
        ),
    )


def all_elements(card: dict) -> list[dict]:
    found: list[dict] = []

    def walk(elements: list[dict]) -> None:
        for element in elements:
            found.append(element)
            for column in element.get("columns", ()):
                walk(column.get("elements", []))

    walk(card["body"]["elements"])
    return found


def test_card_has_schema_header_and_colour_by_tone() -> None:
    for tone, colour in [
        (Tone.INFO, "blue"),
        (Tone.SUCCESS, "green"),
        (Tone.WARNING, "orange"),
        (Tone.ERROR, "red"),
    ]:
        card = render_card(task_reply(tone))
        assert card["schema"] == "2.0"
        assert card["config"]["update_multi"] is True
        assert card["header"]["title"] == {"tag": "plain_text", "content": "#12 Homepage redesign"}
        assert card["header"]["template"] == colour


def test_buttons_carry_callback_action_and_value() -> None:
    card = render_card(task_reply())
    buttons = [e for e in all_elements(card) if e["tag"] == "button"]
    assert [b["text"]["content"] for b in buttons] == ["Start", "Done", "Snooze"]
    assert [b["type"] for b in buttons] == ["primary", "default", "danger"]
    for button, action in zip(buttons, [ACTION_START, ACTION_DONE, ACTION_SNOOZE], strict=True):
        value = {"action": action, "value": "12", "in_place": True}
        assert button["behaviors"] == [{"type": "callback", "value": value}]


def test_buttons_of_several_tasks_are_not_replaced_in_place() -> None:
    sections = tuple(Section(text=f"#{n}", buttons=(Button(ACTION_DONE, "Done", str(n)),)) for n in (1, 2))
    card = render_card(Reply(headline="Mine", sections=sections))
    values = [e["behaviors"][0]["value"] for e in all_elements(card) if e["tag"] == "button"]
    assert values == [{"action": ACTION_DONE, "value": "1"}, {"action": ACTION_DONE, "value": "2"}]


def test_fields_are_two_column_rows() -> None:
    card = render_card(task_reply())
    elements = card["body"]["elements"]
    rows = [e for e in elements if e["tag"] == "column_set" and e.get("flex_mode") == "bisect"]
    assert len(rows) == 2  # three fields: two rows
    first = rows[0]["columns"][0]["elements"][0]
    assert first == {"tag": "markdown", "content": "**Department**\ndesign"}
    assert rows[1]["columns"][1]["elements"] == []


def test_context_mentions_become_feishu_at_tags() -> None:
    card = render_card(task_reply())
    contents = [e.get("content", "") for e in all_elements(card)]
    assert "created by <at id=ou_alice></at>" in contents


def test_markdown_is_escaped() -> None:
    assert escape_markdown("a *b* <c> [d](e) ~~f~~ `g`") == (
        "a &#42;b&#42; &lt;c&gt; &#91;d&#93;(e) &#126;&#126;f&#126;&#126; &#96;g&#96;"
    )
    assert escape_markdown("<@U123|bob> and <@ou_x>") == "@bob and <at id=ou_x></at>"


def test_web_addresses_become_links_and_the_rest_stays_escaped() -> None:
    link = "https://applink.feishu.cn/client/chat/open?openChatId=oc_1"
    assert escape_markdown(f"from {link} *now*") == f"from [{link}]({link}) &#42;now&#42;"
    assert escape_markdown("[x](javascript:alert(1))") == "&#91;x&#93;(javascript:alert(1))"


def test_sections_are_separated_and_more_is_shown_in_the_reply_language() -> None:
    reply = Reply(
        headline="逾期任务",
        sections=(
            Section(title="设计", items=("#1 首页", "#2 图标"), more=3),
            Section(title="开发", items=("#3 接口",)),
        ),
        usage="用法：/coord list",
        language="zh",
    )
    card = render_card(reply)
    tags = [e["tag"] for e in card["body"]["elements"]]
    assert "hr" in tags
    text = json.dumps(card, ensure_ascii=False)
    assert "- #1 首页\\n- #2 图标" in text
    assert catalog("zh")["feishu.more"].format(count=3) in text
    # the card is in the language the reply says, never guessed from its characters
    english = render_card(Reply(headline="设计", sections=(Section(items=("x",), more=3),), language="en"))
    assert catalog("en")["feishu.more"].format(count=3) in json.dumps(english, ensure_ascii=False)


def test_long_lists_are_cut_to_fit_with_a_more_line() -> None:
    items = tuple(f"#{n} a fairly long task title that goes on and on {'x' * 80}" for n in range(2000))
    reply = Reply(headline="All open tasks", sections=(Section(title="Open", items=items, more=5),))
    card = render_card(reply)
    assert card_size(card) <= MAX_CARD_BYTES
    listed = next(e for e in card["body"]["elements"] if e["content"].startswith("- "))
    shown = listed["content"].count("\n") + 1
    assert 0 < shown < 2000
    assert f"… and {2000 - shown + 5} more" in json.dumps(card, ensure_ascii=False)


def test_many_sections_stay_under_element_limit() -> None:
    sections = tuple(Section(title=f"S{n}", text="x", items=("a",)) for n in range(300))
    card = render_card(Reply(headline="Digest", sections=sections))
    assert len(card["body"]["elements"]) <= 180
    assert card_size(card) <= MAX_CARD_BYTES


def test_card_content_is_a_json_string_and_toast_matches_tone() -> None:
    content = card_content(task_reply())
    assert json.loads(content)["schema"] == "2.0"
    done = Reply(headline="Done: #12", tone=Tone.SUCCESS)
    assert toast(done) == {"type": "success", "content": "Done: #12"}
    assert toast(Reply(headline="Not allowed", tone=Tone.ERROR))["type"] == "error"


def test_catalogs_have_the_same_keys() -> None:
    from handlers.i18n import feishu_en, feishu_zh

    assert feishu_en.MESSAGES.keys() == feishu_zh.MESSAGES.keys()
    assert all(key.startswith("feishu.") for key in feishu_en.MESSAGES)


texts = st.text(max_size=300)


@settings(max_examples=60, deadline=None)
@given(
    headline=texts,
    sections=st.lists(
        st.builds(
            Section,
            title=st.none() | texts,
            text=st.none() | texts,
            fields=st.lists(st.builds(Field, texts, texts), max_size=5).map(tuple),
            items=st.lists(texts, max_size=200).map(tuple),
            more=st.integers(0, 1000),
        ),
        max_size=8,
    ).map(tuple),
)
def test_any_reply_renders_within_limits(headline: str, sections: tuple[Section, ...]) -> None:
    card = render_card(Reply(headline=headline, sections=sections))
    assert card_size(card) <= MAX_CARD_BYTES + 200
    assert len(card["body"]["elements"]) <= 180
    json.loads(json.dumps(card))
