"""``coordbot demo`` plays the whole two-week launch through the real core and scheduler."""

from __future__ import annotations

import io

import pytest

from bot.demo import run_demo


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_demo_plays_every_kind_of_post(lang: str) -> None:
    out = io.StringIO()
    run_demo(lang, out=out)
    text = out.getvalue()
    labels = {
        "en": ("readiness check-in · T-14", "T-7", "T-3", "T-1", "Launch day", "follow-up · T+1", "T+7",
               "Standup digest", "overdue task", "Escalation"),
        "zh": ("发布就绪检查 · T-14", "T-7", "T-3", "T-1", "发布日", "发布回访 · T+1", "T+7",
               "站会摘要", "逾期任务", "升级提醒"),
    }[lang]  # fmt: skip
    for label in labels:
        assert label in text, label
    assert "[#launch-v2-3]" in text and "[DM @frank]" in text and "[DM @bob]" in text
    assert "Traceback" not in text
