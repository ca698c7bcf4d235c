"""A launch's course: reschedule (or postpone at go/no-go), the go decision, launched, cancel.

Whatever changes the launch for everyone is told once: the reply goes to the channel the command
was typed in, the launch channel gets the same post when that is elsewhere, and each department
lead of the launch a DM with what moved in their department. The launch's history records it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from handlers import launch_grammar as lg
from handlers import launch_items, views
from handlers import launch_permissions as perm
from handlers.execution import CommandError, Ctx
from handlers.launch_commands import readiness_reply
from handlers.launch_views import signoff_lines
from handlers.readiness import launch_readiness
from handlers.replies import Outbound, Reply, Section, Target, Tone
from storage import launch_plans, repo
from storage.models import Decision, Department, Launch, LaunchStatus, Task, TaskStatus

USAGE = "launch_course"


def locked_launch(ctx: Ctx, name: str) -> Launch:
    """The launch, its row locked for the change (two reschedules apply one after the other)."""
    launch = launch_plans.find_launch_for_update(ctx.session, ctx.workspace, name)
    if launch is None:
        raise CommandError("err.no_launch", USAGE, {"name": name[:40]}, field="launch")
    return launch


def _still_ahead(ctx: Ctx, launch: Launch) -> None:
    """Refuse changing the course of a launch that is cancelled or has shipped: the PM said so, or
    its day is past. On its day it may still be postponed (the go/no-go's third answer)."""
    if launch.status == LaunchStatus.CANCELLED:
        raise CommandError("err.launch_cancelled", USAGE, {"launch": launch.name})
    if launch.status == LaunchStatus.LAUNCHED or ctx.today > launch.launch_date:
        raise CommandError("err.launch_already_launched", USAGE, {"launch": launch.name})


def reschedule(ctx: Ctx, cmd: lg.RescheduleLaunch) -> Reply:
    launch = locked_launch(ctx, cmd.launch)
    perm.require_launch_owner(ctx, launch)
    _still_ahead(ctx, launch)
    if cmd.day < ctx.today:
        raise CommandError("err.launch_in_past", USAGE, {"date": cmd.day.isoformat()}, field="date")
    if cmd.day == launch.launch_date:
        raise CommandError(
            "err.launch_same_date",
            USAGE,
            {"launch": launch.name, "date": views.day(cmd.day, ctx.tr, ctx.today, relative=False)},
        )
    old = launch.launch_date
    moved = move_launch(ctx, launch, cmd.day)
    launch.decision = launch.decision_note = launch.decided_by_id = launch.decided_at = None
    launch.decided_by = None
    kind = "postponed" if cmd.postpone else "rescheduled"
    launch_plans.record_launch_event(
        ctx.session,
        launch,
        ctx.me,
        ctx.now,
        kind,
        {"from": old.isoformat(), "to": cmd.day.isoformat(), "moved": len(moved)},
    )
    headline = ctx.tr(
        f"launch.{kind}",
        launch=launch.name,
        old=views.day(old, ctx.tr, ctx.today, relative=False),
        new=views.day(cmd.day, ctx.tr, ctx.today, relative=False),
        who=views.who(ctx.me, ctx.tr),
    )
    moved_lines = tuple(_moved_line(ctx, task, before) for task, before in moved)
    what = Section(
        title=ctx.tr("launch.moved_items", n=len(moved)), items=moved_lines[:30], more=max(0, len(moved) - 30)
    )
    fixed = ctx.tr("launch.dated_items_stay")
    notice = Reply(
        headline, (what, Section(context=fixed)), tone=Tone.WARNING, ephemeral=False, language=ctx.tr.lang
    )
    tell_everyone(ctx, launch, notice, {t.department_id for t, _b in moved}, moved)
    ctx.session.flush()
    sections = readiness_reply(ctx, launch_readiness(ctx.session, launch)).sections
    day_off = launch_items.day_off_note(ctx, launch)
    return Reply(headline, (what, *day_off, *sections), tone=Tone.WARNING, ephemeral=False)


def move_launch(ctx: Ctx, launch: Launch, day: date) -> list[tuple[Task, date | None]]:
    """Set the date; open items and tasks dated by offset move with it. ``(task, old due)`` moved."""
    launch.launch_date = day
    moved = []
    for task in (
        *launch_plans.launch_items(ctx.session, launch),
        *launch_plans.launch_tasks(ctx.session, launch),
    ):
        if task.due_offset is None or not task.is_open:
            continue
        new = ctx.calendar.add_working_days(day, task.due_offset)
        if new == task.due_date:
            continue
        before = task.due_date
        task.due_date, task.updated_at = new, ctx.now
        repo.record_event(
            ctx.session,
            task,
            ctx.me,
            ctx.now,
            "due",
            {"due": [before.isoformat() if before else None, new.isoformat()]},
        )
        moved.append((task, before))
    return moved


def _moved_line(ctx: Ctx, task: Task, before: date | None) -> str:
    return ctx.tr(
        "launch.moved_line",
        number=task.number,
        department=views.department_name(task.department, ctx.tr),
        title=task.title,
        old=views.day(before, ctx.tr, ctx.today, relative=False),
        new=views.day(task.due_date, ctx.tr, ctx.today, relative=False),
    )


def tell_everyone(
    ctx: Ctx,
    launch: Launch,
    notice: Reply,
    departments_moved: set[int],
    moved: Sequence[tuple[Task, date | None]] = (),
) -> None:
    """The launch channel (when the command ran elsewhere) and each lead of the launch, once."""
    post_to_launch_channel(ctx, launch, notice)
    told: set[int] = set()
    for department in _launch_departments(ctx, launch):
        lead = department.lead
        if lead is None or lead.id in told:
            continue
        told.add(lead.id)
        mine = [(t, b) for t, b in moved if t.department_id == department.id]
        sections = (Section(items=tuple(_moved_line(ctx, t, b) for t, b in mine)),) if mine else ()
        ctx.dm(lead, Reply(notice.headline, sections, tone=notice.tone, language=ctx.tr.lang))


def post_to_launch_channel(ctx: Ctx, launch: Launch, reply: Reply) -> None:
    """The same post in the launch channel, unless the command was typed there (its reply is it)."""
    if launch.channel_id and launch.channel_id != ctx.caller.channel_id:
        ctx.outbox.append(
            Outbound(
                platform=ctx.caller.platform,
                workspace_external_id=ctx.workspace.external_id,
                target=Target.channel(launch.channel_id, launch.channel_name),
                reply=reply,
            )
        )


def _launch_departments(ctx: Ctx, launch: Launch) -> list[Department]:
    readiness = launch_readiness(ctx.session, launch)
    return [row.department for row in readiness.departments]


def cancel(ctx: Ctx, cmd: lg.CancelLaunch) -> Reply:
    """No more check-ins; its open items are cancelled (no nudges); its tasks stay, with a note."""
    launch = locked_launch(ctx, cmd.launch)
    perm.require_launch_owner(ctx, launch)
    if launch.status == LaunchStatus.CANCELLED:
        raise CommandError("err.launch_cancelled", USAGE, {"launch": launch.name})
    items = [i for i in launch_plans.launch_items(ctx.session, launch) if i.is_open]
    for item in items:
        repo.record_event(
            ctx.session, item, ctx.me, ctx.now, "status", {"status": [item.status, TaskStatus.CANCELLED]}
        )
        item.status, item.updated_at = TaskStatus.CANCELLED, ctx.now
    tasks = launch_plans.launch_tasks(ctx.session, launch)
    for task in tasks:
        repo.record_event(ctx.session, task, ctx.me, ctx.now, "launch_cancelled", {"launch": launch.name})
    launch.status = LaunchStatus.CANCELLED
    launch_plans.record_launch_event(
        ctx.session, launch, ctx.me, ctx.now, "cancelled", {"items": len(items), "tasks": len(tasks)}
    )
    headline = ctx.tr("launch.cancelled", launch=launch.name, who=views.who(ctx.me, ctx.tr))
    body = Section(text=ctx.tr("launch.cancelled_detail", items=len(items), tasks=len(tasks)))
    lines = views.task_lines(tasks, ctx.tr, ctx.today, limit=20)
    sections = (body, Section(items=lines.items, more=lines.more)) if tasks else (body,)
    notice = Reply(headline, sections, tone=Tone.WARNING, ephemeral=False, language=ctx.tr.lang)
    tell_everyone(ctx, launch, notice, set())
    return notice


def mark_launched(ctx: Ctx, cmd: lg.MarkLaunched) -> Reply:
    """It shipped: early, the launch date becomes today (follow-ups count from when it shipped)."""
    launch = locked_launch(ctx, cmd.launch)
    perm.require_launch_owner(ctx, launch)
    _still_ahead(ctx, launch)
    old = launch.launch_date
    moved = move_launch(ctx, launch, ctx.today) if ctx.today < old else []
    launch.status, launch.launched_at = LaunchStatus.LAUNCHED, ctx.now
    launch_plans.record_launch_event(
        ctx.session, launch, ctx.me, ctx.now, "launched", {"planned": old.isoformat(), "moved": len(moved)}
    )
    headline = ctx.tr("launch.launched", launch=launch.name, who=views.who(ctx.me, ctx.tr))
    notice = Reply(headline, tone=Tone.SUCCESS, ephemeral=False, language=ctx.tr.lang)
    tell_everyone(ctx, launch, notice, set(), moved)
    ctx.session.flush()
    return Reply(
        headline,
        readiness_reply(ctx, launch_readiness(ctx.session, launch)).sections,
        tone=Tone.SUCCESS,
        ephemeral=False,
    )


def decide(ctx: Ctx, cmd: lg.DecideLaunch) -> Reply:
    """The PM's go, or go with accepted risks, seen against the departments' sign-offs."""
    launch = locked_launch(ctx, cmd.launch)
    perm.require_launch_owner(ctx, launch)
    if launch.status == LaunchStatus.CANCELLED:
        raise CommandError("err.launch_cancelled", USAGE, {"launch": launch.name})
    launch.decision = Decision.GO_WITH_RISK if cmd.risk else Decision.GO
    launch.decision_note, launch.decided_at = cmd.risk, ctx.now
    launch.decided_by_id, launch.decided_by = ctx.me.id, ctx.me
    launch_plans.record_launch_event(
        ctx.session, launch, ctx.me, ctx.now, launch.decision, {"risk": cmd.risk or ""}
    )
    readiness = launch_readiness(ctx.session, launch)
    key = "launch.decided_risk" if cmd.risk else "launch.decided_go"
    headline = ctx.tr(key, launch=launch.name, who=views.who(ctx.me, ctx.tr), risk=cmd.risk or "")
    matrix = Section(title=ctx.tr("signoff.title"), items=signoff_lines(readiness, ctx.tr, ctx.zone))
    not_ready = [
        views.department_name(d.department, ctx.tr)
        for d in readiness.departments
        if not (d.signoff and d.signoff.ready)
    ]
    sections = [matrix]
    if not_ready:
        sections.append(
            Section(text=ctx.tr("launch.decided_despite", departments=views.joined(not_ready, ctx.tr)))
        )
    notice = Reply(headline, tuple(sections), tone=Tone.SUCCESS, ephemeral=False, language=ctx.tr.lang)
    tell_everyone(ctx, launch, notice, set())
    return notice
