"""What coordbot says on its own: check-ins, follow-ups, digests, nudges, escalations, alerts.

Every function returns a platform-neutral :class:`Reply` (adapters render it); the texts come
from the ``sched.*`` catalog keys in the workspace's or the person's language. Mentions use
``<@USERID>`` (adapters render them). Nothing here sends or decides *when*; see
:mod:`handlers.due` and :mod:`bot.scheduler`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers import due
from handlers.i18n import Translator
from handlers.readiness import Readiness, item_text
from handlers.replies import Button, ButtonStyle, Field, Outbound, Reply, Section, Target, Tone, mention
from handlers.views import day, department_name, joined, moment, task_buttons, task_line, who
from storage import scheduling
from storage.models import Department, DigestSchedule, Person, Task, TaskStatus, Workspace

TaskLike = Task | scheduling.TaskRow  # ORM tasks, or the light rows the scheduler's bulk queries give

ITEM_LIMIT = 15  # list items per section before "… +N"
TASK_CARDS = 10  # tasks with their own buttons in one DM
BEHIND_WITHIN_DAYS = 3  # from T-3 on, open checklist items put a department behind


def task_bucket(task: TaskLike, today: date) -> str | None:
    """The one bucket a task counts in, in check-ins and digests alike (README: "Counting").

    Done; else blocked (a blocked task past its due date too); else overdue; else due today.
    """
    if task.status == TaskStatus.DONE:
        return "done"
    if task.status == TaskStatus.BLOCKED:
        return "blocked"
    if task.due_date is not None and task.due_date < today:
        return "overdue"
    if task.due_date == today:
        return "today"
    return None


# --------------------------------------------------------------------------- check-ins


def department_is_behind(readiness: Readiness, department: Department, today: date, offset: int) -> bool:
    """Overdue or blocked launch tasks; or, from the T-3 check-in on, anything still open."""
    tasks = [t for t in readiness.open_tasks if t.department_id == department.id]
    if any(t.status == TaskStatus.BLOCKED or (t.due_date and t.due_date < today) for t in tasks):
        return True
    if offset >= -BEHIND_WITHIN_DAYS:
        items = [i for i in readiness.open_items if i.department_id == department.id]
        return bool(items or tasks)
    return False


def compose_checkin(readiness: Readiness, offset: int, today: date, lang: str) -> Reply:
    """A launch-readiness check-in (offset < 0), the launch-day go/no-go (0) or a follow-up (> 0)."""
    if offset > 0:
        return compose_followup(readiness, offset, today, lang)
    tr = Translator(lang)
    launch = readiness.launch
    left = due.days_left(today, launch.launch_date)
    when = day(launch.launch_date, tr, today, relative=False)
    sections: list[Section] = []
    if offset == 0:
        headline = tr("sched.checkin.launch_day", launch=launch.name, date=when)
    else:
        headline = tr("sched.checkin.headline", launch=launch.name, label=due.offset_label(offset), n=left)
    fields = tuple(
        Field(
            department_name(d.department, tr),
            tr("sched.checkin.dept_ready", done=d.done, total=d.total)
            if d.ready
            else tr("sched.checkin.dept_progress", done=d.done, total=d.total, tasks=d.open_tasks),
        )
        for d in readiness.departments
    )
    sections.append(
        Section(
            title=tr("sched.checkin.readiness", done=readiness.done, total=readiness.total),
            text=readiness.summary(lambda d: department_name(d, tr)) or None,
            fields=fields,
        )
    )
    if readiness.open_items:
        shown = tuple(_item_line(i, tr) for i in readiness.open_items[:ITEM_LIMIT])
        sections.append(
            Section(
                title=tr("sched.checkin.open_items", n=len(readiness.open_items)),
                items=shown,
                more=max(0, len(readiness.open_items) - ITEM_LIMIT),
            )
        )
    overdue = [t for t in readiness.open_tasks if task_bucket(t, today) == "overdue"]
    blocked = [t for t in readiness.open_tasks if task_bucket(t, today) == "blocked"]
    if readiness.open_tasks:
        ordered = sorted(
            readiness.open_tasks,
            key=lambda t: (t.status != TaskStatus.BLOCKED, not (t.due_date and t.due_date < today), t.number),
        )
        sections.append(
            Section(
                title=tr(
                    "sched.checkin.tasks",
                    n=len(readiness.open_tasks),
                    overdue=len(overdue),
                    blocked=len(blocked),
                ),
                items=tuple(task_line(t, tr, today, launch=False) for t in ordered[:ITEM_LIMIT]),
                more=max(0, len(ordered) - ITEM_LIMIT),
            )
        )
    behind = [
        d.department
        for d in readiness.departments
        if department_is_behind(readiness, d.department, today, offset)
    ]
    if behind:
        names = joined((_lead_or_department(d, tr) for d in behind), tr)
        sections.append(Section(text=tr("sched.checkin.behind", who=names)))
    tone = Tone.WARNING if behind or overdue or blocked else Tone.INFO
    if offset == 0:
        if readiness.ready:
            sections.append(Section(text=tr("sched.checkin.go")))
            tone = Tone.SUCCESS
        else:
            sections.append(
                Section(
                    text=tr(
                        "sched.checkin.go_no_go",
                        items=len(readiness.open_items),
                        tasks=len(readiness.open_tasks),
                    )
                )
            )
            tone = Tone.WARNING
    elif readiness.ready:
        sections.append(Section(text=tr("sched.checkin.all_ready")))
        tone = Tone.SUCCESS
    return Reply(headline, tuple(sections), tone=tone, ephemeral=False, language=tr.lang)


def compose_followup(readiness: Readiness, offset: int, today: date, lang: str) -> Reply:
    """T+1 / T+7: ask each department for feedback and open issues; list what is still open."""
    tr = Translator(lang)
    launch = readiness.launch
    since = (today - launch.launch_date).days
    headline = tr("sched.followup.headline", launch=launch.name, label=due.offset_label(offset), n=since)
    asks = tuple(
        tr(
            "sched.followup.ask",
            who=_lead_or_department(d, tr),
            department=department_name(d, tr),
            launch=launch.name,
        )
        for d in _followup_departments(readiness)
    )
    sections = [Section(title=tr("sched.followup.feedback"), items=asks)]
    if readiness.open_tasks:
        sections.append(
            Section(
                title=tr("sched.followup.open_tasks", n=len(readiness.open_tasks)),
                items=tuple(task_line(t, tr, today, launch=False) for t in readiness.open_tasks[:ITEM_LIMIT]),
                more=max(0, len(readiness.open_tasks) - ITEM_LIMIT),
            )
        )
    if readiness.open_items:
        sections.append(
            Section(
                title=tr("sched.checkin.open_items", n=len(readiness.open_items)),
                items=tuple(_item_line(i, tr) for i in readiness.open_items[:ITEM_LIMIT]),
                more=max(0, len(readiness.open_items) - ITEM_LIMIT),
            )
        )
    sections.append(Section(context=tr("sched.followup.how", launch=launch.name)))
    return Reply(headline, tuple(sections), tone=Tone.INFO, ephemeral=False, language=tr.lang)


def _item_line(item: Any, tr: Translator) -> str:
    return tr("sched.checkin.item", department=department_name(item.department, tr), item=item_text(item, tr))


def _followup_departments(readiness: Readiness) -> list[Department]:
    return [d.department for d in readiness.departments]


def _lead_or_department(department: Department, tr: Translator) -> str:
    if department.lead is not None:
        return tr(
            "sched.lead_of",
            who=mention(department.lead.user_id, department.lead.name),
            department=department_name(department, tr),
        )
    return tr("sched.no_lead", department=department_name(department, tr))


# --------------------------------------------------------------------------- digests


def compose_digest(
    session: Session,
    workspace: Workspace,
    channel_id: str,
    now: datetime,
    lang: str,
    *,
    since: datetime | None = None,
) -> Reply:
    """The standup digest for ``channel_id``: per department, due today, overdue, blocked, done since.

    A department's team channel covers that department, a launch channel its launches, any other
    channel the whole workspace. "Done since" runs from the channel's last digest (24 h when none).
    Two queries for the tasks and the scope, plus one for the schedule when ``since`` is not given.
    """
    if since is None:
        last = session.scalar(
            select(DigestSchedule.last_sent_at).where(
                DigestSchedule.workspace_id == workspace.id, DigestSchedule.channel_id == channel_id
            )
        )
        since = last or now - timedelta(hours=24)
    today = due.local_date(now, due.zone(workspace.timezone))
    scope = scheduling.channel_scope(session, workspace.id, channel_id)
    tasks = scheduling.digest_tasks(session, workspace.id, scope, today, since)
    return build_digest(tasks, today, since, due.zone(workspace.timezone), lang, scope=scope)


def build_digest(
    tasks: Sequence[TaskLike],
    today: date,
    since: datetime,
    tz: Any,
    lang: str,
    *,
    scope: scheduling.ChannelScope | None = None,
) -> Reply:
    """Per department: overdue, blocked, due today, done since ``since`` (:func:`task_bucket`).

    Lines inside a department's section leave out the department; in one launch's channel
    (``scope``), they leave out the launch.
    """
    tr = Translator(lang)
    one_launch = scope is not None and len(scope.launch_ids) == 1 and not scope.department_ids
    groups: dict[int, dict[str, list[TaskLike]]] = {}
    departments: dict[int, Any] = {}
    for task in tasks:
        kind = task_bucket(task, today)
        if kind is None:
            continue
        departments[task.department_id] = task.department
        groups.setdefault(task.department_id, {}).setdefault(kind, []).append(task)
    when = day(today, tr, today, relative=False)
    if not groups:
        headline = tr("sched.digest.all_clear", date=when)
        return Reply(headline, tone=Tone.SUCCESS, ephemeral=False, language=tr.lang)
    totals = {
        k: sum(len(g.get(k, ())) for g in groups.values()) for k in ("today", "overdue", "blocked", "done")
    }
    headline = tr(
        "sched.digest.headline",
        date=when,
        today=totals["today"],
        overdue=totals["overdue"],
        blocked=totals["blocked"],
        done=totals["done"],
    )
    sections = []
    for dept in sorted(departments.values(), key=lambda d: (d.position, d.id)):
        group = groups[dept.id]
        lines: list[str] = []
        hidden = 0
        for kind in ("overdue", "blocked", "today", "done"):
            for task in group.get(kind, ()):
                if len(lines) >= ITEM_LIMIT:
                    hidden += 1  # only what is shown is formatted
                    continue
                if kind == "done":
                    text = _done_line(task, tr)
                else:
                    text = task_line(task, tr, today, department=False, launch=not one_launch)
                lines.append(f"{tr(f'sched.digest.tag_{kind}')} {text}")
        counts = tr(
            "sched.digest.dept_counts",
            today=len(group.get("today", ())),
            overdue=len(group.get("overdue", ())),
            blocked=len(group.get("blocked", ())),
            done=len(group.get("done", ())),
        )
        sections.append(
            Section(
                title=tr("sched.digest.section", department=department_name(dept, tr), counts=counts),
                items=tuple(lines),
                more=hidden,
            )
        )
    sections.append(Section(context=tr("sched.digest.since", since=moment(since, tz, tr))))
    tone = Tone.WARNING if totals["overdue"] or totals["blocked"] else Tone.INFO
    return Reply(headline, tuple(sections), tone=tone, ephemeral=False, language=tr.lang)


def _done_line(task: TaskLike, tr: Translator) -> str:
    if task.assignee is not None:
        return f"#{task.number} {task.title} — {who(task.assignee, tr)}"
    return f"#{task.number} {task.title}"


# --------------------------------------------------------------------------- nudges and escalations


def compose_nudge(
    overdue: Sequence[tuple[TaskLike, int]], blocked: Sequence[TaskLike], today: date, lang: str
) -> Reply:
    """One DM for one person: their overdue tasks (with working days late) and blocked tasks they own.

    Each task gets its buttons (start / done / snooze, or unblock / done for blocked ones).
    """
    tr = Translator(lang)
    if overdue and blocked:
        headline = tr("sched.nudge.headline_both", overdue=len(overdue), blocked=len(blocked))
    elif overdue:
        headline = tr("sched.nudge.headline", n=len(overdue))
    else:
        headline = tr("sched.nudge.headline_blocked", n=len(blocked))
    sections: list[Section] = []
    cards = 0
    for task, late in overdue:
        if cards >= TASK_CARDS:
            break
        cards += 1
        sections.append(
            Section(
                text=task_line(task, tr, today, relative=False),
                context=tr("sched.nudge.late", n=late),
                buttons=task_buttons(task, tr),
            )
        )
    for task in blocked:
        if cards >= TASK_CARDS:
            break
        cards += 1
        sections.append(
            Section(
                text=task_line(task, tr, today),
                context=tr("sched.nudge.blocked_for", who=who(task.assignee, tr)),
                buttons=task_buttons(task, tr),
            )
        )
    rest = len(overdue) + len(blocked) - cards
    if rest > 0:
        sections.append(Section(text=tr("sched.nudge.more", n=rest)))
    sections.append(Section(context=tr("sched.nudge.how")))
    return Reply(headline, tuple(sections), tone=Tone.WARNING, ephemeral=False, language=tr.lang)


def compose_escalation(role: str, tasks: Sequence[tuple[TaskLike, int]], today: date, lang: str) -> Reply:
    """To a department lead (``role="lead"``) or a task's creator (``"creator"``): tasks now late."""
    tr = Translator(lang)
    headline = tr(f"sched.escalate.{role}", n=len(tasks))
    sections = []
    for task, late in tasks[:TASK_CARDS]:
        sections.append(
            Section(
                text=task_line(task, tr, today, relative=False),
                context=tr("sched.escalate.detail", who=who(task.assignee, tr), n=late),
                buttons=task_buttons(task, tr),
            )
        )
    if len(tasks) > TASK_CARDS:
        sections.append(Section(text=tr("sched.nudge.more", n=len(tasks) - TASK_CARDS)))
    return Reply(headline, tuple(sections), tone=Tone.WARNING, ephemeral=False, language=tr.lang)


def compose_failure_alert(kind: str, target: Target, error: str, lang: str) -> Reply:
    """To workspace admins, once: a scheduled message could not be delivered and will not be retried."""
    tr = Translator(lang)
    return Reply(
        tr("sched.alert.headline", what=tr(f"sched.kind.{kind}"), where=target.label),
        (Section(text=tr("sched.alert.error", error=error[:300])), Section(text=tr("sched.alert.fix"))),
        tone=Tone.ERROR,
        ephemeral=False,
        language=tr.lang,
    )


def person_language(person: Person | None, workspace_language: str) -> str:
    return (person.language if person is not None and person.language else None) or workspace_language


# --------------------------------------------------------------------------- storing outbound messages


def outbound_to_dict(message: Outbound) -> dict[str, Any]:
    """A JSON-able form of ``message`` for the notification ledger (so a retry needs nothing else)."""
    reply = message.reply
    return {
        "platform": message.platform,
        "workspace_external_id": message.workspace_external_id,
        "target": {
            "kind": message.target.kind,
            "id": message.target.id,
            "name": message.target.name,
            "channel_id": message.target.channel_id,
        },
        "key": message.key,
        "reply_handle": message.reply_handle,
        "reply": {
            "language": reply.language,
            "headline": reply.headline,
            "tone": str(reply.tone),
            "ephemeral": reply.ephemeral,
            "usage": reply.usage,
            "sections": [
                {
                    "title": s.title,
                    "text": s.text,
                    "fields": [{"label": f.label, "value": f.value} for f in s.fields],
                    "items": list(s.items),
                    "buttons": [
                        {"action_id": b.action_id, "label": b.label, "value": b.value, "style": str(b.style)}
                        for b in s.buttons
                    ],
                    "context": s.context,
                    "more": s.more,
                }
                for s in reply.sections
            ],
        },
    }


def outbound_from_dict(data: dict[str, Any]) -> Outbound:
    reply = data["reply"]
    sections = tuple(
        Section(
            title=s.get("title"),
            text=s.get("text"),
            fields=tuple(Field(**f) for f in s.get("fields", ())),
            items=tuple(s.get("items", ())),
            buttons=tuple(
                Button(b["action_id"], b["label"], b["value"], ButtonStyle(b.get("style", "default")))
                for b in s.get("buttons", ())
            ),
            context=s.get("context"),
            more=s.get("more", 0),
        )
        for s in reply.get("sections", ())
    )
    known = {k: v for k, v in reply.items() if k not in ("sections", "headline", "tone")}
    return Outbound(
        platform=data["platform"],
        workspace_external_id=data["workspace_external_id"],
        target=Target(**data["target"]),
        reply=Reply(reply["headline"], sections, tone=Tone(reply.get("tone", Tone.INFO)), **known),
        key=data.get("key"),
        reply_handle=data.get("reply_handle"),
    )
