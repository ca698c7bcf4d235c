"""What coordbot says on its own: digests, nudges, escalations, alerts (launch check-ins and
follow-ups: :mod:`handlers.launch_notices`).

Every function returns a platform-neutral :class:`Reply` (adapters render it); the texts come
from the ``sched.*`` catalog keys in the workspace's or the person's language. Mentions use
``<@USERID>`` (adapters render them). Nothing here sends or decides *when*; see
:mod:`handlers.due` and :mod:`bot.scheduler`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers import due
from handlers.chart_model import Chart
from handlers.help_text import TASK_PLACEHOLDER
from handlers.i18n import Translator
from handlers.replies import (
    Button,
    ButtonStyle,
    Choice,
    Field,
    FileAttachment,
    Form,
    FormInput,
    InputKind,
    Outbound,
    Reply,
    Section,
    Target,
    Tone,
)
from handlers.views import day, department_name, moment, task_buttons, task_line, who
from storage import scheduling
from storage.models import DigestSchedule, Person, Task, TaskStatus, Workspace

TaskLike = Task | scheduling.TaskRow  # ORM tasks, or the light rows the scheduler's bulk queries give

ITEM_LIMIT = 15  # list items per section before "… +N"
TASK_CARDS = 10  # tasks with their own buttons in one DM


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
    tasks = [task for task, _late in overdue] + list(blocked)
    named = f"#{tasks[0].number}" if len(tasks) == 1 else TASK_PLACEHOLDER
    sections.append(Section(context=tr("sched.nudge.how", task=named)))
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
    """A JSON-able form of ``message`` for the notification ledger (so a retry needs nothing else);
    a reply with a secret is stored as its :attr:`~handlers.replies.Reply.stored_as`."""
    reply = message.reply
    if reply.stored_as is not None:
        reply = replace(reply.stored_as, language=reply.language, ephemeral=reply.ephemeral)
    return {
        "platform": message.platform,
        "workspace_external_id": message.workspace_external_id,
        "target": {
            "kind": message.target.kind,
            "id": message.target.id,
            "name": message.target.name,
            "channel_id": message.target.channel_id,
            "thread": message.target.thread,
        },
        "key": message.key,
        "reply_handle": message.reply_handle,
        "reply": {
            "language": reply.language,
            "headline": reply.headline,
            "tone": str(reply.tone),
            "ephemeral": reply.ephemeral,
            "usage": reply.usage,
            "chart": reply.chart.to_dict() if reply.chart is not None else None,
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
            "form": asdict(reply.form) if reply.form is not None else None,
            "file": vars(reply.file) if reply.file is not None else None,
        },
    }


def _form_from_dict(data: dict[str, Any] | None) -> Form | None:
    if not data:
        return None
    inputs = tuple(
        FormInput(
            **{
                **item,
                "kind": InputKind(item.get("kind", InputKind.TEXT)),
                "choices": tuple(Choice(**c) for c in item.get("choices", ())),
            }
        )
        for item in data.get("inputs", ())
    )
    return Form(**{**data, "inputs": inputs})


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
    skipped = ("sections", "headline", "tone", "file", "chart", "form")
    known = {k: v for k, v in reply.items() if k not in skipped}
    if reply.get("file"):
        known["file"] = FileAttachment(**reply["file"])
    if reply.get("chart"):
        known["chart"] = Chart.from_dict(reply["chart"])
    form = _form_from_dict(reply.get("form"))
    return Outbound(
        platform=data["platform"],
        workspace_external_id=data["workspace_external_id"],
        target=Target(**data["target"]),
        reply=Reply(reply["headline"], sections, tone=Tone(reply.get("tone", Tone.INFO)), form=form, **known),
        key=data.get("key"),
        reply_handle=data.get("reply_handle"),
    )
