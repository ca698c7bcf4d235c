"""Every authentic Slack request is understood, through the real HTTP server: whatever words a
command carries, kinds coordbot does not handle, malformed signatures, and uninstalls."""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import timedelta
from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.app import Services
from bot.scheduler import CoordScheduler
from bot.slack.runtime import SlackRuntime
from storage.models import Task, Workspace
from tests.slack.conftest import ALICE, CHANNEL, SIGNING_SECRET, SlackSender
from tests.slack.fake_slack import BOT_USER_ID, TEAM_ID, FakeSlack
from tests.virtual_seconds import virtual_sender

FORM = "application/x-www-form-urlencoded"
WORDS = st.sampled_from(
    [
        "payload",
        "payload=1",
        "type",
        "block_actions",
        "command",
        "token",
        "&",
        "=",
        "%26",
        "{",
        "}",
        "view",
        "trigger_id",
        "launch",
        "fix",
        "size",
        "limit",
        "登录",
        "«quoted»",
        "a+b",
        "100%",
    ]
)


def answered(fake: FakeSlack, body: dict[str, str]) -> str:
    path = "/respond/" + body["response_url"].rsplit("/", 1)[1]
    (reply,) = fake.wait_for("response_url", where=lambda c: c.path == path)
    return str(reply.params.get("text"))


def test_a_command_with_the_word_payload_is_answered(
    slack: SlackSender, fake: FakeSlack, services: Services
) -> None:
    body = slack.command_body("add dev Fix payload size limit")
    response = slack.post(urlencode(body), FORM)
    assert response.status_code == 200
    assert "Fix payload size limit" in answered(fake, body)
    with services.db.transaction() as session:
        assert [t.title for t in session.scalars(select(Task))] == ["Fix payload size limit"]


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(words=st.lists(WORDS, min_size=1, max_size=6))
def test_any_words_in_a_command_reach_the_core(slack: SlackSender, fake: FakeSlack, words: list[str]) -> None:
    """``help <words>``: every one is answered at its own response_url (never a 404)."""
    body = slack.command_body("help " + " ".join(words))
    response = slack.post(urlencode(body), FORM)
    assert response.status_code == 200, response.text
    assert answered(fake, body)


def test_kinds_coordbot_does_not_handle_are_acknowledged(slack: SlackSender, fake: FakeSlack) -> None:
    events = [
        {"type": "reaction_added", "user": ALICE, "reaction": "tada", "item": {"type": "message"}},
        {"type": "member_joined_channel", "user": ALICE, "channel": CHANNEL},
        {"type": "message", "subtype": "channel_join", "user": ALICE, "channel": CHANNEL, "ts": "1.1"},
    ]
    for event in events:
        assert slack.event(event).status_code == 200
    action = {"action_id": "someone_elses_button", "value": "x", "block_id": "b"}
    response, _url = slack.block_action(action)
    assert response.status_code == 200
    unknown = {
        "type": "message_action",
        "callback_id": "not_ours",
        "trigger_id": "1.2.3",
        "team": {"id": TEAM_ID},
        "user": {"id": ALICE},
        "channel": {"id": CHANNEL},
    }
    assert slack.interaction(unknown).status_code == 200
    assert slack.post(urlencode(slack.command_body("x", command="/other")), FORM).status_code == 200


def test_malformed_signatures_are_401_not_500(slack: SlackSender) -> None:
    url = f"{slack.base_url}/slack/events"
    body = urlencode(slack.command_body("list"))
    for timestamp in ("not-a-number", "", "1e9", "-5", "12 34", "0x10"):
        headers = {"Content-Type": FORM, "X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": "v0=00"}
        assert slack.http.post(url, content=body, headers=headers).status_code == 401
    raw = b"text=\xff\xfe&command=/coord"  # correctly signed over its bytes, but not UTF-8
    timestamp = str(int(time.time()))
    digest = hmac.new(SIGNING_SECRET.encode(), b"v0:" + timestamp.encode() + b":" + raw, hashlib.sha256)
    headers = {
        "Content-Type": FORM,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": f"v0={digest.hexdigest()}",
    }
    assert slack.http.post(url, content=raw, headers=headers).status_code == 401


def _uninstall(slack: SlackSender, kind: str) -> None:
    event = {"type": kind}
    if kind == "tokens_revoked":
        event["tokens"] = {"oauth": [ALICE], "bot": [BOT_USER_ID]}
    assert slack.event(event).status_code == 200


def test_an_uninstall_stops_scheduling_and_keeps_the_data(
    slack: SlackSender, fake: FakeSlack, services: Services, runtime: SlackRuntime
) -> None:
    for kind in ("app_uninstalled", "tokens_revoked"):
        body = slack.command_body("add dev Kept across a reinstall due today")
        slack.post(urlencode(body), FORM)
        answered(fake, body)
        _uninstall(slack, kind)
        deadline = time.monotonic() + 10
        while not _uninstalled(services):
            assert time.monotonic() < deadline, "the uninstall was not recorded"
            time.sleep(0.01)
        # The answer reaches the fake before its ledger row is settled: a scheduler running days
        # ahead would take that row's lease as lapsed and send it again.
        pool = runtime.pipeline.work
        assert pool is not None and pool.wait_idle()  # type: ignore[attr-defined]
        scheduler = CoordScheduler(services, virtual_sender())
        try:
            start = services.clock.now()
            fake.clear()
            assert scheduler.run_through(start, start + timedelta(days=2)) == 0  # no nudges, no digests
        finally:
            scheduler.shutdown()
        with services.db.transaction() as session:
            assert session.scalars(select(Task)).first() is not None  # kept for a reinstall
        again = slack.command_body("list all")  # the app is back: a request from the workspace
        slack.post(urlencode(again), FORM)
        answered(fake, again)
        assert not _uninstalled(services)


def test_user_tokens_revoked_alone_change_nothing(
    slack: SlackSender, fake: FakeSlack, services: Services
) -> None:
    body = slack.command_body("list")
    slack.post(urlencode(body), FORM)
    answered(fake, body)
    assert slack.event({"type": "tokens_revoked", "tokens": {"oauth": [ALICE], "bot": []}}).status_code == 200
    assert not _uninstalled(services)  # handled before the ack: nothing is left to wait for


def _uninstalled(services: Services) -> bool:
    with services.db.transaction() as session:
        workspace = session.scalars(select(Workspace).where(Workspace.external_id == TEAM_ID)).one()
        return workspace.uninstalled_at is not None


def test_interactions_keep_working_with_payload_in_their_values(slack: SlackSender, fake: FakeSlack) -> None:
    """A real interaction is one ``payload`` form field of JSON (here about a task whose title has
    the word in it)."""
    body = slack.command_body("add dev payload task")
    slack.post(urlencode(body), FORM)
    answered(fake, body)
    action = {"action_id": "task.done:1", "value": "1", "block_id": "task:1:1"}
    response, url = slack.block_action(action)
    assert response.status_code == 200
    (done,) = fake.wait_for("response_url", where=lambda c: c.path.endswith(url.rsplit("/", 1)[1]))
    assert "#1" in str(done.params.get("text"))
