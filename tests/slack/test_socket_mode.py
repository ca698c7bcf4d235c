"""Socket Mode: apps.connections.open hands out a loopback WebSocket that sends envelopes and checks acks."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.app import Services
from bot.settings import SettingsError
from bot.slack.runtime import SlackRuntime, create_slack_runtime
from handlers.clock import ManualClock
from storage.db import Database
from storage.models import Task
from tests.slack.conftest import ALICE, CHANNEL, TEST_CLIENT_OPTIONS, make_services, slack_settings
from tests.slack.fake_slack import BOT_USER_ID, TEAM_ID, FakeSlack
from tests.slack.fake_socket import FakeSocketMode
from tests.slack.limits import check_blocks


@pytest.fixture
def socket_server(fake: FakeSlack) -> Iterator[FakeSocketMode]:
    server = FakeSocketMode().start()
    fake.socket_url = server.url
    yield server
    server.stop()


@pytest.fixture
def socket_runtime(db: Database, clock: ManualClock, fake: FakeSlack, socket_server: FakeSocketMode):
    # Socket Mode needs no signing secret and no public URL: bot token + app-level token only
    settings = slack_settings(db.url, fake, slack_signing_secret=None, slack_app_token="xapp-1-test")
    services = make_services(settings, db, clock)
    runtime = create_slack_runtime(services, web_client_options=TEST_CLIENT_OPTIONS)
    services.messengers.register(runtime.messenger)
    runtime.start_socket_mode()
    socket_server.wait_connected()
    yield services, runtime
    runtime.stop()


def task_titles(services: Services) -> list[str]:
    with services.db.transaction() as session:
        return [t.title for t in session.scalars(select(Task).order_by(Task.number))]


def test_slash_command_and_event_envelopes_are_acked_and_handled(
    socket_runtime: tuple[Services, SlackRuntime], socket_server: FakeSocketMode, fake: FakeSlack
) -> None:
    services, _runtime = socket_runtime
    (opened,) = fake.calls_to("apps.connections.open")
    assert opened.token == "xapp-1-test"

    command = {
        "token": "x",
        "team_id": TEAM_ID,
        "team_domain": "acme",
        "channel_id": CHANNEL,
        "channel_name": "launch-v2",
        "user_id": ALICE,
        "user_name": "alice",
        "command": "/coord",
        "text": "add dev Over the socket",
        "api_app_id": "A123456",
        "is_enterprise_install": "false",
        "response_url": fake.response_url("socket1"),
        "trigger_id": "1.2.socket",
    }
    envelope = socket_server.send("slash_commands", command)
    ack = socket_server.wait_ack(envelope)
    assert ack["envelope_id"] == envelope
    (reply,) = fake.wait_for("response_url")
    assert reply.params["response_type"] == "in_channel"
    check_blocks(reply.params["blocks"])

    event = {
        "token": "x",
        "team_id": TEAM_ID,
        "api_app_id": "A123456",
        "type": "event_callback",
        "event_id": "Ev0SOCKET",
        "event_time": 1700000000,
        "event": {
            "type": "app_mention",
            "user": ALICE,
            "text": f"<@{BOT_USER_ID}> add dev Mentioned over the socket",
            "ts": "1700000000.000900",
            "channel": CHANNEL,
            "event_ts": "1700000000.000900",
        },
        "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
    }
    first = socket_server.send("events_api", event)
    socket_server.wait_ack(first)
    fake.wait_for("chat.postMessage")
    # Slack redelivers the same event in a new envelope: acked, and nothing happens twice
    again = socket_server.send("events_api", event, retry_attempt=1)
    socket_server.wait_ack(again)
    follow_up = socket_server.send(
        "events_api",
        {
            **event,
            "event_id": "Ev0SOCKET2",
            "event": {**event["event"], "text": f"<@{BOT_USER_ID}> list all"},
        },
    )
    socket_server.wait_ack(follow_up)
    fake.wait_for("chat.postEphemeral")
    assert task_titles(services) == ["Over the socket", "Mentioned over the socket"]
    assert len(fake.calls_to("chat.postMessage")) == 1


def test_interactive_envelope_for_the_modal_gets_errors_in_the_ack(
    socket_runtime: tuple[Services, SlackRuntime], socket_server: FakeSocketMode, fake: FakeSlack
) -> None:
    from bot.slack.modal import CALLBACK_ID

    payload = {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "acme"},
        "user": {"id": ALICE, "username": "alice", "team_id": TEAM_ID},
        "api_app_id": "A123456",
        "trigger_id": "1.2.view",
        "view": {
            "id": "V1",
            "type": "modal",
            "callback_id": CALLBACK_ID,
            "private_metadata": json.dumps({}),
            "blocks": [{"type": "input", "block_id": b} for b in ("department", "title", "due")],
            "state": {
                "values": {
                    "department": {"value": {"type": "static_select", "selected_option": {"value": "nope"}}},
                    "title": {"value": {"type": "plain_text_input", "value": "Bad department"}},
                }
            },
        },
    }
    envelope = socket_server.send("interactive", payload)
    ack = socket_server.wait_ack(envelope)
    assert ack["payload"]["response_action"] == "errors"
    assert list(ack["payload"]["errors"]) == ["department"]


def test_socket_mode_without_app_token_says_so(db: Database, clock: ManualClock, fake: FakeSlack) -> None:
    services = make_services(slack_settings(db.url, fake), db, clock)
    runtime = create_slack_runtime(services, web_client_options=TEST_CLIENT_OPTIONS)
    try:
        with pytest.raises(SettingsError, match="SLACK_APP_TOKEN"):
            runtime.start_socket_mode()
    finally:
        runtime.stop()


def test_missing_credentials_are_named(db: Database, clock: ManualClock, fake: FakeSlack) -> None:
    settings = slack_settings(db.url, fake, slack_bot_token=None)
    with pytest.raises(SettingsError, match="SLACK_BOT_TOKEN"):
        create_slack_runtime(make_services(settings, db, clock))
    settings = slack_settings(db.url, fake, slack_signing_secret=None)
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET"):
        create_slack_runtime(make_services(settings, db, clock))
