"""Any message becomes a task: the pre-filled task form, its submission, and the task's source.

An adapter that knows a message (Slack's message shortcut, Feishu's reply that @-mentions the
bot) hands the core a :class:`~handlers.context.SourceMessage`; the form offers the message's
first line as the title, its text as the description, its author as the assignee and the
channel's department, and the task it creates keeps the source (so its important changes are
told in the message's thread, see handlers.thread_updates).
"""

from __future__ import annotations

import json
from datetime import date

from handlers import grammar as g
from handlers import task_commands
from handlers.capture_grammar import MAX_DESCRIPTION
from handlers.context import SourceMessage
from handlers.execution import CommandError, Ctx
from handlers.replies import (
    Choice,
    Form,
    FormInput,
    FormSubmission,
    InputKind,
    Reply,
    Section,
    Tone,
    plain_mentions,
)
from storage import repo

ACTION_CAPTURE = "task.capture"  # the form's action id: its value is the source message
TITLE, DESCRIPTION, DEPARTMENT, ASSIGNEE, DUE = "title", "description", "department", "assignee", "due"


def title_from(text: str, limit: int = 80) -> str:
    """The first line that says something, mentions as names, cut at a word near ``limit``."""
    for line in plain_mentions(text).splitlines():
        line = " ".join(line.split()).strip("*_~`> ")
        if not line:
            continue
        if len(line) <= limit:
            return line
        cut = line[: limit - 1]
        space = cut.rfind(" ")
        return (cut[:space] if space > limit // 2 else cut).rstrip(" ,.;:—-") + "…"
    return ""


def encode_source(source: SourceMessage) -> str:
    data = {"c": source.channel_id, "m": source.message_id, "t": source.thread_id, "l": source.link}
    return json.dumps({k: v for k, v in data.items() if v}, separators=(",", ":"))


def decode_source(value: str) -> SourceMessage | None:
    try:
        data = json.loads(value)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("c"), str) or not isinstance(data.get("m"), str):
        return None
    text = {k: v if isinstance(v, str) else None for k, v in data.items()}
    return SourceMessage(text["c"] or "", text["m"] or "", text.get("t"), text.get("l"))


def task_form(ctx: Ctx, source: SourceMessage, text: str, author_id: str | None) -> Reply:
    """The "new task" form pre-filled from a message (``text`` by ``author_id`` in the channel)."""
    departments = repo.departments(ctx.session, ctx.workspace)
    if not departments:
        raise CommandError("err.no_departments", None)
    here = next((d for d in departments if d.channel_id and d.channel_id == source.channel_id), None)
    choices = tuple(Choice(d.key, d.key) for d in departments)
    inputs = (
        FormInput(TITLE, ctx.tr("form.title"), initial=title_from(text) or None, max_length=g.MAX_TITLE),
        FormInput(
            DESCRIPTION,
            ctx.tr("form.description"),
            InputKind.LONG_TEXT,
            required=False,
            initial=plain_mentions(text)[:MAX_DESCRIPTION] or None,
            max_length=MAX_DESCRIPTION,
        ),
        FormInput(
            DEPARTMENT,
            ctx.tr("form.department"),
            InputKind.CHOICE,
            initial=here.key if here else (choices[0].value if len(choices) == 1 else None),
            choices=choices,
        ),
        FormInput(ASSIGNEE, ctx.tr("form.assignee"), InputKind.PERSON, required=False, initial=author_id),
        FormInput(DUE, ctx.tr("form.due"), InputKind.DATE, required=False),
    )
    form = Form(
        ACTION_CAPTURE,
        encode_source(source),
        ctx.tr("form.heading_short"),
        ctx.tr("form.submit"),
        ctx.tr("form.cancel"),
        inputs,
    )
    how = ctx.tr("capture.how")
    return Reply(ctx.tr("form.heading"), (Section(text=how),), tone=Tone.INFO, form=form)


def submit_task_form(ctx: Ctx, submission: FormSubmission) -> Reply:
    """The submitted form: a task (with the add command's checks) that keeps its source."""
    source = decode_source(submission.value)
    if source is None:
        raise CommandError("err.bad_action", None, {"action": ACTION_CAPTURE})
    values = submission.values
    title = g.clean_text(values.get(TITLE, ""))
    if not title:
        raise g.UsageError("err.missing_title", "add", field=TITLE)
    if len(title) > g.MAX_TITLE:
        raise g.UsageError("err.title_too_long", "add", {"limit": g.MAX_TITLE}, field=TITLE)
    description = values.get(DESCRIPTION, "").strip() or None
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise g.UsageError(
            "err.description_too_long", "describe", {"limit": MAX_DESCRIPTION}, field=DESCRIPTION
        )
    department = values.get(DEPARTMENT, "").strip()
    if not department:
        raise g.UsageError("err.missing_department", "add", field=DEPARTMENT)
    due = _day(values.get(DUE, ""))
    if due is not None and due < ctx.today:
        raise g.UsageError("err.due_in_past", "add", {"date": due.isoformat()}, field=DUE)
    assignee_id = values.get(ASSIGNEE, "").strip()
    assignee = g.PersonRef(assignee_id, None) if assignee_id else None
    command = g.AddTask(department, title, assignee, due, description=description, source=source)
    return task_commands.add(ctx, command)


def _day(raw: str) -> date | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        raise g.UsageError("err.bad_date", "add", {"text": raw[:40]}, field=DUE) from None
