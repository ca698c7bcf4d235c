"""导出（``export``）的中文文本。"""

MESSAGES: dict[str, str] = {
    "export.ready": "{scope} 的导出：{tasks} 个任务和 {items} 个发布事项及其历史（{format}，{name}）",
    "export.everything": "全部发布和任务",
    "export.file_sent": "文件已发到你与 coordbot 的私聊中。",
    "export.file_saved": "已保存到 {path}",
    "help.export": "任务和发布事项的文件，每行一项，含负责人、日期、状态和历史摘要：CSV（可用 Excel、"
    "Numbers、表格打开）或 JSON（含完整历史）。只发给你。",
    "usage.export": "/coord export [<发布>|all] [csv|json]",
    "examples.export": "/coord export v2.3 · /coord 导出 全部 json",
    "err.export_args": "请写明发布（或 all）和格式：/coord export v2.3 csv。",
    "err.export_format": "coordbot 只能导出 csv 或 json，不支持“{format}”。",
    "err.export_empty": "还没有可导出的内容：没有任务或发布事项。",
    "err.export_empty_launch": "发布 {launch} 没有可导出的任务或事项。",
}
