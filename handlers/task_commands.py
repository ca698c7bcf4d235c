"""Coordination tasks: add, list, show, status changes, assign, due, snooze, rename, delete."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from handlers import execution as ex
from handlers import grammar as g
from handlers import views
from handlers.execution import CommandError, Ctx
from handlers.replies import Reply, Section, Tone
from storage import repo
from storage.models import Task, TaskStatus

SNOOZE_BUTTON = timedelta(days=1)


def _touch(ctx: Ctx, task: Task, kind: str, changes: dict[str, Any]) -> None:
    task.updated_at = ctx.now
    repo.record_event(ctx.session, task, ctx.me, ctx.now, kind, changes)


def _card_reply(ctx: Ctx, task: Task, headline: str, *, tone: Tone = Tone.SUCCESS, ephemeral: bool = True):
    card = views.task_card(task, ctx.tr, ctx.today, ctx.zone)
    return Reply(headline, (card,), tone=tone, ephemeral=ephemeral)


def _bad_transition(ctx: Ctx, task: Task, verb: str) -> CommandError:
    status = views.status(task, ctx.tr)
    return CommandError("err.bad_transition", verb, {"number": task.number, "status": status, "verb": verb})


def add(ctx: Ctx, cmd: g.AddTask) -> Reply:
    department = ex.department(ctx, cmd.department, "add")
    assignee = ex.person(ctx, cmd.assignee) if cmd.assignee else None
    launch = ex.launch(ctx, cmd.launch, "add") if cmd.launch else None
    task = Task(
        workspace_id=ctx.workspace.id,
        number=repo.next_task_number(ctx.session, ctx.workspace),
        title=cmd.title,
        department_id=department.id,
        department=department,
        assignee_id=assignee.id if assignee else None,
        assignee=assignee,
        creator_id=ctx.me.id,
        creator=ctx.me,
        due_date=cmd.due,
        priority="high" if cmd.high_priority else "normal",
        launch_id=launch.id if launch else None,
        launch=launch,
        status=TaskStatus.TODO,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    ctx.session.add(task)
    ctx.session.flush()
    created = {
        "title": [None, task.title],
        "department": [None, department.key],
        "assignee": [None, assignee.user_id if assignee else None],
        "due": [None, task.due_date.isoformat() if task.due_date else None],
        "priority": [None, task.priority],
        "launch": [None, launch.name if launch else None],
    }
    _touch(ctx, task, "created", {k: v for k, v in created.items() if v[1] is not None})
    headline = ctx.tr("task.created", number=task.number, who=views.who(ctx.me, ctx.tr))
    if assignee is not None:
        ctx.dm(
            assignee,
            _card_reply(
                ctx,
                task,
                ctx.tr("task.assigned_dm", number=task.number, who=views.who(ctx.me, ctx.tr)),
                tone=Tone.INFO,
            ),
        )
    return _card_reply(ctx, task, headline, ephemeral=False)


def list_tasks(ctx: Ctx, cmd: g.ListTasks) -> Reply:
    filters: dict[str, Any] = {}
    title_key = f"list.title.{cmd.scope}"
    params: dict[str, Any] = {}
    if cmd.launch:
        filters["launch"] = ex.launch(ctx, cmd.launch, "list")
    if cmd.scope == "mine":
        filters["assignee"] = ctx.me
    elif cmd.scope == "department":
        filters["department"] = ex.department(ctx, cmd.department or "", "list")
        params["department"] = filters["department"].key
    elif cmd.scope == "overdue":
        filters["due_before"] = ctx.today
    elif cmd.scope == "blocked":
        filters["statuses"] = (TaskStatus.BLOCKED,)
    elif cmd.scope == "all":
        filters["statuses"] = (*TaskStatus.OPEN, TaskStatus.DONE)
    tasks = repo.list_tasks(ctx.session, ctx.workspace, limit=views.LIST_LIMIT, **filters)
    total = len(tasks)
    if total == views.LIST_LIMIT:
        total = repo.count_tasks(ctx.session, ctx.workspace, **filters)
    headline = ctx.tr(title_key, n=total, **params)
    if cmd.launch:
        headline += " · " + filters["launch"].name
    if not tasks:
        return Reply(headline, (Section(text=ctx.tr("list.empty")),))
    section = views.task_lines(tasks, ctx.tr, ctx.today)
    return Reply(headline, (Section(items=section.items, more=total - len(section.items)),))


def show(ctx: Ctx, cmd: g.ShowTask) -> Reply:
    task = ex.task(ctx, cmd.number, "show")
    card = views.task_card(task, ctx.tr, ctx.today, ctx.zone)
    events = repo.task_history(ctx.session, task)
    history = Section(
        title=ctx.tr("task.history"),
        items=views.history_lines(events[-15:], ctx.tr, ctx.zone),
        more=max(0, len(events) - 15),
    )
    return Reply(f"#{task.number} {task.title}", (card, history))


TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    # verb: (statuses it applies to, new status)
    "start": ((TaskStatus.TODO, TaskStatus.BLOCKED), TaskStatus.IN_PROGRESS),
    "done": ((TaskStatus.TODO, TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED), TaskStatus.DONE),
    "reopen": ((TaskStatus.DONE,), TaskStatus.TODO),
    "unblock": ((TaskStatus.BLOCKED,), TaskStatus.IN_PROGRESS),
}


def change_status(ctx: Ctx, cmd: g.ChangeStatus) -> Reply:
    task = ex.task(ctx, cmd.number, cmd.verb, for_update=True)
    allowed_from, new_status = TRANSITIONS[cmd.verb]
    if cmd.verb in ("done", "reopen") or task.is_item:  # launch items: every verb has its rule
        ex.require_manage(ctx, task, cmd.verb)
    if task.status not in allowed_from:
        raise _bad_transition(ctx, task, cmd.verb)
    old = task.status
    task.status = new_status
    changes: dict[str, Any] = {"status": [old, new_status]}
    if old == TaskStatus.BLOCKED:
        changes["blocked_reason"] = [task.blocked_reason, None]
        task.blocked_reason = None
    if new_status == TaskStatus.DONE:
        task.done_at, task.done_by_id, task.done_by = ctx.now, ctx.me.id, ctx.me
        task.snoozed_until = None
    elif old == TaskStatus.DONE:
        task.done_at, task.done_by_id, task.done_by = None, None, None
    _touch(ctx, task, "status", changes)
    headline = ctx.tr(f"task.{cmd.verb}_ok", number=task.number, who=views.who(ctx.me, ctx.tr))
    if new_status == TaskStatus.DONE and task.creator is not None:
        ctx.dm(task.creator, _card_reply(ctx, task, headline, tone=Tone.INFO))
    return _card_reply(ctx, task, headline)


def block(ctx: Ctx, cmd: g.BlockTask) -> Reply:
    task = ex.task(ctx, cmd.number, "block", for_update=True)
    if task.is_item:
        ex.require_manage(ctx, task, "block")
    if task.status == TaskStatus.DONE:
        raise _bad_transition(ctx, task, "block")
    old = task.status
    _touch(
        ctx,
        task,
        "blocked",
        {"status": [old, TaskStatus.BLOCKED], "blocked_reason": [task.blocked_reason, cmd.reason]},
    )
    task.status = TaskStatus.BLOCKED
    task.blocked_reason = cmd.reason
    headline = ctx.tr("task.blocked_ok", number=task.number, reason=cmd.reason)
    lead = task.department.lead
    notice = _card_reply(
        ctx,
        task,
        ctx.tr("task.blocked_dm", number=task.number, who=views.who(ctx.me, ctx.tr), reason=cmd.reason),
        tone=Tone.WARNING,
    )
    ctx.dm(lead, notice)
    if task.creator is not None and (lead is None or task.creator.id != lead.id):
        ctx.dm(task.creator, notice)
    return _card_reply(ctx, task, headline, tone=Tone.WARNING)


def assign(ctx: Ctx, cmd: g.AssignTask) -> Reply:
    # The person row first, the task's lock after: a transaction holding the lock must not wait
    # for someone's first command (which inserts their row, then asks for the lock) — a deadlock.
    person = ex.person(ctx, cmd.person) if cmd.person is not None else None
    task = ex.task(ctx, cmd.number, "assign", for_update=True)
    ex.require_manage(ctx, task, "assign")
    if person is not None:
        old = task.assignee.user_id if task.assignee else None
        task.assignee_id, task.assignee = person.id, person
        _touch(ctx, task, "assigned", {"assignee": [old, person.user_id]})
        headline = ctx.tr("task.assigned_ok", number=task.number, who=views.who(person, ctx.tr))
        ctx.dm(
            person,
            _card_reply(
                ctx,
                task,
                ctx.tr("task.assigned_dm", number=task.number, who=views.who(ctx.me, ctx.tr)),
                tone=Tone.INFO,
            ),
        )
    else:
        department = ex.department(ctx, cmd.department or "", "assign")
        old_key = task.department.key
        task.department_id, task.department = department.id, department
        _touch(ctx, task, "moved", {"department": [old_key, department.key]})
        headline = ctx.tr("task.moved_ok", number=task.number, department=department.key)
        ctx.dm(department.lead, _card_reply(ctx, task, headline, tone=Tone.INFO))
    return _card_reply(ctx, task, headline)


def set_due(ctx: Ctx, cmd: g.SetDue) -> Reply:
    task = ex.task(ctx, cmd.number, "due", for_update=True)
    ex.require_manage(ctx, task, "due")
    old = task.due_date.isoformat() if task.due_date else None
    task.due_date = cmd.due
    task.due_offset = None  # dated explicitly now: it stays put when its launch moves
    _touch(ctx, task, "due", {"due": [old, cmd.due.isoformat() if cmd.due else None]})
    headline = ctx.tr("task.due_ok", number=task.number, date=views.day(cmd.due, ctx.tr, ctx.today))
    if task.assignee is not None:
        ctx.dm(task.assignee, _card_reply(ctx, task, headline, tone=Tone.INFO))
    return _card_reply(ctx, task, headline)


def snooze(ctx: Ctx, cmd: g.SnoozeTask) -> Reply:
    task = ex.task(ctx, cmd.number, "snooze", for_update=True)
    if task.is_item:
        ex.require_manage(ctx, task, "snooze")
    if task.status == TaskStatus.DONE:
        raise _bad_transition(ctx, task, "snooze")
    until = ctx.now + cmd.duration
    old = task.snoozed_until.isoformat() if task.snoozed_until else None
    task.snoozed_until = until
    _touch(ctx, task, "snoozed", {"snoozed_until": [old, until.isoformat()]})
    headline = ctx.tr("task.snoozed_ok", number=task.number, until=views.moment(until, ctx.zone, ctx.tr))
    return _card_reply(ctx, task, headline)


def rename(ctx: Ctx, cmd: g.RenameTask) -> Reply:
    task = ex.task(ctx, cmd.number, "rename", for_update=True)
    ex.require_manage(ctx, task, "rename")
    _touch(ctx, task, "renamed", {"title": [task.title, cmd.title]})
    task.title = cmd.title
    return _card_reply(ctx, task, ctx.tr("task.renamed_ok", number=task.number))


def delete(ctx: Ctx, cmd: g.DeleteTask) -> Reply:
    """A soft delete: the task leaves every list but its row and history stay."""
    task = ex.task(ctx, cmd.number, "delete", for_update=True)
    ex.require_manage(ctx, task, "delete")
    _touch(ctx, task, "deleted", {"status": [task.status, "deleted"]})
    task.status = "deleted"
    return Reply(ctx.tr("task.deleted_ok", number=task.number, title=task.title), tone=Tone.SUCCESS)


def run_action(ctx: Ctx, action_id: str, value: str) -> Reply:
    """A button press: the same operations as the commands, as the presser."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise CommandError("err.bad_action", None, {"action": action_id[:40]}) from None
    verbs = {
        views.ACTION_START: "start",
        views.ACTION_DONE: "done",
        views.ACTION_REOPEN: "reopen",
        views.ACTION_UNBLOCK: "unblock",
    }
    if action_id in verbs:
        return change_status(ctx, g.ChangeStatus(verbs[action_id], number))
    if action_id == views.ACTION_SNOOZE:
        return snooze(ctx, g.SnoozeTask(number, SNOOZE_BUTTON))
    raise CommandError("err.bad_action", None, {"action": action_id[:40]})
