"""One launch's plan, changed without touching its template: add, remove, re-date, re-own items,
and hand the launch to another owner."""

from __future__ import annotations

from typing import Any

from handlers import execution as ex
from handlers import launch_grammar as lg
from handlers import launch_items, views
from handlers import launch_permissions as perm
from handlers.execution import CommandError, Ctx
from handlers.launch_commands import plan_item, readiness_reply
from handlers.readiness import launch_readiness
from handlers.replies import Reply, Section, Tone
from storage import launch_plans, repo
from storage.models import Launch, LaunchStatus, OwnerRole, Person, Task, TaskStatus

USAGE = "launch_item"


def editable_launch(ctx: Ctx, name: str, usage: str = USAGE) -> Launch:
    """The launch, refused when it is cancelled (its plan is closed)."""
    launch = ex.launch(ctx, name, usage)
    if launch.status == LaunchStatus.CANCELLED:
        raise CommandError("err.launch_cancelled", usage, {"launch": launch.name})
    return launch


def find_item(ctx: Ctx, launch: Launch, ref: lg.ItemRef, usage: str = USAGE) -> Task:
    if ref.number is not None:
        task = ex.task(ctx, ref.number, usage, for_update=True)
        if not task.is_item or task.launch_id != launch.id:
            raise CommandError("err.not_item_of", usage, {"number": ref.number, "launch": launch.name})
        return task
    department = ex.department(ctx, ref.department or "", usage)
    return plan_item(ctx, launch, department, ref.position or 0, usage)


def _owner(
    ctx: Ctx, launch: Launch, item_department: Any, spec: lg.OwnerSpec | None
) -> tuple[Person | None, str | None]:
    role = spec.role if spec is not None else OwnerRole.LEAD
    person = ex.person(ctx, spec.person) if spec is not None and spec.person is not None else None
    return launch_items.owner_for(ctx, launch, item_department, role, person)


def _answer(ctx: Ctx, launch: Launch, headline: str, *, warn: str | None = None) -> Reply:
    ctx.session.flush()
    sections = readiness_reply(ctx, launch_readiness(ctx.session, launch)).sections
    if warn:
        sections = (Section(text=warn), *sections)
    return Reply(headline, sections, tone=Tone.WARNING if warn else Tone.SUCCESS)


def add_item(ctx: Ctx, cmd: lg.AddLaunchItem) -> Reply:
    launch = editable_launch(ctx, cmd.launch)
    perm.require_launch_owner(ctx, launch)
    department = ex.department(ctx, cmd.department, USAGE)
    siblings = [i for i in launch_plans.launch_items(ctx.session, launch) if i.department_id == department.id]
    if any(i.title.casefold() == cmd.text.casefold() for i in siblings):
        raise CommandError(
            "err.duplicate_item",
            USAGE,
            {"text": cmd.text, "department": views.department_name(department, ctx.tr)},
        )
    owner, role = _owner(ctx, launch, department, cmd.owner)
    due_date = cmd.due if cmd.due is not None else launch_items.due_for(ctx, launch, cmd.offset)
    (number,) = launch_plans.reserve_task_numbers(ctx.session, ctx.workspace, 1)
    item = launch_items.create_item(
        ctx,
        launch,
        department,
        cmd.text,
        number=number,
        position=launch_plans.next_item_position(ctx.session, launch, department),
        offset=cmd.offset if cmd.due is None else None,
        due_date=due_date,
        owner=owner,
        role=role,
    )
    launch_plans.record_launch_event(
        ctx.session, launch, ctx.me, ctx.now, "item_added", {"number": item.number, "title": item.title}
    )
    launch_items.tell_owners(ctx, launch, [item])
    warn = ctx.tr("launch.date_passed") if due_date is not None and due_date < ctx.today else None
    headline = ctx.tr("launch.item_added", number=item.number, title=item.title, launch=launch.name)
    return _answer(ctx, launch, headline, warn=warn)


def remove_item(ctx: Ctx, cmd: lg.RemoveLaunchItem) -> Reply:
    launch = editable_launch(ctx, cmd.launch)
    item = find_item(ctx, launch, cmd.item)
    perm.require_item(ctx, item, "remove")
    repo.record_event(ctx.session, item, ctx.me, ctx.now, "deleted", {"status": [item.status, "deleted"]})
    item.status, item.updated_at = "deleted", ctx.now
    launch_plans.record_launch_event(
        ctx.session, launch, ctx.me, ctx.now, "item_removed", {"number": item.number, "title": item.title}
    )
    return _answer(ctx, launch, ctx.tr("launch.item_removed", number=item.number, title=item.title))


def edit_item(ctx: Ctx, cmd: lg.EditLaunchItem) -> Reply:
    launch = editable_launch(ctx, cmd.launch)
    item = find_item(ctx, launch, cmd.item)
    if item.status not in TaskStatus.OPEN:
        raise CommandError(
            "err.item_closed",
            USAGE,
            {"number": item.number, "title": item.title, "status": views.status(item, ctx.tr)},
        )
    if cmd.owner is not None:
        return _reown(ctx, launch, item, cmd.owner)
    perm.require_item(ctx, item, "due")
    old = item.due_date.isoformat() if item.due_date else None
    if cmd.due is not None:
        item.due_date, item.due_offset = cmd.due, None
    else:
        item.due_date, item.due_offset = launch_items.due_for(ctx, launch, cmd.offset), cmd.offset
    item.updated_at = ctx.now
    new = item.due_date.isoformat() if item.due_date else None
    repo.record_event(ctx.session, item, ctx.me, ctx.now, "due", {"due": [old, new]})
    when = views.day(item.due_date, ctx.tr, ctx.today)
    headline = ctx.tr("launch.item_redated", number=item.number, title=item.title, date=when)
    if item.assignee is not None:
        ctx.dm(
            item.assignee,
            Reply(headline, (Section(text=views.task_line(item, ctx.tr, ctx.today)),), language=ctx.tr.lang),
        )
    warn = ctx.tr("launch.date_passed") if item.due_date is not None and item.due_date < ctx.today else None
    return _answer(ctx, launch, headline, warn=warn)


def _reown(ctx: Ctx, launch: Launch, item: Task, spec: lg.OwnerSpec) -> Reply:
    owner, role = _owner(ctx, launch, item.department, spec)
    taking = owner is not None and perm.may_take(ctx, item, owner)
    if not taking and not perm.may_plan(ctx, item):
        perm.require_item(ctx, item, "assign")
    old = item.assignee.user_id if item.assignee else None
    item.assignee_id, item.assignee, item.owner_role = (owner.id if owner else None), owner, role
    item.updated_at = ctx.now
    repo.record_event(
        ctx.session, item, ctx.me, ctx.now, "assigned", {"assignee": [old, owner.user_id if owner else None]}
    )
    shown = views.who(owner, ctx.tr)
    headline = ctx.tr("launch.item_reowned", number=item.number, title=item.title, who=shown)
    if owner is not None:
        dm = ctx.tr("task.assigned_dm", number=item.number, who=views.who(ctx.me, ctx.tr))
        ctx.dm(
            owner,
            Reply(
                dm,
                (Section(text=views.task_line(item, ctx.tr, ctx.today)),),
                tone=Tone.INFO,
                language=ctx.tr.lang,
            ),
        )
    return _answer(ctx, launch, headline)


def set_owner(ctx: Ctx, cmd: lg.SetLaunchOwner) -> Reply:
    """A new launch owner (the PM); items that follow the PM follow them."""
    person = ex.person(ctx, cmd.person)
    launch = editable_launch(ctx, cmd.launch)
    perm.require_launch_owner(ctx, launch)
    old = launch.owner
    launch.owner_id, launch.owner = person.id, person
    for item in launch_plans.launch_items(ctx.session, launch):
        if item.owner_role == OwnerRole.PM and item.is_open and (old is None or item.assignee_id == old.id):
            before = item.assignee.user_id if item.assignee else None
            item.assignee_id, item.assignee, item.updated_at = person.id, person, ctx.now
            repo.record_event(
                ctx.session, item, ctx.me, ctx.now, "assigned", {"assignee": [before, person.user_id]}
            )
    launch_plans.record_launch_event(
        ctx.session,
        launch,
        ctx.me,
        ctx.now,
        "owner",
        {"from": views.who(old, ctx.tr), "to": views.who(person, ctx.tr)},
    )
    headline = ctx.tr("launch.owner_set", launch=launch.name, who=views.who(person, ctx.tr))
    ctx.dm(person, Reply(headline, tone=Tone.INFO, language=ctx.tr.lang))
    return _answer(ctx, launch, headline)
