"""The launch plan in the console, as a PM would script it: a template, a launch from it, the
scheduler's check-ins across a reschedule, sign-off and the decision, in English and Chinese."""

from __future__ import annotations

from pathlib import Path

from tests.test_console import run_console

SCRIPT = """\
/coord dept set dev lead @bob
/coord dept set ops lead @erin
/coord template new major from standard
/coord template major add ops Status page ready at T-1 owner pm
/coord template default major
/coord launch new v3 2026-12-10 #launch-v3
:channel launch-v3
:advance 6d
/coord launch v3 date 2026-12-14
:user bob
/coord signoff v3 dev ready
:user erin
/coord signoff v3 ops not ready status page not live
:user alice
:advance 13d
:advance 2h
/coord launch v3 go with risk status page goes live at noon
/coord launch v3
"""


def test_a_launch_from_a_template_through_its_check_ins_in_the_console(tmp_path: Path) -> None:
    result = run_console(tmp_path, SCRIPT)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Launch v3 set for Thu 2026-12-10 from template major: 11 checklist items, 2 after the" in out
    assert "ops 5 · #13 Status page ready — @alice · due Wed 2026-12-09 · T-1" in out
    assert "[#launch-v3] v3 readiness check-in · T-14" in out  # Nov 26
    # moved on Dec 1, before its T-7 (Dec 3): T-7 is posted once, for the new date (Dec 7)
    assert out.count("readiness check-in · T-7") == 1 and out.count("readiness check-in · T-14") == 1
    assert "@alice moved launch v3 from Thu 2026-12-10 to Mon 2026-12-14" in out
    # T-2 working days (Thu Dec 10) has no check-in and ops is not ready: the request goes out
    assert "[#launch-v3] v3 go/no-go sign-off · launch Mon 2026-12-14 (4 days left)" in out
    assert "ops — ✗ not ready (@erin, " in out
    assert "[#launch-v3] Launch day: v3 ships today (Mon 2026-12-14)" in out
    assert "record the decision:\n    [Go]  [Go with risks]  [Postpone]" in out
    assert "@alice: go for v3, with accepted risks: status page goes live at noon" in out
    assert "Traceback" not in out + result.stderr


def test_the_same_in_chinese(tmp_path: Path) -> None:
    script = "/coord settings language zh\n" + SCRIPT.replace("/coord launch v3 date", "/coord 发布 v3 改期")
    result = run_console(tmp_path, script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "发布 v3 定于 12月10日 周四，按模板 major 生成 11 个检查项及 2 个发布后事项" in out
    assert "@alice 把发布 v3 从 12月10日 周四 改到 12月14日 周一" in out
    assert "发布日：v3 今天发布" in out and "请做出决定" in out
    assert "✗ 未就绪" in out and "带风险发布" in out
