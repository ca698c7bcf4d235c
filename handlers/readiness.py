"""Launch readiness: each department's items and tasks, sign-offs, what is still open.

A launch's items are split by when they are due: the *launch items* (due on or before the
launch date, or undated) decide readiness and go/no-go; the *follow-up items* (``T+1`` …) are
the work after it, shown in follow-ups. Items are numbered per department in plan order
(``dev 2``), the numbers ``/coord check`` uses.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from storage import launch_plans
from storage.models import Department, Launch, SignOff, Task, TaskStatus


def is_followup(item: Task, launch: Launch) -> bool:
    """Work after the launch: a positive offset, or (explicitly dated) a date after it."""
    if item.due_offset is not None:
        return item.due_offset > 0
    return item.due_date is not None and item.due_date > launch.launch_date


@dataclass(frozen=True)
class DepartmentReadiness:
    department: Department
    done: int
    total: int
    open_tasks: int
    signoff: SignOff | None = None

    @property
    def ready(self) -> bool:
        return self.done == self.total and self.open_tasks == 0


@dataclass(frozen=True)
class Readiness:
    launch: Launch
    departments: tuple[DepartmentReadiness, ...]
    items: tuple[Task, ...]  # launch items (not follow-ups), in plan order
    open_tasks: tuple[Task, ...]
    followups: tuple[Task, ...] = ()
    numbers: dict[int, int] = field(default_factory=dict)  # item id -> its number in its department

    @property
    def open_items(self) -> tuple[Task, ...]:
        return tuple(i for i in self.items if i.is_open)

    @property
    def done_items(self) -> tuple[Task, ...]:
        return tuple(i for i in (*self.items, *self.followups) if i.status == TaskStatus.DONE)

    @property
    def open_followups(self) -> tuple[Task, ...]:
        return tuple(i for i in self.followups if i.is_open)

    @property
    def done(self) -> int:
        return sum(d.done for d in self.departments)

    @property
    def total(self) -> int:
        return sum(d.total for d in self.departments)

    @property
    def ready(self) -> bool:
        return not self.open_items and not self.open_tasks

    @property
    def signoffs(self) -> dict[int, SignOff]:
        return {d.department.id: d.signoff for d in self.departments if d.signoff is not None}

    def summary(self, name: Callable[[Department], str] = lambda d: d.key) -> str:
        """``dev 2/3 · design 2/2 · marketing 0/2 · ops 1/3`` (``name`` says what a department is called)"""
        return " · ".join(f"{name(d.department)} {d.done}/{d.total}" for d in self.departments if d.total)

    def behind(self) -> list[Department]:
        return [d.department for d in self.departments if not d.ready]

    def overdue_tasks(self, today: date) -> list[Task]:
        return [t for t in self.open_tasks if t.due_date is not None and t.due_date < today]

    def blocked_tasks(self) -> list[Task]:
        return [t for t in self.open_tasks if t.status == TaskStatus.BLOCKED]

    def label(self, item: Task, name: Callable[[Department], str] = lambda d: d.key) -> str:
        """``dev 2``: the item's place in the plan (``name`` says what a department is called)."""
        return (
            f"{name(item.department)} {self.numbers[item.id]}"
            if item.id in self.numbers
            else f"#{item.number}"
        )

    def item_by_label(self, department: Department, position: int) -> Task | None:
        """The department's ``position``-th item (``check v2.3 dev 2``)."""
        return next(
            (
                i
                for i in (*self.items, *self.followups)
                if i.department_id == department.id and self.numbers.get(i.id) == position
            ),
            None,
        )


def launch_readiness(session: Session, launch: Launch) -> Readiness:
    """Three queries whatever the size: the items, the launch's open tasks, its sign-offs."""
    items = launch_plans.launch_items(session, launch)
    tasks = launch_plans.launch_tasks(session, launch)
    return build_readiness(launch, items, tasks, launch_plans.signoffs(session, launch))


def build_readiness(
    launch: Launch, items: Sequence[Task], tasks: Sequence[Task], signoffs: Sequence[SignOff] = ()
) -> Readiness:
    """``items`` in plan order (department, position), ``tasks`` the launch's open tasks."""
    departments: dict[int, Department] = {}
    for row in (*items, *tasks):
        departments.setdefault(row.department_id, row.department)
    by_department = {s.department_id: s for s in signoffs}
    for signoff in signoffs:
        departments.setdefault(signoff.department_id, signoff.department)
    numbers: dict[int, int] = {}
    counters: dict[int, int] = {}
    for item in sorted(items, key=lambda i: (i.department.position, i.department_id)):
        counters[item.department_id] = counters.get(item.department_id, 0) + 1
        numbers[item.id] = counters[item.department_id]
    before = [i for i in items if not is_followup(i, launch)]
    after = [i for i in items if is_followup(i, launch)]
    rows = tuple(
        DepartmentReadiness(
            department=d,
            done=sum(1 for i in before if i.department_id == d.id and i.status == TaskStatus.DONE),
            total=sum(1 for i in before if i.department_id == d.id),
            open_tasks=sum(1 for t in tasks if t.department_id == d.id),
            signoff=by_department.get(d.id),
        )
        for d in sorted(departments.values(), key=lambda d: (d.position, d.id))
    )
    return Readiness(launch, rows, tuple(before), tuple(tasks), tuple(after), numbers)
