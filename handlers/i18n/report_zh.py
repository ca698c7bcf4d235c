"""Charts, the weekly report and launch retros (Chinese)."""

MESSAGES: dict[str, str] = {
    "chart.total": "总数",
    "chart.done": "已完成",
    "chart.ideal": "理想进度",
    "chart.items": "事项与任务",
    "chart.burnup_title": "发布就绪燃起图 · {launch}",
    "chart.overdue_title": "各部门逾期 · 最近 {weeks} 周",
    "chart.overdue_axis": "逾期事项与任务",
}
