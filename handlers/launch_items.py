"""Launch items as tracked work: made from a template when a launch is created, or added to it.

An item is a task of kind ``item``: it has an owner (the assignee), a due date, a status with who
and when, a history, and it is listed, digested and nudged like every task. What makes it an
item is its place in a launch's plan (department and position) and, for most, a due date counted
in working days from the launch date (``due_offset``), which moves when the launch moves.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import or_, select

from handlers import due, views
from handlers.execution import CommandError, Ctx
from handlers.i18n import Translator
from handlers.replies import Reply, Section, Tone
from storage import launch_plans, repo
from storage.models import (
    Department,
    Launch,
    LaunchTemplate,
    OwnerRole,
    Person,
    Task,
    TaskKind,
    TaskStatus,
    TemplateItem,
)


def template_or_default(ctx: Ctx, name: str | None, usage: str) -> LaunchTemplate:
    if name is None:
        return launch_plans.default_template(ctx.session, ctx.workspace)
    found = launch_plans.find_template(ctx.session, ctx.workspace, name)
    if found is None:
        known = ", ".join(t.name for t in launch_plans.templates(ctx.session, ctx.workspace))
        raise CommandError("err.no_template", usage, {"name": name[:40], "known": known}, field="template")
    return found


def launch_owner(ctx: Ctx, launch: Launch) -> Person:
    return launch.owner or ctx.me


def owner_for(
    ctx: Ctx, launch: Launch, department: Department, role: str, person: Person | None
) -> tuple[Person | None, str | None]:
    """The item's first owner and the role it keeps following (None once it is one person's)."""
    if role == OwnerRole.PM:
        return launch_owner(ctx, launch), OwnerRole.PM
    if role == OwnerRole.PERSON and person is not None:
        return person, None
    return department.lead, OwnerRole.LEAD


def due_for(ctx: Ctx, launch: Launch, offset: int | None) -> date | None:
    """T-10: ten working days before the launch date, on the workspace's calendar."""
    if offset is None:
        return None
    return ctx.calendar.add_working_days(launch.launch_date, offset)


def create_item(
    ctx: Ctx,
    launch: Launch,
    department: Department,
    title: str,
    *,
    number: int,
    position: int,
    offset: int | None,
    due_date: date | None,
    owner: Person | None,
    role: str | None,
) -> Task:
    creator = launch_owner(ctx, launch)
    item = Task(
        workspace_id=ctx.workspace.id,
        number=number,
        title=title,
        department_id=department.id,
        department=department,
        assignee_id=owner.id if owner else None,
        assignee=owner,
        creator_id=creator.id,
        creator=creator,
        due_date=due_date,
        priority="normal",
        launch_id=launch.id,
        launch=launch,
        status=TaskStatus.TODO,
        created_at=ctx.now,
        updated_at=ctx.now,
        kind=TaskKind.ITEM,
        item_position=position,
        due_offset=offset,
        owner_role=role,
    )
    ctx.session.add(item)
    ctx.session.flush()
    created = {
        "title": [None, title],
        "department": [None, department.key],
        "assignee": [None, owner.user_id if owner else None],
        "due": [None, due_date.isoformat() if due_date else None],
        "launch": [None, launch.name],
    }
    repo.record_event(
        ctx.session, item, ctx.me, ctx.now, "created", {k: v for k, v in created.items() if v[1] is not None}
    )
    return item


def instantiate(ctx: Ctx, launch: Launch, template: LaunchTemplate) -> list[Task]:
    """The template's items as the launch's items: concrete dates, owners, numbers."""
    rows = launch_plans.template_items(ctx.session, template)
    numbers = launch_plans.reserve_task_numbers(ctx.session, ctx.workspace, len(rows))
    texts = Translator(ctx.workspace.language)  # the team's plan, in the team's language
    items = []
    for row, number in zip(rows, numbers, strict=True):
        owner, role = owner_for(ctx, launch, row.department, row.owner_role, row.owner)
        items.append(
            create_item(
                ctx,
                launch,
                row.department,
                template_text(row, texts),
                number=number,
                position=row.position,
                offset=row.due_offset,
                due_date=due_for(ctx, launch, row.due_offset),
                owner=owner,
                role=role,
            )
        )
    tell_owners(ctx, launch, items)
    return items


def template_text(item: TemplateItem, tr: Translator) -> str:
    return tr(item.text_key) if item.text_key else item.text


def tell_owners(ctx: Ctx, launch: Launch, items: Sequence[Task]) -> None:
    """One DM per owner listing the items they were given (never to the one who gave them)."""
    by_owner: dict[int, list[Task]] = {}
    for item in items:
        if item.assignee is not None:
            by_owner.setdefault(item.assignee.id, []).append(item)
    for owned in by_owner.values():
        person = owned[0].assignee
        lines = tuple(views.task_line(i, ctx.tr, ctx.today) for i in owned)
        headline = ctx.tr(
            "launch.items_given", who=views.who(ctx.me, ctx.tr), n=len(owned), launch=launch.name
        )
        ctx.dm(person, Reply(headline, (Section(items=lines),), tone=Tone.INFO, language=ctx.tr.lang))


def day_off_note(ctx: Ctx, launch: Launch) -> list[Section]:
    """A launch on a day off is allowed (a weekend release) but said, since its items count back from it."""
    if ctx.calendar.is_working_day(launch.launch_date):
        return []
    when = views.day(launch.launch_date, ctx.tr, ctx.today, relative=False)
    return [Section(text=ctx.tr("launch.note_day_off", date=when, name=launch.name))]


def planning_notes(ctx: Ctx, launch: Launch, items: Sequence[Task]) -> list[Section]:
    """What the PM should fix right away: a launch on a day off, dates already past, departments
    without a lead."""
    notes = day_off_note(ctx, launch)
    late = [i for i in items if i.due_date is not None and i.due_date < ctx.today]
    if late:
        labels = ", ".join(due.offset_label(i.due_offset) for i in late if i.due_offset is not None)
        notes.append(Section(text=ctx.tr("launch.note_past", n=len(late), offsets=labels)))
    unowned = sorted({views.department_name(i.department, ctx.tr) for i in items if i.assignee is None})
    if unowned:
        notes.append(Section(text=ctx.tr("launch.note_no_lead", departments=views.joined(unowned, ctx.tr))))
    return notes


def follow_lead(ctx: Ctx, department: Department, old_lead_id: int | None, new_lead: Person) -> int:
    """Open items that follow the department's lead (and were not taken) pass to its new lead."""
    query = select(Task).where(
        Task.workspace_id == ctx.workspace.id,
        Task.department_id == department.id,
        Task.kind == TaskKind.ITEM,
        Task.owner_role == OwnerRole.LEAD,
        Task.status.in_(TaskStatus.OPEN),
        or_(Task.assignee_id.is_(None), Task.assignee_id == old_lead_id),
    )
    moved = list(ctx.session.scalars(query.order_by(Task.number)).unique())
    for item in moved:
        old = item.assignee.user_id if item.assignee else None
        item.assignee_id, item.assignee, item.updated_at = new_lead.id, new_lead, ctx.now
        repo.record_event(
            ctx.session, item, ctx.me, ctx.now, "assigned", {"assignee": [old, new_lead.user_id]}
        )
    if moved:
        lines = tuple(views.task_line(i, ctx.tr, ctx.today) for i in moved)
        headline = ctx.tr(
            "launch.items_to_lead", department=views.department_name(department, ctx.tr), n=len(moved)
        )
        ctx.dm(new_lead, Reply(headline, (Section(items=lines),), tone=Tone.INFO, language=ctx.tr.lang))
    return len(moved)
