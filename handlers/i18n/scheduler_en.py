"""English texts of the scheduler: check-ins, follow-ups, digests, nudges, escalations, alerts, demo."""

MESSAGES: dict[str, str] = {
    # launch check-ins
    "sched.checkin.headline": (
        "{launch} readiness check-in · {label}{moved} · {n} working {n:s/day/days} left"
    ),
    "sched.checkin.moved_from": " · moved from {day}",
    "sched.late": "Late · {headline} (missed {day}'s slot while coordbot was down)",
    "sched.checkin.launch_day": "Launch day: {launch} ships today ({date})",
    "sched.checkin.readiness": "Readiness: {done}/{total} checklist items done",
    "sched.checkin.dept_ready": "{done}/{total} ✓ ready",
    "sched.checkin.dept_progress": "{done}/{total} · {tasks} open {tasks:s/task/tasks}",
    "sched.checkin.open_items": "Open checklist items ({n})",
    "sched.checkin.tasks": "Open tasks for this launch: {n} ({overdue} overdue, {blocked} blocked)",
    "sched.checkin.behind": "Behind: {who} — please update the checklist and your tasks.",
    "sched.checkin.all_ready": "Every department is ready. 🎉",
    "sched.lead_of": "{who} ({department})",
    "sched.no_lead": "{department} (no lead set)",
    # follow-ups after the launch
    "sched.followup.headline": "{launch} follow-up · {label} · launched {n} {n:s/day/days} ago",
    "sched.followup.feedback": "Feedback and open issues, please",
    "sched.followup.ask": "{who}: how did the launch go for {department}? Any feedback or open issues?",
    "sched.followup.open_tasks": "Still open for this launch ({n})",
    "sched.followup.how": "Reply in this thread, or track issues with /coord add <dept> <title> for {launch}",
    # standup digests
    "sched.digest.headline": "Standup digest for {date}: {today} due today · {overdue} overdue · "
    "{blocked} blocked · {done} done",
    "sched.digest.all_clear": "Standup digest for {date}: all clear — nothing due, overdue or blocked.",
    "sched.digest.section": "{department} — {counts}",
    "sched.digest.dept_counts": "{today} due today · {overdue} overdue · {blocked} blocked · {done} done",
    "sched.digest.tag_today": "[today]",
    "sched.digest.tag_overdue": "[overdue]",
    "sched.digest.tag_blocked": "[blocked]",
    "sched.digest.tag_done": "[done]",
    "sched.digest.since": "Done since {since}",
    # overdue nudges
    "sched.nudge.headline": "You have {n} overdue {n:s/task/tasks}",
    "sched.nudge.headline_blocked": "{n} blocked {n:s/task is/tasks are} waiting for you",
    "sched.nudge.headline_both": "You have {overdue} overdue {overdue:s/task/tasks}, and "
    "{blocked} blocked {blocked:s/task waits/tasks wait} for you",
    "sched.nudge.late": "{n} working {n:s/day/days} overdue",
    "sched.nudge.blocked_for": "blocked — {who} needs help from you",
    "sched.nudge.more": "… and {n} more: /coord list mine",
    "sched.nudge.how": "Use the buttons, or /coord due {task} <date> to move a date.",
    # escalations
    "sched.escalate.lead": "Escalation: {n} {n:s/task/tasks} in your department {n:s/is/are} overdue",
    "sched.escalate.creator": "Escalation: {n} {n:s/task/tasks} you asked for {n:s/is/are} overdue",
    "sched.escalate.detail": "assigned to {who} · {n} working {n:s/day/days} overdue",
    # delivery failures, to admins
    "sched.alert.headline": "I could not deliver a {what} to {where}",
    "sched.alert.error": "Error: {error}",
    "sched.alert.fix": "I will not retry. Check that the channel exists and that I am a member of it.",
    "sched.kind.checkin": "launch check-in",
    "sched.kind.followup": "launch follow-up",
    "sched.kind.digest": "standup digest",
    "sched.kind.nudge": "overdue reminder",
    "sched.kind.escalate": "escalation",
    "sched.kind.alert": "alert",
    "sched.kind.update": "task update",
    "sched.kind.reply": "reply to a command",
    # coordbot demo
    "sched.demo.title": "coordbot demo — a two-week launch of {launch}, played in seconds",
    "sched.demo.day": "── {date} ──",
    "sched.demo.says": "{who} in #{channel}: {text}",
    "sched.demo.done": "Demo over: {n} {n:s/message/messages} posted by the scheduler.",
}
