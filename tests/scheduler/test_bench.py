"""The scheduler benchmark still runs (a tiny data set, one pass), so it cannot rot unnoticed."""

from __future__ import annotations

import pytest

from bench import scheduler_bench as bench


def test_the_benchmark_plays_a_small_day(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(bench, "WORKSPACES", 3)
    monkeypatch.setattr(bench, "TASKS_PER_WORKSPACE", 40)
    monkeypatch.setattr(bench, "IDLE_TICKS", 2)
    # The benchmark collects garbage before each step; in a test process that holds the whole
    # suite's objects that costs ~0.6 s a time and measures nothing this test checks.
    monkeypatch.setattr(bench.gc, "collect", lambda: 0)
    bench.run(database_url, repeat=2, profile=None)
    out = capsys.readouterr().out
    assert "built 120 tasks, 24 launches with 288 items, 12 digest channels" in out
    lines = {line.split("  ")[0].strip(): line for line in out.splitlines() if " ms  cpu " in line}
    assert len(lines) == 5, out
    assert "12 sent" in lines["digest round, 12 channels (09:30)"]  # one digest per channel, each run
    assert " 0 sent" in lines["idle tick after the day is done (x2)"]
