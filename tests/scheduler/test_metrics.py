"""``/metrics`` around a scheduler tick: sends by result, tick duration, the ledger, the oldest pending."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from bot.messenger import DeliveryError
from bot.scheduler import CoordScheduler
from bot.server import build_asgi_app
from tests.scheduler import factories as f
from tests.scheduler.conftest import FakeServices
from tests.scheduler.test_delivery import BUSY_AT


def scrape(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    values = {}
    for family in text_string_to_metric_families(client.get("/metrics").text):
        for sample in family.samples:
            values[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return values


def test_sends_ticks_and_the_ledger_are_counted(services: FakeServices, scheduler: CoordScheduler) -> None:
    with services.db.transaction() as s:
        f.seed_busy(s)
    refused = {"count": 0}

    def fail_some(message, _tries):  # type: ignore[no-untyped-def]
        # nudges: at BUSY_AT (12:00 UTC) the morning digests are past their grace window, not sent
        if message.key and message.key.startswith("nudge:") and refused["count"] < 2:
            refused["count"] += 1
            return DeliveryError("Slack is unavailable")
        return None

    services.messenger.fail = fail_some
    with TestClient(build_asgi_app(services.db, metrics=True, clock=services.clock.now)) as client:
        before = scrape(client)
        sent = scheduler.tick(BUSY_AT)
        services.clock.set(BUSY_AT + timedelta(minutes=5))
        after = scrape(client)

    def moved(name: str, labels: tuple[tuple[str, str], ...] = ()) -> float:
        return after.get((name, labels), 0) - before.get((name, labels), 0)

    assert moved("coordbot_sends_total", (("platform", "console"), ("result", "sent"))) == sent > 0
    assert moved("coordbot_sends_total", (("platform", "console"), ("result", "failed"))) == 2
    assert moved("coordbot_send_seconds_count", (("platform", "console"),)) == sent + 2
    assert moved("coordbot_scheduler_tick_seconds_count") == 1
    ledger = {dict(labels)["status"]: 0 for (name, labels) in after if name == "coordbot_ledger_messages"}
    for (name, labels), value in after.items():
        if name == "coordbot_ledger_messages":
            ledger[dict(labels)["status"]] += value
    assert ledger["sent"] == sent and ledger["failed"] == 2
    assert after[("coordbot_ledger_oldest_pending_seconds", ())] == 300  # the two failed nudges wait
