"""Launch plans in storage: templates and their items, launch items, sign-offs, launch history.

Every query is scoped to one workspace (or to one launch or template of it) and works on SQLite
and PostgreSQL. Nothing here translates, decides permissions or counts days: the handlers do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, joinedload

from storage import repo
from storage.db import insert_if_absent
from storage.models import (
    Department,
    Launch,
    LaunchEvent,
    LaunchTemplate,
    OwnerRole,
    Person,
    SignOff,
    Task,
    TaskKind,
    TaskStatus,
    TemplateItem,
    Workspace,
)

STANDARD = "standard"

# The built-in template: (department key, catalog key of the text, due offset in working days).
STANDARD_ITEMS: tuple[tuple[str, str, int | None], ...] = (
    ("dev", "check.dev.feature_complete", -10),
    ("dev", "check.dev.qa_passed", -3),
    ("dev", "check.dev.release_plan", -2),
    ("dev", "check.dev.launch_issues", 1),
    ("design", "check.design.ux_signed_off", -10),
    ("design", "check.design.assets_delivered", -5),
    ("marketing", "check.marketing.plan_ready", -10),
    ("marketing", "check.marketing.materials_approved", -3),
    ("ops", "check.ops.support_trained", -3),
    ("ops", "check.ops.runbook_ready", -2),
    ("ops", "check.ops.feedback_channel", -1),
    ("ops", "check.ops.feedback_summary", 5),
)

# Statuses of a launch item still on the plan (a removed item is "deleted", like a task).
ITEM_STATUSES = (*TaskStatus.OPEN, TaskStatus.DONE, TaskStatus.CANCELLED)


@dataclass(frozen=True)
class ItemSpec:
    """One template item as written in chat or a YAML file, before it is stored."""

    department: Department
    text: str
    due_offset: int | None = None
    owner_role: str = OwnerRole.LEAD
    owner: Person | None = None


# --------------------------------------------------------------------------- templates


def templates(session: Session, workspace: Workspace) -> Sequence[LaunchTemplate]:
    ensure_standard(session, workspace)
    query = select(LaunchTemplate).where(LaunchTemplate.workspace_id == workspace.id)
    return session.scalars(query.order_by(LaunchTemplate.name_key)).all()


def find_template(session: Session, workspace: Workspace, name: str) -> LaunchTemplate | None:
    ensure_standard(session, workspace)
    query = select(LaunchTemplate).where(
        LaunchTemplate.workspace_id == workspace.id, LaunchTemplate.name_key == name.casefold()
    )
    return session.scalars(query).one_or_none()


def default_template(session: Session, workspace: Workspace) -> LaunchTemplate:
    """The template ``launch new`` uses when none is named (``standard`` until an admin picks one)."""
    found = [t for t in templates(session, workspace) if t.is_default]
    if found:
        return found[0]
    standard = find_template(session, workspace, STANDARD)
    assert standard is not None  # ensure_standard made it
    standard.is_default = True
    return standard


def ensure_standard(session: Session, workspace: Workspace) -> None:
    """Give the workspace its built-in ``standard`` template the first time templates are used.

    Race-safe: two first commands at once insert it once (``ON CONFLICT DO NOTHING``).
    """
    query = select(LaunchTemplate.id).where(
        LaunchTemplate.workspace_id == workspace.id, LaunchTemplate.name_key == STANDARD
    )
    if session.scalar(query) is not None:
        return
    has_default = session.scalar(
        select(func.count()).where(LaunchTemplate.workspace_id == workspace.id, LaunchTemplate.is_default)
    )
    inserted = insert_if_absent(
        session,
        LaunchTemplate.__table__,
        [
            {
                "workspace_id": workspace.id,
                "name": STANDARD,
                "name_key": STANDARD,
                "is_default": not has_default,
                "created_at": workspace.created_at,
            }
        ],
        [LaunchTemplate.id],
    )
    if not inserted:
        return
    template_id = session.scalar(query)
    positions: dict[int, int] = {}
    for key, text_key, offset in STANDARD_ITEMS:
        department = repo.find_department(session, workspace, key)
        if department is None:
            continue  # renamed or never there: the admin adds their own items
        positions[department.id] = positions.get(department.id, 0) + 1
        session.add(
            TemplateItem(
                template_id=template_id,
                department_id=department.id,
                position=positions[department.id],
                text_key=text_key,
                due_offset=offset,
                owner_role=OwnerRole.LEAD,
            )
        )
    session.flush()


def create_template(
    session: Session, workspace: Workspace, name: str, now: datetime, *, copy_of: LaunchTemplate | None = None
) -> LaunchTemplate:
    template = LaunchTemplate(
        workspace_id=workspace.id, name=name, name_key=name.casefold(), is_default=False, created_at=now
    )
    session.add(template)
    session.flush()
    if copy_of is not None:
        for item in template_items(session, copy_of):
            template.items.append(
                TemplateItem(
                    department_id=item.department_id,
                    position=item.position,
                    text_key=item.text_key,
                    text=item.text,
                    due_offset=item.due_offset,
                    owner_role=item.owner_role,
                    owner_id=item.owner_id,
                )
            )
        session.flush()
    return template


def set_default(session: Session, workspace: Workspace, template: LaunchTemplate) -> None:
    for other in templates(session, workspace):
        other.is_default = other.id == template.id
    session.flush()


def template_items(session: Session, template: LaunchTemplate) -> list[TemplateItem]:
    """Items in plan order: departments in their order, then each department's positions."""
    query = (
        select(TemplateItem)
        .join(Department, Department.id == TemplateItem.department_id)
        .where(TemplateItem.template_id == template.id)
        .order_by(Department.position, Department.id, TemplateItem.position, TemplateItem.id)
    )
    return list(session.scalars(query).unique())


def add_template_item(session: Session, template: LaunchTemplate, spec: ItemSpec) -> TemplateItem:
    siblings = [i for i in template_items(session, template) if i.department_id == spec.department.id]
    item = TemplateItem(
        template_id=template.id,
        department_id=spec.department.id,
        department=spec.department,
        position=max((i.position for i in siblings), default=0) + 1,
        text=spec.text,
        due_offset=spec.due_offset,
        owner_role=spec.owner_role,
        owner_id=spec.owner.id if spec.owner else None,
        owner=spec.owner,
    )
    session.add(item)
    session.flush()
    return item


def renumber(session: Session, items: Sequence[TemplateItem]) -> None:
    """Positions 1..n in the given order (one department's items)."""
    for position, item in enumerate(items, start=1):
        item.position = position
    session.flush()


def replace_template_items(session: Session, template: LaunchTemplate, specs: Sequence[ItemSpec]) -> None:
    """The template's items become ``specs``, in their order (a YAML import)."""
    for item in template_items(session, template):
        session.delete(item)
    session.flush()
    positions: dict[int, int] = {}
    for spec in specs:
        positions[spec.department.id] = positions.get(spec.department.id, 0) + 1
        session.add(
            TemplateItem(
                template_id=template.id,
                department_id=spec.department.id,
                position=positions[spec.department.id],
                text=spec.text,
                due_offset=spec.due_offset,
                owner_role=spec.owner_role,
                owner_id=spec.owner.id if spec.owner else None,
            )
        )
    session.flush()


# --------------------------------------------------------------------------- launches and their items


def create_launch(session: Session, workspace: Workspace, **values: Any) -> Launch:
    launch = Launch(workspace_id=workspace.id, name_key=values["name"].casefold(), **values)
    session.add(launch)
    session.flush()
    return launch


def reserve_task_numbers(session: Session, workspace: Workspace, count: int) -> range:
    """``count`` consecutive ``#numbers`` for new tasks; the row lock keeps creators apart."""
    if count <= 0:
        return range(0)
    statement = (
        update(Workspace)
        .where(Workspace.id == workspace.id)
        .values(task_seq=Workspace.task_seq + count)
        .returning(Workspace.task_seq)
    )
    last = int(session.execute(statement).scalar_one())
    return range(last - count + 1, last + 1)


def launch_items(session: Session, launch: Launch, *, for_update: bool = False) -> list[Task]:
    """The launch's items still on its plan, in plan order (department, then position)."""
    query = (
        select(Task)
        .join(Department, Department.id == Task.department_id)
        .where(Task.launch_id == launch.id, Task.kind == TaskKind.ITEM, Task.status.in_(ITEM_STATUSES))
        .order_by(Department.position, Department.id, Task.item_position, Task.number)
        .options(joinedload(Task.done_by))
    )
    if for_update:
        query = query.execution_options(populate_existing=True)
    return list(session.scalars(query).unique())


def launch_tasks(session: Session, launch: Launch, statuses: Sequence[str] = TaskStatus.OPEN) -> list[Task]:
    """The launch's coordination tasks (not its items)."""
    query = (
        select(Task)
        .where(Task.launch_id == launch.id, Task.kind == TaskKind.TASK, Task.status.in_(statuses))
        .order_by(Task.due_date.is_(None), Task.due_date, Task.number)
    )
    return list(session.scalars(query).unique())


def next_item_position(session: Session, launch: Launch, department: Department) -> int:
    query = select(func.max(Task.item_position)).where(
        Task.launch_id == launch.id, Task.kind == TaskKind.ITEM, Task.department_id == department.id
    )
    return int(session.scalar(query) or 0) + 1


# --------------------------------------------------------------------------- sign-offs and history


def signoffs(session: Session, launch: Launch) -> list[SignOff]:
    return list(session.scalars(select(SignOff).where(SignOff.launch_id == launch.id)).unique())


def record_signoff(
    session: Session,
    launch: Launch,
    department: Department,
    *,
    ready: bool,
    note: str | None,
    by: Person,
    at: datetime,
) -> SignOff:
    """The department's sign-off becomes this one (the launch's history keeps the earlier ones)."""
    query = select(SignOff).where(SignOff.launch_id == launch.id, SignOff.department_id == department.id)
    signoff = session.scalars(query).unique().one_or_none()
    if signoff is None:
        signoff = SignOff(launch_id=launch.id, department_id=department.id, department=department)
        session.add(signoff)
    signoff.ready, signoff.note, signoff.by_id, signoff.by, signoff.at = ready, note, by.id, by, at
    session.flush()
    return signoff


def record_launch_event(
    session: Session, launch: Launch, actor: Person | None, at: datetime, kind: str, changes: dict[str, Any]
) -> LaunchEvent:
    event = LaunchEvent(
        workspace_id=launch.workspace_id,
        launch_id=launch.id,
        actor_id=actor.id if actor else None,
        actor=actor,
        at=at,
        kind=kind,
        changes=changes,
    )
    session.add(event)
    return event


def launch_history(session: Session, launch: Launch) -> list[LaunchEvent]:
    query = select(LaunchEvent).where(LaunchEvent.launch_id == launch.id).order_by(LaunchEvent.id)
    return list(session.scalars(query).unique())


def find_launch_for_update(session: Session, workspace: Workspace, name: str) -> Launch | None:
    """The launch with its row locked (PostgreSQL), so a reschedule and a sign-off apply in turn."""
    where = (Launch.workspace_id == workspace.id, Launch.name_key == name.casefold())
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(Launch.id).where(*where).with_for_update())
    query = select(Launch).where(*where).execution_options(populate_existing=True)
    return session.scalars(query).unique().one_or_none()


def has_next(session: Session, launch: Launch) -> bool:
    """Whether a launch was started as the next version of ``launch``."""
    query = select(Launch.id).where(
        Launch.workspace_id == launch.workspace_id, Launch.previous_id == launch.id
    )
    return session.scalar(query.limit(1)) is not None
