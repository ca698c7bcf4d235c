"""Task descriptions and muting a task's thread updates (``describe``, ``quiet``)."""

from __future__ import annotations

from handlers import capture_grammar as cg
from handlers import execution as ex
from handlers import views
from handlers.execution import Ctx
from handlers.permissions import require_task_permission
from handlers.replies import Reply, Tone
from storage import repo


def describe(ctx: Ctx, cmd: cg.DescribeTask) -> Reply:
    task = ex.task(ctx, cmd.number, "describe", for_update=True)
    require_task_permission(ctx, task, "describe")
    before = task.description
    task.description = cmd.description
    task.updated_at = ctx.now
    repo.record_event(
        ctx.session, task, ctx.me, ctx.now, "described", {"description": [before, cmd.description]}
    )
    key = "task.described_ok" if cmd.description else "task.description_cleared"
    card = views.task_card(task, ctx.tr, ctx.today, ctx.zone)
    return Reply(ctx.tr(key, number=task.number), (card,), tone=Tone.SUCCESS)


def quiet(ctx: Ctx, cmd: cg.QuietTask) -> Reply:
    task = ex.task(ctx, cmd.number, "quiet", for_update=True)
    require_task_permission(ctx, task, "quiet")
    if task.quiet != cmd.quiet:
        task.quiet = cmd.quiet
        task.updated_at = ctx.now
        repo.record_event(ctx.session, task, ctx.me, ctx.now, "quiet", {"quiet": [not cmd.quiet, cmd.quiet]})
    if task.source_thread is None:
        key = "task.quiet_no_thread"
    else:
        key = "task.quiet_ok" if cmd.quiet else "task.unquiet_ok"
    return Reply(ctx.tr(key, number=task.number), tone=Tone.SUCCESS)
