"""bench/report_bench.py still runs: its seeding and the report at the smallest size (no timing asserted)."""

from __future__ import annotations

from bench import report_bench


def test_report_bench_seeds_and_composes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    report_bench.seed(url, workspaces=2, tasks=40, launches=2)
    median, worst, cpu = report_bench.report_figures(url, runs=1)
    assert 0 < median <= worst and cpu > 0
