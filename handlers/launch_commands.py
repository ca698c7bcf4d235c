"""Launches: create one from a template, list them, show one, check its items off."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from handlers import due, launch_items, next_version, task_commands, views
from handlers import execution as ex
from handlers import grammar as g
from handlers import launch_grammar as lg
from handlers.execution import CommandError, Ctx
from handlers.launch_notices import asks_signoff
from handlers.launch_views import (
    check_buttons,
    decision_text,
    followups_end,
    history_lines,
    item_lines,
    launch_phase,
    name,
    signoff_lines,
)
from handlers.permissions import require_task_permission
from handlers.readiness import Readiness, launch_readiness
from handlers.replies import Field, Reply, Section, Tone, mention
from storage import launch_plans, repo
from storage.models import Department, Launch, LaunchStatus, Task

UPCOMING_LIMIT = 15
ITEM_LIMIT = 30
DONE_LIMIT = 20
HISTORY_LIMIT = 5


def phase(ctx: Ctx, launch: Launch, today: date | None = None) -> str:
    offsets = due.parse_offsets(ctx.workspace.checkin_offsets)
    end = followups_end(launch, offsets, ctx.calendar)
    return launch_phase(launch, today or ctx.today, end)


def new(ctx: Ctx, cmd: lg.NewLaunch) -> Reply:
    if cmd.day < ctx.today:
        raise CommandError("err.launch_in_past", lg.NEW_USAGE, {"date": cmd.day.isoformat()}, field="date")
    if repo.find_launch(ctx.session, ctx.workspace, cmd.name) is not None:
        raise CommandError("err.launch_exists", lg.NEW_USAGE, {"name": cmd.name}, field="name")
    previous = ex.launch(ctx, cmd.previous, lg.NEW_USAGE, "previous") if cmd.previous else None
    if previous is not None:
        if cmd.carry:
            next_version.check_carry_allowed(ctx, previous)
        template = next_version.template_of(ctx, previous, cmd.template)
    else:
        template = launch_items.template_or_default(ctx, cmd.template, lg.NEW_USAGE)
    channel_id = cmd.channel.channel_id if cmd.channel else ctx.caller.channel_id
    channel_name = cmd.channel.name if cmd.channel else ctx.caller.channel_name
    launch = launch_plans.create_launch(
        ctx.session,
        ctx.workspace,
        name=cmd.name,
        launch_date=cmd.day,
        channel_id=channel_id,
        channel_name=channel_name,
        created_by_id=ctx.me.id,
        owner_id=ctx.me.id,
        owner=ctx.me,
        created_at=ctx.now,
        status=LaunchStatus.PLANNED,
        template_name=template.name,
        previous_id=previous.id if previous else None,
    )
    if previous is not None and cmd.copy_items:
        items = next_version.copy_items(ctx, previous, launch)
    else:
        items = launch_items.instantiate(ctx, launch, template)
    carried = next_version.CarriedOver()
    if previous is not None and cmd.carry:
        carried = next_version.carry_over(ctx, previous, launch)
    created: dict[str, object] = {"template": template.name, "date": cmd.day.isoformat(), "items": len(items)}
    if previous is not None:
        created.update(previous=previous.name, tasks=len(carried.tasks), feedback=len(carried.feedback))
    launch_plans.record_launch_event(ctx.session, launch, ctx.me, ctx.now, "created", created)
    ctx.session.flush()
    readiness = launch_readiness(ctx.session, launch)
    headline = ctx.tr(
        "launch.created_from",
        name=launch.name,
        date=views.day(launch.launch_date, ctx.tr, ctx.today, relative=False),
        template=template.name,
        items=_item_count(ctx, readiness),
    )
    if previous is not None:
        source = ctx.tr("next.items_of", launch=previous.name) if cmd.copy_items else template.name
        headline = ctx.tr(
            "next.created",
            name=launch.name,
            previous=previous.name,
            date=views.day(launch.launch_date, ctx.tr, ctx.today, relative=False),
            template=source,
            items=_item_count(ctx, readiness),
        )
    reply = readiness_reply(ctx, readiness)
    notes = launch_items.planning_notes(ctx, launch, items)
    along = next_version.carried_sections(ctx, launch, carried, previous) if previous and cmd.carry else []
    return Reply(headline, (*along, *reply.sections, *notes), tone=Tone.SUCCESS, ephemeral=False)


def _item_count(ctx: Ctx, readiness: Readiness) -> str:
    """The checklist's count (the one its card shows) and the items after the launch."""
    before, after = len(readiness.items), len(readiness.followups)
    if after:
        return ctx.tr("launch.item_count_after", n=before, after=after)
    return ctx.tr("launch.item_count", n=before)


def days_left_text(ctx: Ctx, launch: Launch) -> str:
    delta = (launch.launch_date - ctx.today).days
    if delta > 0:
        return ctx.tr("launch.days_left", n=delta)
    if delta == 0:
        return ctx.tr("launch.today")
    return ctx.tr("launch.days_since", n=-delta)


def overview(ctx: Ctx, readiness: Readiness) -> Section:
    launch, tr = readiness.launch, ctx.tr
    channel = f"<#{launch.channel_id}|{launch.channel_name}>" if launch.channel_id else tr("word.none")
    text = tr(
        "launch.summary",
        phase=tr(f"launch.phase.{phase(ctx, launch)}"),
        date=views.day(launch.launch_date, tr, ctx.today, relative=False),
        left=days_left_text(ctx, launch),
        owner=views.who(launch.owner, tr),
        channel=channel,
        done=readiness.done,
        total=readiness.total,
    )
    fields = []
    for row in readiness.departments:
        value = tr("launch.dept_items", done=row.done, total=row.total, tasks=row.open_tasks)
        if row.signoff is not None:
            value += " · " + tr("launch.signed_ready" if row.signoff.ready else "launch.signed_not_ready")
        fields.append(Field(views.department_name(row.department, tr), value))
    return Section(text=text, fields=tuple(fields))


def readiness_reply(ctx: Ctx, readiness: Readiness) -> Reply:
    launch, tr = readiness.launch, ctx.tr
    sections = [overview(ctx, readiness)]
    open_items = list(readiness.open_items)
    if open_items:
        shown = open_items[:ITEM_LIMIT]
        sections.append(
            Section(
                title=tr("launch.open_items_title", n=len(open_items), launch=launch.name),
                items=item_lines(readiness, shown, tr, ctx.today, ctx.zone),
                buttons=check_buttons(readiness, shown, tr),
                more=max(0, len(open_items) - ITEM_LIMIT),
            )
        )
    followups = list(readiness.open_followups)
    if followups:
        sections.append(
            Section(
                title=tr("launch.followup_items", n=len(followups)),
                items=item_lines(readiness, followups[:ITEM_LIMIT], tr, ctx.today, ctx.zone),
                more=max(0, len(followups) - ITEM_LIMIT),
            )
        )
    done_items = list(readiness.done_items)
    if done_items:
        sections.append(
            Section(
                title=tr("launch.done_items"),
                items=item_lines(readiness, done_items[:DONE_LIMIT], tr, ctx.today, ctx.zone),
                more=max(0, len(done_items) - DONE_LIMIT),
            )
        )
    sections.extend(_signoff_and_decision(ctx, readiness))
    if readiness.open_tasks:
        lines = views.task_lines(readiness.open_tasks, tr, ctx.today, limit=20, launch=False)
        sections.append(
            Section(
                title=tr("launch.open_tasks", n=len(readiness.open_tasks)), items=lines.items, more=lines.more
            )
        )
    events = launch_plans.launch_history(ctx.session, launch)
    if events:
        sections.append(
            Section(
                title=tr("launch.history"),
                items=history_lines(events[-HISTORY_LIMIT:], tr, ctx.zone),
                more=max(0, len(events) - HISTORY_LIMIT),
            )
        )
    tone = Tone.SUCCESS if readiness.ready else Tone.INFO
    summary = readiness.summary(name(tr)) or tr("launch.no_items")
    headline = tr("launch.title", name=launch.name, summary=summary)
    return Reply(headline, tuple(sections), tone=tone)


def _signoff_and_decision(ctx: Ctx, readiness: Readiness) -> list[Section]:
    launch, tr = readiness.launch, ctx.tr
    sections = []
    if readiness.signoffs or asks_signoff(readiness, ctx.today, ctx.calendar):
        sections.append(Section(title=tr("signoff.title"), items=signoff_lines(readiness, tr, ctx.zone)))
    decided = decision_text(launch, tr, ctx.zone)
    if decided:
        sections.append(Section(text=decided))
    return sections


def show(ctx: Ctx, cmd: lg.ShowLaunch) -> Reply:
    """The launch's readiness, with its lineage and what it carried over from the earlier version."""
    launch = ex.launch(ctx, cmd.name, "launch")
    reply = readiness_reply(ctx, launch_readiness(ctx.session, launch))
    lineage = next_version.lineage_sections(ctx, launch)
    return replace(reply, sections=(*reply.sections[:1], *lineage, *reply.sections[1:]))


def list_launches(ctx: Ctx, _cmd: lg.ListLaunches) -> Reply:
    """Launches still under way: planned (cancelled ones too, till their date) and launched ones
    until their last follow-up."""
    recent = ctx.today - timedelta(days=max(due.parse_offsets(ctx.workspace.checkin_offsets)) + 7)
    current = [
        (launch, status)
        for launch in repo.launches(ctx.session, ctx.workspace, from_day=recent)
        if (status := phase(ctx, launch)) != LaunchStatus.DONE
        and not (status == LaunchStatus.CANCELLED and launch.launch_date < ctx.today)
    ]
    if not current:
        return Reply(ctx.tr("launch.list_empty"))
    items = []
    names = {launch.id: launch.name for launch, _status in current}
    for launch, status in current[:UPCOMING_LIMIT]:
        readiness = launch_readiness(ctx.session, launch)
        after = ""
        if launch.previous_id is not None:
            previous = names.get(launch.previous_id) or _name_of(ctx, launch.previous_id)
            after = " · " + ctx.tr("next.after", launch=previous) if previous else ""
        items.append(
            ctx.tr(
                "launch.list_entry",
                name=launch.name,
                phase=ctx.tr(f"launch.phase.{status}"),
                date=views.day(launch.launch_date, ctx.tr, ctx.today, relative=False),
                left=days_left_text(ctx, launch),
                summary=readiness.summary(name(ctx.tr)) or ctx.tr("launch.no_items"),
                tasks=len(readiness.open_tasks),
            )
            + after
        )
    section = Section(items=tuple(items), more=max(0, len(current) - UPCOMING_LIMIT))
    return Reply(ctx.tr("launch.list_current", n=len(current)), (section,))


def _name_of(ctx: Ctx, launch_id: int) -> str | None:
    found = ctx.session.get(Launch, launch_id)
    return found.name if found is not None and found.workspace_id == ctx.workspace.id else None


def check(ctx: Ctx, cmd: g.CheckItem) -> Reply:
    """``check|uncheck <launch> <dept> <n>``: the item's done/reopen, answered with the launch."""
    verb = "check" if cmd.done else "uncheck"
    launch = ex.launch(ctx, cmd.launch, verb)
    department = ex.department(ctx, cmd.department, verb)
    item = plan_item(ctx, launch, department, cmd.item, verb)
    return set_item_done(ctx, item, done=cmd.done, verb=verb)


def plan_item(ctx: Ctx, launch: Launch, department: Department, position: int, usage: str) -> Task:
    """The department's ``position``-th item of the launch's plan (``dev 2``), or a refusal."""
    readiness = launch_readiness(ctx.session, launch)
    item = readiness.item_by_label(department, position)
    if item is None:
        count = sum(1 for i in (*readiness.items, *readiness.followups) if i.department_id == department.id)
        name = views.department_name(department, ctx.tr)
        params = {"launch": launch.name, "department": name, "item": position, "count": count}
        raise CommandError("err.no_item", usage, params)
    return item


def set_item_done(ctx: Ctx, item: Task, *, done: bool, verb: str) -> Reply:
    """Check ``item`` off (or uncheck it) as a task's done/reopen: the same permissions, history, DMs."""
    if item.launch is None or not item.is_item:
        raise CommandError("err.not_an_item", verb, {"number": item.number})
    require_task_permission(ctx, item, verb)
    if done and item.done_at is not None:
        raise CommandError(
            "err.item_already_done", verb, {"item": item.title, "who": views.who(item.done_by, ctx.tr)}
        )
    if not done and item.done_at is None:
        raise CommandError("err.item_not_done", verb, {"item": item.title})
    task_commands.change_status(ctx, g.ChangeStatus("done" if done else "reopen", item.number))
    ctx.session.flush()
    readiness = launch_readiness(ctx.session, item.launch)
    who = mention(ctx.me.user_id, ctx.me.name)
    headline = (
        ctx.tr("launch.checked", item=item.title, who=who)
        if done
        else ctx.tr("launch.unchecked", item=item.title)
    )
    return Reply(headline, readiness_reply(ctx, readiness).sections, tone=Tone.SUCCESS)
