"""SlackMessenger against the loopback fake Web API: posts, DMs, error mapping, rate limits."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from bot.delivery import deliver_outbox
from bot.messenger import Delivery, DeliveryError, Messenger, MessengerRegistry
from bot.slack.messenger import SlackMessenger
from handlers.replies import Outbound, Reply, Section, Target
from tests.slack.clients import build_client, each_client  # noqa: F401 (each_client: a fixture)
from tests.slack.fake_slack import TEAM_ID, FakeSlack
from tests.slack.limits import all_text, check_blocks


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    server = FakeSlack().start()
    yield server
    server.stop()


pytestmark = pytest.mark.usefixtures("each_client")  # every test here runs on both clients


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def make_messenger(api_url: str, sleeps: Sleeps | None = None, *, max_wait: float = 5.0) -> SlackMessenger:
    sleep = sleeps if sleeps is not None else Sleeps()

    def factory(token: str):  # type: ignore[no-untyped-def]
        return build_client(
            token,
            api_url,
            rate_limit_max_wait=max_wait,
            sleep=sleep,
            connection_retry_interval=FixedValueRetryIntervalCalculator(0.0),
            timeout=5,
        )

    return SlackMessenger(lambda team: "xoxb-test" if team == TEAM_ID else None, factory)


def outbound(target: Target, headline: str = "Morning check-in", team: str = TEAM_ID) -> Outbound:
    reply = Reply(headline=headline, sections=(Section(title="Due today", items=("#3 Ship build",)),))
    return Outbound(platform="slack", workspace_external_id=team, target=target, reply=reply, key=headline)


def test_channel_post_and_dm_go_through_chat_post_message(fake: FakeSlack) -> None:
    messenger: Messenger = make_messenger(fake.api_url)  # satisfies the protocol (checked by type)
    assert messenger.platform == "slack"

    delivery = messenger.send(outbound(Target.channel("C100", "launch-v2")))
    assert delivery.message_id and delivery.message_id.startswith("C100:")
    dm = messenger.send(outbound(Target.user("U200", "alice")))
    assert dm == Delivery(message_id=dm.message_id) and dm.message_id.startswith("D200:")

    posts = fake.calls_to("chat.postMessage")
    assert [c.params["channel"] for c in posts] == ["C100", "U200"]
    assert all(c.token == "xoxb-test" for c in posts)
    assert posts[0].params["text"].startswith("Morning check-in")
    check_blocks(posts[0].json("blocks"))
    assert "*Due today*\n• #3 Ship build" in all_text(posts[0].json("blocks"))


@pytest.mark.parametrize(
    "error",
    [
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "account_inactive",
        "invalid_auth",
        "token_revoked",
    ],
)
def test_refusals_are_permanent_and_say_why(fake: FakeSlack, error: str) -> None:
    fake.fail("chat.postMessage", error)
    with pytest.raises(DeliveryError) as caught:
        make_messenger(fake.api_url).send(outbound(Target.channel("C404", "gone")))
    assert caught.value.permanent
    assert error in str(caught.value) and "#gone" in str(caught.value)
    assert "xoxb" not in str(caught.value)


def test_not_in_channel_tells_how_to_fix(fake: FakeSlack) -> None:
    fake.fail("chat.postMessage", "not_in_channel")
    with pytest.raises(DeliveryError, match="invite"):
        make_messenger(fake.api_url).send(outbound(Target.channel("C1", "ops")))


def test_unknown_workspace_is_permanent(fake: FakeSlack) -> None:
    with pytest.raises(DeliveryError) as caught:
        make_messenger(fake.api_url).send(outbound(Target.channel("C1"), team="TOTHER"))
    assert caught.value.permanent
    assert fake.calls == []


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retryable(fake: FakeSlack, status: int) -> None:
    fake.http_error("chat.postMessage", status=status, times=3)
    with pytest.raises(DeliveryError) as caught:
        make_messenger(fake.api_url).send(outbound(Target.channel("C1")))
    assert not caught.value.permanent


def test_internal_error_body_is_retryable(fake: FakeSlack) -> None:
    fake.fail("chat.postMessage", "internal_error")
    with pytest.raises(DeliveryError) as caught:
        make_messenger(fake.api_url).send(outbound(Target.channel("C1")))
    assert not caught.value.permanent


def test_unreachable_slack_is_retryable() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DeliveryError) as caught:
        make_messenger(f"http://127.0.0.1:{port}/api/").send(outbound(Target.channel("C1")))
    assert not caught.value.permanent


def test_short_rate_limit_is_waited_out_inside_the_client(fake: FakeSlack) -> None:
    sleeps = Sleeps()
    fake.rate_limit("chat.postMessage", times=2, retry_after=3)
    make_messenger(fake.api_url, sleeps).send(outbound(Target.channel("C1")))
    assert sleeps == [3.0, 3.0]
    assert len(fake.calls_to("chat.postMessage")) == 1
    assert len(fake.calls_to("chat.postMessage", ok_only=False)) == 3


def test_long_rate_limit_is_handed_back_with_retry_after(fake: FakeSlack) -> None:
    sleeps = Sleeps()
    fake.rate_limit("chat.postMessage", times=1, retry_after=30)
    with pytest.raises(DeliveryError) as caught:
        make_messenger(fake.api_url, sleeps).send(outbound(Target.channel("C1")))
    assert not caught.value.permanent
    assert caught.value.retry_after == 30.0
    assert sleeps == []


def test_429_storm_loses_no_message_and_duplicates_none(fake: FakeSlack) -> None:
    """40 notifications while Slack answers 429 to 60 calls, some with long waits.

    A scheduler-like loop retries what failed (no sooner than retry_after, on a simulated clock);
    in the end every message was posted exactly once.
    """
    sleeps = Sleeps()
    messenger = make_messenger(fake.api_url, sleeps, max_wait=2)
    fake.rate_limit("chat.postMessage", times=30, retry_after=1)
    fake.rate_limit("chat.postMessage", times=10, retry_after=20)
    fake.rate_limit("chat.postMessage", times=20, retry_after=1)
    pending = [outbound(Target.channel(f"C{i % 3}"), headline=f"note {i}") for i in range(40)]
    now, not_before, waits = 0.0, 0.0, []
    for _round in range(200):
        if not pending:
            break
        now = max(now, not_before)
        message = pending.pop(0)
        try:
            messenger.send(message)
        except DeliveryError as exc:
            assert not exc.permanent
            waits.append(exc.retry_after)
            not_before = now + (exc.retry_after or 1)
            pending.append(message)
    assert not pending
    texts = [c.params["text"].split("\n")[0] for c in fake.calls_to("chat.postMessage")]
    assert sorted(texts) == sorted(f"note {i}" for i in range(40))
    assert 20.0 in waits  # the long waits came back to the caller …
    assert sleeps and set(sleeps) == {1.0}  # … the short ones were waited out in the client


def test_deliver_outbox_routes_slack_messages(fake: FakeSlack) -> None:
    registry = MessengerRegistry()
    registry.register(make_messenger(fake.api_url))
    fake.fail("chat.postMessage", "channel_not_found")
    sent = deliver_outbox(
        [outbound(Target.channel("CX")), outbound(Target.user("U1", "bob"))],
        registry,
    )
    assert sent == 1
    assert [c.params["channel"] for c in fake.calls_to("chat.postMessage")] == ["U1"]


def test_one_client_per_workspace_token_is_reused_with_its_timeout(fake: FakeSlack) -> None:
    built: list[str] = []

    def factory(token: str):  # type: ignore[no-untyped-def]
        built.append(token)
        return build_client(token, fake.api_url, timeout=7)

    tokens = {TEAM_ID: "xoxb-a", "T2": "xoxb-b"}
    messenger = SlackMessenger(tokens.get, factory)
    for n in range(3):
        for team in tokens:
            messenger.send(outbound(Target.channel(f"C{n}"), headline=f"post {n}", team=team))
    assert built == ["xoxb-a", "xoxb-b"]  # built once per token, reused for every later send
    assert messenger.client(TEAM_ID).timeout == 7  # the per-call timeout is kept
    assert {c.token for c in fake.calls_to("chat.postMessage")} == {"xoxb-a", "xoxb-b"}
