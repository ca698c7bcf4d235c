"""A Slack post whose answer was lost is not posted twice: the messenger looks for its key first.

Against the loopback fake Web API, through the fault front that relays a request and then drops
its answer (Slack posted; coordbot never heard).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from bot.messenger import DeliveryError
from bot.slack import messenger as slack_messenger
from bot.slack.client import build_web_client
from bot.slack.messenger import METADATA_TYPE, SlackMessenger
from bot.slack.users import UserDirectory
from handlers.clock import ManualClock
from handlers.replies import Outbound, Reply, Target
from tests.faults.flaky_front import FlakyFront
from tests.slack.clients import build_client, each_client  # noqa: F401 (each_client: a fixture)
from tests.slack.fake_slack import TEAM_ID, FakeSlack

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    server = FakeSlack().start()
    server.clock = lambda: NOW.timestamp()
    yield server
    server.stop()


pytestmark = pytest.mark.usefixtures("each_client")  # every test here runs on both clients


@pytest.fixture
def front(fake: FakeSlack) -> Iterator[FlakyFront]:
    server = FlakyFront(fake.base).start()
    yield server
    server.stop()


def messenger_for(api_url: str) -> SlackMessenger:
    def factory(token: str):  # type: ignore[no-untyped-def]
        return build_client(
            token, api_url, connection_retry_interval=FixedValueRetryIntervalCalculator(0.0), timeout=5
        )

    return SlackMessenger(lambda team: "xoxb-test" if team == TEAM_ID else None, factory)


def outbound(
    target: Target, key: str | None = "digest:1:C100:2026-11-25", since: datetime | None = None
) -> Outbound:
    return Outbound(
        platform="slack",
        workspace_external_id=TEAM_ID,
        target=target,
        reply=Reply(headline="Morning digest"),
        key=key,
        earlier_attempt_since=since,
    )


def test_a_keyed_message_carries_its_key_in_slack_metadata(fake: FakeSlack) -> None:
    messenger_for(fake.api_url).send(outbound(Target.channel("C100")))
    (post,) = fake.calls_to("chat.postMessage")
    assert post.json("metadata") == {
        "event_type": METADATA_TYPE,
        "event_payload": {"key": "digest:1:C100:2026-11-25"},
    }
    assert not fake.calls_to("conversations.history")  # a first attempt does not look


def test_a_thread_reply_whose_answer_was_lost_is_found_in_its_thread_not_posted_again(
    fake: FakeSlack, front: FlakyFront
) -> None:
    front.fail(("lost",), limits={"lost": 1})
    target = Target.in_thread("C100", "1700000000.000100")
    delivery = messenger_for(f"{front.url}/api/").send(outbound(target, key="update:1:thread"))
    (post,) = fake.calls_to("chat.postMessage")
    assert post.params["thread_ts"] == "1700000000.000100"
    (looked,) = fake.calls_to("conversations.replies")
    assert looked.params["ts"] == "1700000000.000100"
    assert delivery.message_id == f"C100:{fake.history['C100'][0]['ts']}"


def test_an_answer_lost_in_the_call_is_found_in_history_not_posted_again(
    fake: FakeSlack, front: FlakyFront
) -> None:
    front.fail(("lost",), limits={"lost": 1})
    delivery = messenger_for(f"{front.url}/api/").send(outbound(Target.channel("C100")))
    posts = fake.calls_to("chat.postMessage")
    assert len(posts) == 1  # the SDK's blind connection retry would have made it two
    assert front.applied["lost"] == 1
    (looked,) = fake.calls_to("conversations.history")
    assert looked.params["channel"] == "C100"
    assert delivery.message_id == f"C100:{fake.history['C100'][0]['ts']}"


def test_a_message_without_a_key_is_posted_again_after_a_lost_answer(
    fake: FakeSlack, front: FlakyFront
) -> None:
    """Nothing to look for: at least once, as before (one immediate retry)."""
    front.fail(("lost",), limits={"lost": 1})
    messenger_for(f"{front.url}/api/").send(outbound(Target.channel("C100"), key=None))
    assert len(fake.calls_to("chat.postMessage")) == 2
    assert not fake.calls_to("conversations.history")


def test_a_retry_finds_the_dm_an_earlier_attempt_posted(fake: FakeSlack) -> None:
    messenger = messenger_for(fake.api_url)
    first = messenger.send(outbound(Target.user("U200")))
    fake.clear()
    again = messenger.send(outbound(Target.user("U200"), since=NOW - timedelta(minutes=1)))
    assert again == first
    assert not fake.calls_to("chat.postMessage")
    assert not fake.calls_to("conversations.open")  # the first post's answer named the DM channel
    assert fake.calls_to("conversations.history")[0].params["channel"] == "D200"


def test_a_dm_channel_is_opened_once_then_cached(fake: FakeSlack) -> None:
    """A process that did not post the first attempt (a restart, another replica) opens the DM
    once; its later retries to that person reuse the id."""
    messenger_for(fake.api_url).send(outbound(Target.user("U200")))
    fake.clear()
    messenger = messenger_for(fake.api_url)
    for _ in range(3):
        messenger.send(outbound(Target.user("U200"), since=NOW - timedelta(minutes=1)))
    (opened,) = fake.calls_to("conversations.open")
    assert opened.params["users"] == "U200"
    assert [c.params["channel"] for c in fake.calls_to("conversations.history")] == ["D200"] * 3
    assert not fake.calls_to("chat.postMessage")


def test_a_cached_dm_channel_slack_no_longer_knows_is_opened_afresh(fake: FakeSlack) -> None:
    messenger = messenger_for(fake.api_url)
    messenger.send(outbound(Target.user("U200")))
    messenger.dm_channels.put((TEAM_ID, "U200"), "D-gone")  # e.g. an id from before a migration
    fake.clear()
    fake.fail("conversations.history", "channel_not_found")
    again = messenger.send(outbound(Target.user("U200"), since=NOW - timedelta(minutes=1)))
    assert again.message_id and again.message_id.startswith("D200:")  # found, not posted again
    assert not fake.calls_to("chat.postMessage")
    assert len(fake.calls_to("conversations.open")) == 1
    assert messenger.dm_channels.get((TEAM_ID, "U200")) == "D200"


def test_a_person_slack_says_is_gone_is_forgotten(fake: FakeSlack) -> None:
    gone: list[tuple[str, str]] = []
    messenger = messenger_for(fake.api_url)
    messenger._on_user_gone = lambda team, user: gone.append((team, user))
    messenger.send(outbound(Target.user("U200")))
    assert messenger.dm_channels.get((TEAM_ID, "U200")) == "D200"
    fake.fail("chat.postMessage", "user_disabled")
    with pytest.raises(DeliveryError) as refused:
        messenger.send(outbound(Target.user("U200"), key="nudge:1:U200:2026-11-26"))
    assert refused.value.permanent
    assert messenger.dm_channels.get((TEAM_ID, "U200")) is None
    assert gone == [(TEAM_ID, "U200")]


def test_a_retry_posts_when_the_earlier_attempt_is_not_there(
    fake: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(slack_messenger, "HISTORY_PAGE", 2)
    messenger = messenger_for(fake.api_url)
    messenger.send(outbound(Target.channel("C100"), key="digest:other"))  # another message
    for _ in range(3):
        messenger.send(outbound(Target.channel("C100"), key=None))
    fake.clear()
    messenger.send(outbound(Target.channel("C100"), since=NOW - timedelta(minutes=1)))
    assert len(fake.calls_to("chat.postMessage")) == 1
    assert [c.params.get("cursor") for c in fake.calls_to("conversations.history")] == [None, "2"]


def test_the_search_is_bounded(fake: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(slack_messenger, "HISTORY_PAGE", 1)
    monkeypatch.setattr(slack_messenger, "HISTORY_PAGES", 3)
    messenger = messenger_for(fake.api_url)
    messenger.send(outbound(Target.channel("C100")))  # the one looked for, now 5 messages back
    for _ in range(4):
        messenger.send(outbound(Target.channel("C100"), key=None))
    fake.clear()
    messenger.send(outbound(Target.channel("C100"), since=NOW - timedelta(minutes=1)))
    assert len(fake.calls_to("conversations.history")) == 3
    assert len(fake.calls_to("chat.postMessage")) == 1  # not found within the bound: posted


def test_only_history_since_the_earlier_attempt_is_read(fake: FakeSlack) -> None:
    messenger = messenger_for(fake.api_url)
    messenger.send(outbound(Target.channel("C100")))
    fake.clear()
    messenger.send(outbound(Target.channel("C100"), since=NOW + timedelta(hours=1)))
    (looked,) = fake.calls_to("conversations.history")
    oldest = float(looked.params["oldest"])
    assert NOW.timestamp() < oldest < (NOW + timedelta(hours=1)).timestamp()
    assert len(fake.calls_to("chat.postMessage")) == 1  # the old one is outside the window


@pytest.mark.parametrize("error", ["missing_scope", "not_in_channel"])
def test_when_history_cannot_be_read_the_message_is_posted_and_the_operator_told(
    fake: FakeSlack, error: str, caplog: pytest.LogCaptureFixture
) -> None:
    fake.fail("conversations.history", error)
    with caplog.at_level(logging.WARNING, logger="bot.slack.messenger"):
        messenger_for(fake.api_url).send(outbound(Target.channel("C100"), since=NOW))
    assert len(fake.calls_to("chat.postMessage")) == 1
    assert any(error in r.getMessage() and "posting it again" in r.getMessage() for r in caplog.records)
    assert not any("xoxb" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("status", [503, 429])
def test_when_slack_cannot_be_asked_the_send_fails_to_be_retried(fake: FakeSlack, status: int) -> None:
    if status == 429:
        fake.rate_limit("conversations.history", times=5, retry_after=60)
    else:
        fake.http_error("conversations.history", status=503, times=5)
    with pytest.raises(DeliveryError) as raised:
        messenger_for(fake.api_url).send(outbound(Target.channel("C100"), since=NOW))
    assert not raised.value.permanent
    assert not fake.calls_to("chat.postMessage")  # no blind second copy


def test_a_profile_slack_says_is_gone_is_forgotten(fake: FakeSlack) -> None:
    fake.add_user("U300", "Mia")
    users = UserDirectory(ManualClock(NOW))
    client = build_web_client("xoxb-test", fake.api_url)
    assert users.lookup(client, TEAM_ID, "U300").name == "Mia"  # type: ignore[union-attr]
    assert users.lookup(client, TEAM_ID, "U300") is not None  # cached: one users.info
    assert len(fake.calls_to("users.info")) == 1
    users.forget(TEAM_ID, "U300")  # a send said so
    del fake.users["U300"]
    assert users.lookup(client, TEAM_ID, "U300") is None
    assert len(fake.calls_to("users.info", ok_only=False)) == 2
