"""The T+7 follow-up's "Start the next version" button: a form pre-filled from the launch (a Slack
modal, a Feishu card form; on the console its text is the command to type), whose submission runs
``launch new <name> <date> from <launch> [items] [nocarry]`` with the same checks."""

from __future__ import annotations

from datetime import date

from handlers import grammar as g
from handlers import launch_commands
from handlers import launch_grammar as lg
from handlers.execution import CommandError, Ctx
from handlers.next_version import ACTION_NEXT, command_for, suggested_name
from handlers.replies import (
    Choice,
    Form,
    FormInput,
    FormSubmission,
    InputKind,
    Reply,
    Tone,
)
from storage.models import Launch

ACTIONS = (ACTION_NEXT,)
NAME, DATE, PLAN, CARRY = "name", "date", "plan", "carry"
TEMPLATE, ITEMS, YES, NO = "template", "items", "yes", "no"


def run_action(ctx: Ctx, action_id: str, value: str) -> Reply:
    if action_id != ACTION_NEXT:
        raise CommandError("err.bad_action", None, {"action": action_id[:40]})
    return next_form(ctx, _launch(ctx, value))


def next_form(ctx: Ctx, launch: Launch) -> Reply:
    tr = ctx.tr
    plans = (
        Choice(TEMPLATE, tr("next.form.plan_template", template=launch.template_name or "standard")),
        Choice(ITEMS, tr("next.form.plan_items", launch=launch.name)),
    )
    carry = (Choice(YES, tr("next.form.carry_yes")), Choice(NO, tr("next.form.carry_no")))
    form = Form(
        ACTION_NEXT,
        f"launch/{launch.id}",
        tr("next.form.title"),
        tr("next.form.submit"),
        tr("form.cancel"),
        (
            FormInput(NAME, tr("next.form.name"), initial=suggested_name(launch), max_length=g.MAX_NAME),
            FormInput(DATE, tr("next.form.date"), InputKind.DATE),
            FormInput(PLAN, tr("next.form.plan"), InputKind.CHOICE, initial=TEMPLATE, choices=plans),
            FormInput(CARRY, tr("next.form.carry"), InputKind.CHOICE, initial=YES, choices=carry),
        ),
        intro=tr("next.form.intro", launch=launch.name),
    )
    return Reply(command_for(launch), tone=Tone.INFO, form=form)


def submit_form(ctx: Ctx, submission: FormSubmission) -> Reply:
    previous = _launch(ctx, submission.value)
    values = submission.values
    name = values.get(NAME, "").strip()
    if not lg.valid_name(name):
        raise CommandError("err.bad_launch_name", None, {"name": name[:40], "limit": g.MAX_NAME}, field=NAME)
    raw = values.get(DATE, "").strip()
    if not raw:
        raise CommandError("err.missing_date", None, field=DATE)
    try:
        day = date.fromisoformat(raw[:10])
    except ValueError:
        raise CommandError("err.bad_date", None, {"text": raw[:40]}, field=DATE) from None
    channel = g.ChannelRef(previous.channel_id, previous.channel_name) if previous.channel_id else None
    command = lg.NewLaunch(
        name,
        day,
        channel,
        previous=previous.name,
        copy_items=values.get(PLAN) == ITEMS,
        carry=values.get(CARRY, YES) != NO,
    )
    return launch_commands.new(ctx, command)


def _launch(ctx: Ctx, value: str) -> Launch:
    raw = value.removeprefix("launch/")
    launch = ctx.session.get(Launch, int(raw)) if raw.isdigit() else None
    if launch is None or launch.workspace_id != ctx.workspace.id:
        raise CommandError("err.bad_action", None, {"action": ACTION_NEXT})
    return launch


FORMS = {ACTION_NEXT: submit_form}
