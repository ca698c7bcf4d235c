"""The forms behind the launch buttons that need words: a "not ready" reason, the accepted risks,
a postponed launch's new date.

Pressing the button answers with a :class:`~handlers.replies.Form` (after checking the presser
may do it), whose text is the command to type where the platform has no forms (the console);
submitting it runs the same operation as that command, with the same permissions and limits.
"""

from __future__ import annotations

from datetime import date

from handlers import launch_grammar as lg
from handlers import launch_status, signoff_commands, views
from handlers.execution import CommandError, Ctx
from handlers.launch_views import ACTION_GO_RISK, ACTION_POSTPONE, ACTION_SIGNOFF_NOT_READY
from handlers.replies import Form, FormInput, FormSubmission, InputKind, Reply, Section, Tone
from storage.models import Department, Launch

REASON = "reason"  # the input names: also the field a refusal points at
RISKS = "risks"
DATE = "date"


def not_ready_form(ctx: Ctx, launch: Launch, department: Department) -> Reply:
    name = views.department_name(department, ctx.tr)
    form = Form(
        ACTION_SIGNOFF_NOT_READY,
        f"{launch.id}/{department.id}",
        ctx.tr("form.not_ready.title"),
        ctx.tr("form.not_ready.submit"),
        ctx.tr("form.cancel"),
        (_words_input(ctx, REASON, "form.not_ready.reason"),),
        intro=ctx.tr("form.not_ready.intro", launch=launch.name, department=name),
    )
    command = f"/coord signoff {launch.name} {department.key} not ready "
    return _asking(ctx, form, "signoff.how_not_ready", command)


def go_risk_form(ctx: Ctx, launch: Launch) -> Reply:
    form = Form(
        ACTION_GO_RISK,
        f"launch/{launch.id}",
        ctx.tr("form.go_risk.title"),
        ctx.tr("form.go_risk.submit"),
        ctx.tr("form.cancel"),
        (_words_input(ctx, RISKS, "form.go_risk.risks"),),
        intro=ctx.tr("form.go_risk.intro", launch=launch.name),
    )
    return _asking(ctx, form, "decision.how_risk", f"/coord launch {launch.name} go with risk ")


def postpone_form(ctx: Ctx, launch: Launch) -> Reply:
    form = Form(
        ACTION_POSTPONE,
        f"launch/{launch.id}",
        ctx.tr("form.postpone.title"),
        ctx.tr("form.postpone.submit"),
        ctx.tr("form.cancel"),
        (FormInput(DATE, ctx.tr("form.postpone.date"), InputKind.DATE),),
        intro=ctx.tr(
            "form.postpone.intro",
            launch=launch.name,
            date=views.day(launch.launch_date, ctx.tr, ctx.today, relative=False),
        ),
    )
    return _asking(ctx, form, "decision.how_postpone", f"/coord launch {launch.name} postpone ")


def submit_not_ready(ctx: Ctx, launch: Launch, department: Department, submission: FormSubmission) -> Reply:
    reason = _words(submission, REASON, "err.missing_not_ready_reason")
    return signoff_commands.record(ctx, launch, department, ready=False, note=reason)


def submit_go_risk(ctx: Ctx, launch: Launch, submission: FormSubmission) -> Reply:
    risks = _words(submission, RISKS, "err.missing_risk")
    return launch_status.decide(ctx, lg.DecideLaunch(launch.name, risks))


def submit_postpone(ctx: Ctx, launch: Launch, submission: FormSubmission) -> Reply:
    raw = submission.values.get(DATE, "").strip()
    if not raw:
        raise CommandError("err.missing_date", "launch", field=DATE)
    try:
        day = date.fromisoformat(raw[:10])
    except ValueError:
        raise CommandError("err.bad_date", "launch", {"text": raw[:40]}, field=DATE) from None
    return launch_status.reschedule(ctx, lg.RescheduleLaunch(launch.name, day, postpone=True))


def _words_input(ctx: Ctx, name: str, label: str) -> FormInput:
    placeholder = ctx.tr(f"{label}_placeholder")
    return FormInput(
        name, ctx.tr(label), InputKind.LONG_TEXT, placeholder=placeholder, max_length=lg.MAX_NOTE
    )


def _words(submission: FormSubmission, name: str, missing: str) -> str:
    """A text input's words, held to the limits of the same words typed in the command."""
    text = " ".join(submission.values.get(name, "").split())
    if not text:
        raise CommandError(missing, None, field=name)
    if len(text) > lg.MAX_NOTE:
        raise CommandError("err.reason_too_long", None, {"limit": lg.MAX_NOTE}, field=name)
    return text


def _asking(ctx: Ctx, form: Form, key: str, command: str) -> Reply:
    """The answer to a press that needs words: the form, and as its text what to type instead."""
    text = command + ctx.tr(f"{key}_placeholder")
    return Reply(ctx.tr(key), (Section(text=text),), tone=Tone.INFO, form=form)
