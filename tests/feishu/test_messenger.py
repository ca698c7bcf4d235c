"""FeishuMessenger against the fake Open API through the real ``lark.Client``."""

from __future__ import annotations

import pytest

from bot.feishu.messenger import FeishuMessenger, message_uuid
from bot.messenger import DeliveryError, Messenger
from handlers.replies import Outbound, Reply, Section, Target, Tone
from tests.feishu.fake_feishu import FakeFeishu


def outbound(target: Target, key: str | None = None) -> Outbound:
    reply = Reply(headline="Check-in: launch v2", tone=Tone.WARNING, sections=(Section(text="3 days left"),))
    return Outbound("feishu", "tenant-1", target, reply, key=key)


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def messenger(lark_client, sleeps: list[float]) -> FeishuMessenger:
    return FeishuMessenger(lark_client, sleep=sleeps.append)


def test_is_a_messenger(messenger: FeishuMessenger) -> None:
    typed: Messenger = messenger  # structural: checked by type checkers
    assert callable(typed.send)
    assert messenger.platform == "feishu"


def test_channel_post_uses_chat_id_and_a_card(messenger: FeishuMessenger, fake: FakeFeishu) -> None:
    delivery = messenger.send(outbound(Target.channel("oc_launch", "launch-v2")))
    assert delivery.message_id == "om_sent_1"
    token_calls = fake.calls_to("POST", "/tenant_access_token/internal")
    assert len(token_calls) == 1
    (call,) = fake.sent
    assert call.path == "/open-apis/im/v1/messages"
    assert call.query == {"receive_id_type": "chat_id"}
    assert call.headers["authorization"] == "Bearer t-fake-token"
    assert call.body["receive_id"] == "oc_launch"
    assert call.body["msg_type"] == "interactive"
    assert "uuid" not in call.body
    assert call.card["header"]["template"] == "orange"
    assert call.card["header"]["title"]["content"] == "Check-in: launch v2"


def test_dm_uses_open_id_and_uuid_from_key(messenger: FeishuMessenger, fake: FakeFeishu) -> None:
    message = outbound(Target.user("ou_alice", "Alice"), key="checkin:launch-7:-3:ou_alice")
    first = messenger.send(message)
    again = messenger.send(message)  # a retried send: Feishu keeps one message
    assert first == again
    calls = fake.sent
    assert [c.query["receive_id_type"] for c in calls] == ["open_id", "open_id"]
    uuid = calls[0].body["uuid"]
    assert uuid == calls[1].body["uuid"] == message_uuid("checkin:launch-7:-3:ou_alice")
    assert len(uuid) <= 50
    assert message_uuid("other") != uuid
    assert len(fake.unique_messages()) == 1


def test_rate_limit_then_success(messenger: FeishuMessenger, fake: FakeFeishu, sleeps: list[float]) -> None:
    fake.fail(
        "POST",
        "/im/v1/messages",
        status=429,
        code=99991400,
        msg="request trigger frequency limit",
        headers={"x-ogw-ratelimit-reset": "2"},
    )
    delivery = messenger.send(outbound(Target.channel("oc_1"), key="digest:1"))
    assert delivery.message_id
    assert sleeps == [2.0]
    assert len(fake.sent) == 2
    assert fake.sent[0].body["uuid"] == fake.sent[1].body["uuid"]


def test_rate_limit_code_in_a_200_answer_is_retried(messenger, fake: FakeFeishu, sleeps) -> None:
    fake.fail("POST", "/im/v1/messages", status=200, code=99991400, headers={"X-Ogw-Ratelimit-Reset": "1"})
    assert messenger.send(outbound(Target.channel("oc_1"))).message_id
    assert sleeps == [1.0]


def test_rate_limit_gives_up_with_retry_after(messenger, fake: FakeFeishu, sleeps) -> None:
    fake.fail(
        "POST", "/im/v1/messages", status=429, code=99991400, headers={"x-ogw-ratelimit-reset": "3"}, times=5
    )
    with pytest.raises(DeliveryError) as info:
        messenger.send(outbound(Target.channel("oc_1")))
    assert info.value.retry_after == 3.0
    assert not info.value.permanent
    assert sleeps == [3.0, 3.0]
    assert len(fake.sent) == 3


def test_long_reset_is_not_waited_for(lark_client, fake: FakeFeishu, sleeps) -> None:
    messenger = FeishuMessenger(lark_client, sleep=sleeps.append, max_wait=10)
    fake.fail("POST", "/im/v1/messages", status=429, code=99991400, headers={"x-ogw-ratelimit-reset": "60"})
    with pytest.raises(DeliveryError) as info:
        messenger.send(outbound(Target.channel("oc_1")))
    assert info.value.retry_after == 60.0
    assert sleeps == []


@pytest.mark.parametrize(
    ("status", "code"),
    [(400, 230002), (400, 230001), (400, 99991672), (403, 12345), (400, 230013)],
)
def test_permanent_errors(messenger, fake: FakeFeishu, status: int, code: int) -> None:
    fake.fail("POST", "/im/v1/messages", status=status, code=code, msg="Bot is not in the chat")
    with pytest.raises(DeliveryError) as info:
        messenger.send(outbound(Target.channel("oc_gone")))
    assert info.value.permanent
    assert str(code) in str(info.value)


def test_other_errors_are_retryable(messenger, fake: FakeFeishu) -> None:
    fake.fail("POST", "/im/v1/messages", status=500, code=55001, msg="internal error")
    with pytest.raises(DeliveryError) as info:
        messenger.send(outbound(Target.channel("oc_1")))
    assert not info.value.permanent
    assert info.value.retry_after is None


def test_unreachable_api_is_a_delivery_error(app_id: str) -> None:
    import lark_oapi as lark

    client = (
        lark.Client.builder().app_id(app_id).app_secret("s").domain("http://127.0.0.1:9").timeout(1).build()
    )
    with pytest.raises(DeliveryError):
        FeishuMessenger(client).send(outbound(Target.channel("oc_1")))


def test_reply_and_update(messenger: FeishuMessenger, fake: FakeFeishu) -> None:
    delivery = messenger.reply("om_incoming", Reply(headline="Added #3"), key="reply:om_incoming")
    assert delivery.message_id
    (call,) = fake.sent
    assert call.path == "/open-apis/im/v1/messages/om_incoming/reply"
    assert call.body["msg_type"] == "interactive"
    assert call.body["uuid"] == message_uuid("reply:om_incoming")
    messenger.update(delivery.message_id, Reply(headline="Done #3", tone=Tone.SUCCESS))
    (patch,) = fake.patched
    assert patch.path == f"/open-apis/im/v1/messages/{delivery.message_id}"
    assert patch.card["header"]["template"] == "green"
