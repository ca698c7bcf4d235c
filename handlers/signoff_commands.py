"""Go/no-go sign-off: each department lead says whether their department is ready for a launch."""

from __future__ import annotations

from handlers import execution as ex
from handlers import launch_grammar as lg
from handlers import launch_permissions as perm
from handlers import views
from handlers.execution import CommandError, Ctx
from handlers.launch_commands import phase
from handlers.launch_status import post_to_launch_channel
from handlers.launch_views import signoff_lines
from handlers.readiness import launch_readiness
from handlers.replies import Reply, Section, Tone
from storage import launch_plans
from storage.models import Department, Launch, LaunchStatus

USAGE = "signoff"


def signoff(ctx: Ctx, cmd: lg.SignOffDepartment) -> Reply:
    launch = ex.launch(ctx, cmd.launch, USAGE)
    department = ex.department(ctx, cmd.department, USAGE)
    return record(ctx, launch, department, ready=cmd.ready, note=cmd.note)


def check_allowed(ctx: Ctx, launch: Launch, department: Department) -> None:
    """The checks a sign-off passes before it is recorded (a button asking for a reason too)."""
    if phase(ctx, launch) in (LaunchStatus.CANCELLED, LaunchStatus.DONE):
        raise CommandError("err.signoff_closed", USAGE, {"launch": launch.name})
    readiness = launch_readiness(ctx.session, launch)
    if department.id not in {row.department.id for row in readiness.departments}:
        known = views.joined(
            (views.department_name(r.department, ctx.tr) for r in readiness.departments), ctx.tr
        )
        raise CommandError(
            "err.dept_not_in_launch",
            USAGE,
            {"department": views.department_name(department, ctx.tr), "launch": launch.name, "known": known},
        )
    perm.require_signoff(ctx, launch, department)


def record(ctx: Ctx, launch: Launch, department: Department, *, ready: bool, note: str | None) -> Reply:
    # The launch's row lock first: two presses of Ready at once record one sign-off, then the other.
    launch = launch_plans.find_launch_for_update(ctx.session, ctx.workspace, launch.name) or launch
    check_allowed(ctx, launch, department)
    launch_plans.record_signoff(
        ctx.session, launch, department, ready=ready, note=note, by=ctx.me, at=ctx.now
    )
    kind = "signoff_ready" if ready else "signoff_not_ready"
    launch_plans.record_launch_event(
        ctx.session,
        launch,
        ctx.me,
        ctx.now,
        kind,
        {"department": department.key, "note": f" — {note}" if note else ""},
    )
    ctx.session.flush()
    readiness = launch_readiness(ctx.session, launch)
    headline = ctx.tr(
        f"signoff.{'done_ready' if ready else 'done_not_ready'}",
        department=views.department_name(department, ctx.tr),
        launch=launch.name,
        who=views.who(ctx.me, ctx.tr),
        note=note or "",
    )
    matrix = Section(title=ctx.tr("signoff.title"), items=signoff_lines(readiness, ctx.tr, ctx.zone))
    reply = Reply(
        headline,
        (matrix,),
        tone=Tone.SUCCESS if ready else Tone.WARNING,
        ephemeral=False,
        language=ctx.tr.lang,
    )
    ctx.dm(launch.owner, reply)
    post_to_launch_channel(ctx, launch, reply)  # the leads are not DMed: the sign-off is theirs
    return reply
