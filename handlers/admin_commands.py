"""Workspace administration: departments, settings and digest schedules (admin-only changes)."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from handlers import calendar_commands, holidays, launch_items, views
from handlers import execution as ex
from handlers import grammar as g
from handlers.calendar import WORKDAYS_MASK, effective_region
from handlers.due import parse_offsets
from handlers.execution import CommandError, Ctx
from handlers.permissions import require_admin
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
        members = views.joined((views.who(m.person, ctx.tr) for m in department.members), ctx.tr)
        name = views.department_name(department, ctx.tr)
        aliases = [a for a in (department.key, *department.alias_list) if a != name]
        sections.append(
            Section(
                title=name,
                fields=(
                    Field(ctx.tr("field.aliases"), views.joined(aliases, ctx.tr) or ctx.tr("word.none")),
                    Field(ctx.tr("field.lead"), views.who(department.lead, ctx.tr)),
                    Field(ctx.tr("field.channel"), channel),
                    Field(ctx.tr("field.members"), members or ctx.tr("word.none")),
                ),
            )
        )
    return Reply(ctx.tr("dept.list_title", n=len(sections)), tuple(sections))


def _key_taken(ctx: Ctx, word: str, exclude: Department | None = None) -> bool:
    existing = repo.find_department(ctx.session, ctx.workspace, word)
    return existing is not None and existing is not exclude


def add_department(ctx: Ctx, cmd: g.AddDepartment) -> Reply:
    require_admin(ctx)
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
    require_admin(ctx)
    department = ex.department(ctx, cmd.department, "dept")
    if _key_taken(ctx, cmd.new_key, exclude=department):
        raise CommandError("err.dept_exists", "dept", {"department": cmd.new_key})
    old, shown = department.key, views.department_name(department, ctx.tr)
    aliases = [a for a in department.alias_list if a != cmd.new_key]
    if old not in aliases:
        aliases.append(old)  # the old name keeps working
    department.key, department.aliases = cmd.new_key, ",".join(aliases)
    return Reply(ctx.tr("dept.renamed", old=shown, new=cmd.new_key), tone=Tone.SUCCESS)


def set_department(ctx: Ctx, cmd: g.SetDepartment) -> Reply:
    require_admin(ctx)
    department = ex.department(ctx, cmd.department, "dept")
    name = views.department_name(department, ctx.tr)
    if cmd.lead is not None:
        lead = ex.person(ctx, cmd.lead)
        old_lead_id = department.lead_id
        department.lead_id, department.lead = lead.id, lead
        headline = ctx.tr("dept.lead_set", department=name, who=views.who(lead, ctx.tr))
        if moved := launch_items.follow_lead(ctx, department, old_lead_id, lead):
            headline += ctx.tr("launch.lead_takes_items", n=moved)
    elif cmd.holidays is not None:
        department.holiday_region = None if cmd.holidays == holidays.NONE else cmd.holidays
        region = calendar_commands.region_text(ctx, ctx.department_calendar(department).region)
        headline = ctx.tr("dept.holidays_set", department=name, region=region)
    elif cmd.channel is not None:
        department.channel_id, department.channel_name = cmd.channel.channel_id, cmd.channel.name
        headline = ctx.tr(
            "dept.channel_set",
            department=name,
            channel=f"<#{cmd.channel.channel_id}|{cmd.channel.name}>",
        )
    else:
        people = [ex.person(ctx, ref) for ref in cmd.members or ()]
        repo.set_members(ctx.session, department, people)
        headline = ctx.tr("dept.members_set", department=name, n=len(people))
    return Reply(headline, tone=Tone.SUCCESS)


def show_settings(ctx: Ctx, _cmd: g.ShowSettings) -> Reply:
    fields = tuple(Field(ctx.tr(f"setting.{name}"), _setting_text(ctx, name)) for name in SETTINGS)
    return Reply(ctx.tr("settings.title"), (Section(fields=fields),))


SETTINGS = (
    "timezone", "language", "workdays", "holidays", "hours", "checkin", "offsets", "nudge", "escalate",
    "threads",
)  # fmt: skip


def _setting_text(ctx: Ctx, name: str) -> str:
    """A setting's value as the reader reads it (days and languages in their language)."""
    ws = ctx.workspace
    if name == "timezone":
        return ws.timezone
    if name == "language":
        return ctx.tr(f"language.{ws.language}")
    if name == "workdays":
        return views.weekdays_text(ws.workdays, ctx.tr)
    if name == "holidays":
        return calendar_commands.region_text(ctx, effective_region(ws.holiday_region, ws.language))
    if name == "hours":
        return f"{ws.work_start}–{ws.work_end}"
    if name == "checkin":
        return ws.checkin_time
    if name == "nudge":
        return ws.nudge_time
    if name == "offsets":
        return views.offsets_text(parse_offsets(ws.checkin_offsets), ctx.tr)
    if name == "threads":
        return ctx.tr("settings.on" if ws.thread_updates else "settings.off")
    return ctx.tr("settings.escalate_value", lead=ws.escalate_lead_after, creator=ws.escalate_creator_after)


def change_setting(ctx: Ctx, cmd: g.ChangeSetting) -> Reply:
    require_admin(ctx)
    ws = ctx.workspace
    value = cmd.value
    if cmd.name == "timezone":
        try:
            ZoneInfo(str(value))
        except (ZoneInfoNotFoundError, ValueError):
            raise CommandError("err.bad_timezone", "settings", {"text": str(value)[:40]}) from None
        ws.timezone = str(value)
    elif cmd.name == "language":
        ws.language = str(value)
        ctx.tr.lang = ws.language if ctx.me.language is None else ctx.tr.lang
    elif cmd.name == "workdays":
        ws.workdays = int(value)  # type: ignore[call-overload]
    elif cmd.name == "holidays":
        ws.holiday_region = str(value)
    elif cmd.name == "hours":
        start, end = value  # type: ignore[misc]
        ws.work_start, ws.work_end = start.strftime("%H:%M"), end.strftime("%H:%M")
    elif cmd.name == "checkin":
        ws.checkin_time = value.strftime("%H:%M")  # type: ignore[attr-defined]
    elif cmd.name == "nudge":
        ws.nudge_time = value.strftime("%H:%M")  # type: ignore[attr-defined]
    elif cmd.name == "offsets":
        ws.checkin_offsets = ",".join(str(o) for o in value)  # type: ignore[attr-defined]
    elif cmd.name == "threads":
        ws.thread_updates = bool(value)
    else:  # escalate
        ws.escalate_lead_after, ws.escalate_creator_after = value  # type: ignore[misc]
    shown = _setting_text(ctx, cmd.name)
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
    require_admin(ctx)
    schedule = repo.digest_for_channel(ctx.session, ctx.workspace, channel_id)
    if cmd.action == "off":
        if schedule is None or not schedule.enabled:
            raise CommandError("err.no_digest", "digest")
        schedule.enabled = False
        return Reply(ctx.tr("digest.off"), tone=Tone.SUCCESS)
    at = cmd.at.strftime("%H:%M") if cmd.at else "09:30"
    days = cmd.days or WORKDAYS_MASK
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
        ctx.tr("digest.on", time=at, days=views.weekdays_text(days, ctx.tr), tz=ctx.workspace.timezone),
        tone=Tone.SUCCESS,
    )
