"""How domain objects read in a reply: task lines, task cards with buttons, dates, history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from handlers.i18n import Translator
from handlers.replies import Button, ButtonStyle, Field, Section, mention
from storage.models import Person, Task, TaskEvent, TaskStatus

ACTION_START = "task.start"
ACTION_DONE = "task.done"
ACTION_SNOOZE = "task.snooze"
ACTION_UNBLOCK = "task.unblock"
ACTION_REOPEN = "task.reopen"
ACTIONS = (ACTION_START, ACTION_DONE, ACTION_SNOOZE, ACTION_UNBLOCK, ACTION_REOPEN)

LIST_LIMIT = 40


def who(person: Person | None, tr: Translator) -> str:
    if person is None:
        return tr("word.nobody")
    return mention(person.user_id, person.name)


def day(value: date | None, tr: Translator, today: date | None = None) -> str:
    if value is None:
        return tr("word.no_due")
    text = tr("fmt.date", y=value.year, m=value.month, d=value.day, wd=tr(f"weekday.{value.weekday()}"))
    if today is not None:
        delta = (value - today).days
        if delta == 0:
            return f"{text} ({tr('word.today')})"
        if delta == 1:
            return f"{text} ({tr('word.tomorrow')})"
        if delta < 0:
            return f"{text} ({tr('word.days_late', n=-delta)})"
    return text


def moment(value: datetime, zone: ZoneInfo, tr: Translator) -> str:
    local = value.astimezone(zone)
    return tr("fmt.datetime", y=local.year, m=local.month, d=local.day, hh=local.hour, mm=local.minute)


def status(task: Task, tr: Translator) -> str:
    return tr(f"status.{task.status}")


def task_line(task: Task, tr: Translator, today: date) -> str:
    """``#12 [dev] Fix login — @bob · due Fri 27 Nov · in progress``"""
    parts = [f"#{task.number} [{task.department.key}] {task.title}"]
    details = []
    if task.assignee is not None:
        details.append(who(task.assignee, tr))
    if task.due_date is not None:
        details.append(tr("word.due", date=day(task.due_date, tr, today)))
    details.append(status(task, tr))
    if task.priority == "high":
        details.append(tr("word.high"))
    if task.status == TaskStatus.BLOCKED and task.blocked_reason:
        details.append(tr("word.blocked_because", reason=task.blocked_reason))
    if task.launch is not None:
        details.append(task.launch.name)
    return f"{parts[0]} — {' · '.join(details)}"


def task_lines(tasks: Sequence[Task], tr: Translator, today: date, limit: int = LIST_LIMIT) -> Section:
    shown = tuple(task_line(t, tr, today) for t in tasks[:limit])
    return Section(items=shown, more=max(0, len(tasks) - limit))


def task_buttons(task: Task, tr: Translator) -> tuple[Button, ...]:
    value = str(task.number)
    if task.status == TaskStatus.DONE:
        return (Button(ACTION_REOPEN, tr("button.reopen"), value),)
    if task.status == TaskStatus.BLOCKED:
        return (
            Button(ACTION_UNBLOCK, tr("button.unblock"), value, ButtonStyle.PRIMARY),
            Button(ACTION_DONE, tr("button.done"), value),
        )
    buttons = []
    if task.status == TaskStatus.TODO:
        buttons.append(Button(ACTION_START, tr("button.start"), value))
    buttons.append(Button(ACTION_DONE, tr("button.done"), value, ButtonStyle.PRIMARY))
    buttons.append(Button(ACTION_SNOOZE, tr("button.snooze"), value))
    return tuple(buttons)


def task_card(task: Task, tr: Translator, today: date, zone: ZoneInfo) -> Section:
    fields = [
        Field(tr("field.department"), task.department.key),
        Field(tr("field.status"), status(task, tr)),
        Field(tr("field.assignee"), who(task.assignee, tr)),
        Field(tr("field.due"), day(task.due_date, tr, today)),
    ]
    if task.priority == "high":
        fields.append(Field(tr("field.priority"), tr("word.high")))
    if task.launch is not None:
        fields.append(Field(tr("field.launch"), task.launch.name))
    if task.status == TaskStatus.BLOCKED and task.blocked_reason:
        fields.append(Field(tr("field.blocked_reason"), task.blocked_reason))
    if task.snoozed_until is not None and task.is_open:
        fields.append(Field(tr("field.snoozed_until"), moment(task.snoozed_until, zone, tr)))
    context = tr("task.context", creator=who(task.creator, tr), created=moment(task.created_at, zone, tr))
    return Section(
        title=f"#{task.number} {task.title}",
        fields=tuple(fields),
        buttons=task_buttons(task, tr),
        context=context,
    )


def history_lines(events: Sequence[TaskEvent], tr: Translator, zone: ZoneInfo) -> tuple[str, ...]:
    lines = []
    for event in events:
        changes = ", ".join(
            f"{name}: {_value(before)} → {_value(after)}"
            for name, (before, after) in sorted(event.changes.items())
            if isinstance(event.changes.get(name), list) and len(event.changes[name]) == 2
        )
        line = f"{moment(event.at, zone, tr)} {who(event.actor, tr)} {tr(f'event.{event.kind}')}"
        lines.append(f"{line} ({changes})" if changes else line)
    return tuple(lines)


def _value(value: object) -> str:
    return "—" if value in (None, "") else str(value)
