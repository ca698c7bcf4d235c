"""Slack 适配器自己显示的文字（其余都来自核心）。"""

MESSAGES: dict[str, str] = {
    "slack.more": "…… 还有 {count} 项",
    "slack.more_sections": "…… 另有 {count} 项未在此显示",
    "slack.modal.title": "新建任务",
    "slack.modal.submit": "创建",
    "slack.modal.close": "取消",
    "slack.modal.title_placeholder": "要做什么？",
    "slack.modal.priority_normal": "普通",
    "slack.modal.priority_high": "高",
    "slack.modal.no_departments": "还没有任何部门。请管理员先添加部门，然后再试。",
    "slack.field.title": "标题",
    "slack.field.department": "部门",
    "slack.field.assignee": "负责人",
    "slack.field.due": "截止日期",
    "slack.field.launch": "发布",
    "slack.field.priority": "优先级",
}
