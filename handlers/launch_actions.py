"""Button presses on launch cards and check-ins: check off an item, sign off, decide go/no-go.

Each press runs the same operation as its command, with the same permissions, as the person who
pressed it. A press that needs words (a "not ready" reason, the accepted risks, a new date)
answers with the exact command to type, after checking the presser may run it; a form can
replace that answer later (see handlers.launch_views for the action ids and their values).
"""

from __future__ import annotations

from handlers import execution as ex
from handlers import launch_grammar as lg
from handlers import launch_permissions as perm
from handlers import launch_status, signoff_commands
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
from handlers.replies import Reply, Section, Tone
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
        return _type_this(
            ctx, "signoff.how_not_ready", f"/coord signoff {launch.name} {department.key} not ready "
        )
    launch = _launch(ctx, value.removeprefix("launch/"), action_id)
    if action_id == ACTION_GO:
        return launch_status.decide(ctx, lg.DecideLaunch(launch.name))
    if action_id in (ACTION_GO_RISK, ACTION_POSTPONE):
        perm.require_launch_owner(ctx, launch)
        if action_id == ACTION_GO_RISK:
            return _type_this(ctx, "decision.how_risk", f"/coord launch {launch.name} go with risk ")
        return _type_this(ctx, "decision.how_postpone", f"/coord launch {launch.name} postpone ")
    raise CommandError("err.bad_action", None, {"action": action_id[:40]})


def _type_this(ctx: Ctx, key: str, command: str) -> Reply:
    """The answer to a press that needs words: what to type (the placeholder is in the catalog)."""
    return Reply(ctx.tr(key), (Section(text=command + ctx.tr(f"{key}_placeholder")),), tone=Tone.INFO)


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
