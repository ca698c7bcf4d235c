"""The version plan of a launch (``/coord plan v2.3``) and moving a task between versions
(``/coord move #14 to v2.4``).

The plan has three parts: what is in the version (its items and tasks by department, with
owner, due date and status), what was carried over into it from another launch, and what was cut
(moved to another launch or out of every launch, removed from the plan, deleted or cancelled).
Carried over and cut are read from the tasks' history (:data:`storage.version_plans.LAUNCH_CHANGE`
events), so anything that moves a task between launches records that event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from handlers import execution as ex
from handlers import plan_grammar as pg
from handlers import views
from handlers.execution import CommandError, Ctx
from handlers.feedback_views import entry_line
from handlers.launch_commands import phase
from handlers.launch_views import name
from handlers.permissions import OWNERS, task_roles
from handlers.readiness import Readiness, build_readiness
from handlers.replies import Reply, Section, Tone
from storage import feedback as feedback_store
from storage import repo
from storage import version_plans as vp
from storage.launch_plans import ITEM_STATUSES
from storage.models import FeedbackStatus, Launch, LaunchStatus, Task, TaskEvent, TaskStatus

DEPARTMENT_LIMIT = 30  # lines of one department shown; the rest are counted
SECTION_LIMIT = 30


@dataclass(frozen=True)
class _Cut:
    task: Task
    event: TaskEvent | None  # what cut it (a move, a removal, a cancellation), when known
    moved: bool  # moved to another launch (or out of every launch), not removed or cancelled


def show(ctx: Ctx, cmd: pg.ShowPlan) -> Reply:
    launch = ex.launch(ctx, cmd.launch, "plan")
    rows = vp.tasks_of(ctx.session, launch)
    current = [t for t in rows if t.status not in vp.CUT_STATUSES]
    items = [t for t in rows if t.is_item and t.status in ITEM_STATUSES]
    readiness = build_readiness(launch, items, [t for t in current if not t.is_item and t.is_open])
    changes = vp.launch_changes(ctx.session, ctx.workspace.id)
    carried = _carried_over(launch, current, changes)
    cut = _cut(ctx, launch, rows, changes)
    sections = [*_department_sections(ctx, readiness, current, carried)]
    if carried:
        sections.append(_carried_section(ctx, current, carried))
    if cut:
        sections.append(_cut_section(ctx, cut))
    waiting = feedback_store.of_launch(ctx.session, launch, FeedbackStatus.CARRIED)
    if waiting:
        entries = feedback_store.summarise(ctx.session, launch, waiting).entries
        lines = tuple(entry_line(e, ctx.tr) for e in entries[:SECTION_LIMIT])
        title = ctx.tr("plan.feedback_title", n=len(entries))
        sections.append(Section(title=title, items=lines, more=max(0, len(entries) - SECTION_LIMIT)))
    if not current and not cut:
        sections.append(Section(text=ctx.tr("plan.empty", launch=launch.name)))
    return Reply(_headline(ctx, launch, current), tuple(sections))


def _headline(ctx: Ctx, launch: Launch, current: Sequence[Task]) -> str:
    tr = ctx.tr
    delta = (launch.launch_date - ctx.today).days
    if delta > 0:
        left = tr(
            "plan.working_days_left", n=ctx.calendar.working_days_between(ctx.today, launch.launch_date)
        )
    elif delta == 0:
        left = tr("launch.today")
    else:
        left = tr("launch.days_since", n=-delta)
    return tr(
        "plan.title",
        launch=launch.name,
        date=views.day(launch.launch_date, tr, ctx.today, relative=False),
        left=left,
        phase=tr(f"launch.phase.{phase(ctx, launch)}"),
        done=sum(1 for t in current if t.status == TaskStatus.DONE),
        total=len(current),
    )


def _line(ctx: Ctx, task: Task, readiness: Readiness, *, department: bool) -> str:
    """``dev 2 · #14 Load test — @bob · due Tue 2026-12-08 · in progress`` (a task: ``#15 …``)."""
    tr = ctx.tr
    head = f"#{task.number} {task.title}"
    if department:
        head = f"#{task.number} [{views.department_name(task.department, tr)}] {task.title}"
    if task.is_item and task.id in readiness.numbers:
        head = f"{readiness.label(task, name(tr))} · {head}"
    due = tr("word.due", date=views.day(task.due_date, tr, ctx.today)) if task.due_date else tr("word.no_due")
    if task.status == TaskStatus.BLOCKED and task.blocked_reason:
        status = tr("word.blocked_because", reason=task.blocked_reason)
    else:
        status = views.status(task, tr)
    return f"{head} — {views.who(task.assignee, tr)} · {due} · {status}"


def _department_sections(
    ctx: Ctx, readiness: Readiness, current: Sequence[Task], carried: dict[int, str]
) -> list[Section]:
    sections = []
    by_department: dict[int, list[Task]] = {}
    for task in current:
        by_department.setdefault(task.department_id, []).append(task)
    for tasks in by_department.values():
        department = tasks[0].department
        lines = []
        for task in tasks[:DEPARTMENT_LIMIT]:
            line = _line(ctx, task, readiness, department=False)
            if task.id in carried:
                line += " · " + ctx.tr("plan.from", launch=carried[task.id])
            lines.append(line)
        title = ctx.tr(
            "plan.department",
            department=views.department_name(department, ctx.tr),
            done=sum(1 for t in tasks if t.status == TaskStatus.DONE),
            total=len(tasks),
        )
        sections.append(Section(title=title, items=tuple(lines), more=max(0, len(tasks) - DEPARTMENT_LIMIT)))
    return sections


def _same(name_a: object, launch: Launch) -> bool:
    return isinstance(name_a, str) and name_a.casefold() == launch.name_key


def _launch_change(event: TaskEvent) -> tuple[object, object]:
    value = (event.changes or {}).get("launch")
    return (value[0], value[1]) if isinstance(value, list) and len(value) == 2 else (None, None)


def _carried_over(launch: Launch, current: Sequence[Task], changes: Sequence[TaskEvent]) -> dict[int, str]:
    """Task id -> the launch it came from, for tasks whose latest move brought them here."""
    here = {t.id for t in current}
    came_from: dict[int, str | None] = {}
    for event in changes:  # oldest first: the last move into this launch wins
        before, after = _launch_change(event)
        if event.task_id in here and _same(after, launch):
            came_from[event.task_id] = before if isinstance(before, str) else None
    return {task_id: source for task_id, source in came_from.items() if source}


def _cut(ctx: Ctx, launch: Launch, rows: Sequence[Task], changes: Sequence[TaskEvent]) -> list[_Cut]:
    left: dict[int, TaskEvent] = {}
    for event in changes:
        before, _after = _launch_change(event)
        if _same(before, launch):
            left[event.task_id] = event
    moved_tasks = vp.tasks_by_id(ctx.session, ctx.workspace.id, list(left))
    cut = [
        _Cut(task, left[task_id], moved=True)
        for task_id, task in moved_tasks.items()
        if task.launch_id != launch.id and task.status != TaskStatus.DELETED
    ]
    dropped = [t for t in rows if t.status in vp.CUT_STATUSES]
    why = vp.last_events(ctx.session, dropped, ("deleted", "status"))
    cut.extend(_Cut(task, why.get(task.id), moved=False) for task in dropped)
    return sorted(cut, key=lambda c: c.task.number)


def _carried_section(ctx: Ctx, current: Sequence[Task], carried: dict[int, str]) -> Section:
    sources = views.joined(dict.fromkeys(carried.values()), ctx.tr)
    tasks = [t for t in current if t.id in carried]
    lines = tuple(views.task_line(t, ctx.tr, ctx.today, launch=False) for t in tasks[:SECTION_LIMIT])
    title = ctx.tr("plan.carried_title", launches=sources, n=len(tasks))
    return Section(title=title, items=lines, more=max(0, len(tasks) - SECTION_LIMIT))


def _cut_line(ctx: Ctx, cut: _Cut) -> str:
    tr, task = ctx.tr, cut.task
    head = f"#{task.number} [{views.department_name(task.department, tr)}] {task.title}"
    if cut.moved:
        what = (
            tr("plan.cut_moved", launch=task.launch.name)
            if task.launch is not None
            else tr("plan.cut_unplanned")
        )
    elif task.status == TaskStatus.CANCELLED:
        what = tr("plan.cut_cancelled")
    else:
        what = tr("plan.cut_removed" if task.is_item else "plan.cut_deleted")
    if cut.event is not None:
        what = tr(
            "plan.cut_by",
            what=what,
            who=views.who(cut.event.actor, tr),
            at=views.short_day(cut.event.at.astimezone(ctx.zone).date(), tr),
        )
    return f"{head} — {what}"


def _cut_section(ctx: Ctx, cut: Sequence[_Cut]) -> Section:
    lines = tuple(_cut_line(ctx, c) for c in cut[:SECTION_LIMIT])
    return Section(
        title=ctx.tr("plan.cut_title", n=len(cut)), items=lines, more=max(0, len(cut) - SECTION_LIMIT)
    )


# --------------------------------------------------------------------------- moving a task


def may_move(ctx: Ctx, task: Task) -> bool:
    """A task's owners (as for its due date) and the owner of the launch it is in."""
    if task_roles(ctx, task) & OWNERS:
        return True
    return task.launch is not None and task.launch.owner_id == ctx.me.id


def move(ctx: Ctx, cmd: pg.MoveTask) -> Reply:
    task = ex.task(ctx, cmd.number, "move", for_update=True)
    if task.is_item:
        launch_name = task.launch.name if task.launch is not None else ""
        raise CommandError("err.move_item", None, {"number": task.number, "launch": launch_name})
    target = ex.launch(ctx, cmd.launch, "move") if cmd.launch is not None else None
    if target is not None and target.status == LaunchStatus.CANCELLED:
        raise CommandError("err.move_to_cancelled", "move", {"launch": target.name})
    if target is None and task.launch_id is None:
        raise CommandError("err.move_in_none", "move", {"number": task.number})
    if target is not None and target.id == task.launch_id:
        raise CommandError("err.move_same", "move", {"number": task.number, "launch": target.name})
    if not may_move(ctx, task):
        department = views.department_name(task.department, ctx.tr)
        raise CommandError("err.not_allowed.move", None, {"number": task.number, "department": department})
    before = task.launch.name if task.launch is not None else None
    task.launch_id, task.launch, task.updated_at = (target.id if target else None), target, ctx.now
    repo.record_event(
        ctx.session,
        task,
        ctx.me,
        ctx.now,
        vp.LAUNCH_CHANGE,
        {"launch": [before, target.name if target else None]},
    )
    if target is None:
        headline = ctx.tr("plan.moved_out", number=task.number, launch=before)
    elif before is None:
        headline = ctx.tr("plan.moved_in", number=task.number, launch=target.name)
    else:
        headline = ctx.tr("plan.moved", number=task.number, before=before, after=target.name)
    card = views.task_card(task, ctx.tr, ctx.today, ctx.zone)
    if task.assignee is not None:
        ctx.dm(task.assignee, Reply(headline, (card,), tone=Tone.INFO))
    return Reply(headline, (card,), tone=Tone.SUCCESS)


HANDLERS = {pg.ShowPlan: show, pg.MoveTask: move}
