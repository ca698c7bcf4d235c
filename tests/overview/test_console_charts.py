"""The console draws a chart to a file and prints its path, for a command and for the report."""

from __future__ import annotations

import re
from pathlib import Path

from PIL import Image

from bot.chart_png import HEIGHT, WIDTH
from tests.test_console import coordbot

SCRIPT = """/coord launch new v1 2026-12-15 #launch-v1
/coord chart burnup v1
/coord report now
"""


def test_the_console_writes_the_chart_and_prints_where(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'console.db'}"
    shown = coordbot(
        tmp_path, "console", "--start", "2026-11-25T09:00", stdin=SCRIPT,
        COORDBOT_DATABASE_URL=database, TMPDIR=str(tmp_path),
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    paths = re.findall(r"\[chart\] (\S+\.png)", shown.stdout)
    assert len(paths) == 2 and "Readiness burn-up of v1: 0/10 done" in shown.stdout
    assert "Weekly report ·" in shown.stdout and "Traceback" not in shown.stdout + shown.stderr
    for path in paths:
        assert Path(path).is_relative_to(tmp_path)
        assert Image.open(path).size == (WIDTH, HEIGHT)
