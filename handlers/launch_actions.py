"""Button presses on launch cards and check-ins: check off an item, sign off, decide go/no-go.

Each press runs the same operation as its command, with the same permissions, as the person who
pressed it. A press that needs words (a "not ready" reason, the accepted risks, a new date)
answers with a form, after checking the presser may run it; its submission comes back to
:func:`submit_form` (handlers.launch_forms; see handlers.launch_views for the ids and values).
"""

from __future__ import annotations

from handlers import execution as ex
from handlers import launch_forms, launch_status, signoff_commands
from handlers import launch_grammar as lg
from handlers import launch_permissions as perm
from handlers.execution import CommandError, Ctx
from handlers.launch_commands import set_item_done
from handlers.launch_views import (
    ACTION_CHECK,
    ACTION_GO,
    ACTION_GO_RISK,
    ACTION_POSTPONE,
    ACTION_SIGNOFF_NOT_READY,
    ACTION_SIGNOFF_READY,
)
from handlers.replies import FormSubmission, Reply
from storage.models import Department, Launch


def run_action(ctx: Ctx, action_id: str, value: str) -> Reply:
    if action_id == ACTION_CHECK:
        item = ex.task(ctx, _int(value.removeprefix("#"), action_id), "check", for_update=True)
        return set_item_done(ctx, item, done=True, verb="check")
    if action_id in (ACTION_SIGNOFF_READY, ACTION_SIGNOFF_NOT_READY):
        launch_id, _, department_id = value.partition("/")
        launch = _launch(ctx, launch_id, action_id)
        department = _department(ctx, department_id, action_id)
        if action_id == ACTION_SIGNOFF_READY:
            return signoff_commands.record(ctx, launch, department, ready=True, note=None)
        signoff_commands.check_allowed(ctx, launch, department)
        return launch_forms.not_ready_form(ctx, launch, department)
    launch = _launch(ctx, value.removeprefix("launch/"), action_id)
    if action_id == ACTION_GO:
        return launch_status.decide(ctx, lg.DecideLaunch(launch.name))
    if action_id in (ACTION_GO_RISK, ACTION_POSTPONE):
        perm.require_launch_owner(ctx, launch)
        if action_id == ACTION_GO_RISK:
            return launch_forms.go_risk_form(ctx, launch)
        return launch_forms.postpone_form(ctx, launch)
    raise CommandError("err.bad_action", None, {"action": action_id[:40]})


def submit_form(ctx: Ctx, submission: FormSubmission) -> Reply:
    """A submitted "not ready", "go with risk" or "postpone" form, as the person who submitted it."""
    action_id, value = submission.action_id, submission.value
    if action_id == ACTION_SIGNOFF_NOT_READY:
        launch_id, _, department_id = value.partition("/")
        launch = _launch(ctx, launch_id, action_id)
        department = _department(ctx, department_id, action_id)
        return launch_forms.submit_not_ready(ctx, launch, department, submission)
    launch = _launch(ctx, value.removeprefix("launch/"), action_id)
    if action_id == ACTION_GO_RISK:
        return launch_forms.submit_go_risk(ctx, launch, submission)
    if action_id == ACTION_POSTPONE:
        return launch_forms.submit_postpone(ctx, launch, submission)
    raise CommandError("err.bad_action", None, {"action": action_id[:40]})


FORM_ACTIONS = (ACTION_SIGNOFF_NOT_READY, ACTION_GO_RISK, ACTION_POSTPONE)  # presses answered with a form


def _int(text: str, action_id: str) -> int:
    if not text.isdigit():
        raise CommandError("err.bad_action", None, {"action": action_id[:40]})
    return int(text)


def _launch(ctx: Ctx, text: str, action_id: str) -> Launch:
    launch = ctx.session.get(Launch, _int(text, action_id))
    if launch is None or launch.workspace_id != ctx.workspace.id:
        raise CommandError("err.bad_action", None, {"action": action_id[:40]})
    return launch


def _department(ctx: Ctx, text: str, action_id: str) -> Department:
    department = ctx.session.get(Department, _int(text, action_id))
    if department is None or department.workspace_id != ctx.workspace.id:
        raise CommandError("err.bad_action", None, {"action": action_id[:40]})
    return department
