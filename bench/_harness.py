"""What the HTTP benchmarks share: server processes, the fakes process, the load driver, tables.

Every server runs as a subprocess on a free loopback port; every wait is bounded; all traffic
goes to 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import platform
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from bench import _signing as s

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
REQUEST_TIMEOUT = 10.0  # seconds for one request; Slack and Feishu give up after 3
START_TIMEOUT = 120.0  # seconds for a server to answer /healthz (a shared machine can be that slow)
KEEPALIVE_REUSE = 2.0  # seconds an idle keep-alive connection is still reused


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def machine() -> str:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, {platform.system()}"


def process_cpu_seconds(pid: int) -> float:
    """utime + stime of ``pid`` in seconds (fields 14 and 15 of ``/proc/<pid>/stat``)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) ": field 3 onwards
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def clean_env(**values: str) -> dict[str, str]:
    """The parent's environment without any coordbot/Slack/Feishu setting, plus ``values``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("COORDBOT_", "SLACK_", "FEISHU_", "PYTHONPATH"))
    }
    env["PYTHONPATH"] = str(ROOT)
    env.update(values)
    return env


# -- processes ----------------------------------------------------------------------------------


@dataclass
class Server:
    """A server subprocess: started, waited for (``/healthz``), measured, stopped."""

    name: str
    argv: list[str]
    port: int
    env: dict[str, str]
    cwd: Path
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    startup_seconds: float | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> Server:
        log = self.log_path.open("ab")
        self.started_at = time.perf_counter()
        self.proc = subprocess.Popen(
            self.argv,
            env=self.env,
            cwd=self.cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        return self

    def wait_healthy(self, timeout: float = START_TIMEOUT) -> float:
        """Poll ``GET /healthz`` every 5 ms until it answers 200; seconds since :meth:`start`."""
        assert self.proc is not None
        deadline = time.perf_counter() + timeout
        with httpx.Client(timeout=1.0) as client:
            while True:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log_tail()}")
                try:
                    if client.get(f"{self.url}/healthz").status_code == 200:
                        self.startup_seconds = time.perf_counter() - self.started_at
                        return self.startup_seconds
                except httpx.TransportError:
                    pass
                if time.perf_counter() > deadline:
                    raise RuntimeError(
                        f"{self.name} did not answer /healthz in {timeout} s:\n{self.log_tail()}"
                    )
                time.sleep(0.005)

    def cpu_seconds(self) -> float:
        """User + system CPU time the process has used so far (``/proc/<pid>/stat``)."""
        assert self.proc is not None
        return process_cpu_seconds(self.proc.pid)

    def memory_kb(self) -> dict[str, int]:
        """``VmHWM`` (peak resident set) and ``VmRSS`` of the process, in kB, from /proc."""
        assert self.proc is not None
        found: dict[str, int] = {}
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                found[key] = int(value.split()[0])
        return found

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout: float = 10.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)  # uvicorn's graceful shutdown
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


class Fakes:
    """``python -m bench._fakes`` (fake Slack Web API + fake Feishu Open API) in a subprocess."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [PYTHON, "-m", "bench._fakes"],
            cwd=ROOT,
            env=clean_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], START_TIMEOUT)
        line = self.proc.stdout.readline() if ready else b""
        if not line:
            self.close()
            raise RuntimeError("the fake APIs did not start")
        urls = json.loads(line)
        self.slack_api_url: str = urls["slack"]
        self.slack_base = self.slack_api_url.removesuffix("/api/")
        self.feishu_url: str = urls["feishu"]

    def stats(self) -> dict[str, int]:
        with httpx.Client(timeout=5.0) as client:
            return client.get(f"{self.slack_api_url}bench.stats").json()

    def wait_replies(self, key: str, count: int, timeout: float) -> float | None:
        """Wait until ``stats()[key] >= count``; the seconds waited, or None when it timed out."""
        started = time.perf_counter()
        while time.perf_counter() - started < timeout:
            if self.stats()[key] >= count:
                return time.perf_counter() - started
            time.sleep(0.02)
        return None

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)

    def __enter__(self) -> Fakes:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def coordbot_server(
    fakes: Fakes,
    workdir: Path,
    *,
    platforms: tuple[str, ...] = ("slack", "feishu"),
    database_url: str | None = None,
    name: str = "coordbot",
    root: Path | None = None,
) -> Server:
    """``python -m bot.cli serve --no-scheduler`` with the chosen platforms on the fakes.

    ``root``: run the coordbot found there instead of this checkout's (a "before" measurement).
    """
    port = free_port()
    values = {"COORDBOT_DATABASE_URL": database_url or f"sqlite:///{workdir / 'coordbot.db'}"}
    if "slack" in platforms:
        values.update(
            SLACK_BOT_TOKEN=s.SLACK_BOT_TOKEN,
            SLACK_SIGNING_SECRET=s.SLACK_SIGNING_SECRET,
            SLACK_API_URL=fakes.slack_api_url,
        )
    if "feishu" in platforms:
        values.update(
            FEISHU_APP_ID=s.FEISHU_APP_ID,
            FEISHU_APP_SECRET=s.FEISHU_APP_SECRET,
            FEISHU_VERIFICATION_TOKEN=s.FEISHU_VERIFICATION_TOKEN,
            FEISHU_ENCRYPT_KEY=s.FEISHU_ENCRYPT_KEY,
            FEISHU_DOMAIN=fakes.feishu_url,
        )
    argv = [PYTHON, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(port), "--no-scheduler"]
    env = clean_env(**values)
    if root is not None:
        env["PYTHONPATH"] = f"{root}{os.pathsep}{ROOT}"
    # cwd is the scratch folder: no .env of the developer's is read.
    return Server(name, argv, port, env, workdir, workdir / f"{name}.log")


def bare_server(app: str, fakes: Fakes, workdir: Path) -> Server:
    """One of :mod:`bench.bare_apps`' baselines (``slack``, ``slack-inline``, ``feishu``)."""
    port = free_port()
    argv = [
        PYTHON,
        "-m",
        "bench.bare_apps",
        app,
        "--port",
        str(port),
        "--slack-api-url",
        fakes.slack_api_url,
    ]
    return Server(f"bare-{app}", argv, port, clean_env(), ROOT, workdir / f"bare-{app}.log")


def scratch_dir() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="coordbot-bench-")


# -- load -----------------------------------------------------------------------------------------


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests
    errors: dict[str, int] = field(default_factory=dict)  # "HTTP 500", "ReadTimeout", …
    wall: float = 0.0

    @property
    def count(self) -> int:
        return len(self.latencies)

    def percentile(self, q: float) -> float:
        """Nearest-rank percentile (``q`` in 0..100) of the successful requests' latencies."""
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        rank = max(1, math.ceil(q / 100 * len(ordered)))
        return ordered[rank - 1]

    @property
    def p50(self) -> float:
        return self.percentile(50)

    @property
    def p99(self) -> float:
        return self.percentile(99)

    @property
    def max(self) -> float:
        return max(self.latencies) if self.latencies else math.nan

    @property
    def throughput(self) -> float:
        return self.count / self.wall if self.wall > 0 else math.nan

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


class _Connection:
    """One keep-alive HTTP/1.1 connection on raw asyncio streams.

    The load generator must cost far less than the servers it measures: httpx.AsyncClient tops
    out near 300 requests/s here and its p99 reaches 1.5 s at 50 connections against a trivial
    endpoint, while this does about 2,800 requests/s with a p99 under 20 ms. Connections are
    kept alive and reused by whichever request is due next; one is opened when all are busy.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        if self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = [f"POST {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(body)}"]
        head += [f"{name}: {value}" for name, value in headers.items() if name.lower() != "content-length"]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        status_line, *lines = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines if line)}
        if fields.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        else:
            await self.reader.readexactly(int(fields.get("content-length", "0")))
        if fields.get("connection", "").lower() == "close":
            self.close()
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _drive_open(url: str, requests: Sequence[tuple[bytes, dict[str, str]]], rate: float) -> LoadResult:
    parsed = urlsplit(url)
    host, port, path = parsed.hostname or "127.0.0.1", parsed.port or 80, parsed.path or "/"
    result = LoadResult()
    idle: list[tuple[_Connection, float]] = []  # connections free since
    start = time.perf_counter() + 0.05

    def take() -> _Connection:
        # uvicorn closes a keep-alive connection idle for 5 s; one idle past 2 s is not reused (its
        # close could cross the next request: an error of the load generator, not the server's)
        while idle:
            connection, since = idle.pop()
            if time.perf_counter() - since < KEEPALIVE_REUSE:
                return connection
            connection.close()
        return _Connection(host, port)

    async def send(index: int) -> None:
        scheduled = start + index / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        connection = take()
        body, headers = requests[index]
        try:
            status = await asyncio.wait_for(connection.post(path, body, headers), REQUEST_TIMEOUT)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
            connection.close()
            key = type(exc).__name__
        else:
            idle.append((connection, time.perf_counter()))
            if status == 200:
                # from the scheduled send, not the actual one: a late send is queueing, counted
                result.latencies.append(time.perf_counter() - scheduled)
                return
            key = f"HTTP {status}"
        result.errors[key] = result.errors.get(key, 0) + 1

    await asyncio.gather(*(send(i) for i in range(len(requests))))
    result.wall = time.perf_counter() - start
    for connection, _since in idle:
        connection.close()
    return result


def drive_open(url: str, requests: Sequence[tuple[bytes, dict[str, str]]], rate: float) -> LoadResult:
    """POST ``requests`` on a fixed schedule, ``rate`` a second (open loop: a request is sent at its
    time whether or not earlier ones were answered); latency counts from the scheduled time."""
    return asyncio.run(_drive_open(url, requests, rate))


# -- output ---------------------------------------------------------------------------------------


def ms(seconds: float | None) -> str:
    if seconds is None or math.isnan(seconds):
        return "-"
    return f"{seconds * 1000:.1f}"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)
