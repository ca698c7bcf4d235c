"""Memory and start-up of ``coordbot serve``: time to a 200 from /healthz, and peak RSS under load.

    .venv/bin/python -m bench.startup_memory
    .venv/bin/python -m bench.startup_memory --config slack --starts 3 --seconds 2

For each configuration (Slack and Feishu together, as the ack benchmark runs it; Slack only;
Feishu only), on the loopback fakes and a temporary SQLite file:

* start-up: ``python -m bot.cli serve --no-scheduler`` is started ``--starts`` times; the time is
  from ``Popen`` to the first ``GET /healthz`` answering 200 (polled every 5 ms). The first start
  creates the database (migrations run); the others find it up to date. The median of those is
  the figure;
* memory: a fresh ``coordbot serve`` takes the ack benchmark's load (``bench.ack_latency``: 20,
  100 and 300 requests a second, ``--seconds`` each, coordbot only), then its ``VmHWM`` (peak
  resident set) is read from /proc.

It also times the imports that dominate start-up, each in a fresh interpreter (``lark_oapi``
is the whole SDK; ``bot.feishu.messenger`` imports only the parts coordbot uses). Targets: under
1 s (issue 12) and under 150 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from bench import _harness as h
from bench import ack_latency

TARGET_STARTUP = 1.0  # seconds
TARGET_RSS_MB = 150.0
CONFIGS = {
    "slack+feishu": ("slack", "feishu"),
    "slack": ("slack",),
    "feishu": ("feishu",),
}
IMPORTS = (
    "sys",
    "bot.app",
    "slack_bolt",
    "bot.slack.runtime",
    "lark_oapi",  # the whole SDK, as ``import lark_oapi`` does
    "bot.feishu.messenger",  # the light path: only the SDK parts coordbot uses (bot.feishu.sdk)
    "bot.feishu.runtime",
)
_IMPORT_PROBE = (  # VmHWM, not ru_maxrss: the latter keeps the forking parent's high-water mark
    "import time, importlib, sys; t = time.perf_counter(); importlib.import_module(sys.argv[1]); "
    "d = time.perf_counter() - t; "
    "hwm = [l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0]; print(d, hwm)"
)


@dataclass
class Config:
    name: str
    starts: list[float] = field(default_factory=list)  # seconds; the first on a new database
    rss_at_start_kb: int = 0
    peak_kb: int = 0

    @property
    def first(self) -> float:
        return self.starts[0]

    @property
    def typical(self) -> float:
        later = self.starts[1:] or self.starts
        return statistics.median(later)

    @property
    def peak_mb(self) -> float:
        return self.peak_kb / 1024


def measure_starts(name: str, platforms: tuple[str, ...], starts: int) -> Config:
    config = Config(name)
    with h.scratch_dir() as tmp, h.Fakes() as fakes:
        workdir = Path(tmp)
        for index in range(starts):
            server = h.coordbot_server(fakes, workdir, platforms=platforms, name=f"coordbot-{index}").start()
            try:
                config.starts.append(server.wait_healthy())
                config.rss_at_start_kb = server.memory_kb().get("VmRSS", 0)
            finally:
                server.stop()
    return config


def measure_import(module: str) -> tuple[float, float]:
    """Seconds to import ``module`` in a fresh interpreter, and that interpreter's peak RSS in MB."""
    out = subprocess.run(
        [h.PYTHON, "-c", _IMPORT_PROBE, module],
        cwd=h.ROOT,
        env=h.clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.split()
    return float(out[0]), int(out[1]) / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench.startup_memory", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--config", choices=(*CONFIGS, "all"), default="all")
    parser.add_argument("--starts", type=int, default=5, help="starts per configuration (5)")
    parser.add_argument("--seconds", type=float, default=5.0, help="ack-benchmark seconds per rate (5)")
    parser.add_argument("--rates", default="20,100,300", help="ack-benchmark rates per second (20,100,300)")
    parser.add_argument("--no-imports", action="store_true", help="skip timing the imports")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if not 1 <= args.starts <= 50 or not 0.5 <= args.seconds <= 120:
        parser.error("--starts must be 1..50 and --seconds 0.5..120")
    rates = [int(r) for r in args.rates.split(",") if r.strip()]
    names = list(CONFIGS) if args.config == "all" else [args.config]

    print(f"machine: {h.machine()}")
    load_before = os.getloadavg()[0]
    configs = []
    for name in names:
        platforms = CONFIGS[name]
        config = measure_starts(name, platforms, args.starts)
        loaded = ack_latency.run(list(platforms), rates, args.seconds, bare=False)
        config.peak_kb = loaded.memory.get("VmHWM", 0)
        configs.append(config)
        print(f"  {name}: start-up {config.typical:.2f} s, peak RSS {config.peak_mb:.1f} MB", file=sys.stderr)

    print()
    headers = [
        "configuration",
        "first start s",
        f"start s (median of {args.starts - 1 or 1})",
        "RSS at start MB",
        "peak RSS after load MB",
    ]
    rows = [
        [c.name, f"{c.first:.2f}", f"{c.typical:.2f}", f"{c.rss_at_start_kb / 1024:.1f}", f"{c.peak_mb:.1f}"]
        for c in configs
    ]
    print("coordbot serve --no-scheduler (first start creates the SQLite database)")
    print(h.table(headers, rows))

    imports = {}
    if not args.no_imports:
        for module in IMPORTS:
            imports[module] = measure_import(module)
        print()
        print("imports, each in a fresh interpreter ('sys' = the interpreter alone)")
        print(
            h.table(
                ["module", "import s", "process peak RSS MB"],
                [[m, f"{t:.2f}", f"{mb:.1f}"] for m, (t, mb) in imports.items()],
            )
        )

    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "machine": h.machine(),
                    "configs": [
                        {
                            "name": c.name,
                            "starts": c.starts,
                            "rss_at_start_kb": c.rss_at_start_kb,
                            "peak_kb": c.peak_kb,
                        }
                        for c in configs
                    ],
                    "imports": imports,
                },
                indent=2,
            )
        )
    print()
    print(f"load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after")
    for c in configs:
        start_ok = c.typical < TARGET_STARTUP
        rss_ok = c.peak_mb < TARGET_RSS_MB
        print(
            f"startup_memory {c.name}: start-up {c.typical:.2f} s (target < {TARGET_STARTUP:.0f} s: "
            f"{'met' if start_ok else 'NOT met'}); peak RSS {c.peak_mb:.1f} MB (target < "
            f"{TARGET_RSS_MB:.0f} MB: {'met' if rss_ok else 'NOT met'}); "
            f"{'PASS' if start_ok and rss_ok else 'FAIL'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
