"""bench/board_bench.py still runs: two workspaces instead of 125, one fetch of each page."""

from __future__ import annotations

import pytest

from bench import board_bench, scheduler_bench


def test_board_bench_smallest_run(
    tmp_path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(scheduler_bench, "WORKSPACES", 2)
    timings = board_bench.run(f"sqlite:///{tmp_path / 'bench.db'}", repeat=1)
    assert [t.name for t in timings][:4] == [
        "board: roadmap, 12 weeks",
        "board: roadmap, 52 weeks",
        "board: launch page",
        "board: department page (dev)",
    ]
    assert all(len(t.wall) == 1 and t.size > 1000 for t in timings[:4])
    board_bench.report("sqlite", timings)
    out = capsys.readouterr().out
    assert "board_bench sqlite: slowest page" in out and "ms CPU" in out and "/coord roadmap" in out
