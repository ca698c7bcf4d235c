"""How a launch plan reads in a reply: its phase, item lines, the sign-off matrix, template items,
history sentences, and the buttons that act on them (check off, sign off, decide).

Items are tasks, so a line about one reads like a task line with its place in the plan first
(``dev 2 · #14 Load test — @bob · due Tue 2026-12-08 · T-5``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from handlers import due
from handlers.calendar import WorkCalendar
from handlers.i18n import Translator
from handlers.readiness import Readiness
from handlers.replies import Button, ButtonStyle
from handlers.views import day, department_name, moment, short_day, who
from storage.models import (
    Department,
    Launch,
    LaunchEvent,
    LaunchStatus,
    OwnerRole,
    SignOff,
    Task,
    TaskStatus,
    TemplateItem,
)

# Button action ids of the launch plan (handlers.launch_actions runs them). Their values are
# never bare digits: a bare number is a task's (the adapters re-render that task in place).
ACTION_CHECK = "item.check"  # value "#<task number>"
ACTION_SIGNOFF_READY = "signoff.ready"  # value "<launch id>/<department id>"
ACTION_SIGNOFF_NOT_READY = "signoff.not_ready"
ACTION_GO = "decision.go"  # value "launch/<launch id>"
ACTION_GO_RISK = "decision.go_risk"
ACTION_POSTPONE = "decision.postpone"
ACTIONS = (
    ACTION_CHECK,
    ACTION_SIGNOFF_READY,
    ACTION_SIGNOFF_NOT_READY,
    ACTION_GO,
    ACTION_GO_RISK,
    ACTION_POSTPONE,
)
CHECK_BUTTONS = 20  # check-off buttons on one card (Slack allows 25 per row)


def name(tr: Translator) -> Callable[[Department], str]:
    """What a department is called in ``tr``'s language (Chinese: its Chinese alias)."""
    return lambda department: department_name(department, tr)


def followups_end(launch: Launch, offsets: Iterable[int], calendar: WorkCalendar) -> date:
    """The day of the launch's last follow-up check-in (its launch day when there is none)."""
    positive = [o for o in offsets if o > 0]
    if not positive:
        return launch.launch_date
    last = max(positive)
    return due.posting_day(launch.launch_date + timedelta(days=last), last, calendar)


def launch_phase(launch: Launch, today: date, followups_until: date) -> str:
    """planned → launched (its date, or the PM said so) → done (after its last follow-up); or cancelled."""
    if launch.status == LaunchStatus.CANCELLED:
        return LaunchStatus.CANCELLED
    if today > followups_until and today > launch.launch_date:
        return LaunchStatus.DONE
    if launch.status == LaunchStatus.LAUNCHED or today >= launch.launch_date:
        return LaunchStatus.LAUNCHED
    return LaunchStatus.PLANNED


def item_line(item: Task, label: str, tr: Translator, today: date, zone: ZoneInfo) -> str:
    """``dev 2 · #14 Load test — @bob · due Tue 2026-12-08 · T-5`` (or who checked it off, and when)."""
    head = f"{label} · #{item.number} {item.title}"
    if item.status == TaskStatus.DONE:
        done = (
            tr("launch.item_done", who=who(item.done_by, tr), at=moment(item.done_at, zone, tr))
            if (item.done_at is not None)
            else tr("status.done")
        )
        return f"{head} — {done}"
    details = [who(item.assignee, tr)]
    if item.due_date is not None:
        details.append(tr("word.due", date=day(item.due_date, tr, today)))
    if item.due_offset is not None:
        details.append(due.offset_label(item.due_offset))
    if item.status == TaskStatus.BLOCKED and item.blocked_reason:
        details.append(tr("word.blocked_because", reason=item.blocked_reason))
    elif item.status not in (TaskStatus.TODO,):
        details.append(tr(f"status.{item.status}"))
    return f"{head} — {' · '.join(details)}"


def item_lines(
    readiness: Readiness, items: Sequence[Task], tr: Translator, today: date, zone: ZoneInfo
) -> tuple[str, ...]:
    return tuple(item_line(i, readiness.label(i, name(tr)), tr, today, zone) for i in items)


def check_buttons(readiness: Readiness, items: Sequence[Task], tr: Translator) -> tuple[Button, ...]:
    """``✓ dev 2`` for each open item shown (the first :data:`CHECK_BUTTONS`)."""
    return tuple(
        Button(ACTION_CHECK, tr("button.check_item", item=readiness.label(i, name(tr))), f"#{i.number}")
        for i in items[:CHECK_BUTTONS]
        if i.is_open
    )


def signoff_text(signoff: SignOff | None, department: Department, tr: Translator, zone: ZoneInfo) -> str:
    if signoff is None:
        lead = who(department.lead, tr) if department.lead is not None else tr("launch.no_lead")
        return tr("signoff.missing", lead=lead)
    when = moment(signoff.at, zone, tr)
    key = "signoff.ready" if signoff.ready else "signoff.not_ready"
    text = tr(key, who=who(signoff.by, tr), at=when)
    return tr("signoff.with_note", text=text, note=signoff.note) if signoff.note else text


def signoff_lines(readiness: Readiness, tr: Translator, zone: ZoneInfo) -> tuple[str, ...]:
    """The matrix: one line per department of the launch."""
    return tuple(
        f"{department_name(d.department, tr)} — {signoff_text(d.signoff, d.department, tr, zone)}"
        for d in readiness.departments
    )


def signoff_buttons(readiness: Readiness, tr: Translator) -> tuple[Button, ...]:
    """Ready / Not ready for each department not yet signed off ready."""
    buttons: list[Button] = []
    for row in readiness.departments:
        if row.signoff is not None and row.signoff.ready:
            continue
        value = f"{readiness.launch.id}/{row.department.id}"
        key = department_name(row.department, tr)
        buttons.append(
            Button(ACTION_SIGNOFF_READY, tr("button.ready", department=key), value, ButtonStyle.PRIMARY)
        )
        buttons.append(Button(ACTION_SIGNOFF_NOT_READY, tr("button.not_ready", department=key), value))
    return tuple(buttons)


def decision_buttons(launch: Launch, tr: Translator) -> tuple[Button, ...]:
    value = f"launch/{launch.id}"
    return (
        Button(ACTION_GO, tr("button.go"), value, ButtonStyle.PRIMARY),
        Button(ACTION_GO_RISK, tr("button.go_risk"), value),
        Button(ACTION_POSTPONE, tr("button.postpone"), value, ButtonStyle.DANGER),
    )


def decision_text(launch: Launch, tr: Translator, zone: ZoneInfo) -> str | None:
    if launch.decision is None or launch.decided_at is None:
        return None
    when = moment(launch.decided_at, zone, tr)
    if launch.decision_note:
        return tr("decision.go_risk", who=who(launch.decided_by, tr), at=when, risk=launch.decision_note)
    return tr("decision.go", who=who(launch.decided_by, tr), at=when)


def owner_text(role: str, owner: object, tr: Translator) -> str:
    if role == OwnerRole.PM:
        return tr("owner.pm")
    if role == OwnerRole.PERSON and owner is not None:
        return who(owner, tr)  # type: ignore[arg-type]
    return tr("owner.lead")


def template_item_line(item: TemplateItem, number: int, tr: Translator) -> str:
    """``dev 1. Feature complete · T-10 · owner: lead``"""
    text = tr(item.text_key) if item.text_key else item.text
    parts = [f"{department_name(item.department, tr)} {number}. {text}"]
    if item.due_offset is not None:
        parts.append(due.offset_label(item.due_offset))
    parts.append(tr("owner.label", owner=owner_text(item.owner_role, item.owner, tr)))
    return " · ".join(parts)


def history_lines(events: Sequence[LaunchEvent], tr: Translator, zone: ZoneInfo) -> tuple[str, ...]:
    """Sentences for people: ``2026-12-09 10:02 @alice moved the launch from Tue 12-15 to Thu 12-17``."""
    lines = []
    for event in events:
        params = {k: _param(v, tr) for k, v in event.changes.items()}
        text = tr(f"launch.event.{event.kind}", who=who(event.actor, tr), **params)
        lines.append(f"{moment(event.at, zone, tr)} {text}")
    return tuple(lines)


def _param(value: object, tr: Translator) -> object:
    """ISO dates in an event read as dates; the rest as they are."""
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return short_day(date.fromisoformat(value), tr)
        except ValueError:
            return value
    return value
