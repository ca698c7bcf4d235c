"""A chart on Feishu: the PNG uploaded as an image (im.v1.image.create) first, then a card showing
it, through the real lark client against the fake Open API."""

from __future__ import annotations

import io
from dataclasses import replace

from PIL import Image

from bot.chart_png import HEIGHT, WIDTH
from bot.feishu.messenger import FeishuMessenger, message_uuid
from handlers.replies import Target
from tests.feishu.fake_feishu import FakeFeishu
from tests.overview.test_chart_uploads import chart_message


def test_the_image_is_uploaded_then_a_card_shows_it(lark_client, fake: FakeFeishu) -> None:
    messenger = FeishuMessenger(lark_client, sleep=lambda _s: None)
    message = chart_message(Target.channel("oc_launch"), platform="feishu")
    delivery = messenger.send(message)
    posts = [c for c in fake.calls if c.method == "POST" and "/im/v1/" in c.path]
    assert [c.path for c in posts] == ["/open-apis/im/v1/images", "/open-apis/im/v1/messages"]
    (key, png), card = next(iter(fake.images.items())), posts[1].card
    assert Image.open(io.BytesIO(png)).size == (WIDTH, HEIGHT)
    assert card is not None and {"tag": "img", "img_key": key}.items() <= card["body"]["elements"][-1].items()
    assert card["header"]["title"]["content"] == "Burn-up of v2.3"
    assert posts[1].body["uuid"] == message_uuid(str(message.key)) and delivery.message_id


def test_a_chart_answer_replies_to_the_message_and_one_member_gets_it_directly(
    lark_client, fake: FakeFeishu
) -> None:
    messenger = FeishuMessenger(lark_client, sleep=lambda _s: None)
    answer = replace(chart_message(Target.channel("oc_1"), platform="feishu"), reply_handle="om_asked")
    messenger.send(answer)
    assert [c.path for c in fake.calls if c.method == "POST" and "/im/" in c.path][-1] == (
        "/open-apis/im/v1/messages/om_asked/reply"
    )
    messenger.send(chart_message(Target.member("oc_1", "ou_bob"), key=None, platform="feishu"))
    last = fake.sent[-1]
    assert last.query == {"receive_id_type": "open_id"} and last.body["receive_id"] == "ou_bob"
    assert not fake.ephemeral and len(fake.images) == 2
