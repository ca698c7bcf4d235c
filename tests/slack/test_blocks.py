"""Block Kit rendering: layout of the core's replies, and Slack's limits for any reply."""

from __future__ import annotations

import dataclasses
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.slack.blocks import (
    core_action,
    escape,
    fallback_text,
    render_blocks,
    render_home,
    render_message,
    replace_task_blocks,
    task_of_block,
)
from handlers.core import ACTION_DONE, ACTION_SNOOZE, ACTION_START, ACTION_UNBLOCK
from handlers.i18n import catalog
from handlers.replies import Button, ButtonStyle, Field, Reply, Section, Tone
from tests.slack.limits import all_text, check_blocks, check_view


def task_buttons(number: int, blocked: bool = False) -> tuple[Button, ...]:
    value = str(number)
    buttons = [
        Button(ACTION_START, "Start", value, ButtonStyle.PRIMARY),
        Button(ACTION_DONE, "Done", value),
        Button(ACTION_SNOOZE, "Snooze 1 day", value),
    ]
    if blocked:
        buttons.append(Button(ACTION_UNBLOCK, "Unblock", value, ButtonStyle.DANGER))
    return tuple(buttons)


def task_card(number: int, *, blocked: bool = False, title: str = "Write launch copy") -> Section:
    return Section(
        title=f"#{number} {title}",
        fields=(
            Field("Department", "marketing"),
            Field("Assignee", "@alice"),
            Field("Due", "Mon 30 Nov"),
            Field("Status", "blocked" if blocked else "open"),
        ),
        buttons=task_buttons(number, blocked),
        context="created by @bob · Wed 25 Nov 09:00",
    )


def launch_with_open_tasks(n: int) -> Reply:
    items = tuple(
        f"#{i} Task number {i} for the launch — @person{i % 7}, due Dec {1 + i % 28}" for i in range(n)
    )
    return Reply(
        headline="Launch v2.3 — Fri 4 Dec — 40% ready",
        sections=(
            Section(
                title="Readiness",
                fields=tuple(
                    Field(d, f"{k}/10 done") for k, d in enumerate(["dev", "design", "marketing", "ops"])
                ),
            ),
            Section(title="Open tasks", items=items),
        ),
    )


def shown_items(blocks: list[dict]) -> int:
    return sum(1 for line in all_text(blocks).splitlines() if line.startswith("• "))


def more_count(blocks: list[dict]) -> int:
    found = re.findall(r"and (\d+) more", all_text(blocks))
    return sum(int(n) for n in found)


def test_task_card_has_fields_buttons_and_context() -> None:
    reply = Reply(headline="Task #12 created", sections=(task_card(12, blocked=True),), tone=Tone.SUCCESS)
    blocks = render_blocks(reply)
    check_blocks(blocks)
    assert blocks[0]["text"]["text"] == ":white_check_mark: *Task #12 created*"
    card = blocks[1]
    assert card["text"]["text"] == "*#12 Write launch copy*"
    assert [f["text"] for f in card["fields"]][:2] == ["*Department*\nmarketing", "*Assignee*\n@alice"]
    actions = next(b for b in blocks if b["type"] == "actions")
    assert [e["text"]["text"] for e in actions["elements"]] == ["Start", "Done", "Snooze 1 day", "Unblock"]
    assert [core_action(e["action_id"]) for e in actions["elements"]] == [
        ACTION_START,
        ACTION_DONE,
        ACTION_SNOOZE,
        ACTION_UNBLOCK,
    ]
    assert {e["value"] for e in actions["elements"]} == {"12"}
    assert actions["elements"][0]["style"] == "primary"
    assert actions["elements"][3]["style"] == "danger"
    assert blocks[-1]["type"] == "context"
    assert "created by @bob" in blocks[-1]["elements"][0]["text"]
    # every block of the card is tagged with its task, for in-place updates
    assert {task_of_block(b.get("block_id")) for b in blocks[1:]} == {12}


def test_tones_pick_emoji() -> None:
    for tone, emoji in [
        (Tone.ERROR, ":x:"),
        (Tone.WARNING, ":warning:"),
        (Tone.INFO, ":information_source:"),
    ]:
        assert render_blocks(Reply(headline="x", tone=tone))[0]["text"]["text"].startswith(emoji)


def test_check_in_and_digest_render_as_sections() -> None:
    check_in = Reply(
        headline="Morning check-in for @alice",
        sections=(
            Section(title="Due today", items=("#3 Ship build", "#4 QA sign-off")),
            Section(title="Overdue", items=("#1 Press kit",), more=2),
            task_card(3),
        ),
        ephemeral=False,
    )
    blocks = render_blocks(check_in)
    check_blocks(blocks)
    text = all_text(blocks)
    assert "*Due today*" in text and "• #3 Ship build\n• #4 QA sign-off" in text
    assert "… and 2 more" in text
    assert sum(1 for b in blocks if b["type"] == "divider") == 2

    digest = Reply(
        headline="Daily digest — #launch-v2",
        sections=tuple(
            Section(title=d, items=tuple(f"#{i} item" for i in range(8)), more=12) for d in "ABCD"
        ),
        language="zh",
    )
    blocks = render_blocks(digest)
    check_blocks(blocks)
    assert "…… 还有 12 项" in all_text(blocks)


def test_launch_with_300_open_tasks_is_cut_with_and_n_more() -> None:
    reply = launch_with_open_tasks(300)
    blocks = render_blocks(reply)
    check_blocks(blocks)
    assert shown_items(blocks) + more_count(blocks) == 300
    assert shown_items(blocks) > 20  # long lists are packed several items to a block

    view = render_home(reply)
    check_view(view)
    assert shown_items(view["blocks"]) + more_count(view["blocks"]) == 300


def test_300_task_cards_stay_within_limits_and_count_what_is_left_out() -> None:
    reply = Reply(headline="Open tasks", sections=tuple(task_card(i) for i in range(1, 301)))
    blocks = render_blocks(reply)
    check_blocks(blocks)
    cards = sum(1 for b in blocks if b["type"] == "actions")
    assert cards >= 10
    assert f"… and {300 - cards} more not shown here" in all_text(blocks)
    home = render_home(reply)
    check_view(home)
    assert sum(1 for b in home["blocks"] if b["type"] == "actions") > cards


def test_long_texts_fields_and_values_are_cut_not_rejected() -> None:
    huge = "x" * 5000
    reply = Reply(
        headline=huge,
        sections=(
            Section(
                title=huge,
                text=huge,
                fields=tuple(Field(f"f{i}", huge) for i in range(30)),
                items=(huge, huge, "<!channel> & <@U123|bob> in <#C9|general>"),
                buttons=(
                    Button(ACTION_DONE, "L" * 200, "1"),
                    Button(ACTION_START, "ok", "v" * 2001),
                    *(Button(ACTION_DONE, "same", "1") for _ in range(40)),
                ),
                context=huge,
            ),
        ),
        usage=huge,
    )
    blocks = render_blocks(reply)
    check_blocks(blocks)
    text = all_text(blocks)
    assert "&lt;!channel&gt; &amp; <@U123|bob> in <#C9|general>" in text
    assert "and 10 more" in text  # fields beyond 20 are counted, not dropped silently
    values = [e["value"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert "v" * 2001 not in values and len(values) <= 25


def test_escape_keeps_mentions_but_not_broadcasts_or_links() -> None:
    assert escape("a < b & <@U1> <#C2|x> <!here> <https://x|y>") == (
        "a &lt; b &amp; <@U1> <#C2|x> &lt;!here&gt; &lt;https://x|y&gt;"
    )


def test_fallback_text_and_message_kwargs() -> None:
    reply = Reply(headline="Hi <there>", sections=(Section(items=("a",)),))
    message = render_message(reply)
    assert message["text"].startswith("Hi &lt;there&gt;")
    assert len(fallback_text(Reply(headline="y" * 10000))) <= 3000
    check_blocks(message["blocks"])


def test_replace_task_blocks_swaps_only_that_task() -> None:
    listing = render_blocks(Reply(headline="List", sections=(task_card(1), task_card(2), task_card(3))))
    updated_card = render_blocks(Reply(headline="x", sections=(task_card(2, title="Changed"),)))[1:]
    new = replace_task_blocks(listing, 2, updated_card)
    assert new is not None
    check_blocks(new)
    text = all_text(new)
    assert "#1 Write launch copy" in text and "#3 Write launch copy" in text
    assert "#2 Changed" in text and "#2 Write launch copy" not in text
    assert replace_task_blocks(listing, 99, updated_card) is None


def test_catalogs_have_the_same_keys_and_placeholders() -> None:
    from handlers.i18n import slack_en, slack_zh

    assert slack_en.MESSAGES.keys() == slack_zh.MESSAGES.keys()
    assert all(k.startswith("slack.") for k in slack_en.MESSAGES)
    for key, text in slack_en.MESSAGES.items():
        assert set(re.findall(r"{(\w+)}", text)) == set(re.findall(r"{(\w+)}", slack_zh.MESSAGES[key])), key
    assert "slack.more" in catalog("en")


texts = st.text(min_size=0, max_size=400)
buttons = st.builds(
    Button,
    action_id=st.sampled_from([ACTION_START, ACTION_DONE, ACTION_SNOOZE, ACTION_UNBLOCK]),
    label=st.text(min_size=0, max_size=100),
    value=st.one_of(st.integers(1, 10_000).map(str), st.text(max_size=2500)),
    style=st.sampled_from(list(ButtonStyle)),
)
sections = st.builds(
    Section,
    title=st.one_of(st.none(), texts),
    text=st.one_of(st.none(), st.text(max_size=4000)),
    fields=st.lists(st.builds(Field, label=texts, value=texts), max_size=25).map(tuple),
    items=st.lists(st.text(max_size=300), max_size=400).map(tuple),
    buttons=st.lists(buttons, max_size=30).map(tuple),
    context=st.one_of(st.none(), texts),
    more=st.integers(0, 1000),
)
replies = st.builds(
    Reply,
    headline=st.text(max_size=4000),
    sections=st.lists(sections, max_size=40).map(tuple),
    tone=st.sampled_from(list(Tone)),
    usage=st.one_of(st.none(), texts),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(replies)
def test_any_reply_renders_within_limits(reply: Reply) -> None:
    check_blocks(render_blocks(reply))
    check_view(render_home(dataclasses.replace(reply, language="zh")))
