"""Charts, the weekly report's schedule and launch retros, as commands.

A chart is posted where it was asked (a file is never only the asker's); ``report here`` needs
an admin, like the digest; ``report dm`` is anyone's own; ``retro <launch> close`` is the
launch's PM's (or an admin's) and sends the retro once, to the launch channel and the PM.
"""

from __future__ import annotations

from handlers import due, views
from handlers import execution as ex
from handlers import report_grammar as rg
from handlers.burnup import launch_burnup, overdue_by_department
from handlers.charts import burnup_chart, overdue_chart
from handlers.execution import CommandError, Ctx
from handlers.launch_permissions import require_launch_owner
from handlers.permissions import require_admin
from handlers.replies import Outbound, Reply, Section, Target, Tone
from handlers.retro import compose_retro, retro_key, shipped_date
from handlers.weekly_report import compose_weekly_report
from storage import notifications as ledger
from storage import report_schedules
from storage.models import LaunchStatus, ReportSchedule

_T1800 = due.parse_hhmm("18:00")


def chart_burnup(ctx: Ctx, cmd: rg.ChartBurnup) -> Reply:
    launch = ex.launch(ctx, cmd.launch, "chart")
    burnup = launch_burnup(ctx.session, launch, calendar=ctx.calendar, zone=ctx.zone, now=ctx.now)
    latest = burnup.latest
    headline = ctx.tr("chart.burnup_headline", launch=launch.name, done=latest.done, total=latest.total)
    return Reply(headline, chart=burnup_chart(burnup, ctx.tr), ephemeral=False, language=ctx.tr.lang)


def chart_overdue(ctx: Ctx, cmd: rg.ChartOverdue) -> Reply:
    series = overdue_by_department(ctx.session, ctx.workspace, zone=ctx.zone, now=ctx.now, weeks=cmd.weeks)
    headline = ctx.tr("chart.overdue_headline", n=series.total(), weeks=len(series.days))
    return Reply(headline, chart=overdue_chart(series, ctx.tr), ephemeral=False, language=ctx.tr.lang)


def _target(ctx: Ctx, where: str) -> Target:
    if where == "dm":
        return Target.user(ctx.me.user_id, ctx.me.name)
    if not ctx.caller.channel_id:
        raise CommandError("err.report_needs_channel", "report")
    return Target.channel(ctx.caller.channel_id, ctx.caller.channel_name)


def _where(ctx: Ctx, schedule: ReportSchedule) -> str:
    if schedule.target_kind == "user":
        return ctx.tr("report.where_dm", who=views.who(ctx.me, ctx.tr))
    return ctx.tr("report.where_channel", channel=schedule.target_name or schedule.target_id)


def schedule_report(ctx: Ctx, cmd: rg.ScheduleReport) -> Reply:
    target = _target(ctx, cmd.where)
    if target.kind == "channel":
        require_admin(ctx)
    ws = ctx.workspace
    if not due.parse_hhmm(ws.work_start) <= due.parse_hhmm(cmd.at) < due.parse_hhmm(ws.work_end, _T1800):
        raise CommandError(
            "err.report_outside_hours", "report", {"time": cmd.at, "start": ws.work_start, "end": ws.work_end}
        )
    schedule = report_schedules.find(ctx.session, ctx.workspace, target.kind, target.id)
    if schedule is None:
        schedule = ReportSchedule(
            workspace_id=ctx.workspace.id, target_kind=target.kind, target_id=target.id, created_at=ctx.now
        )
        ctx.session.add(schedule)
    schedule.target_name, schedule.weekday, schedule.at_time = target.name, cmd.weekday, cmd.at
    schedule.created_by_id = ctx.me.id
    tz = ctx.workspace.timezone  # reports go out at the workspace's local time
    headline = ctx.tr(
        "report.scheduled",
        where=_where(ctx, schedule),
        day=ctx.tr(f"wdname.{cmd.weekday}"),
        time=cmd.at,
        tz=tz,
    )
    return Reply(headline, (Section(context=ctx.tr("report.schedule_note")),), tone=Tone.SUCCESS)


def stop_report(ctx: Ctx, cmd: rg.StopReport) -> Reply:
    target = _target(ctx, cmd.where)
    schedule = report_schedules.find(ctx.session, ctx.workspace, target.kind, target.id)
    if schedule is None:
        raise CommandError("err.no_report", "report")
    if target.kind == "channel":
        require_admin(ctx)
    where = _where(ctx, schedule)
    report_schedules.remove(ctx.session, schedule)
    return Reply(ctx.tr("report.stopped", where=where), tone=Tone.SUCCESS)


def show_reports(ctx: Ctx, _cmd: rg.ShowReports) -> Reply:
    schedules = report_schedules.of_workspace(ctx.session, ctx.workspace)
    visible = [s for s in schedules if s.target_kind == "channel" or s.target_id == ctx.me.user_id]
    if not visible:
        return Reply(ctx.tr("report.none"), usage=ctx.tr("usage.report"))
    lines = tuple(
        ctx.tr(
            "report.schedule_line", where=_where(ctx, s), day=ctx.tr(f"wdname.{s.weekday}"), time=s.at_time
        )
        for s in visible
    )
    return Reply(ctx.tr("report.list_headline", n=len(lines)), (Section(items=lines),))


def report_now(ctx: Ctx, _cmd: rg.ReportNow) -> Reply:
    """The report, here and now, for everyone in the channel (its chart follows as a file)."""
    report = compose_weekly_report(
        ctx.session, ctx.workspace, lang=ctx.tr.lang, zone=ctx.zone, calendar=ctx.calendar, now=ctx.now
    )
    if report.chart is not None:
        target = _target(ctx, "here") if ctx.caller.channel_id else _target(ctx, "dm")
        ctx.outbox.append(Outbound(ctx.caller.platform, ctx.workspace.external_id, target, report.chart))
    return report.text


def retro(ctx: Ctx, cmd: rg.Retro) -> Reply:
    launch = ex.launch(ctx, cmd.launch, "retro")
    if launch.status == LaunchStatus.CANCELLED:
        raise CommandError("err.launch_cancelled", "retro", {"launch": launch.name})
    shipped = shipped_date(launch, ctx.zone)
    if launch.launched_at is None and shipped > ctx.today:
        raise CommandError(
            "err.retro_not_yet", "retro", {"launch": launch.name, "date": views.short_day(shipped, ctx.tr)}
        )
    if not cmd.close:
        reply = compose_retro(ctx.session, launch, lang=ctx.tr.lang, zone=ctx.zone, now=ctx.now)
        return Reply(reply.headline, reply.sections, tone=reply.tone, ephemeral=True, language=ctx.tr.lang)
    require_launch_owner(ctx, launch)
    lang = ctx.workspace.language  # the team's retro, in the team's language
    composed = compose_retro(ctx.session, launch, lang=lang, zone=ctx.zone, now=ctx.now)
    targets = []
    if launch.channel_id:
        targets.append((retro_key(launch, "channel"), Target.channel(launch.channel_id, launch.channel_name)))
    pm = launch.owner or ctx.me
    targets.append((retro_key(launch, f"pm:{pm.user_id}"), Target.user(pm.user_id, pm.name)))
    sent = ledger.existing_keys(ctx.session, [key for key, _target in targets])
    if len(sent) == len(targets):
        shown = compose_retro(ctx.session, launch, lang=ctx.tr.lang, zone=ctx.zone, now=ctx.now)
        return Reply(ctx.tr("retro.already_sent", launch=launch.name), shown.sections, language=ctx.tr.lang)
    for key, target in targets:
        if key not in sent:
            message = Outbound(ctx.caller.platform, ctx.workspace.external_id, target, composed, key=key)
            ctx.outbox.append(message)
    return Reply(ctx.tr("retro.sent", launch=launch.name), tone=Tone.SUCCESS)


HANDLERS = {
    rg.ChartBurnup: chart_burnup,
    rg.ChartOverdue: chart_overdue,
    rg.ScheduleReport: schedule_report,
    rg.StopReport: stop_report,
    rg.ShowReports: show_reports,
    rg.ReportNow: report_now,
    rg.Retro: retro,
}
