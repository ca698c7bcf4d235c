"""The board's charts, drawn on the server as inline SVG: the roadmap timeline and the burn-up.

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
    x = scale.x(today)
    return (
        f'<g class="today"><line x1="{x:.1f}" y1="{AXIS - 42}" x2="{x:.1f}" y2="{height}"/>'
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
