"""``coordbot demo`` plays the whole two-week launch through the real core and scheduler."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.demo import run_demo


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_demo_plays_every_kind_of_post(lang: str) -> None:
    out = io.StringIO()
    run_demo(lang, out=out)
    text = out.getvalue()
    labels = {
        "en": ("readiness check-in · T-14", "T-7", "T-3", "T-1", "Launch day", "follow-up · T+1", "T+7",
               "Standup digest", "overdue task", "Escalation", "10 checklist items, 2 after the launch",
               "moved launch v2.3 from Tue 2026-12-15 to Thu 2026-12-17", "go/no-go sign-off",
               "ops — ✗ not ready", "go for v2.3", "Weekly report ·", "Readiness burn-up of v2.3",
               "Retro of v2.3", "[chart] ", "Logged F1 (bug) on v2.3", "+1 on F1 (v2.3): 1 vote",
               "F1 → #18 (dev)", "Feedback so far (4)", "[Start the next version]",
               "Launch v2.4, the next version of v2.3", "Feedback carried over from v2.3 (2)",
               "carried over from v2.3",
               "Feedback (4)\n  accepted 1 · not triaged 1 · being fixed 1 · won't fix 1"),
        "zh": ("发布就绪检查 · T-14", "T-7", "T-3", "T-1", "发布日", "发布回访 · T+1", "T+7",
               "站会摘要", "逾期任务", "升级提醒", "按模板 standard 生成 10 个检查项及 2 个发布后事项",
               "把发布 v2.3 从 12月15日 周二 改到 12月17日 周四", "发布前签核", "✗ 未就绪",
               "可以发布", "周报 ·", "v2.3 发布就绪燃起图", "v2.3 复盘", "[chart] ",
               "已记录 F1（缺陷），针对 v2.3",
               "F1 → #18（研发）", "目前收到的反馈（4）", "[开始下一版本]", "发布 v2.4（v2.3 的下一版本）",
               "从 v2.3 带入的反馈（2）", "反馈（4）\n  已接受 1 · 未分拣 1 · 修复中 1 · 不修复 1"),
    }[lang]  # fmt: skip
    for label in labels:
        assert label in text, label
    assert "[#launch-v2-3]" in text and "[DM @frank]" in text and "[DM @bob]" in text
    assert "Traceback" not in text
    # The launch moved after its T-7 check-in: T-7 is not posted again for the new date.
    t7 = {"en": "readiness check-in · T-7", "zh": "发布就绪检查 · T-7"}[lang]
    assert text.count(t7) == 1
    # Marketing's first item was late a day: its owner was nudged like for any task.
    assert ("[DM @dave] You have 1 overdue task" if lang == "en" else "[DM @dave] 你有 1 个逾期任务") in text
    if lang == "en":  # README's feedback transcript is what the demo prints
        readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
        block = readme.split("### Launch feedback and the next version", 1)[1].split("```text\n", 1)[1]
        printed = iter(text.splitlines())
        for line in block.split("```", 1)[0].splitlines():
            assert line == "…" or line in printed, line  # in the README's order
    # Whoever logged feedback hears once when it is resolved.
    assert text.count("[DM @dave] " + ("Your feedback F4" if lang == "en" else "你针对 v2.3 的反馈 F4")) == 1
