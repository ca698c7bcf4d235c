"""Export: a workspace's tasks and launch items, with a summary of their history, as CSV or JSON.

One record per task or item, with stable English column names whatever the workspace's language
(scripts and spreadsheets read them). Dates are ISO (``2026-12-15``), instants ISO 8601 in UTC
(``2026-11-25T09:00:00Z``). The CSV is UTF-8 with a byte-order mark, so Excel opens Chinese text
as it is; a cell that a spreadsheet would run as a formula (``=…``, ``+…``, ``-…``, ``@…``) starts
with an apostrophe. JSON carries each record's full history besides the summary.

Used by ``/coord export`` (the file is the reply's :class:`~handlers.replies.FileAttachment`) and
by ``coordbot export`` (:mod:`bot.export_cli`). Pure: reads the database, writes nothing.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from handlers.due import offset_label
from storage import exports
from storage.models import Launch, Person, Task, TaskEvent, TaskStatus, Workspace

FORMATS = ("csv", "json")
MIME = {"csv": "text/csv", "json": "application/json"}
BOM = "\ufeff"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

COLUMNS = (
    "number",
    "kind",
    "title",
    "department",
    "status",
    "priority",
    "assignee",
    "assignee_name",
    "creator",
    "due_date",
    "launch",
    "launch_date",
    "offset",
    "blocked_reason",
    "created_at",
    "updated_at",
    "done_at",
    "done_by",
    "changes",
    "due_changes",
    "reassignments",
    "times_blocked",
    "launch_moves",
    "last_change_at",
    "history",
)


def instant(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else None


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _user(person: Person | None) -> str | None:
    return person.user_id if person is not None else None


def _summary(events: Sequence[TaskEvent]) -> str:
    """``created 2026-11-25 · due moved 2× · blocked 1× · done 2026-12-01``."""
    kinds = Counter(e.kind for e in events)
    parts = []
    if events and events[0].kind == "created":
        parts.append(f"created {events[0].at.astimezone(UTC).date().isoformat()}")
    for kind, label in (
        ("due", "due moved"),
        ("assigned", "reassigned"),
        ("blocked", "blocked"),
        ("launch", "moved between launches"),
        ("snoozed", "snoozed"),
    ):
        if kinds[kind]:
            parts.append(f"{label} {kinds[kind]}×")
    done = [e for e in events if (e.changes or {}).get("status", [None, None])[-1] == TaskStatus.DONE]
    if done:
        parts.append(f"done {done[-1].at.astimezone(UTC).date().isoformat()}")
    return " · ".join(parts)


def record(task: Task, events: Sequence[TaskEvent]) -> dict[str, Any]:
    """One task or item as an export record (the CSV row's columns, in :data:`COLUMNS` order)."""
    launch = task.launch
    return {
        "number": task.number,
        "kind": task.kind,
        "title": task.title,
        "department": task.department.key,
        "status": task.status,
        "priority": task.priority,
        "assignee": _user(task.assignee),
        "assignee_name": task.assignee.name if task.assignee is not None else None,
        "creator": _user(task.creator),
        "due_date": _day(task.due_date),
        "launch": launch.name if launch is not None else None,
        "launch_date": _day(launch.launch_date) if launch is not None else None,
        "offset": offset_label(task.due_offset) if task.due_offset is not None else None,
        "blocked_reason": task.blocked_reason if task.status == TaskStatus.BLOCKED else None,
        "created_at": instant(task.created_at),
        "updated_at": instant(task.updated_at),
        "done_at": instant(task.done_at) if task.status == TaskStatus.DONE else None,
        "done_by": _user(task.done_by) if task.status == TaskStatus.DONE else None,
        "changes": len(events),
        "due_changes": sum(1 for e in events if e.kind == "due"),
        "reassignments": sum(1 for e in events if e.kind == "assigned"),
        "times_blocked": sum(1 for e in events if e.kind == "blocked"),
        "launch_moves": sum(1 for e in events if e.kind == "launch"),
        "last_change_at": instant(events[-1].at) if events else None,
        "history": _summary(events),
    }


def _event(event: TaskEvent) -> dict[str, Any]:
    return {"at": instant(event.at), "by": _user(event.actor), "kind": event.kind, "changes": event.changes}


def collect(
    session: Session, workspace: Workspace, launch: Launch | None = None
) -> list[tuple[Task, list[TaskEvent]]]:
    """The workspace's tasks and items (one launch's, when given) with their events."""
    tasks = exports.tasks_for_export(session, workspace, launch)
    history = exports.history_of(session, workspace, tasks)
    return [(task, history.get(task.id, [])) for task in tasks]


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return "" if value is None else value


def to_csv(rows: Sequence[tuple[Task, Sequence[TaskEvent]]]) -> str:
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for task, events in rows:
        data = record(task, events)
        writer.writerow([_cell(data[column]) for column in COLUMNS])
    return out.getvalue()


def to_json(
    workspace: Workspace, rows: Sequence[tuple[Task, Sequence[TaskEvent]]], launch: Launch | None
) -> str:
    document = {
        "workspace": {"platform": workspace.platform, "id": workspace.external_id, "name": workspace.name},
        "launch": launch.name if launch is not None else None,
        "records": [{**record(task, events), "events": [_event(e) for e in events]} for task, events in rows],
    }
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"


def render(
    workspace: Workspace, rows: Sequence[tuple[Task, Sequence[TaskEvent]]], launch: Launch | None, fmt: str
) -> str:
    """The file's text in ``fmt`` (one of :data:`FORMATS`)."""
    return to_csv(rows) if fmt == "csv" else to_json(workspace, rows, launch)


def file_name(launch: Launch | None, fmt: str, today: date) -> str:
    """``coordbot-v2.3-2026-11-25.csv`` / ``coordbot-all-2026-11-25.json``"""
    scope = launch.name if launch is not None else "all"
    return f"coordbot-{scope}-{today.isoformat()}.{fmt}"
