"""The personal overview (Slack App Home): the caller's tasks, their departments' overdue and
blocked work, and the roadmap of the coming weeks (as ``/coord roadmap`` shows it)."""

from __future__ import annotations

from handlers import views
from handlers.execution import Ctx
from handlers.overview_commands import roadmap_line
from handlers.replies import Reply, Section
from handlers.roadmap import DEFAULT_WEEKS, build_roadmap
from storage import repo
from storage.models import TaskStatus

HOME_LIMIT = 15
HOME_LAUNCHES = 8


def home(ctx: Ctx) -> Reply:
    tr = ctx.tr
    sections = []
    mine = repo.list_tasks(ctx.session, ctx.workspace, assignee=ctx.me, limit=HOME_LIMIT + 1)
    lines = views.task_lines(mine, tr, ctx.today, limit=HOME_LIMIT)
    sections.append(
        Section(
            title=tr("home.mine", n=len(mine) if len(mine) <= HOME_LIMIT else f"{HOME_LIMIT}+"),
            items=lines.items or (tr("list.empty"),),
            more=lines.more,
        )
    )
    for department in repo.departments_led_or_joined(ctx.session, ctx.me):
        overdue = repo.list_tasks(
            ctx.session, ctx.workspace, department=department, due_before=ctx.today, limit=HOME_LIMIT + 1
        )
        blocked = repo.list_tasks(
            ctx.session,
            ctx.workspace,
            department=department,
            statuses=(TaskStatus.BLOCKED,),
            limit=HOME_LIMIT + 1,
        )
        if overdue or blocked:
            merged = list({t.id: t for t in [*overdue, *blocked]}.values())
            dept_lines = views.task_lines(merged, tr, ctx.today, limit=HOME_LIMIT, department=False)
            sections.append(
                Section(
                    title=tr("home.department", department=views.department_name(department, tr)),
                    items=dept_lines.items,
                    more=dept_lines.more,
                )
            )
    plan = build_roadmap(ctx.session, ctx.workspace, ctx.today, ctx.calendar)
    sections.append(
        Section(
            title=tr("home.roadmap", weeks=DEFAULT_WEEKS),
            items=tuple(roadmap_line(e, plan, tr) for e in plan.entries[:HOME_LAUNCHES])
            or (tr("roadmap.empty", weeks=DEFAULT_WEEKS),),
            more=max(0, len(plan.entries) - HOME_LAUNCHES),
        )
    )
    return Reply(tr("home.title", who=views.who(ctx.me, tr)), tuple(sections))
