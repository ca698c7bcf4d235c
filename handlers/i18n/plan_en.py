"""English texts of version plans (``plan``) and of moving a task between launches (``move``)."""

MESSAGES: dict[str, str] = {
    "plan.title": "Version plan {launch}: {date} · {left} · {phase} · {done}/{total} done",
    "plan.working_days_left": "{n} working {n:s/day/days} left",
    "plan.department": "{department} ({done}/{total} done)",
    "plan.from": "carried over from {launch}",
    "plan.carried_title": "Carried over from {launches} ({n})",
    "plan.cut_title": "Cut ({n})",
    "plan.cut_moved": "moved to {launch}",
    "plan.cut_unplanned": "taken out of the version",
    "plan.cut_removed": "removed from the plan",
    "plan.cut_deleted": "deleted",
    "plan.cut_cancelled": "cancelled",
    "plan.cut_by": "{what} by {who}, {at}",
    "plan.empty": "Nothing is planned for {launch} yet: add tasks with /coord add <dept> <title…> for "
    "{launch}, or move one in with /coord move #<id> to {launch}.",
    "plan.moved": "Moved #{number} from {before} to {after}",
    "plan.moved_in": "Put #{number} in {launch}",
    "plan.moved_out": "Took #{number} out of {launch}",
    "history.launch_moved": "moved it from launch {before} to {after}",
    "history.launch_set": "put it in launch {after}",
    "history.launch_cleared": "took it out of launch {before}",
    "help.plan": "The version plan of a launch: its items and tasks by department with owner, due date "
    "and status, what was carried over from another launch, and what was cut (moved to another launch, "
    "removed or cancelled).",
    "help.move": "Put a task in another launch (or in none with `none`): the old launch's plan lists it "
    "as cut, the new one's as carried over. The task's owners and the launch's owner may move it; a "
    "launch's own checklist items stay with their launch.",
    "usage.plan": "/coord plan <launch>",
    "usage.move": "/coord move #<id> to <launch>|none",
    "examples.plan": "/coord plan v2.3",
    "examples.move": "/coord move {task} to v2.4 · /coord move {task} to none",
    "err.plan_args": "Name one launch: /coord plan v2.3.",
    "err.move_args": "Say where #{number} goes: a launch's name, or none.",
    "err.move_item": "#{number} is an item of launch {launch}'s checklist and stays with it: remove it "
    "there (/coord launch {launch} remove #{number}) and add it to the other launch.",
    "err.move_to_cancelled": "Launch {launch} is cancelled: nothing can be moved into it.",
    "err.move_same": "#{number} is already in {launch}.",
    "err.move_in_none": "#{number} is in no launch.",
    "err.not_allowed.move": "Only the task's assignee, its creator, the {department} lead, the launch's "
    "owner or an admin can move #{number}.",
}
