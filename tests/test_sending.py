"""The concurrent sender: fair across workspaces, in order per channel, within the rate limits."""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict

from bot.messenger import DeliveryError, rate_limits_are_handed_back
from bot.ratelimit import FEISHU, SLACK, Limit, Policy, RateLimiter
from bot.sending import ConcurrentSender, Throttled
from handlers.replies import Outbound, Reply, Target
from tests.virtual_seconds import VirtualSeconds


def message(
    workspace: str, target: str, n: int, *, platform: str = "slack", kind: str = "channel"
) -> Outbound:
    where = Target.channel(target) if kind == "channel" else Target.user(target)
    return Outbound(platform, workspace, where, Reply(headline=f"m{n}"), key=f"{workspace}:{target}:{n}")


def inline(policy: Policy, clock: VirtualSeconds) -> ConcurrentSender:
    limiter = RateLimiter({"slack": policy}, monotonic=clock)
    return ConcurrentSender(limiter, workers=1, sleep=clock.sleep)


def test_a_rate_limited_workspace_does_not_hold_back_the_others() -> None:
    """Workspace A has 60 messages under a tight limit; B's and C's go out long before A's end."""
    clock = VirtualSeconds()
    policy = Policy(per_method={"chat.postMessage": Limit(rate=1.0, burst=1)})
    items = [message("A", f"UA{n}", n, kind="user") for n in range(60)]
    items += [message(w, f"U{w}{n}", n, kind="user") for w in ("B", "C") for n in range(5)]
    done: list[tuple[float, str]] = []

    def attempt(item: Outbound) -> None:
        done.append((clock.now, item.workspace_external_id))

    inline(policy, clock).run(((item, item) for item in items), attempt)
    finished = {w: max(t for t, ws in done if ws == w) for w in "ABC"}
    assert len(done) == 70
    assert finished["B"] <= 5 and finished["C"] <= 5  # one a second each, in parallel with A
    assert finished["A"] >= 59  # A keeps to its own limit


def test_throttled_holds_that_workspace_and_method_only() -> None:
    clock = VirtualSeconds()
    items = [message("A", f"UA{n}", n, kind="user") for n in range(3)]
    items += [message("B", f"UB{n}", n, kind="user") for n in range(3)]
    calls: list[tuple[float, str]] = []
    refused = {"A:UA0:0"}

    def attempt(item: Outbound) -> Throttled | None:
        calls.append((clock.now, item.key or ""))
        if item.key in refused:
            refused.discard(item.key)
            return Throttled(30.0, "chat.postMessage")
        return None

    inline(SLACK, clock).run(((item, item) for item in items), attempt)
    by_key = defaultdict(list)
    for at, key in calls:
        by_key[key].append(at)
    assert by_key["A:UA0:0"][0] == 0 and by_key["A:UA0:0"][1] >= 30  # tried again after Retry-After
    assert all(by_key[f"A:UA{n}:{n}"][0] >= 30 for n in (1, 2))  # the whole method was held …
    assert all(by_key[f"B:UB{n}:{n}"][0] < 1 for n in range(3))  # … in that workspace only
    assert len(calls) == 7


def test_one_channel_keeps_its_order_and_its_per_channel_limit() -> None:
    clock = VirtualSeconds()
    items = [message("A", "C1", n) for n in range(10)]
    seen: list[tuple[float, int]] = []

    def attempt(item: Outbound) -> None:
        seen.append((clock.now, int(item.reply.headline[1:])))

    inline(SLACK, clock).run(((item, item) for item in items), attempt)
    assert [n for _t, n in seen] == list(range(10))
    for index, (at, _n) in enumerate(seen):  # a burst of 3, then about one a second
        assert index < SLACK.per_target.burst + at + 1e-6  # type: ignore[union-attr]


def test_concurrent_sends_keep_each_channels_order_and_never_overlap_in_a_channel() -> None:
    sender = ConcurrentSender(RateLimiter({}), workers=8)
    rng = random.Random(4)
    items = [message(f"W{n % 4}", f"C{n % 6}", n) for n in range(120)]
    order: dict[str, list[int]] = defaultdict(list)
    busy: set[str] = set()
    overlaps: list[str] = []
    lock = threading.Lock()
    peak = [0, 0]

    def attempt(item: Outbound) -> None:
        lane = f"{item.workspace_external_id}:{item.target.id}"
        with lock:
            if lane in busy:
                overlaps.append(lane)
            busy.add(lane)
            peak[0] += 1
            peak[1] = max(peak[1], peak[0])
        assert rate_limits_are_handed_back()  # messengers hand 429s back instead of sleeping
        time.sleep(rng.random() / 500)
        with lock:
            busy.discard(lane)
            peak[0] -= 1
            order[lane].append(int(item.reply.headline[1:]))

    sender.run(((item, item) for item in items), attempt)
    assert not overlaps
    assert sum(len(v) for v in order.values()) == 120
    for numbers in order.values():
        assert numbers == sorted(numbers)
    assert peak[1] > 1  # really concurrent


def test_an_attempt_that_raises_is_logged_and_the_rest_go_on(caplog) -> None:  # type: ignore[no-untyped-def]
    sender = ConcurrentSender(RateLimiter({}), workers=2)
    items = [message("A", f"C{n}", n) for n in range(5)]
    done: list[int] = []

    def attempt(item: Outbound) -> None:
        if item.target.id == "C2":
            raise DeliveryError("boom")
        done.append(int(item.reply.headline[1:]))

    sender.run(((item, item) for item in items), attempt)
    assert sorted(done) == [0, 1, 3, 4]
    assert "failed unexpectedly" in caplog.text


def test_waiting_reservations_are_renewed_and_lost_ones_dropped() -> None:
    clock = VirtualSeconds()
    policy = Policy(per_method={"chat.postMessage": Limit(rate=0.1, burst=1)})
    items = [message("A", f"U{n}", n, kind="user") for n in range(4)]
    sent: list[str] = []
    ticks: list[int] = []

    def on_tick(waiting):  # type: ignore[no-untyped-def]
        ticks.append(len(waiting))
        return {id(item) for item in waiting if item.key == "A:U3:3"}  # another process took it

    inline(policy, clock).run(
        ((item, item) for item in items), lambda item: sent.append(item.key), on_tick=on_tick, tick_every=5
    )
    assert sent == ["A:U0:0", "A:U1:1", "A:U2:2"]
    assert ticks and ticks[0] == 2  # at 10 s: two sent, two waiting


def test_feishu_limits_are_the_apps_across_workspaces_and_five_a_second_per_chat() -> None:
    clock = VirtualSeconds()
    limiter = RateLimiter({"feishu": FEISHU}, monotonic=clock)
    chat = [message("T1", "oc_1", n, platform="feishu") for n in range(10)]
    assert [limiter.try_take(m) for m in chat[:5]] == [0.0] * 5
    assert limiter.try_take(chat[5]) > 0  # the sixth in one second to one chat waits
    others = [message(f"T{n}", f"oc_{n}", n, platform="feishu") for n in range(2, 60)]
    waits = [limiter.try_take(m) for m in others]
    assert waits[:45] == [0.0] * 45 and waits[45] > 0  # 50 a second across the app (5 taken above)
    clock.sleep(1.0)
    limiter.hold(others[0], 30)  # Feishu said the app is over its limit: every workspace waits
    assert limiter.try_take(message("T99", "oc_99", 1, platform="feishu")) == 30


def test_hold_stops_one_method_of_one_workspace() -> None:
    clock = VirtualSeconds()
    limiter = RateLimiter(monotonic=clock)
    post = message("A", "C1", 1)
    limiter.hold(post, 10, "chat.postMessage")
    assert limiter.try_take(post) == 10
    assert limiter.try_take(message("B", "C1", 1)) == 0
    ephemeral = Outbound("slack", "A", Target.member("C9", "U1"), Reply(headline="x"))
    assert limiter.try_take(ephemeral) == 0  # another method of the same workspace
    clock.sleep(10)
    assert limiter.try_take(post) == 0
