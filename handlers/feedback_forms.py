"""Feedback from a button or a message: the +1 button, the "Log feedback" form of a follow-up, and
the form a message shortcut opens ("Log launch feedback", pre-filled with the message).

Each form's text is the command to type where the platform has none (the console); submitting
runs the same operation as ``feedback <launch> …``, with the same limits.
"""

from __future__ import annotations

from handlers import capture
from handlers import feedback_grammar as fg
from handlers.context import SourceMessage
from handlers.execution import CommandError, Ctx
from handlers.feedback_commands import log_on, vote
from handlers.feedback_views import ACTION_LOG, ACTION_VOTE, kind_label
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
from storage.models import FeedbackKind, Launch, LaunchStatus

ACTION_CAPTURE = "feedback.capture"  # the message shortcut's form: its value is the source message
LAUNCH, KIND, TEXT = "launch", "kind", "text"
NO_KIND = "-"


def run_action(ctx: Ctx, action_id: str, value: str) -> Reply:
    if action_id == ACTION_VOTE:
        number = fg.feedback_number(value)
        if number is None:
            raise CommandError("err.bad_action", None, {"action": action_id})
        return vote(ctx, fg.VoteFeedback(number))
    if action_id == ACTION_LOG:
        return log_form(ctx, _launch(ctx, value, action_id))
    raise CommandError("err.bad_action", None, {"action": action_id[:40]})


def _kind_input(ctx: Ctx) -> FormInput:
    choices = (
        Choice(NO_KIND, kind_label(None, ctx.tr)),
        *(Choice(k, kind_label(k, ctx.tr)) for k in FeedbackKind.ALL),
    )
    return FormInput(KIND, ctx.tr("feedback.form.kind"), InputKind.CHOICE, required=False, choices=choices)


def _text_input(ctx: Ctx, initial: str | None = None) -> FormInput:
    return FormInput(
        TEXT,
        ctx.tr("feedback.form.text"),
        InputKind.LONG_TEXT,
        initial=initial[: fg.MAX_FEEDBACK] if initial else None,
        placeholder=ctx.tr("feedback.form.text_placeholder"),
        max_length=fg.MAX_FEEDBACK,
    )


def log_form(ctx: Ctx, launch: Launch) -> Reply:
    form = Form(
        ACTION_LOG,
        f"launch/{launch.id}",
        ctx.tr("feedback.form.title"),
        ctx.tr("feedback.form.submit"),
        ctx.tr("form.cancel"),
        (_kind_input(ctx), _text_input(ctx)),
        intro=ctx.tr("feedback.form.intro", launch=launch.name),
    )
    text = ctx.tr("feedback.form.how", launch=launch.name)
    return Reply(text, tone=Tone.INFO, form=form)


def capture_form(ctx: Ctx, source: SourceMessage, text: str) -> Reply:
    """The "log feedback" form pre-filled from a message: its text, the latest launch chosen."""
    launches = [
        launch
        for launch in repo.launches(ctx.session, ctx.workspace)
        if launch.status != LaunchStatus.CANCELLED
    ]
    if not launches:
        raise CommandError("err.feedback_no_launch", None)
    latest = _latest_shipped(ctx, launches)
    choices = tuple(Choice(launch.name, launch.name) for launch in launches)
    inputs = (
        FormInput(LAUNCH, ctx.tr("field.launch"), InputKind.CHOICE, initial=latest.name, choices=choices),
        _kind_input(ctx),
        _text_input(ctx, plain_mentions(text) if text else None),
    )
    form = Form(
        ACTION_CAPTURE,
        capture.encode_source(source),
        ctx.tr("feedback.form.title"),
        ctx.tr("feedback.form.submit"),
        ctx.tr("form.cancel"),
        inputs,
    )
    return Reply(ctx.tr("feedback.form.title"), (Section(text=ctx.tr("feedback.capture_how")),), form=form)


def _latest_shipped(ctx: Ctx, launches: list[Launch]) -> Launch:
    """The launch feedback is most likely about: the latest one dated today or before, else the next."""
    past = [launch for launch in launches if launch.launch_date <= ctx.today]
    if past:
        return max(past, key=lambda launch: (launch.launch_date, launch.id))
    return min(launches, key=lambda launch: (launch.launch_date, launch.id))


def submit_form(ctx: Ctx, submission: FormSubmission) -> Reply:
    values = submission.values
    text = " ".join(values.get(TEXT, "").split())
    if not text:
        raise CommandError("err.missing_feedback_text", None, {"launch": ""}, field=TEXT)
    if len(text) > fg.MAX_FEEDBACK:
        raise CommandError("err.feedback_too_long", None, {"limit": fg.MAX_FEEDBACK}, field=TEXT)
    kind = values.get(KIND, "").strip() or None
    if kind is not None and kind not in FeedbackKind.ALL:
        kind = None
    if submission.action_id == ACTION_LOG:
        return log_on(ctx, _launch(ctx, submission.value, ACTION_LOG), text, kind, None)
    source = capture.decode_source(submission.value)
    if source is None:
        raise CommandError("err.bad_action", None, {"action": ACTION_CAPTURE})
    name = values.get(LAUNCH, "").strip()
    launch = repo.find_launch(ctx.session, ctx.workspace, name) if name else None
    if launch is None:
        raise CommandError("err.no_launch", None, {"name": name[:40]}, field=LAUNCH)
    return log_on(ctx, launch, text, kind, source)


def _launch(ctx: Ctx, value: str, action_id: str) -> Launch:
    raw = value.removeprefix("launch/")
    launch = ctx.session.get(Launch, int(raw)) if raw.isdigit() else None
    if launch is None or launch.workspace_id != ctx.workspace.id:
        raise CommandError("err.bad_action", None, {"action": action_id[:40]})
    return launch


FORMS = {ACTION_LOG: submit_form, ACTION_CAPTURE: submit_form}
