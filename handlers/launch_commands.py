"""Launches: create, list, show readiness, check and uncheck checklist items."""

from __future__ import annotations

from handlers import execution as ex
from handlers import grammar as g
from handlers import views
from handlers.execution import CommandError, Ctx
from handlers.readiness import Readiness, item_text, launch_readiness
from handlers.replies import Field, Reply, Section, Tone, mention
from storage import repo
from storage.models import Launch

UPCOMING_LIMIT = 15


def new(ctx: Ctx, cmd: g.NewLaunch) -> Reply:
    if cmd.day < ctx.today:
        raise CommandError("err.launch_in_past", "launch", {"date": cmd.day.isoformat()}, field="date")
    if repo.find_launch(ctx.session, ctx.workspace, cmd.name) is not None:
        raise CommandError("err.launch_exists", "launch", {"name": cmd.name}, field="name")
    channel_id = cmd.channel.channel_id if cmd.channel else ctx.caller.channel_id
    channel_name = cmd.channel.name if cmd.channel else ctx.caller.channel_name
    launch = repo.create_launch(
        ctx.session,
        ctx.workspace,
        cmd.name,
        cmd.day,
        creator=ctx.me,
        now=ctx.now,
        channel_id=channel_id,
        channel_name=channel_name,
    )
    reply = readiness_reply(ctx, launch_readiness(ctx.session, launch))
    headline = ctx.tr("launch.created", name=launch.name, date=views.day(launch.launch_date, ctx.tr))
    return Reply(headline, reply.sections, tone=Tone.SUCCESS, ephemeral=False)


def days_left_text(ctx: Ctx, launch: Launch) -> str:
    delta = (launch.launch_date - ctx.today).days
    if delta > 0:
        return ctx.tr("launch.days_left", n=delta)
    if delta == 0:
        return ctx.tr("launch.today")
    return ctx.tr("launch.days_since", n=-delta)


def readiness_reply(ctx: Ctx, readiness: Readiness) -> Reply:
    launch = readiness.launch
    tr = ctx.tr
    channel = f"<#{launch.channel_id}|{launch.channel_name}>" if launch.channel_id else tr("word.none")
    overview = Section(
        text=tr(
            "launch.overview",
            date=views.day(launch.launch_date, tr),
            left=days_left_text(ctx, launch),
            done=readiness.done,
            total=readiness.total,
            channel=channel,
        ),
        fields=tuple(
            Field(
                views.department_name(d.department, tr),
                tr("launch.dept_progress", done=d.done, total=d.total, tasks=d.open_tasks),
            )
            for d in readiness.departments
        ),
    )
    sections = [overview]
    if readiness.open_items:
        numbered = []
        for item in readiness.open_items[:30]:
            numbered.append(
                f"{views.department_name(item.department, tr)} {item.position}. {item_text(item, tr)}"
            )
        sections.append(
            Section(
                title=tr("launch.open_items"),
                items=tuple(numbered),
                more=max(0, len(readiness.open_items) - 30),
            )
        )
    done_items = [i for i in launch_items_done(readiness)]
    if done_items:
        sections.append(
            Section(
                title=tr("launch.done_items"),
                items=tuple(
                    f"{views.department_name(i.department, tr)} {i.position}. {item_text(i, tr)} — "
                    f"{views.who(i.done_by, tr)}, "
                    f"{views.moment(i.done_at, ctx.zone, tr)}"
                    for i in done_items[:20]
                    if i.done_at is not None
                ),
                more=max(0, len(done_items) - 20),
            )
        )
    if readiness.open_tasks:
        lines = views.task_lines(readiness.open_tasks, tr, ctx.today, limit=20, launch=False)
        sections.append(
            Section(
                title=tr("launch.open_tasks", n=len(readiness.open_tasks)), items=lines.items, more=lines.more
            )
        )
    tone = Tone.SUCCESS if readiness.ready else Tone.INFO
    headline = tr(
        "launch.headline", name=launch.name, summary=readiness.summary(lambda d: views.department_name(d, tr))
    )
    return Reply(headline, tuple(sections), tone=tone)


def launch_items_done(readiness: Readiness) -> list:
    return [i for i in readiness.launch.items if i.done_at is not None]


def show(ctx: Ctx, cmd: g.ShowLaunch) -> Reply:
    launch = ex.launch(ctx, cmd.name, "launch")
    return readiness_reply(ctx, launch_readiness(ctx.session, launch))


def list_launches(ctx: Ctx, _cmd: g.ListLaunches) -> Reply:
    upcoming = repo.launches(ctx.session, ctx.workspace, from_day=ctx.today)
    if not upcoming:
        return Reply(ctx.tr("launch.list_empty"))
    items = []
    for launch in upcoming[:UPCOMING_LIMIT]:
        readiness = launch_readiness(ctx.session, launch)
        items.append(
            ctx.tr(
                "launch.list_line",
                name=launch.name,
                date=views.day(launch.launch_date, ctx.tr),
                left=days_left_text(ctx, launch),
                summary=readiness.summary(),
                tasks=len(readiness.open_tasks),
            )
        )
    section = Section(items=tuple(items), more=max(0, len(upcoming) - UPCOMING_LIMIT))
    return Reply(ctx.tr("launch.list_title", n=len(upcoming)), (section,))


def check(ctx: Ctx, cmd: g.CheckItem) -> Reply:
    verb = "check" if cmd.done else "uncheck"
    launch = ex.launch(ctx, cmd.launch, verb)
    department = ex.department(ctx, cmd.department, verb)
    items = [i for i in launch.items if i.department_id == department.id]
    item = next((i for i in items if i.position == cmd.item), None)
    if item is None:
        raise CommandError(
            "err.no_item",
            verb,
            {"launch": launch.name, "department": department.key, "item": cmd.item, "count": len(items)},
        )
    if cmd.done:
        if item.done_at is not None:
            raise CommandError(
                "err.item_already_done",
                verb,
                {"item": item_text(item, ctx.tr), "who": views.who(item.done_by, ctx.tr)},
            )
        item.done_at, item.done_by_id, item.done_by = ctx.now, ctx.me.id, ctx.me
        headline = ctx.tr(
            "launch.checked", item=item_text(item, ctx.tr), who=mention(ctx.me.user_id, ctx.me.name)
        )
    else:
        if item.done_at is None:
            raise CommandError("err.item_not_done", verb, {"item": item_text(item, ctx.tr)})
        item.done_at, item.done_by_id, item.done_by = None, None, None
        headline = ctx.tr("launch.unchecked", item=item_text(item, ctx.tr))
    ctx.session.flush()
    reply = readiness_reply(ctx, launch_readiness(ctx.session, launch))
    return Reply(headline, reply.sections, tone=Tone.SUCCESS)
