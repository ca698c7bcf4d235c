"""English catalog of launch feedback: logging, +1, triage, follow-ups, the next version."""

MESSAGES: dict[str, str] = {
    "help.feedback": "Log feedback on a launch (anyone), optionally of a kind: bug, request, praise or "
    "question. The same words as an open item count as a +1 on it. The launch's owner, department "
    "leads and admins triage: turn an item into a task (the feedback shows “→ #31”), accept it, "
    "or close it as won't fix (with a reason) or as a duplicate. Whoever logged or +1'd an item is "
    "told once when it is resolved.",
    "usage.feedback": "/coord feedback <launch> [bug|request|praise|question] <text…> | feedback list "
    "<launch> [new|all] | feedback F<n> [+1 | accept | task <dept> [@person] [due <date>] "
    "[for <launch>] | wontfix <reason…> | duplicate F<n>]",
    "examples.feedback": "/coord feedback v2.3 bug Export button hidden on small screens · "
    "/coord feedback list v2.3 new · /coord feedback F3 +1 · "
    "/coord feedback F3 task dev <@bob|bob> due fri for v2.4 · /coord feedback F4 wontfix works as designed",
    "err.feedback_args": "Say which launch the feedback is about and what it is, "
    "or name an item (F12) to show, +1 or triage.",
    "err.feedback_list_args": "Say which launch to list the feedback of, and optionally “new” or “all”.",
    "err.missing_feedback_text": "Say what the feedback is.",
    "err.feedback_too_long": "The feedback is too long (at most {limit} characters).",
    "err.missing_wontfix_reason": "Say why F{feedback} will not be fixed.",
    "err.duplicate_args": "Say which item F{feedback} duplicates, like “duplicate F3”.",
    "err.duplicate_self": "F{feedback} cannot duplicate itself.",
    "err.duplicate_loop": "F{original} is already marked a duplicate of F{feedback}.",
    "err.feedback_task_extra": "“{words}” is no option of a task made from F{feedback}: "
    "give a department, then optionally @person, due <date> and for <launch>.",
    "err.feedback_item_args": "“{word}” is not something to do with F{feedback}: "
    "try +1, accept, task <dept>, wontfix <reason> or duplicate F<n>.",
    "err.no_feedback": "There is no feedback item F{feedback}.",
    "err.feedback_cancelled": "{launch} was cancelled: it takes no more feedback.",
    "err.feedback_resolved": "F{feedback} is resolved already ({status}).",
    "err.feedback_has_task": "F{feedback} is already being done as #{task}.",
    "err.feedback_no_launch": "There is no launch to log feedback on yet.",
    "err.not_allowed.triage": "Only the launch's owner ({owner}), department leads and admins "
    "triage feedback such as F{feedback}.",
    "feedback.kind.none": "feedback",
    "feedback.kind.bug": "bug",
    "feedback.kind.request": "request",
    "feedback.kind.praise": "praise",
    "feedback.kind.question": "question",
    "feedback.status.new": "new",
    "feedback.status.accepted": "accepted",
    "feedback.status.task": "→ #{task}",
    "feedback.status.done": "fixed in #{task}",
    "feedback.status.wontfix": "won't fix",
    "feedback.status.duplicate": "duplicate",
    "feedback.from_launch": "from {launch}",
    "feedback.no_department": "no department",
    "feedback.counts": "{n} in all, {new} not triaged, {open} open",
    "feedback.none_yet": "No feedback on {launch} yet.",
    "feedback.so_far": "Feedback so far ({n})",
    "feedback.how": "Log more with the button or /coord feedback {launch} <text…>; "
    "triage with /coord feedback list {launch} new",
    "feedback.logged": "Logged F{number} ({kind}) on {launch}",
    "feedback.logged_context": "logged by {who} · others +1 it instead of logging it again",
    "feedback.new_for_owner": "New feedback on {launch}: F{number} from {who}",
    "feedback.list.open": "Open feedback on {launch} ({n})",
    "feedback.list.new": "Feedback on {launch} not triaged yet ({n})",
    "feedback.list.all": "All feedback on {launch} ({n})",
    "feedback.triage_how": "Triage: /coord feedback F<n> task <dept> · accept · wontfix <reason> · "
    "duplicate F<n>",
    "feedback.field.kind": "Kind",
    "feedback.field.votes": "+1",
    "feedback.field.carried": "Carried into",
    "feedback.field.note": "Why not",
    "feedback.field.duplicate": "Duplicate of",
    "feedback.history": "History",
    "feedback.event.logged": "{who} logged it on {launch}",
    "feedback.event.voted": "{who} +1'd it",
    "feedback.event.task": "{who} made it task #{task}",
    "feedback.event.accepted": "{who} accepted it",
    "feedback.event.resolved": "{who} resolved it ({status})",
    "feedback.event.reopened": "its task was reopened ({who})",
    "feedback.event.task_deleted": "its task was deleted ({who})",
    "feedback.event.carried": "{who} carried it into {launch}",
    "feedback.own": "You logged F{number}: it counts you already.",
    "feedback.voted_before": "You +1'd F{number} already.",
    "feedback.voted": "+1 on F{number} ({launch}): {n} {n:s/vote/votes}",
    "feedback.voted_same": "That is F{number} on {launch} already: counted as a +1 ({n} {n:s/vote/votes})",
    "feedback.to_task": "F{number} → #{task} ({department})",
    "feedback.accepted": "F{number} accepted: it goes along to the next version",
    "feedback.accepted_before": "F{number} is triaged already ({status}).",
    "feedback.wontfix": "F{number} closed as won't fix: {reason}",
    "feedback.duplicate": "F{number} closed as a duplicate of F{original}; its votes count there",
    "feedback.resolved.done": "Your feedback F{number} on {launch} is resolved: #{task} is done ({who})",
    "feedback.resolved.wontfix": "Your feedback F{number} on {launch} will not be fixed ({who}): {reason}",
    "feedback.resolved.duplicate": "Your feedback F{number} on {launch} is a duplicate of F{original} "
    "({who}); you will hear when that one is resolved",
    "feedback.form.title": "Log feedback",
    "feedback.form.submit": "Log it",
    "feedback.form.kind": "Kind",
    "feedback.form.text": "What did you hear or see?",
    "feedback.form.text_placeholder": "What happened, who said it, how often",
    "feedback.form.intro": "Feedback on {launch}: a bug, a request, praise or a question.",
    "feedback.form.how": "/coord feedback {launch} <text…>",
    "feedback.capture_how": "Fill in the form to log the message as launch feedback.",
    "button.feedback_vote": "+1 F{number}",
    "button.feedback_log": "Log feedback",
}
