"""Tasks made in a Slack thread, end to end: ``@coordbot add …`` in a thread keeps the thread, its
answer there says what it became, later changes (by slash command or button) are told there
once (``thread_ts``) unless muted.  (A thread reply whose answer was lost is found in the thread,
not posted twice: tests/slack/test_messenger_dedupe.py.)"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text

from bot.app import Services
from bot.slack import forms
from storage.models import Feedback, Task
from tests.slack.conftest import ALICE, BOB, BOT_USER_ID, CHANNEL, SlackSender
from tests.slack.fake_slack import TEAM_ID, FakeSlack
from tests.slack.test_http import seeded  # noqa: F401  (the fixture)

ROOT = "1700000000.000100"  # the bug report the thread is under


def mention_in_thread(slack: SlackSender, text: str, *, user: str = ALICE) -> None:
    event = {
        "type": "app_mention",
        "user": user,
        "text": f"<@{BOT_USER_ID}> {text}",
        "ts": "1700000000.000900",
        "thread_ts": ROOT,
        "channel": CHANNEL,
        "event_ts": "1700000000.000900",
    }
    assert slack.event(event).status_code == 200


def test_a_task_added_in_a_thread_reports_back_there_once(
    slack: SlackSender,
    fake: FakeSlack,
    seeded: Services,  # noqa: F811
) -> None:
    mention_in_thread(slack, f"add dev Sync crashes on iOS <@{BOB}>")
    (answer,) = fake.wait_for("chat.postMessage", where=lambda c: "New task #1" in c.params["text"])
    assert answer.params["thread_ts"] == ROOT and answer.params["channel"] == CHANNEL  # the answer is there
    with seeded.db.transaction() as session:
        task = session.scalars(select(Task)).one()
        assert (task.source_channel, task.source_thread) == (CHANNEL, ROOT)
    slack.command("start #1", user=BOB)
    (started,) = fake.wait_for("chat.postMessage", where=lambda c: "#1 started" in c.params["text"])
    assert started.params["thread_ts"] == ROOT
    slack.command("quiet #1", user=BOB)
    fake.wait_for("response_url", 2)
    slack.command("done #1", user=BOB)
    fake.wait_for("response_url", 3)
    threaded = [c.params["text"] for c in fake.calls_to("chat.postMessage") if c.params.get("thread_ts")]
    assert len(threaded) == 2 and "#1 started (@Bob)" in threaded  # "done" was muted


def message_shortcut(
    slack: SlackSender,
    message: dict[str, Any],
    *,
    user: str = ALICE,
    callback_id: str = forms.TASK_FROM_MESSAGE,
) -> None:
    """The ``message_action`` payload Slack sends for a message shortcut."""
    trigger = slack._next("1334522460.9738474923.")
    payload = {
        "type": "message_action",
        "token": "gIkuvaNzQIHg97ATvDxqgjtO",
        "action_ts": "1700000003.000400",
        "team": {"id": TEAM_ID, "domain": "acme"},
        "user": {"id": user, "username": user.lower()[1:], "team_id": TEAM_ID, "name": user.lower()[1:]},
        "channel": {"id": CHANNEL, "name": "launch-v2"},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger,
        "response_url": slack.fake.response_url(trigger),
        "message_ts": message["ts"],
        "message": {"type": "message", **message},
    }
    assert slack.interaction(payload).status_code == 200


def test_the_message_shortcut_turns_a_message_into_a_task_that_reports_to_its_thread(
    slack: SlackSender,
    fake: FakeSlack,
    seeded: Services,  # noqa: F811
) -> None:
    report = f"Sync crashes on iOS 18 when offline\nSteps: open the app, go offline, tap Sync <@{BOB}>"
    with seeded.db.transaction() as session:  # the channel is dev's: the form suggests dev
        session.execute(text("UPDATE departments SET channel_id = :c WHERE key = 'dev'"), {"c": CHANNEL})
    message_shortcut(slack, {"user": BOB, "ts": ROOT, "text": report})
    (opened,) = fake.wait_for("views.open")
    view = opened.json("view")
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert inputs["title"]["initial_value"] == "Sync crashes on iOS 18 when offline"
    assert inputs["description"]["initial_value"].endswith("tap Sync @Bob")
    assert inputs["department"]["initial_option"]["value"] == "dev"
    assert inputs["assignee"]["initial_user"] == BOB and inputs["due"]["type"] == "datepicker"
    values = {
        "title": {"value": {"type": "plain_text_input", "value": "Sync crashes offline"}},
        "description": {"value": {"type": "plain_text_input", "value": report}},
        "department": {"value": {"type": "static_select", "selected_option": {"value": "dev"}}},
        "assignee": {"value": {"type": "users_select", "selected_user": BOB}},
        "due": {"value": {"type": "datepicker", "selected_date": "2026-11-27"}},
    }
    blank = slack.view_submission(view, {**values, "title": {"value": {"type": "plain_text_input"}}})
    assert list(blank.json()["errors"]) == ["title"]
    assert slack.view_submission(view, values).text == ""
    (tracked,) = fake.wait_for("chat.postMessage", where=lambda c: "Tracked as #1" in c.params["text"])
    assert tracked.params["thread_ts"] == ROOT and tracked.params["channel"] == CHANNEL
    assert "dev" in tracked.params["text"] and "due Fri 2026-11-27" in tracked.params["text"]
    with seeded.db.transaction() as session:
        task = session.scalars(select(Task)).one()
        assert task.title == "Sync crashes offline" and task.description == report
        assert task.source_link == f"https://acme.slack.com/archives/{CHANNEL}/p{ROOT.replace('.', '')}"
        assert (task.source_channel, task.source_thread) == (CHANNEL, ROOT)
        assert task.assignee is not None and task.assignee.user_id == BOB


def test_the_feedback_shortcut_logs_a_message_as_launch_feedback_with_its_link(
    slack: SlackSender,
    fake: FakeSlack,
    seeded: Services,  # noqa: F811
) -> None:
    slack.command("launch new v2.3 2026-11-26")
    fake.wait_for("response_url")
    said = f"A customer says the export button is hidden on small screens <@{BOB}>"
    message_shortcut(slack, {"user": BOB, "ts": ROOT, "text": said}, callback_id=forms.FEEDBACK_FROM_MESSAGE)
    (opened,) = fake.wait_for("views.open")
    view = opened.json("view")
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert inputs["launch"]["initial_option"]["value"] == "v2.3"
    assert inputs["text"]["initial_value"].endswith("small screens @Bob")
    values = {
        "launch": {"value": {"type": "static_select", "selected_option": {"value": "v2.3"}}},
        "kind": {"value": {"type": "static_select", "selected_option": {"value": "bug"}}},
        "text": {"value": {"type": "plain_text_input", "value": "Export button hidden on small screens"}},
    }
    blank = slack.view_submission(view, {**values, "text": {"value": {"type": "plain_text_input"}}})
    assert list(blank.json()["errors"]) == ["text"]
    assert slack.view_submission(view, values).text == ""
    (logged,) = fake.wait_for("response_url", where=lambda c: "Logged F1 (bug)" in c.params.get("text", ""))
    assert logged.params["response_type"] == "in_channel"  # others see it, and its +1 button
    with seeded.db.transaction() as session:
        item = session.scalars(select(Feedback)).one()
        assert item.source_link == f"https://acme.slack.com/archives/{CHANNEL}/p{ROOT.replace('.', '')}"
        assert (item.kind, item.source_channel, item.source_thread) == ("bug", CHANNEL, ROOT)
    slack.command("feedback F1 wontfix not in this version")
    (told,) = fake.wait_for("chat.postMessage", where=lambda c: "will not be fixed" in c.params["text"])
    assert told.params["thread_ts"] == ROOT and told.params["channel"] == CHANNEL
    assert (
        "F1 on v2.3 will not be fixed" in told.params["text"] and "not in this version" in told.params["text"]
    )
