"""Launch feedback through the core: logged (command, button form, message form), listed, +1'd,
triaged into tasks or closed, its people told once when it is resolved, scoped to its workspace."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from handlers.context import SourceMessage
from handlers.feedback_forms import ACTION_CAPTURE
from handlers.feedback_views import ACTION_LOG, ACTION_VOTE
from handlers.replies import FormSubmission, Outcome, Tone, plain_mentions
from storage import feedback as store
from storage.models import Launch
from tests.launch.conftest import LAUNCH_DAY, Team, at, caller

SOURCE = SourceMessage(
    "C9", "1700000000.000100", None, "https://acme.slack.com/archives/C9/p1700000000000100"
)


def dms(outcome: Outcome, user: str) -> list[str]:
    return [
        plain_mentions(m.reply.headline)
        for m in outcome.outbox
        if m.target.kind == "user" and m.target.id == user
    ]


def launch_v23(team: Team) -> None:
    team.ok("alice", "launch new v2.3 2026-12-15")


def summary(team: Team, name: str = "v2.3") -> store.LaunchFeedback:
    """The launch's feedback as other features read it (the first workspace's launch of that name)."""
    with team.db.transaction() as s:
        launch = s.query(Launch).filter_by(name=name).order_by(Launch.id).first()
        return store.launch_feedback(s, launch)


def test_feedback_is_logged_numbered_listed_and_counted(team: Team) -> None:
    launch_v23(team)
    logged = team.ok("erin", "feedback v2.3 bug Export button hidden on small screens")
    assert logged.reply.headline == "Logged F1 (bug) on v2.3" and not logged.reply.ephemeral
    assert [b.value for b in logged.reply.sections[0].buttons] == ["F1"]
    assert dms(logged, "alice") == ["New feedback on v2.3: F1 from @Erin"]  # the launch's owner hears
    team.ok("bob", "feedback v2.3 request: CSV export with dates")  # bob leads dev: counted there
    team.ok("carol", "反馈 v2.3 表扬 新的引导流程很清楚")
    team.ok("frank", "fb v2.3 How do I reset the export?")
    counts = summary(team)
    assert counts.total == 4 and counts.untriaged == 4
    assert counts.by_kind == {"bug": 1, "request": 1, "praise": 1, "": 1}
    assert counts.by_department == {"": 1, "dev": 2, "design": 1}
    listed = team.ok("alice", "feedback list v2.3").reply.plain_text()
    assert "Open feedback on v2.3 (4)" in listed and "4 in all, 4 not triaged, 4 open" in listed
    assert "F1 [bug] Export button hidden on small screens — @Erin · new" in listed
    shown = team.ok("bob", "feedback F1").reply.plain_text()
    assert "@Erin logged it on v2.3" in shown and "Kind: bug" in shown


def test_plus_one_counts_once_per_person_and_the_same_words_count_instead_of_duplicating(team: Team) -> None:
    launch_v23(team)
    team.ok("erin", "feedback v2.3 bug Export button hidden")
    assert team.ok("bob", "feedback F1 +1").reply.headline == "+1 on F1 (v2.3): 1 vote"
    assert team.press("carol", ACTION_VOTE, "F1").reply.headline == "+1 on F1 (v2.3): 2 votes"
    assert "already" in team.ok("bob", "feedback F1 +1").reply.headline
    assert "counts you already" in team.ok("erin", "feedback F1 +1").reply.headline
    same = team.ok("dave", "feedback v2.3 export   button HIDDEN")
    assert same.reply.headline.startswith("That is F1 on v2.3 already: counted as a +1 (3 votes)")
    (entry,) = summary(team).entries
    assert entry.votes == 3 and summary(team).total == 1


def test_triage_into_a_task_links_it_and_its_done_tells_everyone_once(team: Team) -> None:
    launch_v23(team)
    team.ok("alice", "launch new v2.4 2027-01-20")
    team.ok("erin", "feedback v2.3 bug Export button hidden on small screens")
    team.ok("frank", "feedback F1 +1")
    team.refused("erin", "feedback F1 task dev", "Only the launch's owner")
    made = team.ok("alice", "feedback F1 task dev <@bob|Bob> due 2026-12-18 for v2.4")
    assert made.reply.headline.startswith("F1 → #") and made.reply.headline.endswith("(dev)")
    number = int(made.reply.headline.split("#")[1].split()[0])
    task = team.item(number)
    assert task.title == "Export button hidden on small screens" and task.launch.name == "v2.4"
    assert task.description is None and task.assignee.user_id == "bob"  # the title says it all
    assert f"→ #{number}" in team.ok("erin", "feedback list v2.3").reply.plain_text()
    team.refused("alice", "feedback F1 task design", f"already being done as #{number}")
    done = team.ok("bob", f"done #{number}")
    resolved = f"Your feedback F1 on v2.3 is resolved: #{number} is done (@Bob)"
    assert dms(done, "erin") == [resolved] and dms(done, "frank") == [resolved]
    team.ok("bob", f"reopen #{number}")
    assert summary(team).entries[0].status == "task"
    again = team.ok("bob", f"done #{number}")
    assert dms(again, "erin") == [] and dms(again, "frank") == []  # told once
    assert "fixed in #" in team.ok("erin", "feedback list v2.3 all").reply.plain_text()
    team.refused("alice", "feedback F1 wontfix meh", "resolved already")


def test_wontfix_and_duplicate_close_items_and_move_votes(team: Team) -> None:
    launch_v23(team)
    team.ok("erin", "feedback v2.3 Dark mode please")
    team.ok("frank", "feedback v2.3 request A dark theme")
    team.ok("dave", "feedback F2 +1")
    team.refused("alice", "feedback F2 duplicate F2", "cannot duplicate itself")
    dup = team.ok("bob", "feedback F2 duplicate F1")  # a department lead may triage
    assert dup.reply.headline.startswith("F2 closed as a duplicate of F1")
    assert dms(dup, "frank")[0].startswith("Your feedback F2 on v2.3 is a duplicate of F1")
    assert dms(dup, "dave") and dms(dup, "erin") == []
    assert summary(team).entries[-1].votes == 2  # frank and dave now count on F1
    wontfix = team.ok("alice", "feedback F1 wontfix not this year")
    told = "Your feedback F1 on v2.3 will not be fixed (@Alice): not this year"
    assert (
        dms(wontfix, "erin") == [told] and dms(wontfix, "frank") == [told] and dms(wontfix, "dave") == [told]
    )
    assert team.ok("alice", "feedback list v2.3").reply.headline == "Open feedback on v2.3 (0)"
    assert team.ok("alice", "feedback list v2.3 all").reply.headline == "All feedback on v2.3 (2)"


def test_bad_feedback_input_gets_a_specific_message_with_usage(team: Team) -> None:
    launch_v23(team)
    cases = {
        "feedback": "Say which launch",
        "feedback v2.3": "Say what the feedback is",
        "feedback v2.3 bug": "Say what the feedback is",
        "feedback nope Something": "nope",
        "feedback F9": "no feedback item F9",
        "feedback list": "Say which launch to list",
        "feedback list v2.3 maybe": "Say which launch to list",
        "feedback F1 frobnicate": "not something to do with F1",
        "feedback F1 wontfix": "Say why F1",
        "feedback F1 duplicate 3": "Say which item F1 duplicates",
        "feedback F1 task": "department",
        "feedback v2.3 " + "x" * 1001: "at most 1000",
    }
    team.ok("erin", "feedback v2.3 Something odd")
    for text, fragment in cases.items():
        outcome = team.refused("alice", text, fragment)
        assert "/coord feedback" in outcome.reply.plain_text()
    team.refused("alice", "feedback F1 task dev tomorrow please", "no option of a task made from F1")
    team.refused("alice", "feedback F1 task nodept", "nodept")


def test_feedback_belongs_to_its_workspace(team: Team) -> None:
    launch_v23(team)
    team.ok("erin", "feedback v2.3 Something odd")
    other = Team(team.core, team.db, team.clock, workspace="T2")
    other.ok("zed", "launch new v2.3 2026-12-15")
    other.refused("zed", "feedback F1", "no feedback item F1")
    assert other.ok("zed", "feedback v2.3 Elsewhere").reply.headline == "Logged F1 (feedback) on v2.3"
    assert summary(team).total == 1


def test_the_log_button_opens_a_form_that_logs_feedback(team: Team) -> None:
    launch_v23(team)
    with team.db.transaction() as s:
        launch_id = s.query(Launch).filter_by(name="v2.3").one().id
    pressed = team.press("erin", ACTION_LOG, f"launch/{launch_id}")
    form = pressed.reply.form
    assert form is not None and pressed.reply.headline == "/coord feedback v2.3 <text…>"
    assert [i.name for i in form.inputs] == ["kind", "text"]
    submission = FormSubmission(form.action_id, form.value, {"kind": "bug", "text": "  Sync  fails offline "})
    logged = team.core.submit_form(caller("erin"), submission)
    assert logged.reply.headline == "Logged F1 (bug) on v2.3", logged.reply.plain_text()
    refused = team.core.submit_form(caller("erin"), FormSubmission(form.action_id, form.value, {"text": " "}))
    assert refused.reply.tone == Tone.ERROR and refused.error_field == "text"


def test_a_message_becomes_feedback_with_its_source(team: Team) -> None:
    launch_v23(team)
    reply = team.core.form_for_message(
        caller("erin", channel="C9"), SOURCE, "Customer: <@U7|Ann> says export is slow", "U7", feedback=True
    )
    form = reply.form
    assert form is not None and form.action_id == ACTION_CAPTURE
    assert {i.name: i.initial for i in form.inputs}["text"] == "Customer: @Ann says export is slow"
    assert {i.name: i.initial for i in form.inputs}["launch"] == "v2.3"
    values = {"launch": "v2.3", "kind": "-", "text": "Customer says export is slow"}
    logged = team.core.submit_form(
        caller("erin", channel="C9"), FormSubmission(ACTION_CAPTURE, form.value, values)
    )
    assert logged.reply.headline == "Logged F1 (feedback) on v2.3"
    assert SOURCE.link in team.ok("alice", "feedback F1").reply.plain_text()
    # typed as a reply in a thread (Feishu: a reply @-mentioning the bot), it keeps the thread too
    in_thread = team.core.handle_text(
        replace(caller("erin", channel="C9"), replying_to=SOURCE), "feedback v2.3 Slow again"
    )
    assert in_thread.reply.tone != Tone.ERROR
    made = team.ok("alice", "feedback F2 task dev")
    number = int(made.reply.headline.split("#")[1].split()[0])
    assert team.item(number).source_thread == SOURCE.message_id


def test_feedback_speaks_chinese(team: Team) -> None:
    team.ok("alice", "settings language zh")
    launch_v23(team)
    logged = team.ok("erin", "反馈 v2.3 缺陷 导出按钮看不到")
    assert logged.reply.headline == "已记录 F1（缺陷），针对 v2.3"
    assert "共 1 条，1 条未分拣，1 条未解决" in team.ok("erin", "feedback list v2.3").reply.plain_text()


def test_the_t1_followup_shows_the_feedback_so_far_with_a_log_button(
    team: Team, scheduler, messenger
) -> None:  # type: ignore[no-untyped-def]
    launch_v23(team)
    team.ok("erin", "feedback v2.3 bug Export button hidden")
    team.ok("bob", "feedback v2.3 bug Sync fails offline")
    team.ok("carol", "feedback v2.3 praise Lovely onboarding")
    scheduler.tick(at(LAUNCH_DAY + timedelta(days=1), 10))
    (post,) = [m for m in messenger.sent if (m.key or "").endswith(":T+1")]
    body = post.reply.plain_text()
    assert (
        "Feedback so far (3)" in body
        and "3 in all, 3 not triaged, 3 open · design 1 · dev 1 · no department 1" in body
    )
    assert "bug (2)" in body and "F2 Sync fails offline — @Bob · new" in body and "praise (1)" in body
    buttons = [b for section in post.reply.sections for b in section.buttons if b.action_id == ACTION_LOG]
    assert len(buttons) == 1 and buttons[0].label == "Log feedback"


def test_a_task_from_long_feedback_has_a_cut_title_and_the_whole_text_as_its_description(team: Team) -> None:
    launch_v23(team)
    text = "The export " + "really " * 40 + "fails on large workspaces"
    team.ok("erin", f"feedback v2.3 bug {text}")
    made = team.ok("alice", "feedback F1 task dev")
    number = int(made.reply.headline.split("#")[1].split()[0])
    task = team.item(number)
    assert task.title.endswith("…") and len(task.title) <= 200 and task.description == text


def thread_posts(outcome: Outcome) -> list[str]:
    return [plain_mentions(m.reply.headline) for m in outcome.outbox if m.target.thread is not None]


def test_feedback_from_a_message_tells_its_thread_once_what_became_of_it(team: Team) -> None:
    launch_v23(team)
    said = replace(caller("erin", channel="C9"), replying_to=SOURCE)
    other = SourceMessage("C9", "1700000000.000200", None, None)
    assert team.core.handle_text(said, "feedback v2.3 bug Export hidden").reply.tone != Tone.ERROR
    team.core.handle_text(replace(said, replying_to=other), "feedback v2.3 Dark mode please")
    team.ok("frank", "feedback F1 +1")
    made = team.ok("alice", "feedback F1 task dev <@bob|Bob>")
    number = int(made.reply.headline.split("#")[1].split()[0])
    assert thread_posts(made) == [f"Tracked as #{number} by @Alice — dev · @Bob"]
    done = team.ok("bob", f"done #{number}")
    assert thread_posts(done) == [f"#{number} is done ✓ (@Bob)"]  # one post in the thread, not two
    assert dms(done, "erin") and dms(done, "frank")  # its people hear by DM too
    team.ok("alice", "settings language zh")
    wontfix = team.ok("alice", "feedback F2 wontfix not this year")
    (post,) = [m for m in wontfix.outbox if m.target.thread is not None]
    assert (post.target.id, post.target.thread) == ("C9", other.message_id) and post.reply.language == "zh"
    assert plain_mentions(post.reply.headline) == "v2.3 的反馈 F2 不会修复（@Alice）：not this year"
    assert not post.reply.ephemeral
    team.refused("alice", "feedback F2 wontfix still no", "已经解决")  # resolved once, told once


def test_a_feedback_thread_is_not_told_when_muted_or_answered_there(team: Team) -> None:
    launch_v23(team)
    said = replace(caller("erin", channel="C9"), replying_to=SOURCE)
    for text in ("Export hidden", "Export hidden on iPad", "Export hidden on phones"):
        team.core.handle_text(said, f"feedback v2.3 {text}")
    in_thread = team.core.handle_text(
        replace(caller("alice", channel="C9"), replying_to=SOURCE), "feedback F2 duplicate F1"
    )
    assert in_thread.reply.headline.startswith("F2 closed as a duplicate") and thread_posts(in_thread) == []
    made = team.ok("alice", "feedback F3 task dev")
    number = int(made.reply.headline.split("#")[1].split()[0])
    team.ok("alice", f"quiet #{number}")
    assert thread_posts(team.ok("alice", "feedback F3 wontfix covered by F1")) == []  # muted with its task
    team.ok("alice", "settings threads off")
    assert thread_posts(team.ok("alice", "feedback F1 wontfix later")) == []
