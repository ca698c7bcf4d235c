"""Launch plans on Slack, end to end: signed slash commands and button presses through the real
server, the scheduler posting through the real Slack messenger to the fake Web API."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import Services
from bot.scheduler import CoordScheduler
from bot.slack.runtime import SlackRuntime
from handlers.context import Caller
from handlers.launch_views import ACTION_CHECK, ACTION_SIGNOFF_NOT_READY, ACTION_SIGNOFF_READY
from storage.models import SignOff, Task
from tests.slack.conftest import ADMIN, ALICE, BOB, CHANNEL, SlackSender
from tests.slack.fake_slack import TEAM_ID, Call, FakeSlack
from tests.slack.limits import all_text, check_blocks
from tests.virtual_seconds import virtual_sender


def admin(services: Services) -> Caller:
    return Caller(platform="slack", workspace_id=TEAM_ID, user_id=ADMIN, user_name="Ada")


@pytest.fixture
def launch(services: Services) -> Services:
    """Ada (admin) is the PM; Bob leads dev; launch v2 on Tue Dec 15 in the launch channel."""
    for text in (
        "dept list",
        f"dept set dev lead <@{BOB}|Bob>",
        f"launch new v2 2026-12-15 <#{CHANNEL}|launch-v2>",
    ):
        outcome = services.coordinator.handle_text(admin(services), text)
        assert outcome.reply.tone.value != "error", outcome.reply.plain_text()
    return services


def item(services: Services, number: int) -> Task:
    with services.db.transaction() as session:
        return session.scalars(select(Task).where(Task.number == number)).one()


def message_of(call: Call) -> dict[str, Any]:
    return {"type": "message", "text": call.params.get("text"), "blocks": call.json("blocks"), "ts": "1.2"}


def button(message: dict[str, Any], core_action: str, label: str) -> dict[str, Any]:
    for block in message["blocks"]:
        for element in block.get("elements", []) if block["type"] == "actions" else []:
            if element["action_id"].split(":")[0] == core_action and element["text"]["text"] == label:
                return {
                    "action_id": element["action_id"],
                    "block_id": block.get("block_id"),
                    "value": element["value"],
                }
    raise AssertionError(f"no {core_action} {label!r} button")


def answers(fake: FakeSlack, url: str, count: int = 1) -> list[Call]:
    return fake.wait_for("response_url", count, where=lambda c: c.path.endswith(url.rsplit("/", 1)[1]))


# Bob's Slack profile is in Chinese (tests/slack/conftest.py): once he has used coordbot, the answers
# to him are in Chinese; what others' commands tell him follows the workspace (English) until then.


def test_admins_edit_templates_and_a_launch_comes_with_dated_owned_items_and_buttons(
    slack: SlackSender, fake: FakeSlack, services: Services
) -> None:
    services.coordinator.handle_text(admin(services), "dept list")
    services.coordinator.handle_text(admin(services), f"dept set dev lead <@{BOB}|Bob>")
    slack.command("template standard add ops Load test at T-3", user=ADMIN)
    (edited,) = fake.wait_for("response_url")
    assert "ops 5. Load test · T-3 · owner: lead" in all_text(edited.params["blocks"])
    fake.clear()
    slack.command("template standard add ops Another", user=ALICE)
    (refused,) = fake.wait_for("response_url")
    assert (
        refused.params["response_type"] == "ephemeral" and "Only workspace admins" in refused.params["text"]
    )
    fake.clear()
    slack.command(f"launch new v2 2026-12-15 <#{CHANNEL}|launch-v2>", user=ADMIN)
    (created,) = fake.wait_for("response_url")
    assert created.params["response_type"] == "in_channel"
    blocks = created.params["blocks"]
    check_blocks(blocks)
    text = all_text(blocks)
    assert "from template standard: 11 checklist items, 2 after the launch" in text
    assert "dev 1 · #1 Feature complete — <@UBOB|Bob> · due Tue 2026-12-01 · T-10" in text
    message = {"type": "message", "text": created.params["text"], "blocks": blocks, "ts": "1.1"}
    # the check-off buttons act as the presser, with the command's permissions
    fake.clear()
    _, url = slack.block_action(button(message, ACTION_CHECK, "✓ dev 1"), user=ALICE, message=message)
    (no,) = answers(fake, url)
    assert no.params["response_type"] == "ephemeral" and "Only the item's owner" in no.params["text"]
    assert item(services, 1).status == "todo"
    _, url = slack.block_action(button(message, ACTION_CHECK, "✓ dev 1"), user=BOB, message=message)
    (yes,) = answers(fake, url)
    assert "已勾选：Feature complete" in yes.params["text"] and yes.params["replace_original"] is False
    assert item(services, 1).status == "done"
    check_blocks(yes.params["blocks"])


def test_check_ins_follow_a_reschedule_once_and_the_signoff_buttons_work(
    slack: SlackSender, fake: FakeSlack, launch: Services, clock
) -> None:  # type: ignore[no-untyped-def]
    scheduler = CoordScheduler(launch, virtual_sender())
    try:
        start = clock.now()
        scheduler.run_through(start, datetime(2026, 12, 9, 9, tzinfo=UTC))  # T-14, T-7 out
        clock.set(datetime(2026, 12, 9, 9, tzinfo=UTC))  # inside bob's working hours: his DM is now
        slack.command("launch v2 date 2026-12-17", user=ADMIN)
        (moved,) = fake.wait_for("response_url")
        assert moved.params["response_type"] == "in_channel" and "moved launch v2" in moved.params["text"]
        dm = fake.wait_for(
            "chat.postMessage", where=lambda c: c.params["channel"] == BOB and "moved" in c.params["text"]
        )
        assert "#2 [dev] QA / regression passed: Thu 2026-12-10 → Mon 2026-12-14" in dm[0].params["text"]
        scheduler.run_through(clock.now(), datetime(2026, 12, 16, 11, tzinfo=UTC))
    finally:
        scheduler.shutdown()
    posts = [c for c in fake.calls_to("chat.postMessage") if c.params["channel"] == CHANNEL]
    headlines = [c.params["text"].splitlines()[0] for c in posts]
    assert [h.split(" · ")[1] if " · " in h else h for h in headlines] == [
        "T-14",
        "T-7",
        "T-3",
        "launch Thu 2026-12-17 (2 days left)",  # the sign-off request, T-2 working days
        "T-1",
    ]
    for call in posts:
        check_blocks(call.json("blocks"))
    t1 = message_of(posts[-1])
    fake.clear()
    _, url = slack.block_action(
        button(t1, ACTION_SIGNOFF_NOT_READY, "Not ready · dev"), user=ALICE, message=t1
    )
    (refused,) = answers(fake, url)
    assert "Only the dev lead" in refused.params["text"]
    slack.block_action(button(t1, ACTION_SIGNOFF_NOT_READY, "Not ready · dev"), user=BOB, message=t1)
    (opened,) = fake.wait_for("views.open")  # the reason's form (tests/slack/test_forms.py)
    assert opened.json("view")["title"]["text"] == "未就绪"
    _, url = slack.block_action(button(t1, ACTION_SIGNOFF_READY, "Ready · dev"), user=BOB, message=t1)
    (signed,) = answers(fake, url)
    assert signed.params["response_type"] == "in_channel" and "签核 研发：v2 已就绪" in signed.params["text"]
    with launch.db.transaction() as session:
        (row,) = session.scalars(select(SignOff)).all()
        assert row.ready and row.by is not None and row.by.user_id == BOB


def test_an_overdue_item_reaches_its_owner_by_dm_with_its_buttons(
    runtime: SlackRuntime,
    fake: FakeSlack,
    launch: Services,
    clock,  # type: ignore[no-untyped-def]
) -> None:
    scheduler = CoordScheduler(launch, virtual_sender())
    try:
        scheduler.run_through(clock.now(), datetime(2026, 12, 2, 12, tzinfo=UTC))
    finally:
        scheduler.shutdown()
    [nudge] = [
        c
        for c in fake.calls_to("chat.postMessage")
        if c.params["channel"] == BOB and "overdue" in c.params["text"]
    ]
    blocks = nudge.json("blocks")
    check_blocks(blocks)
    assert "#1 [dev] Feature complete" in all_text(blocks)
    assert any(
        e["action_id"].startswith("task.done:1")
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
    )
    assert date(2026, 12, 1) == item(launch, 1).due_date


def test_the_version_plan_answers_the_asker_in_valid_blocks(
    slack: SlackSender, fake: FakeSlack, launch: Services
) -> None:
    coordinator = launch.coordinator
    for text in ("launch new v3 2027-01-19", "add dev Fix login for v2", "add dev Dark mode for v2"):
        assert coordinator.handle_text(admin(launch), text).reply.tone.value != "error"
    assert coordinator.handle_text(admin(launch), "move #26 to v3").reply.tone.value != "error"
    slack.command("plan v2", user=ALICE)
    (answer,) = fake.wait_for("response_url")
    assert answer.params["response_type"] == "ephemeral"
    blocks = answer.params["blocks"]
    check_blocks(blocks)
    text = html.unescape(all_text(blocks))
    assert "Version plan v2: Tue 2026-12-15" in text
    assert "dev 1 · #1 Feature complete — <@UBOB|Bob> · due Tue 2026-12-01 · to do" in text
    assert "#25 Fix login — nobody · no due date · to do" in text
    assert "#26 [dev] Dark mode — moved to v3 by <@UADMIN|Ada>" in text


def test_an_export_is_uploaded_to_the_askers_dm_and_the_answer_says_so(
    slack: SlackSender, fake: FakeSlack, launch: Services
) -> None:
    slack.command("export v2", user=ALICE)
    (completed,) = fake.wait_for("files.completeUploadExternal")
    (answer,) = fake.wait_for("response_url")
    (slot,) = fake.upload_slots.values()
    (data,) = fake.uploaded.values()
    assert slot["filename"] == "coordbot-v2-2026-11-25.csv" and completed.params["channel_id"] == "DALICE"
    text = data.decode("utf-8")
    assert text.startswith("\ufeffnumber,kind,title") and len(text.splitlines()) == 13  # header + 12 items
    order = [c.method for c in fake.calls]
    assert (
        order.index("files.getUploadURLExternal")
        < order.index("upload")
        < order.index("files.completeUploadExternal")
        < order.index("response_url")
    )
    assert answer.params["response_type"] == "ephemeral"
    shown = all_text(answer.params["blocks"])
    assert "Export of v2: 0 tasks and 12 launch items" in shown
    assert "The file is in your direct messages with coordbot." in shown


def test_the_calendar_address_answers_the_asker_alone_and_serves_their_feed(
    slack: SlackSender, fake: FakeSlack, launch: Services
) -> None:
    from icalendar import Calendar
    from starlette.testclient import TestClient

    from bot.feed_web import feed_routes
    from bot.server import build_asgi_app
    from handlers.web_access import WebAccess

    launch.coordinator.web = WebAccess(public_url="https://coord.example.com")
    slack.command("calendar", user=BOB)
    (answer,) = fake.wait_for("response_url")
    assert answer.params["response_type"] == "ephemeral"
    text = all_text(answer.params["blocks"])
    assert "你的日历订阅" in text  # Bob's Slack profile is in Chinese
    token = text.split("https://coord.example.com/calendar/", 1)[1].split(".ics", 1)[0]
    client = TestClient(build_asgi_app(launch.db, feed_routes(launch)))
    feed = Calendar.from_ical(client.get(f"/calendar/{token}.ics").content)
    summaries = {str(e["summary"]) for e in feed.walk("VEVENT")}
    assert (
        "🚀 发布 v2" in summaries and "v2 · 研发：Feature complete（T-10）" in summaries
    )  # the item as it was written
