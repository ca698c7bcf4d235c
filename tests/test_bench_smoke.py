"""The benchmarks in bench/ still run: the smallest configurations, no timing asserted."""

from __future__ import annotations

import math

from starlette.testclient import TestClient

from bench import _signing, ack_latency, bare_apps, profile_summary, startup_memory
from bot.app import Services
from bot.feishu.runtime import create_feishu_runtime
from bot.feishu.text import BotIdentity
from bot.settings import Settings
from handlers.clock import ManualClock
from tests.feishu.fake_feishu import FakeFeishu


def test_ack_latency_smallest_slack_run() -> None:
    result = ack_latency.run(["slack"], [20], 0.5)
    (level,) = result.results["slack"]
    sides = [level.ours, *level.bare.values()]
    assert set(level.bare) == {"slack", "slack-inline"}
    assert [side.load.count for side in sides] == [10, 10, 10]
    assert all(side.load.error_count == 0 for side in sides)
    assert level.ours.drain is not None  # every command's reply reached the fake Web API
    assert not math.isnan(level.ratio("slack")) and level.ours.cpu_per_request > 0
    assert result.memory["VmHWM"] > 0 and result.startup > 0
    assert ack_latency.summary("slack", [level], sqlite=True).startswith("ack_latency slack: ")
    assert "rate/s" in ack_latency.render("slack", [level])
    floors = ack_latency.durability_floor(None, commits=5)
    assert (
        list(floors) == ["sqlite (WAL, synchronous=NORMAL)"]
        and floors["sqlite (WAL, synchronous=NORMAL)"] > 0
    )


def test_bench_feishu_events_are_accepted_by_coordbot_and_the_bare_dispatcher(
    tmp_path, clock: ManualClock
) -> None:  # type: ignore[no-untyped-def]
    body, headers = _signing.feishu_request("/coord list mine", 1)
    bare = TestClient(bare_apps.feishu_app())
    assert bare.post("/feishu/events", content=body, headers=headers).status_code == 200

    fake = FakeFeishu().start()
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite:///{tmp_path / 'smoke.db'}",
        feishu_app_id=_signing.FEISHU_APP_ID + "_smoke",
        feishu_app_secret=_signing.FEISHU_APP_SECRET,
        feishu_verification_token=_signing.FEISHU_VERIFICATION_TOKEN,
        feishu_encrypt_key=_signing.FEISHU_ENCRYPT_KEY,
        feishu_domain=fake.url,
    )
    services = Services.build(settings, clock)
    runtime = create_feishu_runtime(services, identity=BotIdentity(open_id="ou_bot"))
    try:
        answer = runtime.handle_http(body, headers)
        assert answer.status == 200
        fake.wait_sent(1)  # the reply to /coord list mine
    finally:
        runtime.stop()
        services.db.dispose()
        fake.stop()


def test_startup_memory_and_profile_summary_helpers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    seconds, megabytes = startup_memory.measure_import("sys")
    assert seconds >= 0 and megabytes > 0
    config = startup_memory.measure_starts("slack", ("slack",), 1)
    assert config.typical > 0 and config.rss_at_start_kb > 0
    stacks = tmp_path / "stacks.txt"
    stacks.write_text("main (a.py:1);work (bot/x.py:2) 3\nmain (a.py:1) 1\n")
    text = profile_summary.summarise(profile_summary.read(stacks), 5, ("bot/",))
    assert "4 samples" in text and "75.0%  work (bot/x.py:2)" in text
