"""English texts of launch plans: templates, launch items, reschedule, status, sign-off, go/no-go."""

MESSAGES: dict[str, str] = {
    # a launch
    "launch.created_from": "Launch {name} set for {date} from template {template} ({n} {n:s/item/items})",
    "launch.title": "Launch {name}: {summary}",
    "launch.no_items": "no items",
    "launch.summary": "{phase} · {date} · {left} · owner {owner} · channel {channel} · "
    "checklist {done}/{total}",
    "launch.phase.planned": "planned",
    "launch.phase.launched": "launched",
    "launch.phase.done": "done",
    "launch.phase.cancelled": "cancelled",
    "launch.dept_items": "{done}/{total} {total:s/item/items} · {tasks} open {tasks:s/task/tasks}",
    "launch.signed_ready": "signed off ready",
    "launch.signed_not_ready": "not ready",
    "launch.open_items_title": "Open checklist items ({n}) — check off with the buttons or "
    "/coord check {launch} <dept> <n>",
    "launch.followup_items": "After the launch ({n})",
    "launch.item_done": "✓ {who}, {at}",
    "launch.history": "History",
    "launch.list_entry": "{name} · {phase} · {date} · {left} · {summary} · {tasks} open {tasks:s/task/tasks}",
    "launch.list_current": "Launches under way ({n})",
    "launch.no_lead": "no lead set",
    "launch.items_given": "{who} gave you {n} {n:s/item/items} of launch {launch}",
    "launch.note_past": "{n} {n:s/item is/items are} already past {n:s/its/their} date ({offsets}): "
    "re-date with /coord launch <name> <dept> <n> due <date>.",
    "launch.note_no_lead": "Items of {departments} have no owner until a lead is set "
    "(/coord dept set <dept> lead @person).",
    "launch.items_to_lead": "You now own {n} open launch {n:s/item/items} of {department}",
    "launch.lead_takes_items": " (and takes over {n} open launch {n:s/item/items})",
    "launch.item_added": "Added #{number} {title} to {launch}",
    "launch.item_removed": "Removed #{number} {title} from the plan (its history is kept)",
    "launch.item_redated": "#{number} {title} is now due {date}",
    "launch.item_reowned": "#{number} {title} is now owned by {who}",
    "launch.owner_set": "{who} now owns launch {launch}",
    "launch.date_passed": "⚠ That date has passed.",
    "launch.rescheduled": "{who} moved launch {launch} from {old} to {new}",
    "launch.postponed": "{who} postponed launch {launch} from {old} to {new}",
    "launch.moved_items": "Moved with it ({n})",
    "launch.moved_line": "#{number} [{department}] {title}: {old} → {new}",
    "launch.dated_items_stay": "Items with a date of their own keep it. Check-ins follow the new "
    "date; none is posted twice.",
    "launch.cancelled": "{who} cancelled launch {launch}",
    "launch.cancelled_detail": "No more check-ins. {items} open {items:s/item was/items were} "
    "cancelled; {tasks} open {tasks:s/task stays/tasks stay} open, noted in {tasks:s/its/their} history.",
    "launch.launched": "{who} says launch {launch} has shipped 🚀",
    "launch.decided_go": "{who}: go for {launch} 🚀",
    "launch.decided_risk": "{who}: go for {launch}, with accepted risks: {risk}",
    "launch.decided_despite": "Not signed off ready: {departments}.",
    "launch.event.created": "{who} created it from template {template} for {date} ({items} items)",
    "launch.event.rescheduled": "{who} moved the launch from {from} to {to} ({moved} items moved)",
    "launch.event.postponed": "{who} postponed the launch from {from} to {to} ({moved} items moved)",
    "launch.event.owner": "{who} handed the launch from {from} to {to}",
    "launch.event.cancelled": "{who} cancelled the launch ({items} items cancelled, {tasks} tasks kept)",
    "launch.event.launched": "{who} said it shipped (planned for {planned})",
    "launch.event.go": "{who} decided: go",
    "launch.event.go_with_risk": "{who} decided: go with accepted risks ({risk})",
    "launch.event.signoff_ready": "{who} signed off {department}: ready{note}",
    "launch.event.signoff_not_ready": "{who} signed off {department}: not ready{note}",
    "launch.event.item_added": "{who} added #{number} {title}",
    "launch.event.item_removed": "{who} removed #{number} {title}",
    "event.launch_cancelled": "noted that launch {launch} was cancelled",
    "status.cancelled": "cancelled",
    "button.check_item": "✓ {item}",
    # sign-off and go/no-go
    "signoff.title": "Sign-off",
    "signoff.ask": "Go/no-go sign-off — leads, is your department ready?",
    "signoff.missing": "not signed off yet ({lead})",
    "signoff.ready": "✓ ready ({who}, {at})",
    "signoff.not_ready": "✗ not ready ({who}, {at})",
    "signoff.done_ready": "{who} signed off {department} ready for {launch}",
    "signoff.done_not_ready": "{who}: {department} is not ready for {launch} — {note}",
    "signoff.how_not_ready": "Say what is missing: type this, with your reason",
    "signoff.how_not_ready_placeholder": "<reason…>",
    "button.ready": "Ready · {department}",
    "button.not_ready": "Not ready · {department}",
    "button.go": "Go",
    "button.go_risk": "Go with risks",
    "button.postpone": "Postpone",
    "decision.go": "Decision: go ({who}, {at})",
    "decision.go_risk": "Decision: go with accepted risks ({who}, {at}): {risk}",
    "decision.how_risk": "Name the risks you accept: type this",
    "decision.how_risk_placeholder": "<risks…>",
    "decision.how_postpone": "Pick the new date: type this",
    "decision.how_postpone_placeholder": "<new date>",
    "owner.lead": "lead",
    "owner.pm": "launch owner",
    "owner.label": "owner: {owner}",
    # templates
    "template.list_title": "Launch templates ({n})",
    "template.line": "{name} · {n} {n:s/item/items} · {departments}",
    "template.line_default": "{name} (default) · {n} {n:s/item/items} · {departments}",
    "template.empty": "no items yet",
    "template.title": "Template {name}",
    "template.heading": "{name}: {n} {n:s/item/items}{default}",
    "template.is_default": " · the default",
    "template.how": "Admins: /coord template {name} add <dept> <text…> [at T-<n>] [owner @person] · "
    "remove <dept> <n> · move <dept> <n> to <m>",
    "template.created": "Template {name} created",
    "template.copied": "Template {name} created as a copy of {source}",
    "template.default_set": "New launches use template {name} unless told otherwise",
    "template.deleted": "Template {name} deleted (launches made from it keep their items)",
    "template.item_added": "Added to template {name}",
    "template.item_removed": "Removed “{text}” from template {name}",
    "template.item_moved": "Moved “{text}” to place {to} in template {name}",
    # check-ins
    "sched.checkin.launched_day": "Launch day: {launch} shipped ({date}) 🚀",
    "sched.checkin.go_prompt": "Go / no-go? {items} checklist {items:s/item/items} and "
    "{tasks} {tasks:s/task/tasks} are still open. {owner}, record the decision:",
    "sched.checkin.go_prompt_ready": "Everything is checked off and no tasks are open. {owner}, "
    "record the decision:",
    "sched.signoff.headline": "{launch} go/no-go sign-off · launch {date} ({n} {n:s/day/days} left)",
    "sched.signoff.who": "Waiting for: {who}",
    "sched.followup.open_items": "Follow-up work still open ({n})",
    # the standard template's items beyond the old checklist
    "check.dev.launch_issues": "Launch issues triaged and fixes planned",
    "check.ops.feedback_summary": "User feedback collected and shared",
    # help, usage
    "help.template": "Launch templates: the plan a launch starts from (items per department, "
    "due T-n working days from the launch date, an owner). Anyone lists and shows them; admins "
    "create, copy, edit, reorder and pick the default. Files: coordbot template export|import.",
    "help.signoff": "Go/no-go: a department lead signs their department off for a launch, ready or "
    "not ready (with the reason). Asked for from T-2 working days on.",
    "usage.template": "/coord template list | show <name> | new <name> [from <name>] | default <name> "
    "| delete <name> | <name> add <dept> <text…> [at T-<n>|T+<n>] [owner @person|lead|pm] "
    "| <name> remove <dept> <n> | <name> move <dept> <n> to <m>",
    "usage.launch_item": "/coord launch <name> add <dept> <text…> [due <date>|at T-<n>] [owner @person] "
    "| launch <name> remove <dept> <n> | launch <name> <dept> <n> due <date>|at T-<n>|owner @person|lead|pm",
    "usage.launch_course": "/coord launch <name> date <new date> | postpone <new date> | owner @person "
    "| cancel | launched | go | go with risk <text…>",
    "examples.launch_item": "/coord launch v2.3 add ops Load test at T-3 owner @erin · "
    "/coord launch v2.3 dev 2 due fri · /coord launch v2.3 remove #14",
    "examples.launch_course": "/coord launch v2.3 date 2026-12-17 · /coord launch v2.3 go with risk "
    "the FAQ ships a day late",
    "usage.signoff": "/coord signoff <launch> <dept> ready [note…] | not ready <reason…>",
    "examples.template": "/coord template new major from standard · "
    "/coord template major add qa Load test at T-5 owner @erin · /coord template default major",
    "examples.signoff": "/coord signoff v2.3 dev ready · /coord signoff v2.3 ops not ready runbook "
    "under review",
    # errors
    "err.offset_too_far": "{offset} is too far from the launch: at most {limit} working days (a year).",
    "err.bad_owner": "“{text}” is not an owner: give @person, lead or pm.",
    "err.missing_item_text": "The item needs a text.",
    "err.bad_template_name": "“{name}” can't be a template name: use letters, digits, . - _ "
    "(at most {limit}).",
    "err.template_new_args": "Give the new template's name, and optionally: from <template>.",
    "err.template_name_missing": "Which template? Give its name.",
    "err.item_ref_args": "Give the department and the item number (dev 2), or the task number (#14).",
    "err.template_move_args": "Give the department, the item number and its new place: dev 3 to 1.",
    "err.missing_risk": "Name the risks you accept: go with risk <text…>.",
    "err.item_edit_args": "Give what to change: due <date>, at T-<n>, or owner @person|lead|pm.",
    "err.signoff_args": "Give the launch, the department, then ready [note…] or not ready <reason…>.",
    "err.missing_not_ready_reason": "Say why it is not ready: not ready <reason…>.",
    "err.no_template": "There is no template “{name}”. Templates: {known}.",
    "err.not_an_item": "#{number} is not a launch checklist item.",
    "err.launch_cancelled": "Launch {launch} is cancelled.",
    "err.not_item_of": "#{number} is not an item of launch {launch}.",
    "err.duplicate_item": "{department} already has the item “{text}”.",
    "err.item_closed": "#{number} is {status}; only open items can be changed.",
    "err.launch_already_launched": "Launch {launch} has already shipped.",
    "err.launch_same_date": "Launch {launch} is already on {date}.",
    "err.signoff_closed": "Launch {launch} is over: sign-off is closed.",
    "err.dept_not_in_launch": "{department} has nothing in launch {launch} to sign off "
    "(departments: {known}).",
    "err.template_exists": "There is already a template called {name}.",
    "err.template_builtin": "Template {name} is built in and stays (you can edit it).",
    "err.template_is_default": "Template {name} is the default: make another one the default first.",
    "err.no_template_item": "Template {name} has no item {item} for {department} (it has {count}).",
    "err.not_allowed_item_work": "Only the item's owner, {department}'s lead and members, the launch "
    "owner or an admin can do that to #{number}.",
    "err.not_allowed_item_plan": "Only {department}'s lead, the launch owner or an admin can re-date or "
    "re-own #{number}.",
    "err.not_allowed_item_edit": "Only the owner of launch {launch} or an admin can change its plan.",
    "err.not_launch_owner": "Only the owner of launch {launch} ({owner}) or an admin can do that.",
    "err.not_allowed_signoff": "Only {department}'s lead ({lead}) or an admin can sign off {department} "
    "for {launch}.",
}
