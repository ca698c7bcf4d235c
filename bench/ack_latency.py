"""Ack latency at fixed arrival rates, CPU per command, and the durability floor.

    .venv/bin/python -m bench.ack_latency                       # Slack and Feishu, 20/100/300 per s
    .venv/bin/python -m bench.ack_latency --platform slack --rates 20,100 --seconds 5
    .venv/bin/python -m bench.ack_latency --database-url postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python -m bench.ack_latency --coordbot-root /tmp/before   # another checkout's coordbot
    .venv/bin/python -m bench.ack_latency --profile /tmp/prof           # py-spy stacks of coordbot

Starts, each as its own process on 127.0.0.1: the fake Slack Web API and Feishu Open API
(``python -m bench._fakes``), the real ``python -m bot.cli serve --no-scheduler`` with the chosen
platforms on a new SQLite file (or a fresh PostgreSQL schema), and the bare apps of
``bench.bare_apps``: for Slack bolt's default sync app (``slack``: the ack polled for every 10 ms)
and one with ``process_before_response=True`` whose listener only acks (``slack-inline``); for
Feishu a lark-oapi ``EventDispatcherHandler`` that does nothing.

**Open loop**: at each rate, requests are sent on a schedule (request *i* at ``i / rate``), whether
or not earlier ones were answered, and latency is counted from the scheduled time, so a server
that falls behind shows its queue. Slack: signed ``/coord add dev …`` and ``/coord list mine``
slash commands, alternating, 20 users, unique ``trigger_id``; Feishu: encrypted, signed
``im.message.receive_v1`` direct messages with the same two commands. Every reply must reach the
fake API ("replies" column), and coordbot's CPU per command — user + system seconds of the
``coordbot serve`` process from /proc over the level, the replies all sent, divided by the
commands — is printed beside the bare apps' CPU per ack.

**Durability floor**: how long one durable commit of one small row takes here (SQLite in WAL with
``synchronous=NORMAL``, as coordbot runs it; PostgreSQL with ``synchronous_commit`` on), the least an
acknowledgement that first saves the request can cost.

Targets (issue 12): Slack p50 at 20/s ≤ 3 ms; p99 at 100/s ≤ 3× the inline bare app's p99 (Feishu:
the bare dispatcher's), both platforms; no errors and every reply delivered at 300/s; CPU per full
command ≤ 1.5 ms on SQLite.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench import _harness as h
from bench import _signing as s

TARGET_P50_AT_20 = 0.003  # seconds, Slack
TARGET_RATIO_AT_100 = 3.0  # p99 ours / the inline bare app's
TARGET_CPU_PER_COMMAND = 0.0015  # seconds, SQLite
DRAIN_TIMEOUT = 120.0  # seconds to wait for coordbot's replies after a level
TEXTS = ("add dev Bench task {n} due +3d", "list mine")
PLATFORMS = {
    "slack": ("/slack/events", "slack_replies", ("slack", "slack-inline")),
    "feishu": ("/feishu/events", "feishu_replies", ("feishu",)),
}
INLINE_BARE = {"slack": "slack-inline", "feishu": "feishu"}  # what the p99 ratio compares with


@dataclass
class Side:
    """One server at one rate: the load's result and the CPU the server spent on it."""

    load: h.LoadResult = field(default_factory=h.LoadResult)
    cpu: float = math.nan  # seconds of the server's CPU over the level
    drain: float | None = 0.0  # coordbot: seconds after the load until every reply was sent

    @property
    def cpu_per_request(self) -> float:
        return self.cpu / self.load.count if self.load.count else math.nan


@dataclass
class Level:
    rate: int
    ours: Side = field(default_factory=Side)
    bare: dict[str, Side] = field(default_factory=dict)

    def ratio(self, platform: str) -> float:
        bare = self.bare.get(INLINE_BARE[platform])
        if bare is None or not bare.load.count:
            return math.nan
        return self.ours.load.p99 / bare.load.p99


def build(platform: str, count: int, fakes: h.Fakes, start: int) -> list[tuple[bytes, dict[str, str]]]:
    numbers = range(start, start + count)
    if platform == "slack":
        return [s.slash_command(TEXTS[n % 2].format(n=n), n, fakes.slack_base) for n in numbers]
    return [s.feishu_request("/coord " + TEXTS[n % 2].format(n=n), n) for n in numbers]


def measure(
    platform: str, server: h.Server, fakes: h.Fakes, rate: int, count: int, start: int, *, ours: bool
) -> Side:
    """Drive ``server`` at ``rate``; for coordbot, wait (bounded) until every reply was sent."""
    path, reply_key, _bares = PLATFORMS[platform]
    requests = build(platform, count, fakes, start)
    before_replies = fakes.stats()[reply_key]
    cpu_before = server.cpu_seconds()
    load = h.drive_open(server.url + path, requests, rate)
    drain = fakes.wait_replies(reply_key, before_replies + load.count, DRAIN_TIMEOUT) if ours else 0.0
    return Side(load, server.cpu_seconds() - cpu_before, drain)


def run_platform(
    platform: str,
    ours: h.Server,
    bares: dict[str, h.Server],
    fakes: h.Fakes,
    rates: list[int],
    seconds: float,
) -> list[Level]:
    """Warm every server up, then each rate: the bare apps, then coordbot."""
    for name, server in (("ours", ours), *bares.items()):
        measure(platform, server, fakes, 50, 40, 0, ours=name == "ours")
    levels = []
    for index, rate in enumerate(rates):
        count = max(int(rate * seconds), 10)
        start = (index + 1) * 1_000_000
        level = Level(rate)
        for name, server in bares.items():
            level.bare[name] = measure(platform, server, fakes, rate, count, start, ours=False)
        level.ours = measure(platform, ours, fakes, rate, count, start + 500_000, ours=True)
        levels.append(level)
        print(
            f"  {platform} {rate:>4}/s: ours p50 {h.ms(level.ours.load.p50)} "
            f"p99 {h.ms(level.ours.load.p99)} ms, cpu {h.ms(level.ours.cpu_per_request)} ms/command",
            file=sys.stderr,
            flush=True,
        )
    return levels


def render(platform: str, levels: list[Level]) -> str:
    headers = [
        "rate/s",
        "server",
        "requests",
        "p50 ms",
        "p99 ms",
        "max ms",
        "errors",
        "replies",
        "cpu ms/req",
    ]
    rows = []
    for lv in levels:
        sides = [("coordbot", lv.ours), *((f"bare {name}", side) for name, side in lv.bare.items())]
        for name, side in sides:
            load = side.load
            replies = "all" if name == "coordbot" and side.drain is not None else "-"
            if name == "coordbot" and side.drain is None:
                replies = "MISSING"
            rows.append(
                [
                    str(lv.rate),
                    name,
                    str(load.count + load.error_count),
                    h.ms(load.p50),
                    h.ms(load.p99),
                    h.ms(load.max),
                    _errors(load),
                    replies,
                    f"{side.cpu_per_request * 1000:.2f}",
                ]
            )
    return f"{platform}: POST {PLATFORMS[platform][0]} (open loop)\n" + h.table(headers, rows)


def _errors(load: h.LoadResult) -> str:
    """``0``, or the count and its kinds: ``3 (HTTP 500: 2, ReadTimeout: 1)``."""
    if not load.errors:
        return "0"
    kinds = ", ".join(f"{kind}: {n}" for kind, n in sorted(load.errors.items()))
    return f"{load.error_count} ({kinds})"


def summary(platform: str, levels: list[Level], *, sqlite: bool) -> str:
    """One line: each target, met or not."""
    by_rate = {lv.rate: lv for lv in levels}
    parts, ok = [f"ack_latency {platform}:"], True

    def judge(text: str, met: bool) -> None:
        nonlocal ok
        ok &= met
        parts.append(f"{text}: {'met' if met else 'NOT met'};")

    if platform == "slack" and 20 in by_rate:
        p50 = by_rate[20].ours.load.p50
        judge(
            f"p50 at 20/s {h.ms(p50)} ms (target <= {TARGET_P50_AT_20 * 1000:.0f} ms)",
            p50 <= TARGET_P50_AT_20,
        )
    if 100 in by_rate and not math.isnan(by_rate[100].ratio(platform)):
        ratio = by_rate[100].ratio(platform)
        judge(
            f"p99 at 100/s {ratio:.2f}x the inline bare app's (target <= {TARGET_RATIO_AT_100:.0f}x)",
            ratio <= TARGET_RATIO_AT_100,
        )
    if 300 in by_rate:
        top = by_rate[300].ours
        judge(
            f"300/s {top.load.error_count} errors, replies {'all' if top.drain is not None else 'MISSING'}",
            top.load.error_count == 0 and top.drain is not None and top.load.count > 0,
        )
    cpu = statistics.median([lv.ours.cpu_per_request for lv in levels if lv.ours.load.count] or [math.nan])
    if sqlite:
        judge(
            f"cpu {cpu * 1000:.2f} ms per command (target <= {TARGET_CPU_PER_COMMAND * 1000:.1f} ms)",
            cpu <= TARGET_CPU_PER_COMMAND,
        )
    else:
        parts.append(f"cpu {cpu * 1000:.2f} ms per command (PostgreSQL: no target);")
    errors = sum(lv.ours.load.error_count for lv in levels)
    missing = sum(1 for lv in levels if lv.ours.drain is None)
    ok &= errors == 0 and missing == 0
    parts.append(f"{errors} errors, {missing} levels with replies missing; {'PASS' if ok else 'FAIL'}")
    return " ".join(parts)


# -- the durability floor --------------------------------------------------------------------------


def durability_floor(database_url: str | None, commits: int = 200) -> dict[str, float]:
    """Median seconds of one commit of one small row: SQLite as coordbot runs it, and PostgreSQL."""
    from sqlalchemy import text

    from storage.db import Database

    floors: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="coordbot-floor-") as tmp:
        urls = {"sqlite (WAL, synchronous=NORMAL)": f"sqlite:///{tmp}/floor.db"}
        if database_url:
            urls["postgresql (synchronous_commit on)"] = database_url
        for name, url in urls.items():
            db = Database(url)
            try:
                table = f"coordbot_floor_{os.getpid()}"
                with db.transaction() as session:
                    session.execute(text(f"create table {table} (n integer)"))
                timings = []
                for n in range(commits):
                    started = time.perf_counter()
                    with db.transaction() as session:
                        session.execute(text(f"insert into {table} (n) values (:n)"), {"n": n})
                    timings.append(time.perf_counter() - started)
                with db.transaction() as session:
                    session.execute(text(f"drop table {table}"))
                floors[name] = statistics.median(timings)
            finally:
                db.dispose()
    return floors


# -- running it --------------------------------------------------------------------------------------


class Profiler:
    """``py-spy record`` attached to a running server (raw collapsed stacks), stopped on demand."""

    def __init__(self, pid: int, out: Path) -> None:
        out.parent.mkdir(parents=True, exist_ok=True)
        py_spy = str(Path(sys.executable).with_name("py-spy"))
        argv = [py_spy, "record", "--pid", str(pid), "--rate", "200", "--format", "raw", "--gil"]
        argv += ["--output", str(out)]
        self.proc = subprocess.Popen(
            [*argv, "--nonblocking"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)  # py-spy writes the file when interrupted
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


@dataclass
class Run:
    results: dict[str, list[Level]]
    startup: float  # seconds from starting coordbot serve to /healthz answering 200
    memory: dict[str, int]  # VmHWM and VmRSS of coordbot serve after the load, kB
    load_before: float  # the machine's 1-minute load average before and after
    load_after: float


def run(
    platforms: list[str],
    rates: list[int],
    seconds: float,
    *,
    bare: bool = True,
    profile: Path | None = None,
    database_url: str | None = None,
    coordbot_root: Path | None = None,
) -> Run:
    """The whole benchmark against one ``coordbot serve`` configured for ``platforms``."""
    results: dict[str, list[Level]] = {}
    load_before = os.getloadavg()[0]
    with h.scratch_dir() as tmp, h.Fakes() as fakes, _database(database_url) as url:
        workdir = Path(tmp)
        ours = h.coordbot_server(
            fakes, workdir, platforms=tuple(platforms), database_url=url, root=coordbot_root
        ).start()
        servers = [ours]
        try:
            startup = ours.wait_healthy()
            for platform in platforms:
                bares = {}
                for name in PLATFORMS[platform][2] if bare else ():
                    bares[name] = h.bare_server(name, fakes, workdir).start()
                    servers.append(bares[name])
                    bares[name].wait_healthy()
                profiler = Profiler(ours.pid, profile / f"{platform}.txt") if profile else None
                try:
                    results[platform] = run_platform(platform, ours, bares, fakes, rates, seconds)
                finally:
                    if profiler is not None:
                        profiler.stop()
                for server in bares.values():
                    server.stop()
            memory = ours.memory_kb()
        except BaseException:
            print(ours.log_tail(), file=sys.stderr)
            raise
        finally:
            for server in servers:
                server.stop()
    return Run(results, startup, memory, load_before, os.getloadavg()[0])


@contextlib.contextmanager
def _database(url: str | None) -> Iterator[str | None]:
    """``None`` (SQLite in the scratch folder), or a fresh schema on the PostgreSQL at ``url``."""
    if url is None:
        yield None
        return
    from sqlalchemy import create_engine, text

    from storage.db import _normalise_url

    schema = f"coordbot_ack_{os.getpid()}"
    admin = create_engine(_normalise_url(url))
    with admin.begin() as conn:
        conn.execute(text(f"create schema {schema}"))
    joiner = "&" if "?" in url else "?"
    try:
        yield f"{_normalise_url(url)}{joiner}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"drop schema {schema} cascade"))
        admin.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench.ack_latency", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--platform", choices=("slack", "feishu", "both"), default="both")
    parser.add_argument(
        "--rates", default="20,100,300", help="arrival rates, requests per second (20,100,300)"
    )
    parser.add_argument(
        "--seconds", type=float, default=10.0, help="seconds of load per rate and server (10)"
    )
    parser.add_argument("--no-bare", action="store_true", help="measure coordbot only")
    parser.add_argument("--profile", type=Path, help="write py-spy stacks of coordbot serve to this folder")
    parser.add_argument(
        "--database-url", help="run coordbot on this PostgreSQL database (a schema of its own)"
    )
    parser.add_argument("--coordbot-root", type=Path, help="run the coordbot of this checkout (before/after)")
    args = parser.parse_args(argv)
    platforms = ["slack", "feishu"] if args.platform == "both" else [args.platform]
    rates = [int(r) for r in args.rates.split(",") if r.strip()]
    if not rates or not all(1 <= r <= 2000 for r in rates) or not 0.5 <= args.seconds <= 120:
        parser.error("--rates must be 1..2000 and --seconds 0.5..120")
    if args.profile and not Path(sys.executable).with_name("py-spy").exists():
        parser.error("--profile needs py-spy in this environment: pip install -e '.[bench]'")

    print(f"machine: {h.machine()}")
    database = "PostgreSQL" if args.database_url else "SQLite"
    print(f"open loop, {args.seconds:g} s per rate and server; database: {database}")
    result = run(
        platforms,
        rates,
        args.seconds,
        bare=not args.no_bare,
        profile=args.profile,
        database_url=args.database_url,
        coordbot_root=args.coordbot_root,
    )
    for platform in platforms:
        print()
        print(render(platform, result.results[platform]))
    print()
    floors = durability_floor(args.database_url)
    print(
        h.table(
            ["durable commit of one row", "median ms"], [[k, f"{v * 1000:.3f}"] for k, v in floors.items()]
        )
    )
    print()
    print(
        f"coordbot serve ({' + '.join(platforms)}): start-up to /healthz {result.startup:.2f} s; "
        f"peak RSS (VmHWM) {result.memory.get('VmHWM', 0) / 1024:.1f} MB after the load; "
        f"load average {result.load_before:.2f} before, {result.load_after:.2f} after"
    )
    if args.profile:
        print(f"py-spy stacks: {args.profile}/<platform>.txt (python -m bench.profile_summary FILE)")
    for platform in platforms:
        print(summary(platform, result.results[platform], sqlite=not args.database_url))
    return 0


if __name__ == "__main__":
    sys.exit(main())
