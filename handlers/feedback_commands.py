"""Launch feedback: log it (command, form, message), list and show it, +1 it, triage it.

Anyone logs, lists, shows and +1s. Triage (into a task, accept, won't fix, duplicate) is for the
launch's owner, department leads and admins. An item is numbered per workspace (``F12``), keeps
its history and its source message, and is counted under a department: the channel's, else the
one its author leads or belongs to.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from handlers import capture, feedback_links, task_commands, views
from handlers import execution as ex
from handlers import feedback_grammar as fg
from handlers import grammar as g
from handlers.context import SourceMessage
from handlers.execution import CommandError, Ctx
from handlers.feedback_views import counts_text, entry_line, kind_label, status_label, vote_button
from handlers.launch_permissions import is_launch_owner
from handlers.replies import Field, Reply, Section, Tone
from storage import feedback as store
from storage import repo
from storage.models import Department, Feedback, FeedbackStatus, Launch, LaunchStatus

LIST_LIMIT = 30
HISTORY_SHOWN = 10
USAGE = fg.USAGE


def find_item(ctx: Ctx, number: int, *, for_update: bool = False) -> Feedback:
    found = store.find(ctx.session, ctx.workspace, number, for_update=for_update)
    if found is None:
        raise CommandError("err.no_feedback", USAGE, {"feedback": number})
    return found


def log(ctx: Ctx, cmd: fg.LogFeedback) -> Reply:
    launch = ex.launch(ctx, cmd.launch, USAGE)
    return log_on(ctx, launch, cmd.text, cmd.kind, ctx.caller.replying_to)


def log_on(ctx: Ctx, launch: Launch, text: str, kind: str | None, source: SourceMessage | None) -> Reply:
    """Log ``text`` on ``launch``; the same words as an open item of it count as a +1 on that."""
    if launch.status == LaunchStatus.CANCELLED:
        raise CommandError("err.feedback_cancelled", USAGE, {"launch": launch.name})
    same = _same_open(ctx, launch, text)
    if same is not None:
        return vote(ctx, fg.VoteFeedback(same.number), same_words=True)
    item = Feedback(
        workspace_id=ctx.workspace.id,
        number=store.next_number(ctx.session, ctx.workspace),
        launch_id=launch.id,
        launch=launch,
        kind=kind,
        text=text,
        status=FeedbackStatus.NEW,
        author_id=ctx.me.id,
        author=ctx.me,
        department=_department_of_logger(ctx),
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    if source is not None:
        item.source_channel, item.source_message = source.channel_id, source.message_id
        item.source_thread, item.source_link = source.thread, source.link
    ctx.session.add(item)
    ctx.session.flush()
    store.record_event(ctx.session, item, ctx.me, ctx.now, "logged", {"kind": kind, "launch": launch.name})
    headline = ctx.tr(
        "feedback.logged", number=item.number, launch=launch.name, kind=kind_label(kind, ctx.tr)
    )
    card = Section(
        text=text,
        context=ctx.tr("feedback.logged_context", who=views.who(ctx.me, ctx.tr), number=item.number),
        buttons=(vote_button(item.number, ctx.tr),),
    )
    if launch.owner is not None:
        news = ctx.tr(
            "feedback.new_for_owner", number=item.number, launch=launch.name, who=views.who(ctx.me, ctx.tr)
        )
        ctx.dm(launch.owner, Reply(news, (Section(text=text),), tone=Tone.INFO))
    return Reply(headline, (card,), tone=Tone.SUCCESS, ephemeral=False)


def _same_open(ctx: Ctx, launch: Launch, text: str) -> Feedback | None:
    wanted = " ".join(text.casefold().split())
    for item in store.of_launch(ctx.session, launch, FeedbackStatus.OPEN):
        if " ".join(item.text.casefold().split()) == wanted:
            return item
    return None


def _department_of_logger(ctx: Ctx) -> Department | None:
    channel = ctx.caller.channel_id
    if channel:
        query = select(Department).where(
            Department.workspace_id == ctx.workspace.id, Department.channel_id == channel
        )
        found = ctx.session.scalars(query).unique().first()
        if found is not None:
            return found
    mine = repo.departments_led_or_joined(ctx.session, ctx.me)
    return mine[0] if mine else None


def list_feedback(ctx: Ctx, cmd: fg.ListFeedback) -> Reply:
    launch = ex.launch(ctx, cmd.launch, USAGE)
    summary = store.launch_feedback(ctx.session, launch)
    wanted = {"new": (FeedbackStatus.NEW,), "open": FeedbackStatus.OPEN}.get(cmd.scope)
    entries = [e for e in summary.entries if wanted is None or e.status in wanted]
    headline = ctx.tr(f"feedback.list.{cmd.scope}", launch=launch.name, n=len(entries))
    if not summary.total:
        return Reply(headline, (Section(text=ctx.tr("feedback.none_yet", launch=launch.name)),))
    items = tuple(entry_line(e, ctx.tr) for e in entries[:LIST_LIMIT])
    names = {d.key: views.department_name(d, ctx.tr) for d in repo.departments(ctx.session, ctx.workspace)}
    sections = [
        Section(text=counts_text(summary, ctx.tr, names), items=items, more=max(0, len(entries) - LIST_LIMIT))
    ]
    sections.append(Section(context=ctx.tr("feedback.triage_how")))
    return Reply(headline, tuple(sections))


def show(ctx: Ctx, cmd: fg.ShowFeedback) -> Reply:
    item = find_item(ctx, cmd.number)
    (entry,) = store.summarise(ctx.session, item.launch, [item]).entries
    tr = ctx.tr
    fields = [
        Field(tr("field.launch"), item.launch.name),
        Field(tr("feedback.field.kind"), kind_label(item.kind, tr)),
        Field(tr("field.status"), status_label(entry, tr)),
        Field(tr("feedback.field.votes"), str(entry.votes)),
        Field(
            tr("field.department"),
            views.department_name(item.department, tr) if item.department else tr("feedback.no_department"),
        ),
    ]
    if item.carried_to_id is not None:
        carried = ctx.session.get(Launch, item.carried_to_id)
        if carried is not None:
            fields.append(Field(tr("feedback.field.carried"), carried.name))
    if item.note:
        fields.append(Field(tr("feedback.field.note"), item.note))
    if item.duplicate_of:
        fields.append(Field(tr("feedback.field.duplicate"), f"F{item.duplicate_of}"))
    if item.source_link:
        fields.append(Field(tr("field.source"), item.source_link))
    context = tr("feedback.logged_context", who=views.who(item.author, tr), number=item.number)
    card = Section(
        text=item.text,
        fields=tuple(fields),
        context=context,
        buttons=(vote_button(item.number, tr),) if item.is_open else (),
    )
    events = store.history(ctx.session, item)[-HISTORY_SHOWN:]
    lines = tuple(
        views.moment(e.at, ctx.zone, tr)
        + " "
        + tr(f"feedback.event.{e.kind}", who=views.who(e.actor, tr), **_params(e.changes))
        for e in events
    )
    return Reply(
        f"F{item.number} · {item.launch.name}", (card, Section(title=tr("feedback.history"), items=lines))
    )


def _params(changes: dict[str, object]) -> dict[str, object]:
    status = changes.get("status")
    out = {k: v for k, v in changes.items() if k != "status"}
    out.setdefault("task", "?")
    out.setdefault("original", "?")
    out.setdefault("reason", "")
    out.setdefault("launch", "")
    out["status"] = status[1] if isinstance(status, list) else ""
    return out


def vote(ctx: Ctx, cmd: fg.VoteFeedback, *, same_words: bool = False) -> Reply:
    item = find_item(ctx, cmd.number, for_update=True)
    if not item.is_open:
        raise CommandError(
            "err.feedback_resolved", USAGE, {"feedback": item.number, "status": _status(ctx, item)}
        )
    if item.author_id == ctx.me.id:
        return Reply(ctx.tr("feedback.own", number=item.number), tone=Tone.INFO)
    if not store.add_vote(ctx.session, item, ctx.me, ctx.now):
        return Reply(ctx.tr("feedback.voted_before", number=item.number), tone=Tone.INFO)
    store.record_event(ctx.session, item, ctx.me, ctx.now, "voted", {})
    item.updated_at = ctx.now
    votes = store.vote_counts(ctx.session, [item.id]).get(item.id, 0)
    key = "feedback.voted_same" if same_words else "feedback.voted"
    headline = ctx.tr(key, number=item.number, n=votes, launch=item.launch.name)
    return Reply(headline, (Section(text=item.text),), tone=Tone.SUCCESS)


def may_triage(ctx: Ctx, launch: Launch) -> bool:
    if ctx.is_admin or is_launch_owner(ctx, launch):
        return True
    return any(d.lead_id == ctx.me.id for d in repo.departments(ctx.session, ctx.workspace))


def _triageable(ctx: Ctx, number: int) -> Feedback:
    item = find_item(ctx, number, for_update=True)
    if not may_triage(ctx, item.launch):
        owner = views.who(item.launch.owner, ctx.tr)
        raise CommandError("err.not_allowed.triage", None, {"feedback": item.number, "owner": owner})
    if not item.is_open:
        raise CommandError(
            "err.feedback_resolved", USAGE, {"feedback": item.number, "status": _status(ctx, item)}
        )
    return item


def to_task(ctx: Ctx, cmd: fg.FeedbackToTask) -> Reply:
    item = _triageable(ctx, cmd.number)
    if item.status == FeedbackStatus.TASK and item.task is not None and item.task.is_open:
        raise CommandError(
            "err.feedback_has_task", USAGE, {"feedback": item.number, "task": item.task.number}
        )
    launch_name = cmd.task.launch
    if launch_name is None:
        current = ctx.session.get(Launch, item.carried_to_id) if item.carried_to_id else item.launch
        launch_name = current.name if current and current.status != LaunchStatus.CANCELLED else None
    source = (
        SourceMessage(item.source_channel, item.source_message or "", item.source_thread, item.source_link)
        if item.source_channel
        else None
    )
    title = capture.title_from(item.text, g.MAX_TITLE) or f"F{item.number}"
    description = item.text if item.text != title else None  # the whole text, when the title is cut
    add = replace(cmd.task, title=title, launch=launch_name, description=description, source=source)
    task, reply = task_commands.create(ctx, add)
    item.task_id, item.task = task.id, task
    item.department_id, item.department = task.department_id, task.department
    feedback_links.set_status(ctx, item, FeedbackStatus.TASK, "task", task=task.number)
    headline = ctx.tr(
        "feedback.to_task",
        number=item.number,
        task=task.number,
        department=views.department_name(task.department, ctx.tr),
    )
    return Reply(headline, reply.sections, tone=reply.tone, ephemeral=False)


def triage(ctx: Ctx, cmd: fg.TriageFeedback) -> Reply:
    item = _triageable(ctx, cmd.number)
    if cmd.verdict == FeedbackStatus.ACCEPTED:
        if item.status != FeedbackStatus.NEW:
            return Reply(
                ctx.tr("feedback.accepted_before", number=item.number, status=_status(ctx, item)),
                tone=Tone.INFO,
            )
        feedback_links.set_status(ctx, item, FeedbackStatus.ACCEPTED, "accepted")
        return Reply(ctx.tr("feedback.accepted", number=item.number), tone=Tone.SUCCESS)
    if cmd.verdict == FeedbackStatus.WONTFIX:
        item.note = cmd.reason
        feedback_links.resolve(ctx, item, FeedbackStatus.WONTFIX, reason=cmd.reason)
        return Reply(ctx.tr("feedback.wontfix", number=item.number, reason=cmd.reason), tone=Tone.SUCCESS)
    original = find_item(ctx, cmd.original or 0)
    if original.duplicate_of == item.number:
        raise CommandError(
            "err.duplicate_loop", USAGE, {"feedback": item.number, "original": original.number}
        )
    item.duplicate_of = original.number
    # Whoever logged or +1'd the duplicate counts on the original, and hears when it is resolved.
    for person in (item.author, *store.voters(ctx.session, item)):
        if person is not None and person.id != original.author_id:
            store.add_vote(ctx.session, original, person, ctx.now)
    feedback_links.resolve(ctx, item, FeedbackStatus.DUPLICATE, original=original.number)
    return Reply(
        ctx.tr("feedback.duplicate", number=item.number, original=original.number), tone=Tone.SUCCESS
    )


def _status(ctx: Ctx, item: Feedback) -> str:
    return ctx.tr(f"feedback.status.{item.status}", task=item.task.number if item.task else "?")


HANDLERS = {
    fg.LogFeedback: log,
    fg.ListFeedback: list_feedback,
    fg.ShowFeedback: show,
    fg.VoteFeedback: vote,
    fg.FeedbackToTask: to_task,
    fg.TriageFeedback: triage,
}
