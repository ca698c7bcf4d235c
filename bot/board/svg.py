"""The board's charts, drawn on the server as inline SVG: the roadmap timeline and a launch's burn-up
(the series of :mod:`handlers.burnup`, the same the PNG charts draw).

Colours come from the page's stylesheet through class names (``st-overdue``, ``ms-risk`` …), so
the charts follow the light and dark themes. Every mark is a link with a ``<title>`` (the
browser's tooltip) and a ``data-detail`` the board's script shows on hover and keyboard focus;
status is told by shape as well as colour (done ●, open ○, overdue ▲, blocked ■).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

from markupsafe import Markup

from handlers.board_pages import Lane, WorkState, work_state
from handlers.burnup import Burnup
from handlers.roadmap import RoadmapEntry
from storage.models import Task

WIDTH = 1100
GUTTER = 190  # the labels' column
PAD = 24
AXIS = 44
LAUNCH_ROW = 30
LANE_ROW = 22
GAP = 12
DODGE = 9  # px between marks due the same day in one lane


@dataclass(frozen=True)
class TimelineText:
    """What the timeline says, in the reader's language (the template's translator makes it)."""

    tick: Callable[[date], str]
    today: str
    label: str  # the chart's accessible name
    detail: Callable[[Task, WorkState], str]
    milestone: Callable[[RoadmapEntry], str]
    department: Callable[[Lane], str]
    launch_url: Callable[[RoadmapEntry], str]
    task_url: Callable[[RoadmapEntry, Task], str]


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


class _Scale:
    def __init__(self, start: date, end: date) -> None:
        self.start = start
        self.days = max(1, (end - start).days)

    def x(self, day: date) -> float:
        clamped = min(max(day, self.start), self.start + timedelta(days=self.days))
        return GUTTER + (clamped - self.start).days / self.days * (WIDTH - GUTTER - PAD)


def timeline(
    entries: Sequence[RoadmapEntry],
    lanes: dict[int, tuple[Lane, ...]],
    start: date,
    end: date,
    today: date,
    text: TimelineText,
) -> Markup:
    scale = _Scale(start, end)
    rows: list[str] = []
    y = AXIS
    for entry in entries:
        rows.append(_launch_row(entry, scale, y, text))
        y += LAUNCH_ROW
        for lane in lanes.get(entry.launch.id, ()):
            rows.append(_lane_row(entry, lane, scale, y, today, text))
            y += LANE_ROW
        y += GAP
    height = max(y, AXIS + LAUNCH_ROW)
    parts = [
        f'<svg class="timeline" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'role="img" aria-label="{_attr(text.label)}" xmlns="http://www.w3.org/2000/svg">',
        _axis(scale, start, end, height, text),
        *rows,
        _today_line(scale, today, height, text),
        "</svg>",
    ]
    return Markup("".join(parts))


def _axis(scale: _Scale, start: date, end: date, height: int, text: TimelineText) -> str:
    parts = ['<g class="axis">']
    monday = start + timedelta(days=(7 - start.weekday()) % 7)
    step = 7 if scale.days <= 16 * 7 else 28
    day = monday
    while day <= end:
        x = scale.x(day)
        parts.append(f'<line class="tick" x1="{x:.1f}" y1="{AXIS - 8}" x2="{x:.1f}" y2="{height}"/>')
        parts.append(
            f'<text class="tick-label" x="{x + 3:.1f}" y="{AXIS - 12}">{escape(text.tick(day))}</text>'
        )
        day += timedelta(days=step)
    parts.append("</g>")
    return "".join(parts)


def _today_line(scale: _Scale, today: date, height: int, text: TimelineText) -> str:
    """The line starts below the axis' labels (a date under it stays readable), its name above them."""
    x = scale.x(today)
    return (
        f'<g class="today"><line x1="{x:.1f}" y1="{AXIS - 8}" x2="{x:.1f}" y2="{height}"/>'
        f'<text x="{x + 4:.1f}" y="{AXIS - 32}">{escape(text.today)}</text></g>'
    )


def _launch_row(entry: RoadmapEntry, scale: _Scale, y: int, text: TimelineText) -> str:
    state = "ms-shipped" if entry.shipped else "ms-risk" if entry.at_risk else "ms-planned"
    x = scale.x(entry.launch.launch_date)
    mid = y + LAUNCH_ROW / 2
    detail = text.milestone(entry)
    diamond = f"{x:.1f},{mid - 8:.1f} {x + 8:.1f},{mid:.1f} {x:.1f},{mid + 8:.1f} {x - 8:.1f},{mid:.1f}"
    return (
        f'<g class="launch-row"><line class="band" x1="{GUTTER}" y1="{mid:.1f}" x2="{x:.1f}" y2="{mid:.1f}"/>'
        f'<a href="{_attr(text.launch_url(entry))}" class="milestone {state}" '
        f'data-launch="{_attr(entry.launch.name)}" data-detail="{_attr(detail)}">'
        f"<title>{escape(detail)}</title>"
        f'<text class="launch-label" x="8" y="{mid + 5:.1f}">{escape(entry.launch.name)}</text>'
        f'<polygon points="{diamond}"/></a></g>'
    )


def _lane_row(entry: RoadmapEntry, lane: Lane, scale: _Scale, y: int, today: date, text: TimelineText) -> str:
    mid = y + LANE_ROW / 2
    parts = [
        f'<g class="lane"><text class="lane-label" x="22" y="{mid + 4:.1f}">',
        f"{escape(text.department(lane))}</text>",
        f'<line class="lane-line" x1="{GUTTER}" y1="{mid:.1f}" x2="{WIDTH - PAD}" y2="{mid:.1f}"/>',
    ]
    same_day: dict[date, int] = {}
    for task in lane.work:
        if task.due_date is None:
            continue
        nth = same_day.get(task.due_date, 0)
        same_day[task.due_date] = nth + 1
        state = work_state(task, today)
        x = scale.x(task.due_date) + nth * DODGE
        detail = text.detail(task, state)
        parts.append(
            f'<a href="{_attr(text.task_url(entry, task))}" class="mark st-{state.value}" '
            f'data-task="{task.number}" data-detail="{_attr(detail)}"><title>{escape(detail)}</title>'
            f"{_shape(state, x, mid)}</a>"
        )
    parts.append("</g>")
    return "".join(parts)


def _shape(state: WorkState, x: float, y: float) -> str:
    if state == WorkState.OVERDUE:
        return f'<polygon points="{x:.1f},{y - 6:.1f} {x + 6:.1f},{y + 5:.1f} {x - 6:.1f},{y + 5:.1f}"/>'
    if state == WorkState.BLOCKED:
        return f'<rect x="{x - 5:.1f}" y="{y - 5:.1f}" width="10" height="10"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5"/>'


BURNUP_WIDTH = 720
BURNUP_HEIGHT = 260
MARGIN = (16, 20, 34, 44)  # top, right, bottom, left


@dataclass(frozen=True)
class BurnupText:
    label: str  # the chart's accessible name
    done: str
    total: str
    ideal: str
    tick: Callable[[date], str]
    point: Callable[[date, int, int], str]  # a day's tooltip: done of total


def burnup_chart(chart: Burnup, today: date, text: BurnupText) -> Markup:
    """Done and total per day against the ideal line to the launch date."""
    top, right, bottom, left = MARGIN
    first, last = chart.start, max(chart.launch_date, chart.days[-1].day if chart.days else chart.start)
    span = max(1, (last - first).days)
    peak = max([1, *(d.total for d in chart.days), *(round(v) for _, v in chart.ideal)])
    inner_w, inner_h = BURNUP_WIDTH - left - right, BURNUP_HEIGHT - top - bottom

    def x(day: date) -> float:
        return left + (day - first).days / span * inner_w

    def y(value: float) -> float:
        return top + inner_h - value / peak * inner_h

    def line(points: Sequence[tuple[date, float]]) -> str:
        return " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in points)

    parts = [
        f'<svg class="burnup" viewBox="0 0 {BURNUP_WIDTH} {BURNUP_HEIGHT}" width="{BURNUP_WIDTH}" '
        f'height="{BURNUP_HEIGHT}" role="img" aria-label="{_attr(text.label)}" xmlns="http://www.w3.org/2000/svg">',
        f'<line class="axis-line" x1="{left}" y1="{top + inner_h}" x2="{left + inner_w}" '
        f'y2="{top + inner_h}"/>',
        f'<line class="axis-line" x1="{left}" y1="{top}" x2="{left}" y2="{top + inner_h}"/>',
    ]
    for value in sorted({0, peak // 2, peak}):
        parts.append(
            f'<text class="tick-label" x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end">{value}</text>'
        )
    for day, anchor in ((first, "start"), (chart.launch_date, "end")):
        parts.append(
            f'<text class="tick-label" x="{x(day):.1f}" y="{BURNUP_HEIGHT - 12}" text-anchor="{anchor}">'
            f"{escape(text.tick(day))}</text>"
        )
    parts.append(f'<polyline class="ideal" points="{line(chart.ideal)}"/>')
    parts.append(f'<polyline class="total" points="{line([(d.day, d.total) for d in chart.days])}"/>')
    parts.append(f'<polyline class="done" points="{line([(d.day, d.done) for d in chart.days])}"/>')
    if first <= today <= last:
        parts.append(
            f'<line class="today-line" x1="{x(today):.1f}" y1="{top}" x2="{x(today):.1f}" '
            f'y2="{top + inner_h}"/>'
        )
    latest = chart.days[-1] if chart.days else None
    if latest is not None:
        detail = text.point(latest.day, latest.done, latest.total)
        parts.append(
            f'<a class="point" href="#burnup" data-detail="{_attr(detail)}"><title>{escape(detail)}</title>'
            f'<circle cx="{x(latest.day):.1f}" cy="{y(latest.done):.1f}" r="5"/></a>'
        )
    legend_y = top + 4
    for k, (cls, label) in enumerate((("done", text.done), ("total", text.total), ("ideal", text.ideal))):
        lx = left + 12 + k * 150
        parts.append(
            f'<line class="{cls}" x1="{lx}" y1="{legend_y}" x2="{lx + 22}" y2="{legend_y}"/>'
            f'<text class="legend-label" x="{lx + 28}" y="{legend_y + 4}">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
