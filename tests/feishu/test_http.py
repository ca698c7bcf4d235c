"""POST /feishu/events: verification, encryption, signatures, tokens, routing, de-duplication.

The core is replaced by a recording stand-in here, so these tests pin the transport; the real
core runs in test_e2e.py.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from bot.feishu.messenger import message_uuid
from bot.feishu.text import BotIdentity
from bot.server import build_asgi_app
from handlers.core import ACTION_DONE
from handlers.i18n import catalog
from handlers.replies import Outbound, Reply, Target
from storage.models import InboxEvent, ProcessedEvent
from tests.feishu import events
from tests.feishu.conftest import RecordingCoordinator
from tests.feishu.fake_feishu import FakeFeishu

ME = BotIdentity(open_id=events.BOT_OPEN_ID, app_name="coordbot")


@pytest.fixture
def core() -> RecordingCoordinator:
    return RecordingCoordinator()


@pytest.fixture
def runtime(make_runtime, core):  # type: ignore[no-untyped-def]
    return make_runtime(core, identity=ME)


@pytest.fixture
def client(db, runtime) -> TestClient:  # type: ignore[no-untyped-def]
    return client_for(db, runtime)


def client_for(db, runtime) -> TestClient:  # type: ignore[no-untyped-def]
    test_client = TestClient(build_asgi_app(db, runtime.routes))
    test_client.feishu_runtime = runtime  # type: ignore[attr-defined]
    return test_client


def post(
    client: TestClient,
    payload: dict,
    *,
    encrypt: bool = True,
    bad_signature: bool = False,
    key: str = events.ENCRYPT_KEY,
):  # type: ignore[no-untyped-def]
    body = events.encrypt(payload, key) if encrypt else payload
    raw, headers = events.signed(body, key, bad=bad_signature)
    response = client.post("/feishu/events", content=raw, headers=headers)
    # Feishu has its answer; the message's command runs after it, on the bot's pool
    assert client.feishu_runtime.listeners.wait_idle()  # type: ignore[attr-defined]
    return response


def claimed(db) -> int:  # type: ignore[no-untyped-def]
    """Event ids recorded and messages accepted into the inbox."""
    with db.transaction() as session:
        events_ = session.scalar(select(func.count()).select_from(ProcessedEvent)) or 0
        return events_ + (session.scalar(select(func.count()).select_from(InboxEvent)) or 0)


def inbox_done(db) -> list[tuple[str, bool]]:  # type: ignore[no-untyped-def]
    with db.transaction() as session:
        rows = session.execute(select(InboxEvent.key, InboxEvent.done_at).order_by(InboxEvent.key))
        return [(key, done is not None) for key, done in rows]


# -- url_verification --------------------------------------------------------------------------


def test_url_verification_plain_and_encrypted(client: TestClient) -> None:
    response = client.post("/feishu/events", json=events.url_verification("abc"))
    assert response.status_code == 200
    assert response.json() == {"challenge": "abc"}
    response = client.post("/feishu/events", json=events.encrypt(events.url_verification("xyz")))
    assert response.json() == {"challenge": "xyz"}


def test_url_verification_with_wrong_token_is_refused(client: TestClient) -> None:
    response = client.post("/feishu/events", json=events.url_verification("abc", token="nope"))
    assert response.status_code == 401
    assert "abc" not in response.text


# -- messages ------------------------------------------------------------------------------------


def test_encrypted_signed_message_runs_the_command_and_replies(
    client: TestClient, core: RecordingCoordinator, fake: FakeFeishu, db
) -> None:  # type: ignore[no-untyped-def]
    fake.users["ou_alice"] = "Alice Wang"
    bob = events.mention(2, "ou_bob", "Bob Li")
    event = events.message_event(
        "@_user_1 /coord add design 首页改版 @_user_2 due 下周五",
        mentions=[events.BOT_MENTION, bob],
        message_id="om_1",
    )
    response = post(client, event)
    assert response.status_code == 200
    assert response.json() == {"msg": "success"}
    ((caller, text),) = core.texts
    assert text == "/coord add design 首页改版 <@ou_bob|Bob Li> due 下周五"
    assert (caller.platform, caller.workspace_id, caller.user_id) == ("feishu", events.TENANT, "ou_alice")
    assert caller.channel_id == "oc_group"
    assert caller.user_name == "Alice Wang"
    assert caller.language is None
    (sent,) = fake.wait_sent(1)
    assert sent.path == "/open-apis/im/v1/messages/om_1/reply"
    assert sent.body["uuid"] == message_uuid("reply:om_1")
    assert sent.card["header"]["title"]["content"].startswith("ok: /coord add design")
    assert inbox_done(db) == [("message:om_1", True)]  # accepted, then marked done with the command


def test_plain_events_without_encrypt_key(make_runtime, db, core, fake: FakeFeishu) -> None:  # type: ignore[no-untyped-def]
    runtime = make_runtime(core, encrypt=False, identity=ME)
    client = client_for(db, runtime)
    response = client.post("/feishu/events", json=events.message_event("@_user_1 list"))
    assert response.status_code == 200
    assert runtime.listeners.wait_idle()
    assert [text for _, text in core.texts] == ["list"]
    # Without an encrypt key an encrypted delivery cannot be read.
    response = client.post("/feishu/events", json=events.encrypt(events.message_event("@_user_1 list")))
    assert response.status_code == 400
    assert len(core.texts) == 1


def test_bad_signature_changes_nothing(client: TestClient, core, fake: FakeFeishu, db) -> None:  # type: ignore[no-untyped-def]
    response = post(client, events.message_event("@_user_1 add dev x"), bad_signature=True)
    assert response.status_code == 401
    response = post(client, events.message_event("@_user_1 add dev x"), encrypt=False, bad_signature=True)
    assert response.status_code == 401
    raw, headers = events.signed(events.encrypt(events.message_event("@_user_1 add dev x")))
    del headers["X-Lark-Signature"]
    assert client.post("/feishu/events", content=raw, headers=headers).status_code == 401
    assert core.texts == []
    assert claimed(db) == 0
    assert fake.sent == []


def test_bad_token_changes_nothing(client: TestClient, core, fake: FakeFeishu, db) -> None:  # type: ignore[no-untyped-def]
    response = post(client, events.message_event("@_user_1 add dev x", token="stolen"))
    assert response.status_code == 401
    response = post(client, events.card_action_event(ACTION_DONE, "1", token="stolen"))
    assert response.status_code == 401
    assert core.texts == [] and core.actions == []
    assert claimed(db) == 0


def test_wrong_encrypt_key_is_refused(client: TestClient, core) -> None:  # type: ignore[no-untyped-def]
    response = post(client, events.message_event("@_user_1 list"), key="another-key")
    assert response.status_code in (400, 401)
    assert core.texts == []
    assert client.post("/feishu/events", content=b"not json").status_code == 400


def test_redelivery_runs_once(client: TestClient, core, fake: FakeFeishu, db) -> None:  # type: ignore[no-untyped-def]
    event = events.message_event("@_user_1 add dev login page", message_id="om_dup")
    assert post(client, event).status_code == 200
    assert post(client, event).status_code == 200  # the same event id again
    again = events.message_event("@_user_1 add dev login page", message_id="om_dup")  # a new event id
    assert post(client, again).status_code == 200
    assert len(core.texts) == 1
    fake.wait_sent(1)
    assert len(fake.sent) == 1


def test_group_message_not_addressed_to_the_bot_is_ignored(client: TestClient, core, db) -> None:  # type: ignore[no-untyped-def]
    bob = events.mention(1, "ou_bob", "Bob Li")
    assert post(client, events.message_event("lunch? @_user_1", mentions=[bob])).status_code == 200
    assert post(client, events.message_event("hello all", mentions=[])).status_code == 200
    assert core.texts == []
    assert claimed(db) == 0


def test_direct_chat_needs_no_mention_and_posts_to_the_chat(client, core, fake: FakeFeishu) -> None:  # type: ignore[no-untyped-def]
    event = events.message_event("list mine", chat_type="p2p", chat_id="oc_p2p")
    assert post(client, event).status_code == 200
    assert [text for _, text in core.texts] == ["list mine"]
    (sent,) = fake.wait_sent(1)
    assert sent.path == "/open-apis/im/v1/messages"
    assert sent.query == {"receive_id_type": "chat_id"}
    assert sent.body["receive_id"] == "oc_p2p"


def test_non_text_message_in_direct_chat_gets_help(client, core, fake: FakeFeishu) -> None:  # type: ignore[no-untyped-def]
    image = events.message_event(
        None,
        chat_type="p2p",
        chat_id="oc_p2p",
        message_type="image",
        content=json.dumps({"image_key": "img_v2_x"}),
    )
    assert post(client, image).status_code == 200
    (sent,) = fake.wait_sent(1)
    assert sent.card["header"]["title"]["content"] == catalog("zh")["feishu.text_only"]
    group_image = events.message_event(None, message_type="image", content=json.dumps({"image_key": "k"}))
    assert post(client, group_image).status_code == 200
    assert core.texts == []
    assert len(fake.sent) == 1


def test_messages_from_bots_are_ignored(client, core) -> None:  # type: ignore[no-untyped-def]
    event = events.message_event("@_user_1 list")
    event["event"]["sender"]["sender_type"] = "app"
    assert post(client, event).status_code == 200
    assert core.texts == []


def test_other_event_types_are_acknowledged(client, core) -> None:  # type: ignore[no-untyped-def]
    payload = {"schema": "2.0", "header": events.header("im.message.message_read_v1"), "event": {}}
    response = post(client, payload)
    assert response.status_code == 200
    assert core.texts == []


def test_outbox_is_delivered_through_the_registered_messenger(runtime, client, core, fake) -> None:  # type: ignore[no-untyped-def]
    core.outbox = [
        Outbound(
            "feishu",
            events.TENANT,
            Target.user("ou_bob", "Bob"),
            Reply("You got #1"),
            key="assigned:1:ou_bob",
        )
    ]
    assert post(client, events.message_event("@_user_1 add dev x", message_id="om_out")).status_code == 200
    sent = fake.wait_sent(2)
    paths = sorted(c.path for c in sent)
    assert paths == ["/open-apis/im/v1/messages", "/open-apis/im/v1/messages/om_out/reply"]
    dm = next(c for c in sent if c.path == "/open-apis/im/v1/messages")
    assert dm.query == {"receive_id_type": "open_id"}
    assert dm.body["receive_id"] == "ou_bob"
    assert dm.body["uuid"] == message_uuid("assigned:1:ou_bob")
    assert runtime.listeners.services.messengers.for_platform("feishu") is runtime.messenger


def test_bot_identity_is_learnt_from_bot_info(make_runtime, db, core, fake: FakeFeishu) -> None:  # type: ignore[no-untyped-def]
    runtime = make_runtime(core)  # no identity given
    client = client_for(db, runtime)
    assert post(client, events.message_event("@_user_1 list")).status_code == 200
    assert post(client, events.message_event("@_user_1 help")).status_code == 200
    assert [text for _, text in core.texts] == ["list", "help"]
    assert len(fake.calls_to("GET", "/open-apis/bot/v3/info")) == 1


def test_contact_names_are_cached_and_optional(runtime, client, core, fake: FakeFeishu) -> None:  # type: ignore[no-untyped-def]
    fake.contact_allowed = False
    assert post(client, events.message_event("@_user_1 list", sender="ou_carol")).status_code == 200
    assert post(client, events.message_event("@_user_1 list", sender="ou_dave")).status_code == 200
    assert [caller.user_name for caller, _ in core.texts] == [None, None]
    assert len(fake.calls_to("GET", "/contact/v3/users/")) == 1  # refused once: not asked again
    fake.contact_allowed = True
    fake.users["ou_erin"] = "Erin"
    runtime.listeners._contact_forbidden_until = 0.0
    for _ in range(2):
        post(client, events.message_event("@_user_1 list", sender="ou_erin"))
    assert core.texts[-1][0].user_name == "Erin"
    assert len(fake.calls_to("GET", "/contact/v3/users/ou_erin")) == 1


# -- card.action.trigger ---------------------------------------------------------------------------


def test_card_action_answers_with_toast_and_updated_card(client, core, db) -> None:  # type: ignore[no-untyped-def]
    response = post(client, events.card_action_event(ACTION_DONE, "7", operator="ou_bob"))
    assert response.status_code == 200
    answer = response.json()
    assert answer["toast"] == {"type": "success", "content": "#7 done"}
    assert answer["card"]["type"] == "raw"
    assert answer["card"]["data"]["schema"] == "2.0"
    assert answer["card"]["data"]["header"]["template"] == "green"
    ((caller, action, value),) = core.actions
    assert (caller.user_id, caller.workspace_id, action, value) == ("ou_bob", events.TENANT, ACTION_DONE, "7")


def test_card_action_on_a_list_card_answers_with_toast_only(client, core) -> None:  # type: ignore[no-untyped-def]
    answer = post(client, events.card_action_event(ACTION_DONE, "7", in_place=False)).json()
    assert answer["toast"]["type"] == "success"
    assert "card" not in answer


def test_card_action_refused_by_the_core_keeps_the_card(client, core) -> None:  # type: ignore[no-untyped-def]
    answer = post(client, events.card_action_event(ACTION_DONE, "999")).json()
    assert answer == {"toast": {"type": "error", "content": "No task #999"}}


def test_unknown_card_action_is_refused(client, core) -> None:  # type: ignore[no-untyped-def]
    answer = post(client, events.card_action_event("task.delete_everything", "1")).json()
    assert answer["toast"] == {"type": "warning", "content": catalog("zh")["feishu.bad_action"]}
    assert core.actions == []


def test_redelivered_card_action_runs_once(client, core) -> None:  # type: ignore[no-untyped-def]
    event = events.card_action_event(ACTION_DONE, "7")
    assert post(client, event).json()["toast"]["type"] == "success"
    assert post(client, event).json() == {}
    assert len(core.actions) == 1


def test_through_a_real_http_server(make_runtime, http_server, core, fake: FakeFeishu) -> None:  # type: ignore[no-untyped-def]
    import httpx

    runtime = make_runtime(core, identity=ME)
    base = http_server(runtime)
    assert httpx.get(base + "/healthz").json() == {"status": "ok"}
    raw, headers = events.signed(events.encrypt(events.url_verification("real")))
    assert httpx.post(base + "/feishu/events", content=raw, headers=headers).json() == {"challenge": "real"}
    raw, headers = events.signed(events.encrypt(events.message_event("@_user_1 list", message_id="om_real")))
    assert httpx.post(base + "/feishu/events", content=raw, headers=headers).status_code == 200
    raw, headers = events.signed(events.encrypt(events.message_event("@_user_1 x")), bad=True)
    assert httpx.post(base + "/feishu/events", content=raw, headers=headers).status_code == 401
    (sent,) = fake.wait_sent(1)
    assert sent.path == "/open-apis/im/v1/messages/om_real/reply"
    raw, headers = events.signed(events.encrypt(events.card_action_event(ACTION_DONE, "3")))
    answer = httpx.post(base + "/feishu/events", content=raw, headers=headers).json()
    assert answer["toast"]["content"] == "#3 done"
    assert [text for _, text in core.texts] == ["list"]


def test_secrets_never_reach_the_log(make_runtime, db, core, caplog) -> None:  # type: ignore[no-untyped-def]
    import logging

    caplog.set_level(logging.DEBUG)
    runtime = make_runtime(core, identity=ME)
    client = client_for(db, runtime)
    post(client, events.message_event("@_user_1 list"), bad_signature=True)
    post(client, events.message_event("@_user_1 list", token="stolen"))
    post(client, events.message_event("@_user_1 list"), key="another-key")
    post(client, events.message_event("@_user_1 list"))
    logged = caplog.text + repr(runtime)
    for secret in (events.ENCRYPT_KEY, events.VERIFICATION_TOKEN, "app-secret"):
        assert secret not in logged
