"""Texts the Slack adapter shows on its own (everything else comes from the core)."""

MESSAGES: dict[str, str] = {
    "slack.more": "… and {count} more",
    "slack.more_sections": "… and {count} more not shown here",
    "slack.modal.title": "New task",
    "slack.modal.submit": "Create",
    "slack.modal.close": "Cancel",
    "slack.modal.title_placeholder": "What needs doing?",
    "slack.modal.priority_normal": "Normal",
    "slack.modal.priority_high": "High",
    "slack.modal.no_departments": "There are no departments yet. Ask an admin to add one, then try again.",
    "slack.field.title": "Title",
    "slack.field.department": "Department",
    "slack.field.assignee": "Assignee",
    "slack.field.due": "Due date",
    "slack.field.launch": "Launch",
    "slack.field.priority": "Priority",
}
