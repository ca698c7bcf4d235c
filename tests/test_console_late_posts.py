"""Time travel in the console: coordbot down over a slot (``:down``), back within the grace window
or after it (``:advance``). Late posts come at the next working morning, marked; nothing is posted
outside working hours and nothing twice."""

from __future__ import annotations

import re
from pathlib import Path

from tests.cli import InProcessCli

SETUP = "/coord digest here at 09:30 mon-fri\n/coord launch new v7 2026-12-18 #launch-v7\n"
POSTED_AT = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (\d\d):(\d\d) \[", re.MULTILINE)


def console(cli: InProcessCli, tmp_path: Path, script: str) -> str:
    """The console from Tue 2026-12-15 08:00 UTC (launch v7 on Fri: its T-3 check-in is today 10:00)."""
    database = f"sqlite:///{tmp_path / 'console.db'}"
    result = cli(
        "console", "--start", "2026-12-15T08:00", stdin=SETUP + script, COORDBOT_DATABASE_URL=database
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def posts(out: str) -> list[str]:
    return [line for line in out.splitlines() if POSTED_AT.match(line)]


def assert_in_working_hours(out: str) -> None:
    for day, hour, _minute in POSTED_AT.findall(out):
        assert day not in ("Sat", "Sun") and 9 <= int(hour) < 18, out


def test_back_within_the_grace_window(cli: InProcessCli, tmp_path: Path) -> None:
    out = console(cli, tmp_path, ":down 3h\n:advance 1m\n")
    assert "(coordbot was down; clock: Tue 2026-12-15 11:00 UTC)" in out
    shown = posts(out)
    assert any(p.startswith("Tue 11:01 [#general] Standup digest for Tue 2026-12-15") for p in shown)
    assert any(p.startswith("Tue 11:01 [#launch-v7] v7 readiness check-in · T-3") for p in shown)
    assert "Late" not in out
    assert_in_working_hours(out)


def test_back_after_the_grace_window(cli: InProcessCli, tmp_path: Path) -> None:
    out = console(cli, tmp_path, ":down 4h30m\n:advance 2d\n")
    shown = posts(out)
    assert not any("Standup digest for Tue" in p for p in shown)  # dropped for the day
    assert [p for p in shown if "T-3" in p] == [
        "Wed 09:00 [#launch-v7] Late · v7 readiness check-in · T-3 · 2 working days left (missed "
        "Tue 2026-12-15's slot while coordbot was down)"
    ]
    assert sum("Standup digest for Wed" in p for p in shown) == 1
    assert sum("T-1" in p for p in shown) == 1  # Thursday's, on time
    assert_in_working_hours(out)


def test_back_at_night_posts_nothing_until_the_morning(cli: InProcessCli, tmp_path: Path) -> None:
    out = console(cli, tmp_path, ":down 13h\n:advance 11h\n:advance 1h\n")
    before_morning, after = out.split("(clock: Wed 2026-12-16 08:00 UTC)")
    assert posts(before_morning) == []
    assert [p.split(" · ")[0] for p in posts(after) if "T-3" in p] == ["Wed 09:00 [#launch-v7] Late"]
    assert_in_working_hours(out)


def test_back_across_midnight_posts_the_check_in_late_in_the_morning(
    cli: InProcessCli, tmp_path: Path
) -> None:
    out = console(cli, tmp_path, ":advance 1m\n:down 18h\n:advance 1d\n")
    shown = posts(out)
    assert not any("Standup digest for Tue" in p for p in shown)  # a missed day's digest is dropped
    assert [p.split(" · ")[0] for p in shown if "T-3" in p] == ["Wed 09:00 [#launch-v7] Late"]
    assert sum("Standup digest for Wed" in p for p in shown) == 1
    assert_in_working_hours(out)
    assert len(shown) == len(set(shown))
