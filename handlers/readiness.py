"""Launch readiness: checklist progress per department, open items, open tasks of the launch."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.i18n import Translator
from storage.models import ChecklistItem, Department, Launch, Task, TaskStatus


@dataclass(frozen=True)
class DepartmentReadiness:
    department: Department
    done: int
    total: int
    open_tasks: int

    @property
    def ready(self) -> bool:
        return self.done == self.total and self.open_tasks == 0


@dataclass(frozen=True)
class Readiness:
    launch: Launch
    departments: tuple[DepartmentReadiness, ...]
    open_items: tuple[ChecklistItem, ...]
    open_tasks: tuple[Task, ...]

    @property
    def done(self) -> int:
        return sum(d.done for d in self.departments)

    @property
    def total(self) -> int:
        return sum(d.total for d in self.departments)

    @property
    def ready(self) -> bool:
        return not self.open_items and not self.open_tasks

    def summary(self, name: Callable[[Department], str] = lambda d: d.key) -> str:
        """``dev 2/3 · design 2/2 · marketing 0/2 · ops 1/3`` (``name`` says what a department is called)"""
        return " · ".join(f"{name(d.department)} {d.done}/{d.total}" for d in self.departments if d.total)

    def behind(self) -> list[Department]:
        return [d.department for d in self.departments if not d.ready]

    def overdue_tasks(self, today: date) -> list[Task]:
        return [t for t in self.open_tasks if t.due_date is not None and t.due_date < today]

    def blocked_tasks(self) -> list[Task]:
        return [t for t in self.open_tasks if t.status == TaskStatus.BLOCKED]


def launch_readiness(session: Session, launch: Launch) -> Readiness:
    """Two queries whatever the size: the checklist and the launch's open tasks."""
    items = (
        session.scalars(
            select(ChecklistItem)
            .where(ChecklistItem.launch_id == launch.id)
            .order_by(ChecklistItem.department_id, ChecklistItem.position)
        )
        .unique()
        .all()
    )
    tasks = (
        session.scalars(
            select(Task)
            .where(Task.launch_id == launch.id, Task.status.in_(TaskStatus.OPEN))
            .order_by(Task.due_date.is_(None), Task.due_date, Task.number)
        )
        .unique()
        .all()
    )
    return build_readiness(launch, items, tasks)


def build_readiness(launch: Launch, items: Sequence[ChecklistItem], tasks: Sequence[Task]) -> Readiness:
    by_department: dict[int, list[ChecklistItem]] = {}
    departments: dict[int, Department] = {}
    for item in items:
        by_department.setdefault(item.department_id, []).append(item)
        departments[item.department_id] = item.department
    for task in tasks:
        departments.setdefault(task.department_id, task.department)
    ordered = sorted(departments.values(), key=lambda d: (d.position, d.id))
    rows = tuple(
        DepartmentReadiness(
            department=d,
            done=sum(1 for i in by_department.get(d.id, ()) if i.done_at is not None),
            total=len(by_department.get(d.id, ())),
            open_tasks=sum(1 for t in tasks if t.department_id == d.id),
        )
        for d in ordered
    )
    open_items = tuple(i for i in items if i.done_at is None)
    return Readiness(launch, rows, open_items, tuple(tasks))


def item_text(item: ChecklistItem, tr: Translator) -> str:
    return tr(item.text_key) if item.text_key else item.text
