"""How domain objects read in a reply: names, dates, task lines, task cards with buttons.

Every text comes from the catalog in the reader's language; a thing is said once (a card's
fields do not repeat its title, a line inside a department's section does not repeat the
department). History sentences live in :mod:`handlers.history`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from handlers.calendar import ALL_DAYS_MASK
from handlers.due import offset_label
from handlers.i18n import Translator
from handlers.replies import Button, ButtonStyle, Field, Section, mention
from handlers.timewords import weekday_runs
from storage.models import Person, Task, TaskStatus

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


def away_note(person: Any, today: date, tr: Translator) -> str:
    """`` (away until Mon 12-28)`` while ``person`` is away (the day named is the one they are back);
    else their chat status's hint, ``(status: 🌴 Vacationing)``, shown as theirs, not as a fact."""
    start, until = person.away_from, person.away_until
    if start is None or until is None or not start <= today <= until:
        hint = getattr(person, "status_hint", None)
        return tr("word.status_hint", status=hint) if hint else ""
    return tr("word.away_until", date=short_day(until + timedelta(days=1), tr))


def joined(items: Iterable[str], tr: Translator) -> str:
    """Items of a list in running text: ``a, b, c`` in English, ``a、b、c`` in Chinese."""
    return tr("word.list_sep").join(items)


def department_name(department: Any, tr: Translator) -> str:
    """A department as the reader calls it: its key, or in Chinese its first Chinese name.

    A key written in Chinese (a department added or renamed so) is that name.
    """
    if tr.lang == "zh":
        aliases = getattr(department, "aliases", "") or ""
        for name in (department.key, *aliases.split(",")):
            if any("\u4e00" <= ch <= "\u9fff" for ch in name):
                return name
    return department.key


# ------------------------------------------------------------------------------ dates and times


def _date(value: date, tr: Translator, key: str) -> str:
    return tr(key, y=value.year, m=value.month, d=value.day, wd=tr(f"weekday.{value.weekday()}"))


def day(value: date | None, tr: Translator, today: date | None = None, *, relative: bool = True) -> str:
    """``Fri 2026-12-04`` / ``12月4日 周五``; with ``today``, also how far it is (``tomorrow``, ``3d late``)
    unless not ``relative``.

    Chinese leaves out the year of dates in the current year (and gives it when ``today`` is unknown).
    """
    if value is None:
        return tr("word.no_due")
    text = _date(value, tr, "fmt.date" if today is not None and value.year == today.year else "fmt.date_year")
    if today is not None and relative:
        delta = (value - today).days
        note = None
        if delta == 0:
            note = tr("word.today")
        elif delta == 1:
            note = tr("word.tomorrow")
        elif delta < 0:
            note = tr("word.days_late", n=-delta)
        if note is not None:
            return tr("fmt.with_note", text=text, note=note)
    return text


def short_day(value: date, tr: Translator) -> str:
    """``Fri 12-04`` / ``12月4日 周五``: a date whose year goes without saying (history lines)."""
    return _date(value, tr, "fmt.day")


def moment(value: datetime, zone: ZoneInfo, tr: Translator) -> str:
    """A local date and time: ``2026-11-25 09:00`` / ``2026年11月25日 09:00``."""
    local = value.astimezone(zone)
    return tr("fmt.datetime", y=local.year, m=local.month, d=local.day, hh=local.hour, mm=local.minute)


def clock(value: datetime, zone: ZoneInfo, tr: Translator, *, today: date | None = None) -> str:
    """A local time with its zone, the day only when it is not ``today``: ``17:00 (Asia/Shanghai)``,
    ``Thu 11-26 09:00 (UTC)``."""
    local = value.astimezone(zone)
    text = tr("fmt.time", hh=local.hour, mm=local.minute)
    if local.date() != today:
        text = f"{short_day(local.date(), tr)} {text}"
    return tr("fmt.with_note", text=text, note=zone.key)


def weekdays_text(mask: int, tr: Translator) -> str:
    """A set of weekdays as the reader says it: ``mon-fri`` / ``周一至周五``, ``daily`` / ``每天``."""
    if mask & ALL_DAYS_MASK == ALL_DAYS_MASK:
        return tr("weekdays.daily")
    parts: list[str] = []
    for run in weekday_runs(mask & ALL_DAYS_MASK or ALL_DAYS_MASK):
        names = [tr(f"wdname.{day}") for day in run]
        if len(run) >= 3:
            parts.append(tr("weekdays.range", first=names[0], last=names[-1]))
        else:
            parts.extend(names)
    return tr("weekdays.sep").join(parts)


def offsets_text(offsets: Iterable[int], tr: Translator) -> str:
    """Check-in days as their labels: ``T-14, T-7, T0, T+1``."""
    return joined((offset_label(o) for o in offsets), tr)


# ---------------------------------------------------------------------------------- tasks


def status(task: Task, tr: Translator) -> str:
    return tr(f"status.{task.status}")


def task_line(
    task: Task,
    tr: Translator,
    today: date,
    *,
    department: bool = True,
    launch: bool = True,
    relative: bool = True,
) -> str:
    """``#12 [dev] Fix login — @bob · due Fri 2026-11-27 · in progress · v2.3``.

    ``department=False`` / ``launch=False`` inside a section that is already that department's
    or that launch's; ``relative=False`` where the lateness is said in working days beside it.
    A blocked task shows its reason in place of its status.
    """
    head = f"#{task.number} {task.title}"
    if department:
        head = f"#{task.number} [{department_name(task.department, tr)}] {task.title}"
    details = []
    if task.assignee is not None:
        details.append(who(task.assignee, tr) + away_note(task.assignee, today, tr))
    if task.due_date is not None:
        details.append(tr("word.due", date=day(task.due_date, tr, today, relative=relative)))
    if task.status == TaskStatus.BLOCKED and task.blocked_reason:
        details.append(tr("word.blocked_because", reason=task.blocked_reason))
    else:
        details.append(status(task, tr))
    if task.priority == "high":
        details.append(tr("word.high"))
    if launch and task.launch is not None:
        details.append(task.launch.name)
    return f"{head} — {' · '.join(details)}"


def task_lines(
    tasks: Sequence[Task],
    tr: Translator,
    today: date,
    limit: int = LIST_LIMIT,
    *,
    department: bool = True,
    launch: bool = True,
) -> Section:
    shown = tuple(task_line(t, tr, today, department=department, launch=launch) for t in tasks[:limit])
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


CARD_DESCRIPTION = 600  # characters of a description a card shows (``show`` gives it whole)


def task_card(task: Task, tr: Translator, today: date, zone: ZoneInfo, *, titled: bool = True) -> Section:
    """The task as a card: fields, buttons, who created it. ``titled=False`` when the reply's
    headline is already the task's number and title."""
    fields = [
        Field(tr("field.department"), department_name(task.department, tr)),
        Field(tr("field.status"), status(task, tr)),
        Field(tr("field.assignee"), who(task.assignee, tr)),
        Field(tr("field.due"), day(task.due_date, tr, today)),
    ]
    if task.priority == "high":
        fields.append(Field(tr("field.priority"), tr("priority.high")))
    if task.launch is not None:
        fields.append(Field(tr("field.launch"), task.launch.name))
    if task.status == TaskStatus.BLOCKED and task.blocked_reason:
        fields.append(Field(tr("field.blocked_reason"), task.blocked_reason))
    if task.snoozed_until is not None and task.is_open:
        fields.append(Field(tr("field.snoozed_until"), clock(task.snoozed_until, zone, tr, today=today)))
    if task.source_link:
        fields.append(Field(tr("field.source"), task.source_link))
    context = tr("task.context", creator=who(task.creator, tr), created=moment(task.created_at, zone, tr))
    description = task.description
    if description and len(description) > CARD_DESCRIPTION:
        description = description[: CARD_DESCRIPTION - 1] + "…"
    return Section(
        title=f"#{task.number} {task.title}" if titled else None,
        text=description or None,
        fields=tuple(fields),
        buttons=task_buttons(task, tr),
        context=context,
    )
