"""Charts, the weekly report and launch retros (English)."""

MESSAGES: dict[str, str] = {
    "chart.total": "Total",
    "chart.done": "Done",
    "chart.ideal": "Ideal",
    "chart.items": "Items and tasks",
    "chart.burnup_title": "Readiness burn-up · {launch}",
    "chart.overdue_title": "Overdue by department · last {weeks} {weeks:s/week/weeks}",
    "chart.overdue_axis": "Overdue items and tasks",
}
