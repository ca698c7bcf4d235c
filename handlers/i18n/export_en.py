"""English texts of exports (``export``)."""

MESSAGES: dict[str, str] = {
    "export.ready": "Export of {scope}: {tasks} {tasks:s/task/tasks} and {items} launch {items:s/item/items} "
    "with their history ({format}, {name})",
    "export.everything": "every launch and task",
    "export.file_sent": "The file is in your direct messages with coordbot.",
    "export.file_saved": "Saved to {path}",
    "help.export": "A file of tasks and launch items, one row each with owner, dates, status and a summary "
    "of its history: CSV (opens in Excel, Numbers and Sheets) or JSON (with the full history). Only you "
    "get it.",
    "usage.export": "/coord export [<launch>|all] [csv|json]",
    "examples.export": "/coord export v2.3 · /coord export all json",
    "err.export_args": "Name a launch (or all) and a format: /coord export v2.3 csv.",
    "err.export_format": "coordbot exports csv or json, not “{format}”.",
    "err.export_empty": "There is nothing to export yet: no tasks or launch items.",
    "err.export_empty_launch": "Launch {launch} has no tasks or items to export.",
}
