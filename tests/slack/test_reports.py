"""The weekly report and the retro on Slack, end to end: signed slash commands through the real
server, the scheduler posting through the real Slack messenger, and the burn-up uploaded by
files_upload_v2 (files.getUploadURLExternal → upload → files.completeUploadExternal) to the fake."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from bot.app import Services
from bot.chart_png import HEIGHT, WIDTH
from bot.scheduler import CoordScheduler
from handlers.context import Caller
from tests.slack.conftest import ADMIN, BOB, CHANNEL, SlackSender
from tests.slack.fake_slack import TEAM_ID, Call, FakeSlack
from tests.slack.limits import all_text, check_blocks

UPLOAD = ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]


@pytest.fixture
def launch(services: Services) -> Services:
    """Ada (admin) is the PM; Bob leads dev; launch v2 on Tue Dec 15 in the launch channel."""
    ada = Caller(platform="slack", workspace_id=TEAM_ID, user_id=ADMIN, user_name="Ada")
    for text in ("dept list", f"dept set dev lead <@{BOB}|Bob>", f"launch new v2 2026-12-15 <#{CHANNEL}|v2>"):
        outcome = services.coordinator.handle_text(ada, text)
        assert outcome.reply.tone.value != "error", outcome.reply.plain_text()
    return services


def friday(hh: int, mm: int) -> datetime:
    return datetime(2026, 11, 27, hh, mm, tzinfo=UTC)


def uploads(fake: FakeSlack) -> list[str]:
    return [c.method for c in fake.calls if c.method in UPLOAD]


def uploaded_chart(fake: FakeSlack, done: Call) -> Image.Image:
    """The PNG the completed upload refers to, decoded."""
    (file,) = json.loads(done.params["files"])
    return Image.open(io.BytesIO(fake.uploaded[file["id"]]))


def test_report_now_answers_the_channel_and_uploads_the_burnup_in_three_steps(
    slack: SlackSender, fake: FakeSlack, launch: Services
) -> None:
    slack.command("report now", user=ADMIN)
    (answer,) = fake.wait_for("response_url")
    (done,) = fake.wait_for("files.completeUploadExternal")
    assert answer.params["response_type"] == "in_channel"
    check_blocks(answer.params["blocks"])
    text = all_text(answer.params["blocks"])
    assert "Weekly report · Thu 11-19 – Wed 11-25" in text and "v2 · Tue 12-15" in text
    assert uploads(fake) == UPLOAD
    assert done.params["channel_id"] == CHANNEL
    assert json.loads(done.params["files"])[0]["title"] == "Readiness burn-up of v2"
    assert uploaded_chart(fake, done).size == (WIDTH, HEIGHT)


def test_report_now_in_chinese_for_a_chinese_profile(
    slack: SlackSender, fake: FakeSlack, launch: Services
) -> None:
    slack.command("report now", user=BOB)  # Bob's Slack profile is zh-CN
    (answer,) = fake.wait_for("response_url")
    (done,) = fake.wait_for("files.completeUploadExternal")
    text = all_text(answer.params["blocks"])
    assert "周报" in text and "就绪度 0/10（一周前 0/0）" in text
    assert json.loads(done.params["files"])[0]["title"] == "v2 发布就绪燃起图"


def test_the_scheduled_report_and_the_retro_at_t_plus_7_post_through_the_messenger(
    slack: SlackSender, fake: FakeSlack, launch: Services, clock
) -> None:  # type: ignore[no-untyped-def]
    slack.command("report here weekly fri 16:00", user=ADMIN)
    (scheduled,) = fake.wait_for("response_url")
    assert "Weekly report scheduled in #launch-v2 every fri at 16:00 (UTC)" in all_text(
        scheduled.params["blocks"]
    )
    fake.clear()
    scheduler = CoordScheduler(launch)
    try:
        scheduler.run_through(friday(15, 55), friday(16, 5))
        reports = [c for c in fake.calls_to("chat.postMessage") if "Weekly report" in c.params["text"]]
        (report,) = reports
        assert report.params["channel"] == CHANNEL
        check_blocks(report.json("blocks"))
        (done,) = fake.calls_to("files.completeUploadExternal")
        order = [c.method for c in fake.calls]
        assert order.index("chat.postMessage") < order.index(UPLOAD[0])  # the text, then its chart
        assert uploads(fake) == UPLOAD and done.params["channel_id"] == CHANNEL
        assert uploaded_chart(fake, done).size == (WIDTH, HEIGHT)
        fake.clear()
        t_plus_7 = datetime(2026, 12, 22, 9, 55, tzinfo=UTC)
        scheduler.run_through(t_plus_7, t_plus_7 + timedelta(minutes=10))
    finally:
        scheduler.shutdown()
    retros = [c for c in fake.calls_to("chat.postMessage") if c.params["text"].startswith("Retro of v2")]
    assert sorted(c.params["channel"] for c in retros) == sorted([CHANNEL, ADMIN])
    for call in retros:
        check_blocks(call.json("blocks"))
        assert "Shipped on its planned date, Tue 12-15." in all_text(call.json("blocks"))


def test_retro_close_posts_to_the_launch_channel_and_the_pm_once(
    slack: SlackSender, fake: FakeSlack, launch: Services, clock
) -> None:  # type: ignore[no-untyped-def]
    clock.set(datetime(2026, 12, 17, 10, tzinfo=UTC))
    slack.command("retro v2", user=BOB)
    (preview,) = fake.wait_for("response_url")
    assert preview.params["response_type"] == "ephemeral"
    assert "v2 复盘" in all_text(preview.params["blocks"])  # Bob reads Chinese
    fake.clear()
    slack.command("retro v2 close", user=ADMIN)
    posts = fake.wait_for("chat.postMessage", 2, where=lambda c: c.params["text"].startswith("Retro of v2"))
    assert sorted(c.params["channel"] for c in posts) == sorted([CHANNEL, ADMIN])
    (closed,) = fake.wait_for("response_url")
    assert "Retro of v2 sent to the launch channel and its PM." in all_text(closed.params["blocks"])
    fake.clear()
    slack.command("retro v2 close", user=ADMIN)
    (again,) = fake.wait_for("response_url")
    assert "The retro of v2 was sent already" in all_text(again.params["blocks"])
    assert not fake.calls_to("chat.postMessage")
