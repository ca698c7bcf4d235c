"""Coordination tasks: add, list, show, status changes, assign, due, snooze, rename, delete.

Who may run what is :mod:`handlers.permissions`; every change is a history event.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from handlers import execution as ex
from handlers import feedback_links, snooze_return, thread_updates, views
from handlers import grammar as g
from handlers.context import SourceMessage
from handlers.execution import CommandError, Ctx
from handlers.history import HistoryNames, history_lines
from handlers.permissions import require_task_permission
from handlers.replies import Reply, Section, Tone
from storage import repo
from storage.models import Launch, Person, Task, TaskStatus

HISTORY_SHOWN = 15


def _touch(ctx: Ctx, task: Task, kind: str, changes: dict[str, Any]) -> None:
    if task.updated_at != ctx.now:  # a new task has it already; setting it again costs a flush
        task.updated_at = ctx.now
    repo.record_event(ctx.session, task, ctx.me, ctx.now, kind, changes)
    thread_updates.tell_thread(ctx, task, kind, changes)
    if kind in feedback_links.TASK_CHANGES and not task.is_item:
        feedback_links.task_changed(ctx, task, changes)


def keep_source(task: Task, source: SourceMessage | None) -> None:
    if source is not None:
        task.source_channel, task.source_message = source.channel_id, source.message_id
        task.source_thread, task.source_link = source.thread, source.link


def _card_reply(
    ctx: Ctx,
    task: Task,
    headline: str,
    *,
    tone: Tone = Tone.SUCCESS,
    ephemeral: bool = True,
    notes: tuple[Section, ...] = (),
) -> Reply:
    card = views.task_card(task, ctx.tr, ctx.today, ctx.zone)
    return Reply(headline, (card, *notes), tone=tone, ephemeral=ephemeral)


def _unchanged(ctx: Ctx, task: Task, key: str, **params: Any) -> Reply:
    """A change that changes nothing: say so, and record no event and tell nobody."""
    return _card_reply(ctx, task, ctx.tr(key, number=task.number, **params), tone=Tone.INFO)


def _bad_transition(ctx: Ctx, task: Task, verb: str) -> CommandError:
    status = views.status(task, ctx.tr)
    return CommandError("err.bad_transition", verb, {"number": task.number, "status": status, "verb": verb})


def _reading(ctx: Ctx, cmd: g.AddTask) -> tuple[g.AddTask, Launch | None]:
    """The first reading of ``cmd`` whose launch exists (or that names none), with that launch."""
    for reading in (cmd, *cmd.alternatives):
        if reading.launch is None:
            return reading, None
        found = repo.find_launch(ctx.session, ctx.workspace, reading.launch)
        if found is not None:
            return reading, found
    return cmd, ex.launch(ctx, cmd.launch or "", "add")  # a typed launch with no other reading


def _read_as(ctx: Ctx, cmd: g.AddTask, launch: Launch | None) -> tuple[str, ...]:
    """How the option words of ``add`` were read, so a misreading shows (``“due fri” → Fri …``)."""
    tr = ctx.tr
    notes = []
    if cmd.due_phrase and cmd.due is not None:
        notes.append(tr("read.due", phrase=cmd.due_phrase, date=views.day(cmd.due, tr, ctx.today)))
    if cmd.launch_phrase and launch is not None:
        notes.append(tr("read.launch", phrase=cmd.launch_phrase, launch=launch.name))
    for kept in cmd.kept:
        notes.append(tr(f"read.kept_{kept.kind}", phrase=kept.phrase, name=kept.value))
    return tuple(notes)


def _past_warning(ctx: Ctx, due: date | None) -> tuple[Section, ...]:
    """A due date in the past is kept, and said to be past."""
    if due is None or due >= ctx.today:
        return ()
    return (Section(text=ctx.tr("task.due_passed", date=views.day(due, ctx.tr, ctx.today))),)


def add(ctx: Ctx, cmd: g.AddTask) -> Reply:
    return create(ctx, cmd)[1]


def create(ctx: Ctx, cmd: g.AddTask) -> tuple[Task, Reply]:
    """The task ``cmd`` adds, and the reply saying so."""
    department = ex.department(ctx, cmd.department, "add")
    cmd, launch = _reading(ctx, cmd)
    assignee = ex.person(ctx, cmd.assignee) if cmd.assignee else None
    task = Task(
        workspace_id=ctx.workspace.id,
        number=repo.next_task_number(ctx.session, ctx.workspace),
        title=cmd.title,
        department_id=department.id,
        assignee_id=assignee.id if assignee else None,
        creator_id=ctx.me.id,
        due_date=cmd.due,
        priority="high" if cmd.high_priority else "normal",
        launch_id=launch.id if launch else None,
        status=TaskStatus.TODO,
        created_at=ctx.now,
        updated_at=ctx.now,
        description=cmd.description,
    )
    keep_source(task, cmd.source or ctx.caller.replying_to)
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
    read = _read_as(ctx, cmd, launch)
    notes = (Section(context=ctx.tr("read.title", notes=" · ".join(read))),) if read else ()
    warning = _past_warning(ctx, cmd.due)
    tone = Tone.WARNING if warning else Tone.SUCCESS
    return task, _card_reply(ctx, task, headline, ephemeral=False, tone=tone, notes=(*warning, *notes))


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
        params["department"] = views.department_name(filters["department"], ctx.tr)
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
    section = views.task_lines(
        tasks, ctx.tr, ctx.today, department="department" not in filters, launch="launch" not in filters
    )
    more = total - len(section.items)
    narrow = (Section(text=ctx.tr("list.narrow", n=more)),) if more else ()
    return Reply(headline, (Section(items=section.items, more=more), *narrow))


def _history_names(ctx: Ctx, events: list[Any]) -> HistoryNames:
    """The people and departments the events name, looked up once."""
    ids = {str(value) for event in events for value in (event.changes or {}).get("assignee", ()) if value}
    people = {}
    if ids:
        query = select(Person).where(Person.workspace_id == ctx.workspace.id, Person.user_id.in_(ids))
        people = {p.user_id: p for p in ctx.session.scalars(query)}
    departments = {d.key: d for d in repo.departments(ctx.session, ctx.workspace)}
    return HistoryNames(people, departments)


def show(ctx: Ctx, cmd: g.ShowTask) -> Reply:
    task = ex.task(ctx, cmd.number, "show")
    card = views.task_card(task, ctx.tr, ctx.today, ctx.zone, titled=False)
    events = list(repo.task_history(ctx.session, task))
    shown = events[-HISTORY_SHOWN:]
    history = Section(
        title=ctx.tr("task.history"),
        items=history_lines(shown, ctx.tr, ctx.zone, _history_names(ctx, shown)),
        more=max(0, len(events) - HISTORY_SHOWN),
    )
    sections = [card, history]
    if task.description and len(task.description) > views.CARD_DESCRIPTION:
        sections.insert(1, Section(title=ctx.tr("field.description"), text=task.description))
    return Reply(f"#{task.number} {task.title}", tuple(sections))


TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    # verb: (statuses it applies to, new status)
    "start": ((TaskStatus.TODO, TaskStatus.BLOCKED), TaskStatus.IN_PROGRESS),
    "done": ((TaskStatus.TODO, TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED), TaskStatus.DONE),
    "reopen": ((TaskStatus.DONE,), TaskStatus.TODO),
    "unblock": ((TaskStatus.BLOCKED,), TaskStatus.IN_PROGRESS),
}


def change_status(ctx: Ctx, cmd: g.ChangeStatus) -> Reply:
    task = _status_target(ctx, cmd.number, cmd.verb)
    return _card_reply(ctx, task, _apply_status(ctx, task, cmd.verb))


def change_statuses(ctx: Ctx, cmd: g.ChangeStatuses) -> Reply:
    """Every task is checked before any changes, so one refusal changes none of them."""
    tasks = [_status_target(ctx, number, cmd.verb) for number in cmd.numbers]
    for task in tasks:
        _apply_status(ctx, task, cmd.verb)
    shown = views.joined((f"#{task.number}" for task in tasks), ctx.tr)
    headline = ctx.tr(f"task.{cmd.verb}_many", tasks=shown, who=views.who(ctx.me, ctx.tr))
    lines = tuple(views.task_line(task, ctx.tr, ctx.today) for task in tasks)
    return Reply(headline, (Section(items=lines),), tone=Tone.SUCCESS)


def _status_target(ctx: Ctx, number: int, verb: str) -> Task:
    """Task ``number``, locked, once the caller may ``verb`` it and its status allows it."""
    task = ex.task(ctx, number, verb, for_update=True)
    require_task_permission(ctx, task, verb)
    if task.status not in TRANSITIONS[verb][0]:
        raise _bad_transition(ctx, task, verb)
    return task


def _apply_status(ctx: Ctx, task: Task, verb: str) -> str:
    """Move ``task`` on by ``verb``, record it, tell its creator when it is done; the headline."""
    old, new_status = task.status, TRANSITIONS[verb][1]
    task.status = new_status
    changes: dict[str, Any] = {"status": [old, new_status]}
    if old == TaskStatus.BLOCKED:
        changes["blocked_reason"] = [task.blocked_reason, None]
        task.blocked_reason = None
    if new_status == TaskStatus.DONE:
        task.done_at, task.done_by_id, task.done_by = ctx.now, ctx.me.id, ctx.me
        snooze_return.cancel(ctx, task)
        task.snoozed_until = None
    elif old == TaskStatus.DONE:
        task.done_at, task.done_by_id, task.done_by = None, None, None
    _touch(ctx, task, "status", changes)
    headline = ctx.tr(f"task.{verb}_ok", number=task.number, who=views.who(ctx.me, ctx.tr))
    if new_status == TaskStatus.DONE and task.creator is not None:
        ctx.dm(task.creator, _card_reply(ctx, task, headline, tone=Tone.INFO))
    return headline


def block(ctx: Ctx, cmd: g.BlockTask) -> Reply:
    task = ex.task(ctx, cmd.number, "block", for_update=True)
    require_task_permission(ctx, task, "block")
    if task.status == TaskStatus.DONE:
        raise _bad_transition(ctx, task, "block")
    if task.status == TaskStatus.BLOCKED and task.blocked_reason == cmd.reason:
        return _unchanged(ctx, task, "task.already_blocked", reason=cmd.reason)
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
    require_task_permission(ctx, task, "assign")
    if cmd.department is not None:
        department = ex.department(ctx, cmd.department, "assign")
        if department.id == task.department_id:
            name = views.department_name(department, ctx.tr)
            return _unchanged(ctx, task, "task.already_in", department=name)
        old_key = task.department.key
        task.department_id, task.department = department.id, department
        _touch(ctx, task, "moved", {"department": [old_key, department.key]})
        headline = ctx.tr(
            "task.moved_ok", number=task.number, department=views.department_name(department, ctx.tr)
        )
        ctx.dm(department.lead, _card_reply(ctx, task, headline, tone=Tone.INFO))
        return _card_reply(ctx, task, headline)
    old = task.assignee
    if old is None and person is None:
        return _unchanged(ctx, task, "task.already_unassigned")
    if old is not None and person is not None and old.id == person.id:
        return _unchanged(ctx, task, "task.already_assigned", who=views.who(person, ctx.tr))
    snooze_return.cancel(ctx, task)  # the nudge at the end of a snooze was the old assignee's
    task.assignee_id, task.assignee = (person.id, person) if person else (None, None)
    _touch(
        ctx,
        task,
        "assigned",
        {"assignee": [old.user_id if old else None, person.user_id if person else None]},
    )
    if person is None:
        headline = ctx.tr("task.unassigned_ok", number=task.number)
        ctx.dm(old, _card_reply(ctx, task, ctx.tr("task.unassigned_dm", number=task.number), tone=Tone.INFO))
        return _card_reply(ctx, task, headline)
    headline = ctx.tr("task.assigned_ok", number=task.number, who=views.who(person, ctx.tr))
    dm = ctx.tr("task.assigned_dm", number=task.number, who=views.who(ctx.me, ctx.tr))
    ctx.dm(person, _card_reply(ctx, task, dm, tone=Tone.INFO))
    return _card_reply(ctx, task, headline)


def set_due(ctx: Ctx, cmd: g.SetDue) -> Reply:
    task = ex.task(ctx, cmd.number, "due", for_update=True)
    require_task_permission(ctx, task, "due")
    if task.due_date == cmd.due and task.due_offset is None:
        if cmd.due is None:
            return _unchanged(ctx, task, "task.already_no_due")
        return _unchanged(ctx, task, "task.already_due", date=views.day(cmd.due, ctx.tr, ctx.today))
    old = task.due_date.isoformat() if task.due_date else None
    task.due_date = cmd.due
    task.due_offset = None  # dated explicitly now: it stays put when its launch moves
    _touch(ctx, task, "due", {"due": [old, cmd.due.isoformat() if cmd.due else None]})
    if cmd.due is None:
        headline = ctx.tr("task.due_cleared", number=task.number)
    else:
        headline = ctx.tr("task.due_ok", number=task.number, date=views.day(cmd.due, ctx.tr, ctx.today))
    if task.assignee is not None:
        ctx.dm(task.assignee, _card_reply(ctx, task, headline, tone=Tone.INFO))
    warning = _past_warning(ctx, cmd.due)
    return _card_reply(ctx, task, headline, tone=Tone.WARNING if warning else Tone.SUCCESS, notes=warning)


def snooze(ctx: Ctx, cmd: g.SnoozeTask) -> Reply:
    task = ex.task(ctx, cmd.number, "snooze", for_update=True)
    require_task_permission(ctx, task, "snooze")
    if task.status == TaskStatus.DONE:
        raise _bad_transition(ctx, task, "snooze")
    # Back in the working time of whoever is nudged: the assignee (else the one snoozing).
    working = ctx.working_time(task.assignee or ctx.me)
    if cmd.day is not None:
        until = working.next_working_instant(working.opening(cmd.day))
    elif cmd.duration is None:
        until = working.next_working_morning(ctx.now)
    else:
        until = working.next_working_instant(ctx.now + cmd.duration)
    old = task.snoozed_until.isoformat() if task.snoozed_until else None
    snooze_return.cancel(ctx, task)
    task.snoozed_until = until
    snooze_return.queue(ctx, task, working, until)
    _touch(ctx, task, "snoozed", {"snoozed_until": [old, until.isoformat()]})
    shown = views.clock(until, ctx.zone, ctx.tr, today=ctx.today)
    return _card_reply(ctx, task, ctx.tr("task.snoozed_ok", number=task.number, until=shown))


def rename(ctx: Ctx, cmd: g.RenameTask) -> Reply:
    task = ex.task(ctx, cmd.number, "rename", for_update=True)
    require_task_permission(ctx, task, "rename")
    if task.title == cmd.title:
        return _unchanged(ctx, task, "task.already_titled")
    _touch(ctx, task, "renamed", {"title": [task.title, cmd.title]})
    task.title = cmd.title
    return _card_reply(ctx, task, ctx.tr("task.renamed_ok", number=task.number))


def delete(ctx: Ctx, cmd: g.DeleteTask) -> Reply:
    """A soft delete: the task leaves every list but its row and history stay."""
    task = ex.task(ctx, cmd.number, "delete", for_update=True)
    require_task_permission(ctx, task, "delete")
    snooze_return.cancel(ctx, task)
    _touch(ctx, task, "deleted", {"status": [task.status, TaskStatus.DELETED]})
    task.status = TaskStatus.DELETED
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
        return snooze(ctx, g.SnoozeTask(number, None))
    raise CommandError("err.bad_action", None, {"action": action_id[:40]})
