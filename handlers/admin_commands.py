"""Workspace administration: departments, settings and digest schedules (admin-only changes)."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from handlers import execution as ex
from handlers import grammar as g
from handlers import launch_items, views
from handlers.dates import format_weekdays
from handlers.execution import CommandError, Ctx
from handlers.replies import Field, Reply, Section, Tone
from storage import repo
from storage.models import Department, DigestSchedule


def list_departments(ctx: Ctx, _cmd: g.ListDepartments) -> Reply:
    sections = []
    for department in repo.departments(ctx.session, ctx.workspace):
        channel = (
            f"<#{department.channel_id}|{department.channel_name}>"
            if department.channel_id
            else ctx.tr("word.none")
        )
        members = ", ".join(views.who(m.person, ctx.tr) for m in department.members) or ctx.tr("word.none")
        sections.append(
            Section(
                title=department.key,
                fields=(
                    Field(ctx.tr("field.aliases"), ", ".join(department.alias_list) or ctx.tr("word.none")),
                    Field(ctx.tr("field.lead"), views.who(department.lead, ctx.tr)),
                    Field(ctx.tr("field.channel"), channel),
                    Field(ctx.tr("field.members"), members),
                ),
            )
        )
    return Reply(ctx.tr("dept.list_title", n=len(sections)), tuple(sections))


def _key_taken(ctx: Ctx, word: str, exclude: Department | None = None) -> bool:
    existing = repo.find_department(ctx.session, ctx.workspace, word)
    return existing is not None and existing is not exclude


def add_department(ctx: Ctx, cmd: g.AddDepartment) -> Reply:
    ex.require_admin(ctx, "dept")
    for word in (cmd.key, *cmd.aliases):
        if _key_taken(ctx, word):
            raise CommandError("err.dept_exists", "dept", {"department": word})
    position = len(repo.departments(ctx.session, ctx.workspace))
    ctx.session.add(
        Department(
            workspace_id=ctx.workspace.id, key=cmd.key, aliases=",".join(cmd.aliases), position=position
        )
    )
    return Reply(ctx.tr("dept.added", department=cmd.key), tone=Tone.SUCCESS)


def rename_department(ctx: Ctx, cmd: g.RenameDepartment) -> Reply:
    ex.require_admin(ctx, "dept")
    department = ex.department(ctx, cmd.department, "dept")
    if _key_taken(ctx, cmd.new_key, exclude=department):
        raise CommandError("err.dept_exists", "dept", {"department": cmd.new_key})
    old = department.key
    aliases = [a for a in department.alias_list if a != cmd.new_key]
    if old not in aliases:
        aliases.append(old)  # the old name keeps working
    department.key, department.aliases = cmd.new_key, ",".join(aliases)
    return Reply(ctx.tr("dept.renamed", old=old, new=cmd.new_key), tone=Tone.SUCCESS)


def set_department(ctx: Ctx, cmd: g.SetDepartment) -> Reply:
    ex.require_admin(ctx, "dept")
    department = ex.department(ctx, cmd.department, "dept")
    if cmd.lead is not None:
        lead = ex.person(ctx, cmd.lead)
        old_lead_id = department.lead_id
        department.lead_id, department.lead = lead.id, lead
        headline = ctx.tr("dept.lead_set", department=department.key, who=views.who(lead, ctx.tr))
        if moved := launch_items.follow_lead(ctx, department, old_lead_id, lead):
            headline += ctx.tr("launch.lead_takes_items", n=moved)
    elif cmd.channel is not None:
        department.channel_id, department.channel_name = cmd.channel.channel_id, cmd.channel.name
        headline = ctx.tr(
            "dept.channel_set",
            department=department.key,
            channel=f"<#{cmd.channel.channel_id}|{cmd.channel.name}>",
        )
    else:
        people = [ex.person(ctx, ref) for ref in cmd.members or ()]
        repo.set_members(ctx.session, department, people)
        headline = ctx.tr("dept.members_set", department=department.key, n=len(people))
    return Reply(headline, tone=Tone.SUCCESS)


def show_settings(ctx: Ctx, _cmd: g.ShowSettings) -> Reply:
    ws = ctx.workspace
    fields = (
        Field(ctx.tr("setting.timezone"), ws.timezone),
        Field(ctx.tr("setting.language"), ws.language),
        Field(ctx.tr("setting.workdays"), format_weekdays(ws.workdays)),
        Field(ctx.tr("setting.checkin"), ws.checkin_time),
        Field(ctx.tr("setting.offsets"), ws.checkin_offsets),
        Field(ctx.tr("setting.nudge"), ws.nudge_time),
        Field(ctx.tr("setting.escalate"), f"{ws.escalate_lead_after} / {ws.escalate_creator_after}"),
    )
    return Reply(ctx.tr("settings.title"), (Section(fields=fields),))


def change_setting(ctx: Ctx, cmd: g.ChangeSetting) -> Reply:
    ex.require_admin(ctx, "settings")
    ws = ctx.workspace
    value = cmd.value
    if cmd.name == "timezone":
        try:
            ZoneInfo(str(value))
        except (ZoneInfoNotFoundError, ValueError):
            raise CommandError("err.bad_timezone", "settings", {"text": str(value)[:40]}) from None
        ws.timezone = str(value)
        shown = ws.timezone
    elif cmd.name == "language":
        ws.language = str(value)
        ctx.tr.lang = ws.language if ctx.me.language is None else ctx.tr.lang
        shown = ws.language
    elif cmd.name == "workdays":
        ws.workdays = int(value)  # type: ignore[call-overload]
        shown = format_weekdays(ws.workdays)
    elif cmd.name in ("checkin", "nudge"):
        shown = value.strftime("%H:%M")  # type: ignore[attr-defined]
        if cmd.name == "checkin":
            ws.checkin_time = shown
        else:
            ws.nudge_time = shown
    elif cmd.name == "offsets":
        shown = ",".join(str(o) for o in value)  # type: ignore[attr-defined]
        ws.checkin_offsets = shown
    else:  # escalate
        lead, creator = value  # type: ignore[misc]
        ws.escalate_lead_after, ws.escalate_creator_after = lead, creator
        shown = f"{lead} / {creator}"
    return Reply(
        ctx.tr("settings.changed", name=ctx.tr(f"setting.{cmd.name}"), value=shown), tone=Tone.SUCCESS
    )


def digest(ctx: Ctx, cmd: g.Digest) -> Reply:
    channel_id = ctx.caller.channel_id
    if not channel_id:
        raise CommandError("err.digest_needs_channel", "digest")
    if cmd.action == "now":
        from handlers.notices import compose_digest  # the scheduler's composer

        reply = compose_digest(ctx.session, ctx.workspace, channel_id, ctx.now, ctx.tr.lang)
        return Reply(reply.headline, reply.sections, tone=reply.tone, ephemeral=False)
    ex.require_admin(ctx, "digest")
    schedule = repo.digest_for_channel(ctx.session, ctx.workspace, channel_id)
    if cmd.action == "off":
        if schedule is None or not schedule.enabled:
            raise CommandError("err.no_digest", "digest")
        schedule.enabled = False
        return Reply(ctx.tr("digest.off"), tone=Tone.SUCCESS)
    at = cmd.at.strftime("%H:%M") if cmd.at else "09:30"
    days = cmd.days or 0b0011111
    if schedule is None:
        schedule = DigestSchedule(
            workspace_id=ctx.workspace.id,
            channel_id=channel_id,
            channel_name=ctx.caller.channel_name,
            at_time=at,
            days=days,
            enabled=True,
            created_at=ctx.now,
        )
        ctx.session.add(schedule)
    else:
        schedule.at_time, schedule.days, schedule.enabled = at, days, True
        schedule.channel_name = ctx.caller.channel_name or schedule.channel_name
    return Reply(
        ctx.tr("digest.on", time=at, days=format_weekdays(days), tz=ctx.workspace.timezone), tone=Tone.SUCCESS
    )
