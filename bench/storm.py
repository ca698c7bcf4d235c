"""The morning storm against a fake Slack with real latency and enforced rate limits (issue 15).

    python -m bench.storm                                   # SQLite, one replica, 125 workspaces
    python -m bench.storm --pg postgresql://postgres@127.0.0.1:5432/test --replicas 1 2
    python -m bench.storm --workspaces 1000 --tasks 40 --slots digests
    python -m bench.storm --platform feishu --workspaces 10   # Feishu: the app's limits bind
    python -m bench.storm --slack-client urllib               # WebClient: a connection per call

Builds the scheduler benchmark's data set (:mod:`bench.scheduler_bench`: 125 workspaces x 800
tasks, 16 people, 4 digest channels each) as Slack workspaces, then plays its busiest slots —
the 09:30 digests (500 channels) and the 11:00 sweep (4,500 nudges plus escalations) — each by
``--replicas`` processes ticking together on one database, sending through the real
``SlackMessenger`` (slack_sdk ``AsyncWebClient`` on kept-alive connections, as serve sends) to a
fake Web API in a process of its own. The fake answers after ``--latency`` seconds (default
0.15, ±``--jitter``), and enforces Slack's limits (:data:`bot.ratelimit.SLACK`, with a little
tolerance): over them it answers 429 with
``Retry-After``, and a call inside a ``Retry-After`` it announced counts as a *violation* (after
:data:`REACTION`: the calls other workers sent in the moment before the 429 was read are not).

Prints per slot and run: messages delivered (unique, duplicates counted at the fake), time from
the slot to the last delivery, p50 and p99 per message (from the slot), messages per second, 429s,
violations and the replicas' CPU seconds per 1,000 messages; then a summary line against the
targets: the 125-workspace storm delivered within 60 s on one replica, each message once, no
violations; two replicas faster than one.

``--platform feishu`` (or ``mixed``: every other workspace) sends those workspaces through the
real ``FeishuMessenger`` (lark-oapi) to a Feishu fake in the same process: a tenant token, then
``im/v1/messages`` with Feishu's limits enforced on the app (:data:`bot.ratelimit.FEISHU`: 50
calls a second and 1,000 a minute for the whole app, 5 a second per receiver) — over them it
answers HTTP 429, code 99991400, with ``x-ogw-ratelimit-reset``. A retried ``uuid`` is de-duplicated
as Feishu does (answered, not delivered again). coordbot is one Feishu app, so a Feishu storm can go
no faster than 1,000 messages a minute after the first burst: the floor is printed beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from urllib.request import urlopen

from bench import scheduler_bench as data

TARGET_S = 60.0
TARGET_WORKSPACES = data.WORKSPACES  # the target is for the data set's 125 workspaces
TOLERANCE = 2  # calls over a bucket's burst the fake lets pass (Slack tolerates short bursts)
CLIENT_VARIABLE = "COORDBOT_STORM_SLACK_CLIENT"  # --slack-client, handed to the replica processes
REACTION = 0.25  # seconds a client has to act on a 429 before its next call counts as a violation


# --------------------------------------------------------------------------- the fake Slack


class _Bucket:
    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst, self.tokens, self.at = rate, burst, burst, 0.0

    def take(self, now: float) -> float:
        """0 when a call arriving at ``now`` may pass (and it is counted), else seconds until one may.

        Calls are counted when they reached the fake, not when its (loaded) threads got to them.
        """
        self.tokens = min(self.burst, self.tokens + max(0.0, now - self.at) * self.rate)
        self.at = max(self.at, now)
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


def _inside(arrived: float, window: tuple[float, float] | None) -> bool:
    """A call that reached the fake after the client was told to wait (and had :data:`REACTION`
    to hear it), and before the wait ended: a violation. Calls already on their way when the 429
    went back, or sent by another worker in the moment before the client read it, are not."""
    return window is not None and window[0] + REACTION < arrived < window[1]


class StormFeishu:
    """Feishu's tenant token and ``im/v1/messages`` create, with latency and the app's limits."""

    def __init__(self, latency: float, jitter: float, lock: threading.Lock) -> None:
        from bot.ratelimit import FEISHU

        self.policy = FEISHU
        self.latency, self.jitter = latency, jitter
        self.lock = lock
        self.reset()

    def reset(self) -> None:
        self.buckets: dict[tuple[str, ...], _Bucket] = {}
        self.blocked: dict[tuple[str, ...], tuple[float, float]] = {}  # scope -> (429 sent, reset)
        self.uuids: set[str] = set()

    def answer(
        self, path: str, body: dict[str, Any], delivered: list[tuple[str, float]]
    ) -> tuple[int, dict[str, Any], dict[str, str], bool]:
        """(status, body, headers, violation); a delivery is appended to ``delivered``."""
        arrived = time.monotonic()
        time.sleep(max(0.0, random.uniform(self.latency - self.jitter, self.latency + self.jitter)))
        if path.startswith("/open-apis/auth/v3/tenant_access_token"):
            return 200, {"code": 0, "msg": "ok", "tenant_access_token": "t-storm", "expire": 7200}, {}, False
        if not path.startswith("/open-apis/im/v1/messages"):
            return 404, {"code": 404, "msg": "not in the storm fake"}, {}, False
        receiver = str(body.get("receive_id") or "")
        with self.lock:
            now = time.monotonic()
            scopes = {
                ("app",): ("app",),
                ("method",): ("app",),
                ("receiver", receiver): ("receiver", receiver),
            }
            violation = any(
                _inside(arrived, self.blocked.get(scope)) for scope in (("app",), ("receiver", receiver))
            )
            method = self.policy.per_method["im.message.create"]
            limits = {
                ("app",): self.policy.per_app,
                ("method",): method,
                ("receiver", receiver): self.policy.per_target,
            }
            waits = {key: self._take(key, limit, arrived) for key, limit in limits.items()}
            key, wait = max(waits.items(), key=lambda item: item[1])
            if wait > 0:
                reset = max(1, int(wait + 0.999))
                self.blocked[scopes[key]] = (now, now + reset)
                headers = {"x-ogw-ratelimit-limit": "50", "x-ogw-ratelimit-reset": str(reset)}
                answer = {"code": 99991400, "msg": "request trigger frequency limit"}
                return 429, answer, headers, violation
            uuid_ = str(body.get("uuid") or "")
            if uuid_ not in self.uuids:  # Feishu de-duplicates a uuid: a repeat is not shown again
                self.uuids.add(uuid_)
                delivered.append((uuid_, now))
        data_ = {"message_id": f"om_{len(self.uuids)}", "chat_id": receiver, "msg_type": "interactive"}
        return 200, {"code": 0, "msg": "success", "data": data_}, {}, violation

    def _take(self, key: tuple[str, ...], limit: Any, arrived: float) -> float:
        if limit is None:
            return 0.0
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = self.buckets[key] = _Bucket(limit.rate, limit.burst + TOLERANCE)
        return bucket.take(arrived)


class StormSlack:
    """chat.postMessage / conversations.open / conversations.history with latency and Slack's limits."""

    def __init__(self, latency: float, jitter: float) -> None:
        from bot.ratelimit import SLACK

        self.policy = SLACK
        self.latency, self.jitter = latency, jitter
        self.lock = threading.Lock()
        self.feishu = StormFeishu(latency, jitter, self.lock)
        self.reset()

    def feishu_answer(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        status, answer, headers, violation = self.feishu.answer(path, body, self.delivered)
        with self.lock:
            self.limited += status == 429
            self.violations += violation  # called inside the reset window Feishu announced
        return status, answer, headers

    def reset(self) -> None:
        with self.lock:
            self.feishu.reset()
            self.buckets: dict[tuple[str, ...], _Bucket] = {}
            self.blocked: dict[
                tuple[str, str], tuple[float, float]
            ] = {}  # (token, method) -> (429 sent, reset)
            self.delivered: list[tuple[str, float]] = []
            self.limited = 0
            self.violations = 0

    def stats(self) -> dict[str, Any]:
        with self.lock:
            keys = [key for key, _at in self.delivered]
            return {
                "delivered": len(keys),
                "unique": len(set(keys)),
                "times": [at for _key, at in self.delivered],
                "limited": self.limited,
                "violations": self.violations,
            }

    def answer(
        self, method: str, token: str, params: dict[str, Any]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        arrived = time.monotonic()
        time.sleep(max(0.0, random.uniform(self.latency - self.jitter, self.latency + self.jitter)))
        channel = str(params.get("channel") or params.get("users") or "")
        with self.lock:
            now = time.monotonic()
            if _inside(arrived, self.blocked.get((token, method))):
                self.violations += 1  # the client did not wait out the Retry-After it was given
            wait = self._take(("method", token, method), self.policy.per_method.get(method), arrived)
            if method == "chat.postMessage" and self.policy.per_target is not None:
                wait = max(wait, self._take(("channel", token, channel), self.policy.per_target, arrived))
            if wait > 0:
                self.limited += 1
                retry_after = max(1, int(wait + 0.999))
                self.blocked[(token, method)] = (now, now + retry_after)
                return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)}
            if method == "chat.postMessage":
                metadata = params.get("metadata") or {}
                if isinstance(metadata, str):
                    metadata = json.loads(metadata)
                key = str((metadata.get("event_payload") or {}).get("key") or "")
                self.delivered.append((key, time.monotonic()))
                return 200, {"ok": True, "channel": channel, "ts": f"{time.time():.6f}"}, {}
        if method == "conversations.open":
            return 200, {"ok": True, "channel": {"id": "D" + channel}}, {}
        if method == "conversations.history":
            return 200, {"ok": True, "messages": [], "has_more": False}, {}
        return 200, {"ok": True}, {}

    def _take(self, key: tuple[str, ...], limit: Any, arrived: float) -> float:
        if limit is None:
            return 0.0
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = self.buckets[key] = _Bucket(limit.rate, limit.burst + TOLERANCE)
        return bucket.take(arrived)


def serve_fake(latency: float, jitter: float) -> int:
    fake = StormSlack(latency, jitter)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = (
            True  # headers and body are two writes: no 40 ms wait on kept-alive connections
        )

        def do_POST(self) -> None:
            method = self.path.rstrip("/").rsplit("/", 1)[-1].split("?")[0]
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else ""
            if method == "storm.stats":
                self._send(200, fake.stats(), {})
                return
            if method == "storm.reset":
                fake.reset()
                self._send(200, {"ok": True}, {})
                return
            if self.path.startswith("/open-apis/"):
                self._send(*fake.feishu_answer(self.path, json.loads(raw or "{}")))
                return
            if (self.headers.get("Content-Type") or "").startswith("application/json"):
                params = json.loads(raw or "{}")
            else:
                params = {k: v[0] for k, v in parse_qs(raw).items()}
            token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
            self._send(*fake.answer(method, token, params))

        do_GET = do_POST

        def _send(self, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.request_queue_size = 1024
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"http://127.0.0.1:{server.server_address[1]}/api/", flush=True)
    sys.stdin.read()
    server.shutdown()
    return 0


# --------------------------------------------------------------------------- a replica


def run_replica(url: str, api: str, slot: str) -> int:
    """One ``coordbot serve``'s scheduler: tick ``slot`` once (after the go on stdin), print its figures."""
    from bot.feishu.messenger import FeishuMessenger
    from bot.feishu.sdk import build_client
    from bot.messenger import MessengerRegistry
    from bot.scheduler import CoordScheduler
    from bot.slack.messenger import SlackMessenger
    from bot.slack.pooled import SlackConnections
    from handlers.clock import ManualClock
    from storage.db import Database

    db = Database(url)
    connections = SlackConnections()  # as coordbot serve's messenger: kept-alive connections
    from bot.slack.client import build_web_client

    # --slack-client urllib: slack_sdk's WebClient, a new connection per call (what serve sent with before)
    build = build_web_client if os.environ.get(CLIENT_VARIABLE) == "urllib" else connections.client
    slack = SlackMessenger(lambda team: f"xoxb-{team}", lambda token: build(token, api))
    feishu = FeishuMessenger(build_client("cli_storm", "storm-secret", api.removesuffix("/api/")))
    at = datetime.fromisoformat(slot)
    services = data.Services(db, ManualClock(at), MessengerRegistry({"slack": slack, "feishu": feishu}))
    scheduler = CoordScheduler(services, stagger=random.Random())  # type: ignore[arg-type]  # as serve
    print("ready", flush=True)
    sys.stdin.readline()
    cpu = time.process_time()
    sent = scheduler.tick(at)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"sent": sent, "cpu": time.process_time() - cpu, "rss_mb": usage.ru_maxrss / 1024}))
    connections.close()
    db.dispose()
    return 0


# --------------------------------------------------------------------------- the storm


@dataclass
class Result:
    label: str
    replicas: int
    delivered: int
    unique: int
    last_s: float
    p50_s: float
    p99_s: float
    rate: float
    limited: int
    violations: int
    cpu_per_1000: float
    sent: int
    by_replica: tuple[int, ...] = ()  # messages each replica sent

    def line(self) -> str:
        return (
            f"{self.label:<26} {self.replicas:>2} replica(s)  {self.unique:5d} delivered"
            f" ({self.delivered - self.unique} duplicates)  last {self.last_s:6.1f} s"
            f"  p50 {self.p50_s:6.1f} s  p99 {self.p99_s:6.1f} s  {self.rate:6.1f} msg/s"
            f"  429s {self.limited:4d}  violations {self.violations}"
            f"  cpu {self.cpu_per_1000:5.2f} s/1000 msgs"
            + (f"  sent by replica {' / '.join(map(str, self.by_replica))}" if self.replicas > 1 else "")
        )


def _call(api: str, method: str) -> dict[str, Any]:
    with urlopen(api + method, data=b"", timeout=30) as response:
        return json.loads(response.read())


def play(url: str, api: str, label: str, slot: datetime, replicas: int) -> Result:
    _call(api, "storm.reset")
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.storm", "replica", url, api, slot.isoformat()],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(replicas)
    ]
    for child in children:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    started = time.monotonic()
    for child in children:  # the slot: every replica ticks at once
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    reports = [json.loads(child.communicate(timeout=1800)[0].strip().splitlines()[-1]) for child in children]
    stats = _call(api, "storm.stats")
    times = sorted(at - started for at in stats["times"])
    count = len(times)
    last = times[-1] if times else 0.0
    return Result(
        label=label,
        replicas=replicas,
        delivered=stats["delivered"],
        unique=stats["unique"],
        last_s=last,
        p50_s=times[count // 2] if times else 0.0,
        p99_s=times[min(count - 1, int(count * 0.99))] if times else 0.0,
        rate=count / last if last else 0.0,
        limited=stats["limited"],
        violations=stats["violations"],
        cpu_per_1000=sum(r["cpu"] for r in reports) / max(count, 1) * 1000,
        sent=sum(r["sent"] for r in reports),
        by_replica=tuple(r["sent"] for r in reports),
    )


PLATFORMS = {
    "slack": "'slack'",
    "feishu": "'feishu'",
    "mixed": "CASE WHEN id % 2 = 0 THEN 'feishu' ELSE 'slack' END",
}


def run(
    url: str, api: str, replicas: list[int], platform: str = "slack", only: str | None = None
) -> list[Result]:
    from sqlalchemy import text

    from storage.db import Database

    db = Database(url)
    db.upgrade()
    data.build(db)
    with db.engine.begin() as conn:  # the data set's workspaces, installed on Slack and/or Feishu
        conn.execute(text(f"UPDATE workspaces SET platform = {PLATFORMS[platform]}"))
    day = data.TODAY
    slots = [
        (
            f"digests ({data.WORKSPACES * len(data.DEPARTMENTS)} channels)",
            datetime(day.year, day.month, day.day, 9, 30, tzinfo=UTC),
        ),
        ("10:00 launch check-ins", datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)),
        ("11:00 nudges + escalations", datetime(day.year, day.month, day.day, 11, 0, tzinfo=UTC)),
    ]
    if only is not None:
        slots = [(label, slot) for label, slot in slots if SLOTS[only] in label]
    results = []
    for count in replicas:
        data.reset(db)
        for label, slot in slots:
            result = play(url, api, label, slot, count)
            print(result.line(), flush=True)
            with db.engine.connect() as conn:  # what was not delivered in the slot waits in the ledger
                statuses = conn.execute(
                    text(
                        "SELECT status, count(*) FROM notifications WHERE status <> 'marker' GROUP BY status"
                    )
                ).all()
            print("  ledger after the slot: " + ", ".join(f"{n} {status}" for status, n in sorted(statuses)))
            results.append(result)
    db.dispose()
    return results


SLOTS = {"digests": "digests", "checkins": "check-ins", "sweep": "11:00"}


def summary(results: list[Result], workspaces: int) -> str:
    storm = [r for r in results if r.label.startswith("11:00")]
    one = next((r for r in storm if r.replicas == 1), None)
    two = next((r for r in storm if r.replicas == 2), None)
    once = all(r.delivered == r.unique == r.sent for r in results)
    clean = all(r.violations == 0 for r in results)
    parts = []
    verdict = once and clean
    if one is not None:
        parts.append(f"11:00 storm on 1 replica: last delivery {one.last_s:.1f} s after the slot")
        if workspaces == TARGET_WORKSPACES:
            verdict = verdict and one.last_s <= TARGET_S
    if one is not None and two is not None:
        parts.append(f"2 replicas {two.last_s:.1f} s ({one.last_s / two.last_s:.2f}x)")
        verdict = verdict and two.last_s < one.last_s
    parts.append("every message once" if once else "DUPLICATES OR LOSSES")
    parts.append("no violations" if clean else "RATE-LIMIT VIOLATIONS")
    target = f"target <= {TARGET_S:.0f} s on 1 replica" if workspaces == TARGET_WORKSPACES else "no target"
    return f"storm {workspaces} ws: {'; '.join(parts)} ({target}); {'PASS' if verdict else 'FAIL'}"


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "replica":
        sys.exit(run_replica(*sys.argv[2:5]))
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--fake", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--pg", metavar="URL", help="run on this PostgreSQL database (a new schema) instead of SQLite"
    )
    parser.add_argument(
        "--replicas", type=int, nargs="+", default=[1], help="replica counts to run (default 1)"
    )
    parser.add_argument("--workspaces", type=int, default=data.WORKSPACES, help="workspaces (default 125)")
    parser.add_argument(
        "--tasks", type=int, default=data.TASKS_PER_WORKSPACE, help="tasks per workspace (default 800)"
    )
    parser.add_argument(
        "--platform",
        choices=sorted(PLATFORMS),
        default="slack",
        help="where the workspaces are (default slack)",
    )
    parser.add_argument("--slots", choices=sorted(SLOTS), help="play only this slot (default: all three)")
    parser.add_argument("--latency", type=float, default=0.15, help="seconds per fake call (default 0.15)")
    parser.add_argument(
        "--jitter", type=float, default=0.05, help="± seconds around the latency (default 0.05)"
    )
    parser.add_argument(
        "--slack-client",
        choices=("pooled", "urllib"),
        default="pooled",
        help="pooled: AsyncWebClient on kept-alive connections, as serve (default); urllib: WebClient",
    )
    args = parser.parse_args()
    os.environ[CLIENT_VARIABLE] = args.slack_client
    if args.fake:
        sys.exit(serve_fake(args.latency, args.jitter))
    data.WORKSPACES = args.workspaces
    data.TASKS_PER_WORKSPACE = args.tasks
    print(
        f"{data.machine()}; latency {args.latency * 1000:.0f} ± {args.jitter * 1000:.0f} ms;"
        f" {args.workspaces} workspaces x {args.tasks} tasks on {args.platform};"
        f" Slack client {args.slack_client}",
        flush=True,
    )
    fake = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench.storm",
            "--fake",
            "--latency",
            str(args.latency),
            "--jitter",
            str(args.jitter),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert fake.stdout is not None
    api = fake.stdout.readline().strip()
    try:
        if args.pg:
            results = _on_postgres(args.pg, api, args.replicas, args.platform, args.slots)
        else:
            if any(count > 1 for count in args.replicas):
                raise SystemExit("several replicas need PostgreSQL: --pg URL")
            with tempfile.TemporaryDirectory() as tmp:
                print("== SQLite", flush=True)
                results = run(
                    f"sqlite:///{Path(tmp) / 'storm.db'}", api, args.replicas, args.platform, args.slots
                )
    finally:
        assert fake.stdin is not None
        fake.stdin.close()
        fake.wait(timeout=30)
    print(summary(results, args.workspaces), flush=True)


def _on_postgres(
    pg: str, api: str, replicas: list[int], platform: str = "slack", only: str | None = None
) -> list[Result]:
    from sqlalchemy import create_engine, text

    from storage.db import _normalise_url

    schema = f"storm_{uuid.uuid4().hex[:8]}"
    admin = create_engine(_normalise_url(pg))
    with admin.begin() as conn:
        version = conn.execute(text("SHOW server_version")).scalar()
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        print(f"== PostgreSQL {version}", flush=True)
        joiner = "&" if "?" in pg else "?"
        return run(f"{pg}{joiner}options=-csearch_path%3D{schema}", api, replicas, platform, only)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
