"""Feedback and the tasks made from it: a task's done resolves its feedback, and whoever logged or
+1'd an item hears once, by DM, when it is resolved (done, won't fix, duplicate).

An item logged from a message tells that message's thread too, once, in the workspace's language,
like a task's thread updates (handlers.thread_updates): "F3 on v2.3 will not be fixed (@pm): …".
Not when the workspace turned thread updates off, nor when the command was itself a reply in that
thread (its answer says it there). Done is not told again: the item's task shares its thread and
says "#18 is done" there already (and a task muted with ``quiet`` mutes its feedback's news too).

Called from the task commands' history hook (handlers.task_commands) and the triage commands;
imports no command module, so both can use it.
"""

from __future__ import annotations

from typing import Any

from handlers import views
from handlers.execution import Ctx
from handlers.i18n import Translator
from handlers.replies import Outbound, Reply, Section, Target, Tone
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
    _tell_thread(ctx, item)


def resolution_text(ctx: Ctx, item: Feedback, tr: Translator | None = None, prefix: str = "resolved") -> str:
    """What became of ``item``: to its people (``resolved``) or to its thread (``thread``)."""
    tr = tr or ctx.tr
    params = {"number": item.number, "launch": item.launch.name, "who": views.who(ctx.me, tr)}
    if item.status == FeedbackStatus.DONE:
        return tr(f"feedback.{prefix}.done", task=item.task.number if item.task else "?", **params)
    if item.status == FeedbackStatus.WONTFIX:
        return tr(f"feedback.{prefix}.wontfix", reason=item.note or "", **params)
    return tr(f"feedback.{prefix}.duplicate", original=item.duplicate_of or "?", **params)


def _tell_thread(ctx: Ctx, item: Feedback) -> None:
    """Put the resolution of ``item`` in its source thread's outbox (see the module's doc)."""
    if not item.source_channel or not item.source_thread or not ctx.workspace.thread_updates:
        return
    if item.status == FeedbackStatus.DONE:
        return  # its task's thread update ("#18 is done") is in that thread, unless muted there
    task = item.task
    if task is not None and task.quiet and task.source_thread == item.source_thread:
        return  # the thread was muted for the task made from this item
    here = ctx.caller.replying_to
    if here is not None and here.thread == item.source_thread:
        return  # triaged by a reply in that thread: the answer says it there
    tr = Translator(ctx.workspace.language)
    reply = Reply(
        resolution_text(ctx, item, tr, "thread"), tone=Tone.SUCCESS, ephemeral=False, language=tr.lang
    )
    target = Target.in_thread(item.source_channel, item.source_thread)
    ctx.outbox.append(Outbound(ctx.caller.platform, ctx.workspace.external_id, target, reply))
