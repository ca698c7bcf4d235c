"""Feedback and the tasks made from it: a task's done resolves its feedback, and whoever logged or
+1'd an item hears once, by DM, when it is resolved (done, won't fix, duplicate).

Called from the task commands' history hook (handlers.task_commands) and the triage commands;
imports no command module, so both can use it.
"""

from __future__ import annotations

from typing import Any

from handlers import views
from handlers.execution import Ctx
from handlers.replies import Reply, Section, Tone
from storage import feedback as store
from storage.models import Feedback, FeedbackStatus, Task, TaskStatus

TASK_CHANGES = ("status", "deleted")  # task history kinds that may change its feedback


def task_changed(ctx: Ctx, task: Task, changes: dict[str, Any]) -> None:
    """Done resolves the task's open feedback; reopened, it is in work again; deleted, accepted."""
    new = (changes.get("status") or [None, None])[1]
    if new not in (TaskStatus.DONE, TaskStatus.TODO, TaskStatus.DELETED):
        return
    for item in store.linked_to(ctx.session, task):
        if new == TaskStatus.DONE and item.status == FeedbackStatus.TASK:
            resolve(ctx, item, FeedbackStatus.DONE)
        elif new == TaskStatus.TODO and item.status == FeedbackStatus.DONE:
            set_status(ctx, item, FeedbackStatus.TASK, "reopened")
        elif new == TaskStatus.DELETED and item.is_open:
            item.task_id, item.task = None, None
            set_status(ctx, item, FeedbackStatus.ACCEPTED, "task_deleted")


def set_status(ctx: Ctx, item: Feedback, status: str, kind: str, **extra: Any) -> None:
    before = item.status
    item.status, item.updated_at = status, ctx.now
    store.record_event(ctx.session, item, ctx.me, ctx.now, kind, {"status": [before, status], **extra})


def resolve(ctx: Ctx, item: Feedback, status: str, **extra: Any) -> None:
    """Resolve ``item``; the first time it is resolved, its author and voters are told."""
    first = item.resolved_at is None
    set_status(ctx, item, status, "resolved", **extra)
    if not first:
        return
    item.resolved_at = ctx.now
    news = resolution_text(ctx, item)
    told: set[int] = set()
    for person in (item.author, *store.voters(ctx.session, item)):
        if person is None or person.id in told:
            continue
        told.add(person.id)
        ctx.dm(person, Reply(news, (Section(text=item.text),), tone=Tone.SUCCESS))


def resolution_text(ctx: Ctx, item: Feedback) -> str:
    params = {"number": item.number, "launch": item.launch.name, "who": views.who(ctx.me, ctx.tr)}
    if item.status == FeedbackStatus.DONE:
        return ctx.tr("feedback.resolved.done", task=item.task.number if item.task else "?", **params)
    if item.status == FeedbackStatus.WONTFIX:
        return ctx.tr("feedback.resolved.wontfix", reason=item.note or "", **params)
    return ctx.tr("feedback.resolved.duplicate", original=item.duplicate_of or "?", **params)
