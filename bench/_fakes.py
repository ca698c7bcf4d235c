"""The loopback fakes of the Slack Web API and the Feishu Open API, in a process of their own.

    python -m bench._fakes

Prints one JSON line ``{"slack": <api base>, "feishu": <open api base>}`` and serves until its
standard input closes (the benchmark holds the pipe). It runs apart from the load generator so the
fakes' threads do not compete with the client's event loop for one interpreter lock.

``GET <slack base>/api/bench.stats`` answers how many replies each platform has received so far:
``slack_replies`` (``response_url`` posts) and ``feishu_replies`` (messages created or replied to),
which the benchmark uses to wait until the bot's background work has drained.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from bench._signing import USERS, feishu_user, slack_user
from tests.feishu.fake_feishu import FakeFeishu
from tests.slack.fake_slack import FakeSlack


class BenchSlack(FakeSlack):
    """The tests' fake, plus a stats method; keeps counts instead of every call (bounded memory)."""

    def __init__(self, feishu: FakeFeishu) -> None:
        super().__init__()
        self.feishu = feishu
        self.counts: dict[str, int] = {}
        self.feishu_replies = 0

    def _answer(
        self, method: str, params: dict[str, Any]
    ) -> tuple[int, dict[str, Any] | str, dict[str, str]]:
        if method == "bench.stats":
            with self.feishu._lock:
                feishu_replies = sum(
                    1
                    for c in self.feishu.calls
                    if c.method == "POST" and c.path.startswith("/open-apis/im/v1/")
                )
                self.feishu.calls = [
                    c for c in self.feishu.calls if not c.path.startswith("/open-apis/im/v1/")
                ]
                self.feishu_replies += feishu_replies
            with self._cond:
                counts = dict(self.counts)
            stats = {
                "slack_replies": counts.get("response_url", 0),
                "feishu_replies": self.feishu_replies,
                "slack_calls": counts,
            }
            return 200, {"ok": True, **stats}, {}
        with self._cond:
            self.counts[method] = self.counts.get(method, 0) + 1
            self.calls.clear()  # nobody inspects them here; keep memory flat over long runs
        return super()._answer(method, params)


def main() -> int:
    feishu = FakeFeishu(app_name="coordbot").start()
    for n in range(USERS):
        feishu.users[feishu_user(n)] = f"Bench Person {n:02d}"
    slack = BenchSlack(feishu).start()
    for n in range(USERS):
        slack.add_user(slack_user(n), f"Bench Person {n:02d}")
    print(json.dumps({"slack": slack.api_url, "feishu": feishu.url}), flush=True)
    try:
        sys.stdin.read()  # until the benchmark closes the pipe (or dies)
    finally:
        slack.stop()
        feishu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
