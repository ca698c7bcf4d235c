"""The next version: a launch made ``from`` an earlier one, and what it takes along.

``launch new v2.4 <date> from v2.3`` uses v2.3's template (or, with ``items``, v2.3's items as
they were edited), and, unless told ``nocarry``, moves v2.3's open tasks into v2.4 (a task event
``launch`` ``{"launch": ["v2.3", "v2.4"]}``, the one ``/coord plan`` reads as carried over) and
carries its untriaged and accepted feedback. The launches keep their lineage (``previous_id``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from handlers import launch_items, views
from handlers.execution import CommandError, Ctx
from handlers.feedback_views import entry_line
from handlers.launch_grammar import NEW_USAGE
from handlers.launch_permissions import is_launch_owner
from handlers.replies import Button, ButtonStyle, Section
from storage import feedback as feedback_store
from storage import launch_plans, repo
from storage import version_plans as vp
from storage.models import Feedback, FeedbackStatus, Launch, LaunchTemplate, Task, TaskKind, TaskStatus

ACTION_NEXT = "launch.next"  # the T+7 "Start the next version" button; value "launch/<launch id>"
LIST_LIMIT = 20
_LAST_NUMBER = re.compile(r"(\d+)(?!.*\d)")


@dataclass(frozen=True)
class CarriedOver:
    tasks: tuple[Task, ...] = ()
    feedback: tuple[Feedback, ...] = ()


def suggested_name(previous: Launch) -> str:
    """``v2.3`` -> ``v2.4``, ``beta`` -> ``beta-next``: the name a next-version form offers."""
    match = _LAST_NUMBER.search(previous.name)
    if match is None:
        return f"{previous.name}-next"[:80]
    start, end = match.span(1)
    return previous.name[:start] + str(int(match.group(1)) + 1) + previous.name[end:]


def command_for(launch: Launch) -> str:
    """What to type to start the next version of ``launch``."""
    return f"/coord launch new {suggested_name(launch)} <date> from {launch.name}"


def next_button(launch: Launch, label: str) -> Button:
    return Button(ACTION_NEXT, label, f"launch/{launch.id}", ButtonStyle.PRIMARY)


def template_of(ctx: Ctx, previous: Launch, named: str | None) -> LaunchTemplate:
    """The template named, else the earlier launch's own (when it still exists), else the default."""
    if named is None and previous.template_name:
        found = launch_plans.find_template(ctx.session, ctx.workspace, previous.template_name)
        if found is not None:
            return found
    return launch_items.template_or_default(ctx, named, NEW_USAGE)


def check_carry_allowed(ctx: Ctx, previous: Launch) -> None:
    """Taking an earlier launch's work along is for its owner and admins."""
    if not (ctx.is_admin or is_launch_owner(ctx, previous)):
        owner = views.who(previous.owner, ctx.tr)
        raise CommandError("err.not_allowed.carry", None, {"launch": previous.name, "owner": owner})


def copy_items(ctx: Ctx, previous: Launch, launch: Launch) -> list[Task]:
    """The earlier launch's items (not removed ones) as this launch's: same text, department,
    offset and owner role, dated from the new launch date, all open."""
    rows = launch_plans.launch_items(ctx.session, previous)
    numbers = launch_plans.reserve_task_numbers(ctx.session, ctx.workspace, len(rows))
    items = []
    for row, number in zip(rows, numbers, strict=True):
        if row.owner_role is not None:
            owner, role = launch_items.owner_for(ctx, launch, row.department, row.owner_role, None)
        else:
            owner, role = row.assignee, None
        items.append(
            launch_items.create_item(
                ctx,
                launch,
                row.department,
                row.title,
                number=number,
                position=row.item_position or 0,
                offset=row.due_offset,
                due_date=launch_items.due_for(ctx, launch, row.due_offset)
                if row.due_offset is not None
                else None,
                owner=owner,
                role=role,
            )
        )
    launch_items.tell_owners(ctx, launch, items)
    return items


def carry_over(ctx: Ctx, previous: Launch, launch: Launch) -> CarriedOver:
    """Move the earlier launch's open tasks here, and carry its untriaged and accepted feedback."""
    query = select(Task).where(
        Task.workspace_id == ctx.workspace.id,
        Task.launch_id == previous.id,
        Task.kind == TaskKind.TASK,
        Task.status.in_(TaskStatus.OPEN),
    )
    tasks = list(ctx.session.scalars(query.order_by(Task.number)).unique())
    for task in tasks:
        task.launch_id, task.launch, task.updated_at = launch.id, launch, ctx.now
        change = {"launch": [previous.name, launch.name]}
        repo.record_event(ctx.session, task, ctx.me, ctx.now, vp.LAUNCH_CHANGE, change)
    carried = feedback_store.of_launch(ctx.session, previous, FeedbackStatus.CARRIED)
    for item in carried:
        item.carried_to_id, item.updated_at = launch.id, ctx.now
        feedback_store.record_event(ctx.session, item, ctx.me, ctx.now, "carried", {"launch": launch.name})
    return CarriedOver(tuple(tasks), tuple(carried))


def carried_sections(ctx: Ctx, launch: Launch, carried: CarriedOver, previous: Launch) -> list[Section]:
    """What came along, each listed, so the PM sees it."""
    tr = ctx.tr
    sections = []
    if carried.tasks:
        lines = tuple(views.task_line(t, tr, ctx.today, launch=False) for t in carried.tasks[:LIST_LIMIT])
        sections.append(
            Section(
                title=tr("next.carried_tasks", n=len(carried.tasks), launch=previous.name),
                items=lines,
                more=max(0, len(carried.tasks) - LIST_LIMIT),
            )
        )
    if carried.feedback:
        entries = feedback_store.summarise(ctx.session, launch, carried.feedback).entries
        sections.append(
            Section(
                title=tr("next.carried_feedback", n=len(entries), launch=previous.name),
                items=tuple(entry_line(e, tr) for e in entries[:LIST_LIMIT]),
                more=max(0, len(entries) - LIST_LIMIT),
            )
        )
    if not sections:
        sections.append(Section(text=tr("next.nothing_carried", launch=previous.name)))
    return sections


def next_versions(ctx: Ctx, launch: Launch) -> Sequence[Launch]:
    query = select(Launch).where(Launch.workspace_id == ctx.workspace.id, Launch.previous_id == launch.id)
    return ctx.session.scalars(query.order_by(Launch.launch_date, Launch.id)).all()


def lineage_sections(ctx: Ctx, launch: Launch) -> list[Section]:
    """``v2.3 → v2.4 → v2.5`` and, for a next version, what it carried over from the earlier one."""
    chain = [launch]
    seen = {launch.id}
    while chain[0].previous_id is not None and len(chain) < 10:
        earlier = ctx.session.get(Launch, chain[0].previous_id)
        if earlier is None or earlier.workspace_id != ctx.workspace.id or earlier.id in seen:
            break
        chain.insert(0, earlier)
        seen.add(earlier.id)
    later = next_versions(ctx, launch)
    if len(chain) == 1 and not later:
        return []
    names = [f"[{launch.name}]" if item.id == launch.id else item.name for item in chain]
    names.extend(item.name for item in later)
    sections = [Section(text=ctx.tr("next.lineage", chain=" → ".join(names)))]
    if launch.previous_id is None:
        return sections
    previous = chain[-2] if len(chain) > 1 else None
    if previous is None:
        return sections
    moved = _carried_tasks(ctx, launch, previous)
    carried_feedback = [
        item for item in feedback_store.of_launch(ctx.session, launch) if item.launch_id == previous.id
    ]
    if moved or carried_feedback:
        sections.extend(
            carried_sections(ctx, launch, CarriedOver(tuple(moved), tuple(carried_feedback)), previous)
        )
    return sections


def _carried_tasks(ctx: Ctx, launch: Launch, previous: Launch) -> list[Task]:
    """Tasks in ``launch`` now whose latest move brought them from ``previous``."""
    came_from: dict[int, object] = {}
    for event in vp.launch_changes(ctx.session, ctx.workspace.id):
        value = (event.changes or {}).get("launch")
        if isinstance(value, list) and len(value) == 2 and value[1] == launch.name:
            came_from[event.task_id] = value[0]
    ids = [task_id for task_id, source in came_from.items() if source == previous.name]
    tasks = vp.tasks_by_id(ctx.session, ctx.workspace.id, ids)
    return sorted((t for t in tasks.values() if t.launch_id == launch.id), key=lambda t: t.number)
