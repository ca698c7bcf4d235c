"""A launch's retro: shipped on the planned date or not (and what moved it), each department's
items on time and late, the work that slipped most and the time it spent blocked, the feedback
logged on it (counts by triage state, kind and department, where there is any), and the work
still open (candidates to carry over to the next version).

From the launch's own history (created with a date, rescheduled, postponed, launched) and its
work's (:mod:`handlers.timeline`). Sent by the scheduler at T+7 and when the PM closes the
launch (``retro <launch> close``), once, to the launch channel and the PM.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from handlers import views
from handlers.feedback_views import department_counts, kind_fields
from handlers.i18n import Translator
from handlers.replies import Reply, Section, Tone
from handlers.timeline import TaskTimeline, timelines
from storage import feedback as feedback_store
from storage import launch_plans, progress
from storage.feedback import LaunchFeedback
from storage.models import Launch, LaunchEvent, TaskKind, TaskStatus

RETRO_DAYS = 7  # T+7: a week after the launch
SHOWN = 5
GONE = (TaskStatus.DELETED, TaskStatus.CANCELLED)


def retro_key(launch: Launch, target: str) -> str:
    """One retro per launch and recipient, whether the scheduler or the PM sent it first."""
    return f"retro:launch:{launch.id}:{target}"


def planned_date(launch: Launch, history: Sequence[LaunchEvent]) -> date:
    """The date the launch was first made for."""
    for event in history:
        if event.kind == "created" and (event.changes or {}).get("date"):
            return date.fromisoformat(str(event.changes["date"]))
        if event.kind in ("rescheduled", "postponed") and (event.changes or {}).get("from"):
            return date.fromisoformat(str(event.changes["from"]))
    return launch.launch_date


def shipped_date(launch: Launch, zone: ZoneInfo) -> date:
    return (
        launch.launched_at.astimezone(zone).date() if launch.launched_at is not None else launch.launch_date
    )


def compose_retro(session: Session, launch: Launch, *, lang: str, zone: ZoneInfo, now: datetime) -> Reply:
    tr = Translator(lang)
    history = launch_plans.launch_history(session, launch)
    work_rows = [t for t in progress.launch_work(session, launch) if t.status not in GONE]
    work = timelines(work_rows, progress.events_of(session, launch.workspace_id, [t.id for t in work_rows]))
    planned, shipped = planned_date(launch, history), shipped_date(launch, zone)
    sections = [_dates_section(tr, zone, planned, shipped, history)]
    sections.append(_departments_section(tr, zone, [t for t in work if t.task.kind == TaskKind.ITEM]))
    sections.extend(_slips_and_blocks(tr, work, now))
    feedback = feedback_store.launch_feedback(session, launch)
    if feedback.total:
        sections.append(_feedback_section(tr, feedback))
    carry = [t.task for t in work if t.task.status in TaskStatus.OPEN]
    today = now.astimezone(zone).date()
    if carry:
        lines = views.task_lines(carry, tr, today, launch=False)
        sections.append(
            Section(title=tr("retro.carry_title", n=len(carry)), items=lines.items, more=lines.more)
        )
    else:
        sections.append(Section(title=tr("retro.carry_title", n=0), text=tr("retro.carry_none")))
    tone = Tone.SUCCESS if shipped <= planned and not carry else Tone.INFO
    return Reply(
        tr("retro.headline", launch=launch.name), tuple(sections), tone=tone, ephemeral=False, language=lang
    )


def _feedback_section(tr: Translator, feedback: LaunchFeedback) -> Section:
    """What users said after the launch: counts by triage state, kind and department."""
    title = tr("retro.feedback_title", n=feedback.total)
    states = " · ".join(
        f"{tr(f'retro.feedback.{status}')} {n}" for status, n in sorted(feedback.by_status.items())
    )
    departments = department_counts(feedback, tr)
    text = f"{states} · {departments}" if departments else states
    return Section(title=title, text=text, fields=kind_fields(feedback, tr))


def _dates_section(
    tr: Translator, zone: ZoneInfo, planned: date, shipped: date, history: Sequence[LaunchEvent]
) -> Section:
    if shipped == planned:
        text = tr("retro.on_plan", date=views.short_day(planned, tr))
    elif shipped > planned:
        text = tr("retro.late", date=views.short_day(shipped, tr), planned=views.short_day(planned, tr),
                  n=(shipped - planned).days)  # fmt: skip
    else:
        text = tr("retro.early", date=views.short_day(shipped, tr), planned=views.short_day(planned, tr),
                  n=(planned - shipped).days)  # fmt: skip
    moves = []
    for event in history:
        changes = event.changes or {}
        if event.kind in ("rescheduled", "postponed") and changes.get("from") and changes.get("to"):
            moves.append(
                tr(
                    "retro.moved",
                    when=views.short_day(event.at.astimezone(zone).date(), tr),
                    who=views.who(event.actor, tr),
                    before=views.short_day(date.fromisoformat(str(changes["from"])), tr),
                    after=views.short_day(date.fromisoformat(str(changes["to"])), tr),
                )
            )
    return Section(text=text, items=tuple(moves))


def _departments_section(tr: Translator, zone: ZoneInfo, items: Sequence[TaskTimeline]) -> Section:
    tally: dict[int, list[int]] = {}
    names: dict[int, tuple[int, str]] = {}
    for t in items:
        task = t.task
        names[task.department_id] = (task.department.position, views.department_name(task.department, tr))
        counts = tally.setdefault(task.department_id, [0, 0, 0])  # on time, late, open
        done_at = t.done_at()
        if done_at is not None:
            late = task.due_date is not None and done_at.astimezone(zone).date() > task.due_date
            counts[1 if late else 0] += 1
        else:
            counts[2] += 1
    lines = tuple(
        tr("retro.department", department=names[key][1], on_time=c[0], late=c[1], open=c[2])
        for key, c in sorted(tally.items(), key=lambda kv: names[kv[0]])
    )
    return Section(title=tr("retro.departments_title"), items=lines or (tr("retro.no_items"),))


def _days(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 86400:.1f}"


def _slips_and_blocks(tr: Translator, work: Sequence[TaskTimeline], now: datetime) -> list[Section]:
    slipped = sorted((t for t in work if t.slips()), key=lambda t: (-t.slips(), t.task.number))
    slip_lines = tuple(
        tr("retro.slipped", number=t.task.number, title=t.task.title, n=t.slips()) for t in slipped[:SHOWN]
    )
    blocked = sorted(
        ((t, t.time_blocked(now)) for t in work if t.time_blocked(now)), key=lambda pair: -pair[1]
    )
    total = sum((spent for _t, spent in blocked), timedelta(0))
    block_lines = tuple(
        tr("retro.blocked", number=t.task.number, title=t.task.title, days=_days(spent))
        for t, spent in blocked[:SHOWN]
    )
    return [
        Section(title=tr("retro.slipped_title"), items=slip_lines or (tr("retro.slipped_none"),)),
        Section(
            title=tr("retro.blocked_title", days=_days(total)),
            items=block_lines or (tr("retro.blocked_none"),),
        ),
    ]
