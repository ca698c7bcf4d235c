"""The roadmap's timeline drawing: the today line never crosses the axis' date labels."""

from __future__ import annotations

import re
from datetime import date, timedelta

from bot.board.svg import TimelineText, timeline


def _text() -> TimelineText:
    return TimelineText(
        tick=lambda day: day.strftime("%m-%d"),
        today="today",
        label="Roadmap",
        detail=lambda task, state: "",
        milestone=lambda entry: "",
        department=lambda lane: "",
        launch_url=lambda entry: "",
        task_url=lambda entry, task: "",
    )


def test_the_today_line_starts_below_the_date_labels_even_on_a_tick() -> None:
    monday = date(2026, 11, 30)
    drawn = str(timeline((), {}, monday - timedelta(days=2), monday + timedelta(weeks=12), monday, _text()))
    labels_y = [float(y) for y in re.findall(r'class="tick-label" x="[\d.]+" y="([\d.]+)"', drawn)]
    (today,) = re.findall(r'<g class="today"><line x1="[\d.]+" y1="([\d.]+)"', drawn)
    (name_y,) = re.findall(r'<g class="today">.*?<text x="[\d.]+" y="([\d.]+)"', drawn)
    assert labels_y and float(today) > max(labels_y)  # below the labels' baseline
    assert float(name_y) < min(labels_y) - 10  # its name on a row of its own above them
