"""The charts as data: a launch's burn-up and overdue work by department, as :class:`Chart` specs.

Each label comes in the reader's language and in English (what a renderer without the reader's
script draws). No drawing here: :mod:`bot.chart_png` turns a spec into a PNG.
"""

from __future__ import annotations

import re
from datetime import timedelta

from handlers import views
from handlers.burnup import Burnup, OverdueByDepartment
from handlers.chart_model import Chart, ChartKind, Label, Series, SeriesRole
from handlers.i18n import Translator

ENGLISH = Translator("en")


def _label(tr: Translator, key: str, **params: object) -> Label:
    return Label(tr(key, **params), ENGLISH(key, **params))


def file_name(prefix: str, name: str) -> str:
    """``burnup-v2.3``: a name any file system and upload API takes."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")
    return f"{prefix}-{safe}" if safe else prefix


def burnup_chart(burnup: Burnup, tr: Translator) -> Chart:
    """Done and total per day up to today, the ideal line to the launch date."""
    last = max(burnup.launch_date, burnup.days[-1].day)
    span = (last - burnup.start).days + 1
    days = tuple(burnup.start + timedelta(days=i) for i in range(span))
    counts = {d.day: d for d in burnup.days}
    ideal = dict(burnup.ideal)

    def line(pick: str) -> tuple[float | None, ...]:
        return tuple(getattr(counts[d], pick) if d in counts else None for d in days)

    series = (
        Series(_label(tr, "chart.total"), SeriesRole.TOTAL, line("total")),
        Series(_label(tr, "chart.done"), SeriesRole.DONE, line("done")),
        Series(_label(tr, "chart.ideal"), SeriesRole.IDEAL, tuple(ideal.get(d) for d in days)),
    )
    return Chart(
        kind=ChartKind.LINES,
        title=_label(tr, "chart.burnup_title", launch=burnup.launch_name),
        days=tuple(d.isoformat() for d in days),
        series=series,
        y_label=_label(tr, "chart.items"),
        name=file_name("burnup", burnup.launch_name),
        marker=burnup.launch_date.isoformat(),
    )


def overdue_chart(overdue: OverdueByDepartment, tr: Translator) -> Chart:
    """Overdue work per department at the end of each week, stacked."""
    series = tuple(
        Series(
            Label(views.department_name(d.department, tr), views.department_name(d.department, ENGLISH)),
            SeriesRole.PART,
            tuple(float(n) for n in d.counts),
        )
        for d in overdue.departments
    )
    return Chart(
        kind=ChartKind.BARS,
        title=_label(tr, "chart.overdue_title", weeks=len(overdue.days)),
        days=tuple(d.isoformat() for d in overdue.days),
        series=series,
        y_label=_label(tr, "chart.overdue_axis"),
        name=file_name("overdue", overdue.days[-1].isoformat()),
    )
