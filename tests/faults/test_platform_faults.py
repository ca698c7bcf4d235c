"""The chat platforms failing while the scheduler runs a day of posts.

A Slack workspace and a Feishu workspace, each with a launch the day after (check-in), standup
digests and overdue work (nudges, escalations). The real messengers — slack_sdk's WebClient
and lark's Client — talk to the loopback fakes through a :class:`FlakyFront` that, for a window
of the (simulated) morning, answers 5xx, 429 with Retry-After, holds connections until they time
out, drops and resets them. The scheduler (ManualClock, ``run_through``) keeps going:

* nothing raises out of a tick;
* while the fault lasts, every notification is in the ledger as pending / sending / failed
  (to be retried) or sent — none dead, expired or missing — and what the fakes received is
  exactly what the ledger says was sent;
* after the window, every notification is delivered exactly once (counted at the fakes), and
  the day's messages are the same as an undisturbed run's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import lark_oapi as lark
import pytest
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from sqlalchemy import select

from bot.feishu.messenger import FeishuMessenger, message_uuid
from bot.messenger import MessengerRegistry
from bot.scheduler import CoordScheduler
from bot.slack.blocks import render_message
from bot.slack.client import build_web_client
from bot.slack.messenger import SlackMessenger
from handlers import notices
from handlers.clock import ManualClock
from storage import notifications as ledger
from storage.db import Database
from storage.models import Notification
from tests.faults.conftest import soak, unique_app_id
from tests.faults.flaky_front import FlakyFront
from tests.feishu.fake_feishu import FakeFeishu
from tests.scheduler import factories as f
from tests.scheduler.conftest import FakeServices, RecordingMessenger
from tests.slack.fake_slack import TEAM_ID, FakeSlack
from tests.virtual_seconds import virtual_sender

DAY = datetime(2026, 12, 14, tzinfo=UTC)  # a Monday; the launches are on Tuesday
LAUNCH = date(2026, 12, 15)
TENANT = "tenant_faults"
CLIENT_TIMEOUT = 1.0  # seconds clients wait: a held connection times out, a relayed answer comes long before
TIMEOUTS = 1  # held connections per front and window in the CI tests (each costs CLIENT_TIMEOUT)
MIXED = ("500", "429", "timeout", "503", "drop", "429-short", "reset", "502")
QUIET = ("500", "429", "503", "drop", "429-short", "reset", "502")  # no held connections: faster


def no_sleep(_seconds: float) -> None:
    pass


def seed_platform(db: Database, platform: str, external_id: str, ids: dict[str, str]) -> None:
    """One workspace on ``platform``: leads, a launch tomorrow, digests, overdue and blocked work."""
    with db.transaction() as s:
        ws = f.workspace(s, external_id, platform=platform)
        people = {
            name: f.person(s, ws, uid, name=name, is_admin=name == "alice") for name, uid in ids.items()
        }
        depts = f.departments(
            s, ws, {"dev": people["alice"], "design": people["carol"], "marketing": people["dave"]}
        )
        for key, dept in depts.items():
            dept.channel_id = f"{ids['channel']}-{key}"
        lx = f.launch(s, ws, "v3", LAUNCH, depts, channel_id=ids["channel"], done={"dev": 1})
        f.digest(s, ws, f"{ids['channel']}-dev", at="09:30")
        f.digest(s, ws, f"{ids['channel']}-design", at="09:45")
        f.digest(s, ws, ids["channel"], at="17:00", days=0b1111111)
        erin, bob, dave = people["erin"], people["bob"], people["dave"]
        f.task(
            s, ws, depts["dev"], "Ship the API", assignee=bob, creator=erin, due=date(2026, 12, 4), launch=lx
        )
        f.task(s, ws, depts["dev"], "API docs", assignee=bob, creator=erin, due=date(2026, 12, 9))
        f.task(
            s,
            ws,
            depts["design"],
            "Hero banner",
            assignee=people["frank"],
            creator=erin,
            due=date(2026, 12, 10),
        )
        f.task(
            s, ws, depts["marketing"], "Launch post", assignee=dave, creator=erin, due=date(2026, 12, 8),
            status="blocked", blocked_reason="waiting for legal", launch=lx,
        )  # fmt: skip
        f.task(s, ws, depts["ops"], "Runbook", creator=erin, due=date(2026, 12, 11), launch=lx)


SLACK_IDS = {
    "alice": "UALICE", "bob": "UBOB", "carol": "UCAROL", "dave": "UDAVE", "erin": "UERIN", "frank": "UFRANK",
    "channel": "CLAUNCH",
}  # fmt: skip
FEISHU_IDS = {
    "alice": "ou_alice", "bob": "ou_bob", "carol": "ou_carol", "dave": "ou_dave", "erin": "ou_erin",
    "frank": "ou_frank", "channel": "oc_launch",
}  # fmt: skip


def seed(db: Database) -> None:
    seed_platform(db, "slack", TEAM_ID, SLACK_IDS)
    seed_platform(db, "feishu", TENANT, FEISHU_IDS)


@dataclass
class Platforms:
    slack: FakeSlack
    feishu: FakeFeishu
    slack_front: FlakyFront
    feishu_front: FlakyFront
    services: FakeServices
    scheduler: CoordScheduler

    def fail(
        self,
        kinds: tuple[str, ...],
        *,
        every: int = 1,
        only: str | None = None,
        limits: dict[str, int] | None = None,
    ) -> None:
        if only in (None, "slack"):
            self.slack_front.fail(kinds, every=every, limits=limits)
        if only in (None, "feishu"):
            self.feishu_front.fail(kinds, every=every, limits=limits)

    def heal(self) -> None:
        self.slack_front.heal()
        self.feishu_front.heal()

    # -- what the fakes received -------------------------------------------------------------------

    def slack_posts(self) -> Counter[tuple[str, str]]:
        return Counter(
            (c.params["channel"], c.params["text"]) for c in self.slack.calls_to("chat.postMessage")
        )

    def feishu_posts(self) -> Counter[str]:
        return Counter(
            str(c.body.get("uuid"))
            for c in self.feishu.sent
            if isinstance(c.body, dict) and c.body.get("uuid")
        )


def platform_messengers(slack_api: str, feishu_domain: str) -> tuple[SlackMessenger, FeishuMessenger]:
    def slack_client(token: str):  # type: ignore[no-untyped-def]
        return build_web_client(
            token,
            slack_api,
            sleep=no_sleep,
            connection_retry_interval=FixedValueRetryIntervalCalculator(0.0),
            timeout=CLIENT_TIMEOUT,  # type: ignore[arg-type]  # slack_sdk takes a float
        )

    slack = SlackMessenger(lambda _team: "xoxb-test-token", slack_client)
    client = (
        lark.Client.builder()
        .app_id(unique_app_id())
        .app_secret("app-secret")
        .domain(feishu_domain)
        .timeout(CLIENT_TIMEOUT)
        .log_level(lark.LogLevel.CRITICAL)
        .build()
    )
    return slack, FeishuMessenger(client, sleep=no_sleep)


class DayScheduler(CoordScheduler):
    """Moves the day's clock to each tick's instant, as real time moves between real ticks.

    The fakes stamp what they receive with that clock (Slack's ``ts``), and a retry looks for an
    earlier attempt in the conversation from the notification's creation on: a fake stamping
    every message at midnight would hide it from that search.
    """

    def tick(self, now: datetime | None = None) -> int:
        if now is not None:
            self.services.clock.set(now)  # type: ignore[attr-defined]
        return super().tick(now)


@pytest.fixture
def platforms(db: Database) -> Iterator[Platforms]:
    """On SQLite, and on PostgreSQL when configured (the ledger's claims and compare-and-set)."""
    yield from make_platforms(db)


@pytest.fixture
def platforms_sqlite(sqlite_db: Database) -> Iterator[Platforms]:
    """SQLite only: the variations whose point is the platform's behaviour, not the database's."""
    yield from make_platforms(sqlite_db)


def make_platforms(db: Database) -> Iterator[Platforms]:
    slack, feishu = FakeSlack().start(), FakeFeishu().start()
    slack_front, feishu_front = FlakyFront(slack.base).start(), FlakyFront(feishu.url).start()
    slack_messenger, feishu_messenger = platform_messengers(f"{slack_front.url}/api/", feishu_front.url)
    services = FakeServices(
        db=db,
        clock=ManualClock(DAY),
        messengers=MessengerRegistry({"slack": slack_messenger, "feishu": feishu_messenger}),
    )
    slack.clock = lambda: services.clock.now().timestamp()  # message ts on the day's clock
    seed(db)
    scheduler = DayScheduler(services, virtual_sender())  # type: ignore[arg-type]
    try:
        yield Platforms(slack, feishu, slack_front, feishu_front, services, scheduler)
    finally:
        scheduler.shutdown()
        for server in (slack_front, feishu_front, slack, feishu):
            server.stop()


# -- the ledger and the fakes agree ---------------------------------------------------------------


def messages(db: Database) -> list[Notification]:
    with db.transaction() as s:
        return list(s.scalars(select(Notification).where(Notification.status != ledger.MARKER)))


def expected_at_fakes(rows: list[Notification]) -> tuple[Counter[tuple[str, str]], Counter[str]]:
    """What the fakes should have received for the ledger's ``sent`` rows, once each."""
    slack: Counter[tuple[str, str]] = Counter()
    feishu: Counter[str] = Counter()
    for row in rows:
        if row.status != ledger.SENT:
            continue
        outbound = notices.outbound_from_dict(row.payload["outbound"])
        if outbound.platform == "slack":
            slack[(outbound.target.id, render_message(outbound.reply)["text"])] += 1
        else:
            feishu[message_uuid(row.key)] += 1
    return slack, feishu


def check_nothing_dropped(
    p: Platforms, *, dead_ok: bool = False, lost_ok: bool = False
) -> list[Notification]:
    """Every message is sent or waiting for a retry (``dead_ok``: or given up, with its error).

    What the fakes received is what the ledger says was sent, once each (``lost_ok``: at least
    that — a call whose answer was lost reached the platform but is retried).
    """
    rows = messages(p.services.db)
    statuses = Counter(row.status for row in rows)
    allowed = {ledger.PENDING, ledger.SENDING, ledger.FAILED, ledger.SENT} | (
        {ledger.DEAD} if dead_ok else set()
    )
    assert set(statuses) <= allowed, (
        statuses,
        [(r.key, r.status, r.last_error) for r in rows if r.status in (ledger.DEAD, ledger.EXPIRED)],
    )
    slack, feishu = expected_at_fakes(rows)
    if lost_ok:
        assert set(slack) <= set(p.slack_posts()) and set(feishu) <= set(p.feishu_posts())
        return rows
    assert p.slack_posts() == slack
    assert p.feishu_posts() == feishu
    assert len(p.feishu.sent) == sum(feishu.values())  # not even a retried duplicate reached Feishu
    return rows


def reference_keys(tmp_path: Any) -> set[str]:
    """The keys an undisturbed scheduler sends over the same data and day."""
    db = Database(f"sqlite:///{tmp_path / 'reference.db'}")
    db.upgrade()
    seed(db)
    registry = MessengerRegistry(
        {"slack": RecordingMessenger("slack"), "feishu": RecordingMessenger("feishu")}
    )
    CoordScheduler(
        FakeServices(db=db, clock=ManualClock(DAY), messengers=registry), virtual_sender()
    ).run_through(  # type: ignore[arg-type]
        DAY, DAY + timedelta(days=1)
    )
    keys = {row.key for row in messages(db) if row.status == ledger.SENT}
    db.dispose()
    return keys


def run_day_with_faults(
    p: Platforms,
    kinds: tuple[str, ...],
    *,
    start: timedelta,
    end: timedelta,
    every: int = 1,
    step: timedelta = timedelta(minutes=15),
    dead_ok: bool = False,
    only: str | None = None,
    limits: dict[str, int] | None = None,
) -> None:
    """Run the day; faults from ``start`` to ``end`` (checked every ``step``), then heal and finish."""
    sched = p.scheduler
    sched.run_through(DAY, DAY + start)
    p.fail(kinds, every=every, only=only, limits={"timeout": TIMEOUTS} if limits is None else limits)
    at = DAY + start
    while at < DAY + end:
        nxt = min(at + step, DAY + end)
        sched.run_through(at, nxt)  # raises if a tick does
        rows = check_nothing_dropped(p, dead_ok=dead_ok, lost_ok="lost" in kinds)
        if every == 1:  # a total outage: nothing got through
            assert not any(
                row.status == ledger.SENT and row.sent_at and row.sent_at > DAY + start for row in rows
            )
        at = nxt
    p.heal()
    sched.run_through(DAY + end, DAY + timedelta(days=1))


def check_delivered_once(p: Platforms, tmp_path: Any) -> None:
    rows = check_nothing_dropped(p)
    assert {row.status for row in rows} == {ledger.SENT}, Counter(row.status for row in rows)
    assert {row.key for row in rows} == reference_keys(tmp_path)
    # every kind of message really went through the fault window
    kinds = Counter(row.kind for row in rows)
    assert {"checkin", "digest", "nudge", "escalate"} <= set(kinds), kinds


# -- the tests ------------------------------------------------------------------------------------


def test_a_platform_outage_through_the_morning_delays_but_loses_and_repeats_nothing(
    platforms: Platforms, tmp_path: Any
) -> None:
    """09:00–10:30 every call fails (every kind of failure in turn); the 09:30 nudges and digests
    and the 10:00 check-ins wait in the ledger and go out once when the platforms come back."""
    run_day_with_faults(platforms, MIXED, start=timedelta(hours=9), end=timedelta(hours=10, minutes=30))
    assert set(platforms.slack_front.applied) == set(MIXED)
    assert set(platforms.feishu_front.applied) == set(MIXED)
    retried = [row for row in messages(platforms.services.db) if row.attempts > 1]
    assert retried, "nothing was retried: the fault window missed the posts"
    check_delivered_once(platforms, tmp_path)


def test_an_intermittently_failing_platform_delivers_everything_once(
    platforms_sqlite: Platforms, tmp_path: Any
) -> None:
    """All morning every other call fails: some posts go at once, the others on retry."""
    platforms = platforms_sqlite
    run_day_with_faults(platforms, QUIET, start=timedelta(hours=9), end=timedelta(hours=11), every=2)
    check_delivered_once(platforms, tmp_path)


def test_lost_feishu_answers_do_not_duplicate_messages(platforms_sqlite: Platforms) -> None:
    """Feishu acted on the call but the answer never came back: the retry carries the same uuid,
    which Feishu de-duplicates, so people see each message once."""
    platforms = platforms_sqlite
    run_day_with_faults(
        platforms, ("lost",), start=timedelta(hours=9), end=timedelta(hours=10), every=3, only="feishu"
    )
    rows = check_nothing_dropped(platforms, lost_ok=True)
    assert {row.status for row in rows} == {ledger.SENT}
    feishu_keys = {row.key for row in rows if row.payload["outbound"]["platform"] == "feishu"}
    assert platforms.feishu.unique_messages() == {message_uuid(key) for key in feishu_keys}
    assert len(platforms.feishu.sent) > len(feishu_keys)  # some really were sent twice …
    # … and Feishu answered each repeat with the message it already had: one message each


def test_lost_slack_answers_do_not_duplicate_messages(platforms_sqlite: Platforms) -> None:
    """Slack posted but its answer was lost: chat.postMessage has no idempotency key, so before
    posting again the messenger looks for the message's key (in its metadata) in the
    conversation's history, and finds it — people see each message once."""
    platforms = platforms_sqlite
    run_day_with_faults(
        platforms, ("lost",), start=timedelta(hours=9), end=timedelta(hours=10), every=3, only="slack"
    )
    rows = check_nothing_dropped(platforms, lost_ok=True)
    assert {row.status for row in rows} == {ledger.SENT}
    assert platforms.slack_posts() == expected_at_fakes(rows)[0]  # once each
    looked = platforms.slack.calls_to("conversations.history")
    assert looked, "no answer was lost: the fault window missed the posts"
    assert all(c.params.get("include_all_metadata") in ("1", "true", True) for c in looked)


def test_a_platform_down_for_longer_than_the_retries_is_reported_not_dropped(
    platforms_sqlite: Platforms,
) -> None:
    """09:00–12:00: the 09:30 posts use up their retries (about two hours) and are given up —
    recorded with their error, and reported to the workspace admins once the platform is back;
    the 10:00 check-ins' last retries come after 12:00 and go through. Nothing vanishes."""
    platforms = platforms_sqlite
    run_day_with_faults(
        platforms,
        QUIET,
        start=timedelta(hours=9),
        end=timedelta(hours=12),
        step=timedelta(minutes=30),
        dead_ok=True,
    )
    rows = check_nothing_dropped(platforms, dead_ok=True)
    dead = [row for row in rows if row.status == ledger.DEAD]
    assert dead and all(row.last_error and row.attempts == ledger.MAX_ATTEMPTS for row in dead)
    assert {row.status for row in rows} == {ledger.SENT, ledger.DEAD}
    assert any(row.kind == "checkin" and row.status == ledger.SENT and row.attempts > 1 for row in rows)
    alerts = [row for row in rows if row.kind == "alert"]
    assert alerts and {row.status for row in alerts} == {ledger.SENT}
    reported = {(row.workspace_id, row.key.split(":")[3], row.key.split(":")[4]) for row in alerts}
    for row in dead:
        target = row.payload["outbound"]["target"]
        if target["id"] in ("UALICE", "ou_alice"):
            continue  # the admin's own DMs are what failed: nobody else to tell
        assert (row.workspace_id, target["kind"], target["id"]) in reported, row.key


@soak
@pytest.mark.parametrize("seed_n", range(5))
def test_soak_random_fault_windows(platforms_sqlite: Platforms, tmp_path: Any, seed_n: int) -> None:
    platforms = platforms_sqlite
    import random

    rng = random.Random(seed_n)
    kinds = tuple(rng.sample(MIXED, k=rng.randint(2, len(MIXED))))
    start = timedelta(hours=rng.randint(8, 9), minutes=rng.choice((0, 15, 30, 45)))
    end = start + timedelta(minutes=rng.randint(30, 90))
    step = timedelta(minutes=rng.choice((5, 10, 30)))
    run_day_with_faults(
        platforms, kinds, start=start, end=end, every=rng.choice((1, 2, 3)), step=step, limits={}
    )
    check_delivered_once(platforms, tmp_path)
