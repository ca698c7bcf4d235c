"""``GET /metrics`` scraped around a real Slack command: requests, ack latency and outcomes move."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bot.app import Services
from bot.server import build_asgi_app
from bot.slack.runtime import SlackRuntime
from tests.slack.conftest import LiveServer, SlackSender
from tests.slack.fake_slack import FakeSlack

COMMAND = (("kind", "command"), ("platform", "slack"))
REQUESTS = ("coordbot_requests_total", COMMAND)


COMMAND = (("kind", "command"), ("platform", "slack"))
REQUESTS = ("coordbot_requests_total", COMMAND)


def scrape(http: httpx.Client, url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = http.get(f"{url}/metrics")
    assert answer.status_code == 200
    values = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            values[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return values


def test_metrics_move_with_a_command_and_are_off_by_default(
    services: Services, runtime: SlackRuntime, fake: FakeSlack
) -> None:
    off = LiveServer(build_asgi_app(services.db, runtime.routes)).start()
    server = LiveServer(build_asgi_app(services.db, runtime.routes, metrics=True)).start()
    try:
        with httpx.Client(timeout=10) as http:
            assert http.get(f"{off.url}/metrics").status_code == 404
            before = scrape(http, server.url)
            slack = SlackSender(server.url, fake, http)
            body = slack.command_body("add dev Write the release notes")
            assert slack.post(urlencode(body), "application/x-www-form-urlencoded").status_code == 200
            fake.wait_for("response_url")
            deadline = time.monotonic() + 10  # the pipeline counts a request once it has settled it
            while (after := scrape(http, server.url)).get(REQUESTS, 0) == before.get(REQUESTS, 0):
                assert time.monotonic() < deadline, "the request was never counted"
                time.sleep(0.02)
    finally:
        server.stop()
        off.stop()
    assert after[REQUESTS] == before.get(REQUESTS, 0) + 1
    assert after[("coordbot_ack_seconds_count", COMMAND)] >= 1
    outcomes = {k: v for k, v in after.items() if k[0] == "coordbot_commands_total"}
    assert sum(outcomes.values()) > sum(v for k, v in before.items() if k[0] == "coordbot_commands_total")
    sent_answers = [
        v
        for (name, labels), v in after.items()
        if name == "coordbot_ledger_messages" and ("status", "sent") in labels
    ]
    assert sum(sent_answers) >= 1  # the command's answer, recorded in the ledger
    assert after[("coordbot_inbox_backlog", ())] == 0
