"""Who may do what: the permission matrix of task actions, and the one refusal for the rest.

README's permission table is this module in words. Anyone in a workspace creates, lists and
shows tasks. Acting on a task takes a role towards it: changing what was agreed (done, due
date, assignee …) or what its people are told (snooze) takes one of the task's owners; the work
itself (start, block, unblock) may also be done by the department's members. Refusals carry no
usage line: the command was well formed, the caller may not run it.
"""

from __future__ import annotations

from enum import StrEnum

from handlers import launch_permissions, views
from handlers.execution import CommandError, Ctx
from storage.models import Task


class Role(StrEnum):
    ASSIGNEE = "assignee"
    CREATOR = "creator"
    LEAD = "lead"  # the lead of the task's department
    MEMBER = "member"  # a member of the task's department
    ADMIN = "admin"  # a workspace admin


OWNERS = frozenset({Role.ASSIGNEE, Role.CREATOR, Role.LEAD, Role.ADMIN})
TEAM = OWNERS | {Role.MEMBER}

TASK_PERMISSIONS: dict[str, frozenset[Role]] = {
    "start": TEAM,
    "block": TEAM,
    "unblock": TEAM,
    "snooze": OWNERS,  # a snooze silences the assignee's nudges and the escalations
    "done": OWNERS,
    "reopen": OWNERS,
    "assign": OWNERS,
    "due": OWNERS,
    "rename": OWNERS,
    "describe": OWNERS,
    "quiet": TEAM,  # whoever works on it may stop its replies in the thread it came from
    "delete": OWNERS,
}


def task_roles(ctx: Ctx, task: Task) -> set[Role]:
    """The caller's roles towards ``task``."""
    me = ctx.me.id
    roles = set()
    if ctx.is_admin:
        roles.add(Role.ADMIN)
    if task.assignee_id == me:
        roles.add(Role.ASSIGNEE)
    if task.creator_id == me:
        roles.add(Role.CREATOR)
    if task.department.lead_id == me:
        roles.add(Role.LEAD)
    if any(member.person_id == me for member in task.department.members):
        roles.add(Role.MEMBER)
    return roles


def require_task_permission(ctx: Ctx, task: Task, action: str) -> None:
    """Refuse ``action`` on ``task`` unless the caller holds one of the roles it takes."""
    if task.is_item:  # a launch item: the launch plan's own rules, per action
        launch_permissions.require_item(ctx, task, action)
        return
    allowed = TASK_PERMISSIONS[action]
    if task_roles(ctx, task) & allowed:
        return
    key = "err.not_allowed.team" if Role.MEMBER in allowed else "err.not_allowed.owners"
    params = {
        "number": task.number,
        "action": ctx.tr(f"action.{action}", task=f"#{task.number}"),
        "department": views.department_name(task.department, ctx.tr),
    }
    raise CommandError(key, None, params)


def require_admin(ctx: Ctx) -> None:
    if not ctx.is_admin:
        raise CommandError("err.admin_only", None)
