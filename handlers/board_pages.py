"""What the web board's pages show, read for one person of one workspace (rendering: bot/board).

The board shows what that person may see in chat, and nothing else: every query here is scoped
to the grant's workspace, so an id from another workspace (guessed or not) finds nothing. In
chat anyone in a workspace lists and shows every task and launch of it, so the pages do too;
deleted tasks and cancelled items are in no list, as in chat.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from handlers.burnup import Burnup, launch_burnup
from handlers.context import Caller
from handlers.execution import Ctx
from handlers.i18n import Translator
from handlers.roadmap import DEFAULT_WEEKS, Roadmap, RoadmapEntry, build_roadmap, roadmap_entries
from handlers.web_access import WebAccess
from storage import feedback as feedback_store
from storage import repo
from storage.access_links import Grant
from storage.feedback import LaunchFeedback
from storage.models import Department, Launch, LaunchStatus, Person, Task, TaskStatus, Workspace

BOARD_WEEKS = 12  # the roadmap page's default range (chat's is handlers.roadmap.DEFAULT_WEEKS)
WEEK_CHOICES = (4, DEFAULT_WEEKS, BOARD_WEEKS, 26, 52)


class WorkState(StrEnum):
    """How an item or task is coloured: done, open, overdue (open past its date) or blocked."""

    DONE = "done"
    OPEN = "open"
    OVERDUE = "overdue"
    BLOCKED = "blocked"


def work_state(task: Task, today: date) -> WorkState:
    if task.status == TaskStatus.DONE:
        return WorkState.DONE
    if task.status == TaskStatus.BLOCKED:
        return WorkState.BLOCKED
    if task.due_date is not None and task.due_date < today:
        return WorkState.OVERDUE
    return WorkState.OPEN


def board_context(session: Session, grant: Grant, *, now, web: WebAccess) -> Ctx | None:  # type: ignore[no-untyped-def]
    """The context chat would give this person, or None when the workspace or person is gone."""
    workspace = session.get(Workspace, grant.workspace_id)
    person = session.get(Person, grant.person_id)
    if workspace is None or person is None or person.workspace_id != workspace.id:
        return None
    caller = Caller(workspace.platform, workspace.external_id, person.user_id, person.name)
    tr = Translator(person.language or workspace.language)
    return Ctx(session, workspace, person, caller, tr, now, web=web)


@dataclass(frozen=True)
class Lane:
    """One department's work for one launch, in due-date order."""

    department: Department
    work: tuple[Task, ...]


@dataclass(frozen=True)
class RoadmapPage:
    roadmap: Roadmap
    weeks: int
    lanes: dict[int, tuple[Lane, ...]]  # launch id -> its lanes
    departments: tuple[Department, ...]


def roadmap_page(ctx: Ctx, weeks: int) -> RoadmapPage:
    plan = build_roadmap(ctx.session, ctx.workspace, ctx.today, ctx.calendar, weeks, with_done_tasks=True)
    lanes = {e.launch.id: _lanes(e) for e in plan.entries}
    return RoadmapPage(plan, weeks, lanes, tuple(repo.departments(ctx.session, ctx.workspace)))


@dataclass(frozen=True)
class LaunchPage:
    entry: RoadmapEntry
    lanes: tuple[Lane, ...]
    departments: tuple[Department, ...]
    burnup: Burnup
    feedback: LaunchFeedback = field(default_factory=LaunchFeedback)


def launch_page(ctx: Ctx, launch_id: int) -> LaunchPage | None:
    launch = ctx.session.scalars(
        select(Launch).where(Launch.id == launch_id, Launch.workspace_id == ctx.workspace.id)
    ).one_or_none()
    if launch is None or launch.status == LaunchStatus.CANCELLED:
        return None
    (entry,) = roadmap_entries(
        ctx.session, ctx.workspace, [launch], ctx.today, ctx.calendar, with_done_tasks=True
    )
    lanes = _lanes(entry)
    chart = launch_burnup(ctx.session, launch, calendar=ctx.calendar, zone=ctx.zone, now=ctx.now)
    feedback = feedback_store.launch_feedback(ctx.session, launch)
    return LaunchPage(entry, lanes, tuple(repo.departments(ctx.session, ctx.workspace)), chart, feedback)


@dataclass(frozen=True)
class PersonWork:
    person: Person | None  # None: nobody owns it yet
    work: tuple[Task, ...]

    def count(self, state: WorkState, today: date) -> int:
        return sum(1 for t in self.work if work_state(t, today) == state)


@dataclass(frozen=True)
class DepartmentPage:
    department: Department
    people: tuple[PersonWork, ...]
    departments: tuple[Department, ...]


def department_page(ctx: Ctx, key: str) -> DepartmentPage | None:
    department = ctx.session.scalars(
        select(Department).where(Department.workspace_id == ctx.workspace.id, Department.key == key)
    ).one_or_none()
    if department is None:
        return None
    work = ctx.session.scalars(
        select(Task)
        .where(
            Task.workspace_id == ctx.workspace.id,
            Task.department_id == department.id,
            Task.status.in_(TaskStatus.OPEN),
        )
        .order_by(Task.due_date.is_(None), Task.due_date, Task.number)
        .options(lazyload(Task.creator))
    ).unique()
    by_person: dict[int | None, list[Task]] = {}
    for task in work:
        by_person.setdefault(task.assignee_id, []).append(task)
    people = [PersonWork(tasks[0].assignee, tuple(tasks)) for tasks in by_person.values()]
    people.sort(key=lambda p: (p.person is None, (p.person.display if p.person else "").casefold()))
    return DepartmentPage(department, tuple(people), tuple(repo.departments(ctx.session, ctx.workspace)))


def _lanes(entry: RoadmapEntry) -> tuple[Lane, ...]:
    readiness = entry.readiness
    work = [*readiness.items, *readiness.followups, *readiness.open_tasks, *entry.done_tasks]
    departments: dict[int, Department] = {d.department.id: d.department for d in readiness.departments}
    for task in work:
        if task.department_id not in departments:  # read a task's department only when new
            departments[task.department_id] = task.department
    by_department: dict[int, list[Task]] = {}
    for task in sorted(work, key=lambda t: (t.due_date is None, t.due_date or date.max, t.number)):
        by_department.setdefault(task.department_id, []).append(task)
    ordered = sorted(departments.values(), key=lambda d: (d.position, d.id))
    return tuple(Lane(department, tuple(by_department.get(department.id, ()))) for department in ordered)
