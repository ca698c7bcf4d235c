"""What coordbot posts about a launch on its own: readiness check-ins (T-14 … T-1), the launch-day
go/no-go with the sign-off matrix, the sign-off request (T-2 working days), follow-ups (T+1 …).

Every function returns a platform-neutral :class:`Reply` in the workspace's language; the texts
come from the ``sched.*`` and launch catalog keys. Nothing here sends or decides *when*
(see :mod:`bot.scheduler`). Cards carry buttons: check an item off, sign a department off
(Ready / Not ready), and on launch day the PM's Go / Go with risks / Postpone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

from handlers import due
from handlers.calendar import WorkCalendar
from handlers.feedback_views import received_sections
from handlers.i18n import Translator
from handlers.launch_views import (
    check_buttons,
    decision_buttons,
    decision_text,
    item_lines,
    name,
    signoff_buttons,
    signoff_lines,
)
from handlers.next_version import command_for, next_button
from handlers.notices import task_bucket
from handlers.readiness import Readiness
from handlers.replies import Field, Reply, Section, Tone, mention
from handlers.views import day, department_name, joined, short_day, task_line
from storage.feedback import LaunchFeedback
from storage.models import Department, LaunchStatus, Task, TaskStatus

ITEM_LIMIT = 15  # list items per section before "… +N"
BEHIND_WITHIN_DAYS = 3  # from T-3 on, open items put a department behind
SIGNOFF_FROM = -2  # working days before the launch: from then on, sign-off is asked for
UTC = ZoneInfo("UTC")


def asks_signoff(readiness: Readiness, today: date, calendar: WorkCalendar) -> bool:
    return today >= calendar.add_working_days(readiness.launch.launch_date, SIGNOFF_FROM)


def department_is_behind(readiness: Readiness, department: Department, today: date, offset: int) -> bool:
    """Overdue or blocked launch tasks or items; or, from the T-3 check-in on, anything still open."""
    tasks = [t for t in readiness.open_tasks if t.department_id == department.id]
    items = [i for i in readiness.open_items if i.department_id == department.id]
    if any(t.status == TaskStatus.BLOCKED or (t.due_date and t.due_date < today) for t in (*tasks, *items)):
        return True
    if offset >= -BEHIND_WITHIN_DAYS:
        return bool(items or tasks)
    return False


def compose_checkin(
    readiness: Readiness,
    offset: int,
    today: date,
    lang: str,
    *,
    calendar: WorkCalendar | None = None,
    zone: ZoneInfo = UTC,
    slot_day: date | None = None,
    feedback: LaunchFeedback | None = None,
    asks_next: bool = False,
) -> Reply:
    """A launch-readiness check-in (offset < 0), the launch-day go/no-go (0) or a follow-up (> 0).

    ``slot_day``: the day it was due, when it is posted later (late): "moved from" tells only of
    a move off a day off, not of the delay.
    """
    if offset > 0:
        return compose_followup(
            readiness, offset, today, lang, zone=zone, feedback=feedback, asks_next=asks_next
        )
    tr = Translator(lang)
    calendar = calendar or WorkCalendar()
    launch = readiness.launch
    if offset == 0:
        key = (
            "sched.checkin.launched_day"
            if launch.status == LaunchStatus.LAUNCHED
            else "sched.checkin.launch_day"
        )
        headline = tr(key, launch=launch.name, date=day(launch.launch_date, tr, today, relative=False))
    else:
        moved_from, left = due.checkin_headline_parts(today, offset, launch.launch_date, calendar)
        if slot_day is not None:
            moved_from, _left = due.checkin_headline_parts(slot_day, offset, launch.launch_date, calendar)
        moved = tr("sched.checkin.moved_from", day=_nearby_day(moved_from, today, tr)) if moved_from else ""
        headline = tr(
            "sched.checkin.headline", launch=launch.name, label=due.offset_label(offset), moved=moved, n=left
        )
    sections = [_readiness_section(readiness, tr), *_open_work(readiness, today, tr, zone)]
    behind = [
        d.department
        for d in readiness.departments
        if department_is_behind(readiness, d.department, today, offset)
    ]
    if behind:
        names = joined((_lead_or_department(d, tr) for d in behind), tr)
        sections.append(Section(text=tr("sched.checkin.behind", who=names)))
    overdue, blocked = _counted(readiness, today, "overdue"), _counted(readiness, today, "blocked")
    tone = Tone.WARNING if behind or overdue or blocked else Tone.INFO
    if offset == 0:
        sections.extend(_go_no_go(readiness, tr, zone))
        tone = Tone.SUCCESS if readiness.ready else Tone.WARNING
    else:
        if asks_signoff(readiness, today, calendar):
            sections.append(signoff_section(readiness, tr, zone))
        if readiness.ready:
            sections.append(Section(text=tr("sched.checkin.all_ready")))
            tone = Tone.SUCCESS
    return Reply(headline, tuple(sections), tone=tone, ephemeral=False, language=tr.lang)


def _nearby_day(value: date, today: date, tr: Translator) -> str:
    """``Sat`` for the weekend next to ``today``, else ``Tue 10-06`` (a holiday further away)."""
    if abs((value - today).days) <= 2:
        return tr(f"weekday.{value.weekday()}")
    return short_day(value, tr)


def _readiness_section(readiness: Readiness, tr: Translator) -> Section:
    fields = tuple(
        Field(
            department_name(d.department, tr),
            tr("sched.checkin.dept_ready", done=d.done, total=d.total)
            if d.ready
            else tr("sched.checkin.dept_progress", done=d.done, total=d.total, tasks=d.open_tasks),
        )
        for d in readiness.departments
    )
    return Section(
        title=tr("sched.checkin.readiness", done=readiness.done, total=readiness.total),
        text=readiness.summary(name(tr)) or None,
        fields=fields,
    )


def _open_work(readiness: Readiness, today: date, tr: Translator, zone: ZoneInfo) -> list[Section]:
    """Open items (with their check-off buttons), then the launch's open tasks."""
    sections = []
    if readiness.open_items:
        sections.append(
            _items_section(readiness, readiness.open_items, "sched.checkin.open_items", today, tr, zone)
        )
    if readiness.open_tasks:
        overdue, blocked = _counted(readiness, today, "overdue"), _counted(readiness, today, "blocked")
        ordered = sorted(
            readiness.open_tasks,
            key=lambda t: (t.status != TaskStatus.BLOCKED, not (t.due_date and t.due_date < today), t.number),
        )
        sections.append(
            Section(
                title=tr("sched.checkin.tasks", n=len(ordered), overdue=len(overdue), blocked=len(blocked)),
                items=tuple(task_line(t, tr, today, launch=False) for t in ordered[:ITEM_LIMIT]),
                more=max(0, len(ordered) - ITEM_LIMIT),
            )
        )
    return sections


def _items_section(
    readiness: Readiness, items: Sequence[Task], title: str, today: date, tr: Translator, zone: ZoneInfo
) -> Section:
    """Open items, each with its owner and date, and a check-off button for each shown."""
    shown = items[:ITEM_LIMIT]
    return Section(
        title=tr(title, n=len(items)),
        items=item_lines(readiness, shown, tr, today, zone),
        buttons=check_buttons(readiness, shown, tr),
        more=max(0, len(items) - ITEM_LIMIT),
    )


def signoff_section(readiness: Readiness, tr: Translator, zone: ZoneInfo) -> Section:
    """The matrix, with Ready / Not ready for each department not yet ready."""
    waiting = any(not (d.signoff and d.signoff.ready) for d in readiness.departments)
    return Section(
        title=tr("signoff.ask" if waiting else "signoff.title"),
        items=signoff_lines(readiness, tr, zone),
        buttons=signoff_buttons(readiness, tr),
    )


def _go_no_go(readiness: Readiness, tr: Translator, zone: ZoneInfo) -> list[Section]:
    """Launch day: the sign-off matrix, then the PM's decision (or the buttons to make it)."""
    launch = readiness.launch
    sections = [signoff_section(readiness, tr, zone)]
    decided = decision_text(launch, tr, zone)
    if decided:
        sections.append(Section(text=decided))
    elif launch.status != LaunchStatus.LAUNCHED:
        owner = mention(launch.owner.user_id, launch.owner.name) if launch.owner else tr("word.nobody")
        if readiness.ready:
            text = tr("sched.checkin.go_prompt_ready", owner=owner)
        else:
            text = tr(
                "sched.checkin.go_prompt",
                owner=owner,
                items=len(readiness.open_items),
                tasks=len(readiness.open_tasks),
            )
        sections.append(Section(text=text, buttons=decision_buttons(launch, tr)))
    return sections


def compose_signoff_request(readiness: Readiness, today: date, lang: str, *, zone: ZoneInfo = UTC) -> Reply:
    """T-2 working days, when no check-in goes out that day: leads, is your department ready?"""
    tr = Translator(lang)
    launch = readiness.launch
    headline = tr(
        "sched.signoff.headline",
        launch=launch.name,
        date=day(launch.launch_date, tr, today, relative=False),
        n=due.days_left(today, launch.launch_date),
    )
    leads = joined(
        (_lead_or_department(d.department, tr) for d in readiness.departments if not d.signoff), tr
    )
    sections = [signoff_section(readiness, tr, zone)]
    if leads:
        sections.append(Section(text=tr("sched.signoff.who", who=leads)))
    return Reply(headline, tuple(sections), tone=Tone.INFO, ephemeral=False, language=tr.lang)


def compose_followup(
    readiness: Readiness,
    offset: int,
    today: date,
    lang: str,
    *,
    zone: ZoneInfo = UTC,
    feedback: LaunchFeedback | None = None,
    asks_next: bool = False,
) -> Reply:
    """T+1 / T+7: ask each department for feedback and open issues, show the feedback come in so far
    (with a "Log feedback" button); list the follow-up work still open; with ``asks_next`` (T+7,
    no next version yet) ask the PM whether to start the next version."""
    tr = Translator(lang)
    launch = readiness.launch
    since = (today - launch.launch_date).days
    headline = tr("sched.followup.headline", launch=launch.name, label=due.offset_label(offset), n=since)
    asks = tuple(
        tr(
            "sched.followup.ask",
            who=_lead_or_department(d.department, tr),
            department=department_name(d.department, tr),
            launch=launch.name,
        )
        for d in readiness.departments
    )
    sections = [Section(title=tr("sched.followup.feedback"), items=asks)]
    names = {d.department.key: department_name(d.department, tr) for d in readiness.departments}
    sections.extend(received_sections(feedback or LaunchFeedback(), launch, tr, names))
    open_items = (*readiness.open_followups, *readiness.open_items)
    if open_items:
        sections.append(_items_section(readiness, open_items, "sched.followup.open_items", today, tr, zone))
    if readiness.open_tasks:
        sections.append(
            Section(
                title=tr("sched.followup.open_tasks", n=len(readiness.open_tasks)),
                items=tuple(task_line(t, tr, today, launch=False) for t in readiness.open_tasks[:ITEM_LIMIT]),
                more=max(0, len(readiness.open_tasks) - ITEM_LIMIT),
            )
        )
    if asks_next:
        owner = mention(launch.owner.user_id, launch.owner.name) if launch.owner else tr("word.nobody")
        ask = tr("next.ask", owner=owner, launch=launch.name, command=command_for(launch))
        sections.append(Section(text=ask, buttons=(next_button(launch, tr("button.next_version")),)))
    sections.append(Section(context=tr("sched.followup.how", launch=launch.name)))
    return Reply(headline, tuple(sections), tone=Tone.INFO, ephemeral=False, language=tr.lang)


def _counted(readiness: Readiness, today: date, bucket: str) -> list:
    """The launch's open tasks in one bucket, counted as the digest counts them (a blocked task
    past its date is blocked, not overdue)."""
    return [t for t in readiness.open_tasks if task_bucket(t, today) == bucket]


def _lead_or_department(department: Department, tr: Translator) -> str:
    if department.lead is not None:
        return tr(
            "sched.lead_of",
            who=mention(department.lead.user_id, department.lead.name),
            department=department_name(department, tr),
        )
    return tr("sched.no_lead", department=department_name(department, tr))
