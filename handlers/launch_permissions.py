"""Who may do what to a launch plan, decided per action (README's permission table lists it).

* Working on an item — check off / uncheck (``done``, ``reopen``, ``check``, ``uncheck``, the
  buttons), start it: its owner, its department's lead and members, the launch's owner, an admin.
* Re-dating and re-owning an item: its department's lead, the launch's owner, an admin; and a
  member of the department may take an item for themselves.
* Changing the plan (adding, removing, renaming items), the launch itself (date, owner, cancel,
  launched, the go/no-go decision): the launch's owner (its creator, or whom they named), an admin.
* Signing off a department: that department's lead (the launch's owner when it has none), an admin.
* Templates: anyone lists and shows them; admins change them.

A refusal is a :class:`~handlers.execution.CommandError` that says who may, with no usage line
(the command was right; the person is not the one to run it).
"""

from __future__ import annotations

from handlers import execution as ex
from handlers import views
from handlers.replies import mention
from handlers.views import who
from storage.models import Department, Launch, Person, Task

WORK_VERBS = frozenset({"done", "reopen", "check", "uncheck", "start", "unblock", "block", "snooze"})
PLAN_VERBS = frozenset({"assign", "due"})


def launch_owner_id(launch: Launch) -> int | None:
    return launch.owner_id if launch.owner_id is not None else launch.created_by_id


def is_launch_owner(ctx: ex.Ctx, launch: Launch | None) -> bool:
    return launch is not None and launch_owner_id(launch) == ctx.me.id


def is_member(department: Department, person: Person) -> bool:
    return department.lead_id == person.id or any(m.person_id == person.id for m in department.members)


def may_work_on(ctx: ex.Ctx, item: Task) -> bool:
    return (
        ctx.is_admin
        or item.assignee_id == ctx.me.id
        or is_member(item.department, ctx.me)
        or is_launch_owner(ctx, item.launch)
    )


def may_plan(ctx: ex.Ctx, item: Task) -> bool:
    return ctx.is_admin or item.department.lead_id == ctx.me.id or is_launch_owner(ctx, item.launch)


def may_take(ctx: ex.Ctx, item: Task, new_owner: Person) -> bool:
    """A department member taking an item for themselves."""
    return new_owner.id == ctx.me.id and is_member(item.department, ctx.me)


def require_item(ctx: ex.Ctx, item: Task, verb: str) -> None:
    """Refuse ``verb`` on launch item ``item`` unless the caller may (see the module notes)."""
    params = {
        "action": ctx.tr(f"action.{verb}", task=f"#{item.number} {item.title}"),
        "number": item.number,
        "department": views.department_name(item.department, ctx.tr),
        "launch": _launch_name(item),
    }
    if verb in WORK_VERBS:
        if not may_work_on(ctx, item):
            raise ex.CommandError("err.not_allowed_item_work", None, params)
    elif verb in PLAN_VERBS:
        if not may_plan(ctx, item):
            raise ex.CommandError("err.not_allowed_item_plan", None, params)
    elif not (ctx.is_admin or is_launch_owner(ctx, item.launch)):
        raise ex.CommandError("err.not_allowed_item_edit", None, params)


def require_launch_owner(ctx: ex.Ctx, launch: Launch) -> None:
    if ctx.is_admin or is_launch_owner(ctx, launch):
        return
    owner = launch.owner
    shown = who(owner, ctx.tr) if owner is not None else ctx.tr("word.nobody")
    raise ex.CommandError("err.not_launch_owner", None, {"launch": launch.name, "owner": shown})


def require_signoff(ctx: ex.Ctx, launch: Launch, department: Department) -> None:
    """The department's lead signs it off; without a lead, the launch's owner; admins always."""
    if ctx.is_admin or department.lead_id == ctx.me.id:
        return
    if department.lead_id is None and is_launch_owner(ctx, launch):
        return
    lead = department.lead
    shown = mention(lead.user_id, lead.name) if lead is not None else ctx.tr("launch.no_lead")
    raise ex.CommandError(
        "err.not_allowed_signoff",
        None,
        {"department": views.department_name(department, ctx.tr), "lead": shown, "launch": launch.name},
    )


def _launch_name(item: Task) -> str:
    return item.launch.name if item.launch is not None else ""
