"""What became of a task made from a message, told once in that message's thread.

Its important changes (created — "Tracked as #12 by @pm — dev, due Fri" —, started, blocked
with the reason, done, reopened, due moved, reassigned) become messages in the outbox of the
command that made them, so the notification ledger sends each exactly once, retried while the
platform is down. They are written in the workspace's language (the thread is everyone's), and
are not sent for a task someone muted (``quiet #12``) or in a workspace whose admins turned
thread updates off (``settings threads off``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from handlers import views
from handlers.execution import Ctx
from handlers.i18n import Translator
from handlers.replies import Outbound, Reply, Target, Tone
from storage.models import Task, TaskStatus

STATUS_NEWS = {
    TaskStatus.IN_PROGRESS: ("thread.started", Tone.INFO),
    TaskStatus.DONE: ("thread.done", Tone.SUCCESS),
    TaskStatus.TODO: ("thread.reopened", Tone.INFO),
}


def tell_thread(ctx: Ctx, task: Task, kind: str, changes: dict[str, Any]) -> None:
    """Put the news of one change of ``task`` (a history event) in its source thread's outbox."""
    if not task.source_channel or not task.source_thread or task.quiet or not ctx.workspace.thread_updates:
        return
    here = ctx.caller.replying_to
    if kind == "created" and here is not None and here.thread == task.source_thread:
        return  # added by a reply in that thread: the command's answer says it there already
    tr = Translator(ctx.workspace.language)
    news = _news(ctx, tr, task, kind, changes)
    if news is None:
        return
    text, tone = news
    ctx.outbox.append(
        Outbound(
            platform=ctx.caller.platform,
            workspace_external_id=ctx.workspace.external_id,
            target=Target.in_thread(task.source_channel, task.source_thread),
            reply=Reply(text, tone=tone, ephemeral=False, language=tr.lang),
        )
    )


def _news(
    ctx: Ctx, tr: Translator, task: Task, kind: str, changes: dict[str, Any]
) -> tuple[str, Tone] | None:
    who = views.who(ctx.me, tr)
    number = task.number
    if kind == "created":
        parts = [views.department_name(task.department, tr)]
        if task.assignee is not None:
            parts.append(views.who(task.assignee, tr))
        if task.due_date is not None:
            parts.append(tr("thread.due_on", date=views.day(task.due_date, tr, ctx.today)))
        return tr("thread.created", number=number, who=who, what=" · ".join(parts)), Tone.INFO
    if kind == "blocked":
        reason = (changes.get("blocked_reason") or [None, ""])[1] or ""
        return tr("thread.blocked", number=number, who=who, reason=reason), Tone.WARNING
    if kind == "status":
        new = (changes.get("status") or [None, None])[1]
        found = STATUS_NEWS.get(new)
        return (tr(found[0], number=number, who=who), found[1]) if found else None
    if kind == "due":
        old, new = changes.get("due") or [None, None]
        return tr(
            "thread.due", number=number, who=who, old=_day(ctx, tr, old), new=_day(ctx, tr, new)
        ), Tone.INFO
    if kind == "assigned":
        assignee = views.who(task.assignee, tr)
        return tr("thread.assigned", number=number, who=who, assignee=assignee), Tone.INFO
    return None


def _day(ctx: Ctx, tr: Translator, iso: str | None) -> str:
    return views.day(date.fromisoformat(iso), tr, ctx.today) if iso else tr("thread.no_due")
