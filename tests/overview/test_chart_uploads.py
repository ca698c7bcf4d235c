"""Charts uploaded natively: Slack's files_upload_v2 (three calls, in order), Feishu's image
upload then a card showing it — each with the real SDK against its loopback fake."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from PIL import Image

from bot.chart_png import HEIGHT, WIDTH, file_name
from handlers.charts import burnup_chart
from handlers.i18n import Translator
from handlers.replies import Outbound, Reply, Section, Target
from tests.overview.test_chart_png import sample
from tests.slack.fake_slack import TEAM_ID, FakeSlack
from tests.slack.test_messenger import make_messenger

CHART = burnup_chart(sample(), Translator("en"))


def chart_message(
    target: Target, key: str | None = "report:1:C1:2026-11-27", platform: str = "slack"
) -> Outbound:
    reply = Reply("Burn-up of v2.3", (Section(text="4 of 8 done"),), chart=CHART, ephemeral=False)
    return Outbound(platform, TEAM_ID if platform == "slack" else "tenant", target, reply, key=key)


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    server = FakeSlack().start()
    yield server
    server.stop()


def test_slack_uploads_the_png_in_three_steps_in_order(fake: FakeSlack) -> None:
    message = chart_message(Target.channel("C100", "launch"))
    delivery = make_messenger(fake.api_url).send(message)
    methods = [c.method for c in fake.calls]
    assert methods == ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
    asked, sent, done = fake.calls
    assert asked.params["filename"] == file_name(CHART, message.key) and asked.token == "xoxb-test"
    (data,) = fake.uploaded.values()
    assert int(asked.params["length"]) == len(data) == sent.params["size"]
    assert Image.open(io.BytesIO(data)).size == (WIDTH, HEIGHT)
    assert done.params["channel_id"] == "C100"
    assert json.loads(done.params["files"])[0]["title"] == "Burn-up of v2.3"
    assert "4 of 8 done" in done.params["initial_comment"]
    assert delivery.message_id == "C100:F0001"


def test_slack_chart_for_a_person_goes_to_their_dm_and_never_through_response_url(fake: FakeSlack) -> None:
    message = chart_message(Target.member("C100", "U200"), key=None)
    message = Outbound(**{**message.__dict__, "reply_handle": fake.response_url()})
    make_messenger(fake.api_url).send(message)
    assert [c.method for c in fake.calls][:2] == ["conversations.open", "files.getUploadURLExternal"]
    assert fake.calls_to("files.completeUploadExternal")[0].params["channel_id"] == "D200"
    assert not fake.calls_to("response_url")


def test_a_slack_retry_finds_the_earlier_upload_and_does_not_post_it_twice(fake: FakeSlack) -> None:
    messenger = make_messenger(fake.api_url)
    message = chart_message(Target.channel("C100"))
    messenger.send(message)
    retry = Outbound(**{**message.__dict__, "earlier_attempt_since": datetime(2023, 11, 14, tzinfo=UTC)})
    messenger.send(retry)
    assert len(fake.calls_to("files.completeUploadExternal")) == 1
    other = Outbound(**{**retry.__dict__, "key": "report:1:C1:2026-12-04"})
    messenger.send(other)
    assert len(fake.calls_to("files.completeUploadExternal")) == 2


def test_a_refused_slack_upload_is_a_delivery_error(fake: FakeSlack) -> None:
    from bot.messenger import DeliveryError

    fake.fail("files.completeUploadExternal", "not_in_channel")
    with pytest.raises(DeliveryError) as raised:
        make_messenger(fake.api_url).send(chart_message(Target.channel("C100")))
    assert raised.value.permanent
