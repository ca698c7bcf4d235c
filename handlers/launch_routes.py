"""The launch plan's commands and buttons, as the core dispatches them (see handlers.core)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from handlers import grammar as g
from handlers import launch_actions, launch_commands, launch_plan, launch_status, signoff_commands
from handlers import launch_grammar as lg
from handlers import template_commands as tc
from handlers import template_grammar as tg
from handlers.execution import Ctx
from handlers.launch_views import ACTIONS
from handlers.replies import FormSubmission, Reply

__all__ = ["ACTIONS", "FORMS", "HANDLERS", "run_action"]

HANDLERS: dict[type, Callable[[Ctx, Any], Reply]] = {
    tg.ListTemplates: tc.list_templates,
    tg.ShowTemplate: tc.show,
    tg.NewTemplate: tc.new,
    tg.SetDefaultTemplate: tc.set_default,
    tg.DeleteTemplate: tc.delete,
    tg.AddTemplateItem: tc.add_item,
    tg.RemoveTemplateItem: tc.remove_item,
    tg.MoveTemplateItem: tc.move_item,
    lg.NewLaunch: launch_commands.new,
    lg.ListLaunches: launch_commands.list_launches,
    lg.ShowLaunch: launch_commands.show,
    g.CheckItem: launch_commands.check,
    lg.AddLaunchItem: launch_plan.add_item,
    lg.RemoveLaunchItem: launch_plan.remove_item,
    lg.EditLaunchItem: launch_plan.edit_item,
    lg.SetLaunchOwner: launch_plan.set_owner,
    lg.RescheduleLaunch: launch_status.reschedule,
    lg.CancelLaunch: launch_status.cancel,
    lg.MarkLaunched: launch_status.mark_launched,
    lg.DecideLaunch: launch_status.decide,
    lg.SignOffDepartment: signoff_commands.signoff,
}

run_action = launch_actions.run_action
FORMS: dict[str, Callable[[Ctx, FormSubmission], Reply]] = dict.fromkeys(
    launch_actions.FORM_ACTIONS, launch_actions.submit_form
)
