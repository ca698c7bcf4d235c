"""A snooze that ends later the same working day brings the task's nudge back then.

The day's nudge sweep runs once (at the nudge time, or when the person's working day begins), so a
task snoozed after it for two hours would otherwise stay quiet until the next morning. When a
snooze of an overdue task ends the same local day, inside the assignee's working hours and after
that sweep, the task's nudge is queued in the notification ledger for the end of the snooze (its
key names the task and the instant). Finishing, deleting, reassigning or snoozing the task again
before then cancels it.
"""

from __future__ import annotations

from datetime import datetime

from handlers import due, notices
from handlers.execution import Ctx
from handlers.replies import Outbound, Target
from handlers.working_time import WorkingTime
from storage import notifications as ledger
from storage.models import Task


def key(workspace_id: int, task_id: int, until: datetime) -> str:
    return f"snooze-end:{workspace_id}:{task_id}:{until.isoformat()}"


def queue(ctx: Ctx, task: Task, working: WorkingTime, until: datetime) -> None:
    """Queue the nudge for the end of the snooze, when it ends later the same working day."""
    assignee = task.assignee
    if assignee is None or task.due_date is None:
        return
    today = ctx.now.astimezone(working.zone).date()
    if until.astimezone(working.zone).date() != today or task.due_date >= today:
        return  # the next day's sweep covers it; a task not overdue has no nudge to come back
    nudge_at = max(due.parse_hhmm(ctx.workspace.nudge_time, due.parse_hhmm("09:30")), working.start)
    if until <= due.due_instant(today, nudge_at, working.zone) or not working.is_working(until):
        return  # back before today's sweep: the sweep nudges it
    late = working.calendar.working_days_between(task.due_date, today)
    reply = notices.compose_nudge([(task, late)], [], today, assignee.language or ctx.workspace.language)
    ctx.outbox.append(
        Outbound(
            ctx.caller.platform,
            ctx.workspace.external_id,
            Target.user(assignee.user_id, assignee.name),
            reply,
            key=key(ctx.workspace.id, task.id, until),
            not_before=until,
        )
    )


def cancel(ctx: Ctx, task: Task) -> None:
    """Cancel the nudge queued for the end of ``task``'s current snooze (if one was)."""
    if task.snoozed_until is not None:
        ledger.cancel(ctx.session, key(ctx.workspace.id, task.id, task.snoozed_until))
