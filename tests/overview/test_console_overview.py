"""The PM's overview in the console, in both languages: roadmap, version plan, the weekly report
scheduled and posted with its chart, a retro, an export and the calendar address — one console
session each, run in the test process (the retro at T+7 from the scheduler:
tests/overview/test_report_schedule.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from PIL import Image

from bot.chart_png import HEIGHT, WIDTH
from storage.db import Database
from tests.cli import InProcessCli

EN = """/coord launch new v1 2026-11-26 #launch-v1
/coord launch new v2 2026-12-15
/coord roadmap
/coord plan v2
/coord report here weekly fri 16:00
/coord calendar
:advance 2d7h
/coord retro v1
/coord export v2 csv
"""
ZH = """/coord settings language zh
/coord 发布 新建 v1 2026-11-26 #launch-v1
/coord 发布 新建 v2 2026-12-15
/coord 路线图
/coord 计划 v2
/coord 周报 这里 每周 周五 16:00
/coord 日历
:advance 2d7h
/coord 复盘 v1
/coord 导出 v2 json
"""


def console(cli: InProcessCli, db: Database, tmp_path: Path, script: str) -> str:
    shown = cli(
        "console", "--start", "2026-11-25T09:00", stdin=script,
        COORDBOT_DATABASE_URL=db.url, TMPDIR=str(tmp_path),  # a migrated test database
        COORDBOT_PUBLIC_URL="https://coord.example.com",
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert "Traceback" not in shown.stdout + shown.stderr
    return shown.stdout


def charts(out: str) -> list[Path]:
    paths = [Path(p) for p in re.findall(r"\[chart\] (\S+\.png)", out)]
    for path in paths:
        assert Image.open(path).size == (WIDTH, HEIGHT)
    return paths


def test_the_overview_in_the_console_in_english(cli: InProcessCli, db: Database, tmp_path: Path) -> None:
    out = console(cli, db, tmp_path, EN)
    assert "Roadmap, next 8 weeks: 2 launches, 1 at risk" in out and "⚠ v1 · Thu 2026-11-26" in out
    assert "Version plan v2: Tue 2026-12-15 · 14 working days left" in out
    assert "Your calendar feed" in out and "https://coord.example.com/calendar/" in out
    assert (
        "Fri 16:00 [#general] Weekly report · Sat 11-21 – Fri 11-27" in out
        and "v1 · launched Thu 11-26" in out
    )
    assert [p.name for p in charts(out)] == ["burnup-v2-c256b779.png"]  # the nearest coming launch's
    assert "Retro of v1\n  Shipped on its planned date, Thu 11-26." in out
    saved = Path(re.findall(r"Saved to (\S+\.csv)", out)[0])
    assert saved.read_text(encoding="utf-8-sig").startswith("number,kind,title")


def test_the_overview_in_the_console_in_chinese(cli: InProcessCli, db: Database, tmp_path: Path) -> None:
    out = console(cli, db, tmp_path, ZH)
    assert "路线图（未来 8 周）：2 个发布，1 个有风险" in out
    assert "版本计划 v2：12月15日 周二 · 还剩 14 个工作日" in out
    assert "已设置周报发到 #general，每周五 16:00（UTC）。" in out and "你的日历订阅" in out
    assert "Fri 16:00 [#general] 周报 · 11月21日 周六 – 11月27日 周五" in out and len(charts(out)) == 1
    assert "v1 复盘\n  按计划日期 11月26日 周四 发布。" in out
    saved = Path(re.findall(r"已保存到 (\S+\.json)", out)[0])
    assert len(json.loads(saved.read_text(encoding="utf-8"))["records"]) == 12
