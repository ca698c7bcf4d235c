"""The personal overview (Slack App Home, console ``/coord`` with no arguments elsewhere)."""

from __future__ import annotations

from handlers import views
from handlers.execution import Ctx
from handlers.readiness import launch_readiness
from handlers.replies import Reply, Section
from storage import repo
from storage.models import TaskStatus

HOME_LIMIT = 15
HOME_LAUNCHES = 5


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
    upcoming = repo.launches(ctx.session, ctx.workspace, from_day=ctx.today)
    launch_lines = []
    for launch in upcoming[:HOME_LAUNCHES]:
        readiness = launch_readiness(ctx.session, launch)
        launch_lines.append(
            tr(
                "home.launch_line",
                name=launch.name,
                date=views.day(launch.launch_date, tr, ctx.today, relative=False),
                summary=readiness.summary(lambda d: views.department_name(d, tr)),
                tasks=len(readiness.open_tasks),
            )
        )
    sections.append(
        Section(
            title=tr("home.launches"),
            items=tuple(launch_lines) or (tr("launch.list_empty"),),
            more=max(0, len(upcoming) - HOME_LAUNCHES),
        )
    )
    return Reply(tr("home.title", who=views.who(ctx.me, tr)), tuple(sections))
