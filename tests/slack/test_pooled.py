"""The messenger's Slack client keeps its connections: many sends, from many threads, over few
connections (counted at the loopback fake), with the per-call timeout still holding."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.messenger import DeliveryError, rate_limits_handed_back
from bot.slack.client import build_web_client
from bot.slack.messenger import SlackMessenger
from bot.slack.pooled import SlackConnections
from handlers.replies import Outbound, Reply, Target
from tests.slack.fake_slack import TEAM_ID, FakeSlack


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    server = FakeSlack().start()
    yield server
    server.stop()


@pytest.fixture
def connections() -> Iterator[SlackConnections]:
    pool = SlackConnections()
    yield pool
    pool.close()


def post(n: int, team: str = TEAM_ID) -> Outbound:
    return Outbound(
        platform="slack",
        workspace_external_id=team,
        target=Target.channel(f"C{n % 5}"),
        reply=Reply(headline=f"Nudge {n}"),
        key=f"nudge:{n}",
    )


def test_sends_in_turn_share_one_connection(fake: FakeSlack, connections: SlackConnections) -> None:
    messenger = SlackMessenger(
        lambda team: "xoxb-test", lambda token: connections.client(token, fake.api_url)
    )
    for n in range(20):
        messenger.send(post(n))
    assert len(fake.calls_to("chat.postMessage")) == 20
    assert fake.connections == 1


def test_sends_from_many_threads_and_workspaces_open_at_most_a_connection_per_thread(
    fake: FakeSlack, connections: SlackConnections
) -> None:
    messenger = SlackMessenger(
        lambda team: f"xoxb-{team}", lambda token: connections.client(token, fake.api_url)
    )
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda n: messenger.send(post(n, team=f"T{n % 3}")), range(60)))
    assert len(fake.calls_to("chat.postMessage")) == 60
    assert fake.connections <= 4  # one per call in flight at most, shared by the three workspaces


def test_urllib_opens_a_connection_per_call(fake: FakeSlack) -> None:
    """What the pooled client saves: slack_sdk's WebClient connects afresh for every call."""
    messenger = SlackMessenger(lambda team: "xoxb-test", lambda token: build_web_client(token, fake.api_url))
    for n in range(5):
        messenger.send(post(n))
    assert fake.connections == 5


def test_a_rate_limit_handed_back_is_raised_at_once_through_the_loop(
    fake: FakeSlack, connections: SlackConnections
) -> None:
    sleeps: list[float] = []
    messenger = SlackMessenger(
        lambda team: "xoxb-test",
        lambda token: connections.client(token, fake.api_url, sleep=sleeps.append),
    )
    fake.rate_limit("chat.postMessage", times=1, retry_after=2)
    with rate_limits_handed_back(), pytest.raises(DeliveryError) as raised:
        messenger.send(post(1))
    assert raised.value.retry_after == 2 and raised.value.method == "chat.postMessage"
    assert sleeps == []  # the caller's context reached the retry handler on the loop
    fake.rate_limit("chat.postMessage", times=1, retry_after=2)
    messenger.send(post(2))  # not handed back: waited out on the loop, then posted
    assert sleeps == [2.0]


def test_the_per_call_timeout_holds_on_the_shared_session(connections: SlackConnections) -> None:
    silent = socket.socket()  # accepts connections (the kernel's backlog) and never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        api = f"http://127.0.0.1:{silent.getsockname()[1]}/api/"
        messenger = SlackMessenger(
            lambda team: "xoxb-test", lambda token: connections.client(token, api, timeout=1)
        )
        with pytest.raises(DeliveryError) as raised:
            messenger.send(post(1, team=TEAM_ID))
        assert not raised.value.permanent
    finally:
        silent.close()
