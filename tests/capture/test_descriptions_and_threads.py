"""Descriptions (``describe``), a task's source message, and its changes told once in the source
thread, muted per task (``quiet``) or per workspace (``settings threads off``)."""

from __future__ import annotations

from dataclasses import replace

from handlers.context import SourceMessage
from handlers.replies import FormSubmission, Outbound, Outcome, Tone, plain_mentions
from tests.launch.conftest import Team, caller

SOURCE = SourceMessage(
    "C9", "1700000000.000100", None, "https://acme.slack.com/archives/C9/p1700000000000100"
)


def in_thread(team: Team, user: str, text: str, source: SourceMessage = SOURCE) -> Outcome:
    return team.core.handle_text(replace(caller(user, channel="C9"), replying_to=source), text)


def thread_posts(outcome: Outcome) -> list[Outbound]:
    return [m for m in outcome.outbox if m.target.thread is not None]


def test_describe_sets_shows_and_clears_a_description_with_the_owners_permission(team: Team) -> None:
    team.ok("alice", "add dev Fix the login page")
    described = team.ok("alice", "describe #1 Repro: open the app offline, then tap Sync")
    assert described.reply.sections[0].text == "Repro: open the app offline, then tap Sync"
    shown = team.ok("erin", "show #1").reply.plain_text()
    assert "Repro: open the app offline, then tap Sync" in shown and "changed its Description" in shown
    team.refused("erin", "describe #1 mine now", "describe #1")  # not an owner of it
    team.refused("alice", "describe #1", "Say what to write as the description of #1")
    team.refused("alice", "describe #1 " + "x" * 1001, "at most 1000")
    team.ok("alice", "describe #1 none")
    assert team.item(1).description is None
    assert "/coord describe #<id>" in team.ok("alice", "help describe").reply.plain_text()


def test_a_task_added_in_a_thread_keeps_its_source_and_tells_its_changes_there(team: Team) -> None:
    added = in_thread(team, "alice", "add dev Crash on sync <@bob|Bob> due 2026-11-27")
    assert added.reply.tone is not Tone.ERROR, added.reply.plain_text()
    task = team.item(1)
    assert (task.source_channel, task.source_thread, task.source_link) == (
        "C9",
        SOURCE.message_id,
        SOURCE.link,
    )
    assert thread_posts(added) == []  # the answer to the reply in the thread says it there
    assert SOURCE.link in team.ok("bob", "show #1").reply.plain_text()
    changes = {
        "start #1": "#1 started (@Bob)",
        "block #1 waiting for the API key": "#1 is blocked (@Bob): waiting for the API key",
        "due #1 2026-12-01": "#1: due date moved from Fri 2026-11-27 to Tue 2026-12-01 (@Bob)",
        "assign #1 <@carol|Carol>": "#1 is now with @Carol (@Bob)",
        "done #1": "#1 is done ✓ (@Bob)",
    }
    for command, told in changes.items():
        (post,) = thread_posts(team.ok("bob", command))
        assert plain_mentions(post.reply.headline) == told and not post.reply.ephemeral
    assert thread_posts(team.ok("bob", "rename #1 Crash on sync (iOS)")) == []  # not news for the thread


def test_thread_updates_can_be_muted_per_task_and_per_workspace(team: Team) -> None:
    in_thread(team, "alice", "add dev Crash on sync")
    team.ok("alice", "add dev Not from a message")
    assert "no thread" in team.ok("alice", "quiet #2").reply.headline
    assert "will not reply" in team.ok("frank", "quiet #1").reply.headline  # dev's members may
    assert thread_posts(team.ok("bob", "start #1")) == []
    team.ok("frank", "quiet #1 off")
    assert len(thread_posts(team.ok("bob", "block #1 no key"))) == 1
    team.refused("bob", "settings threads off", "Only workspace admins")
    team.ok("alice", "settings threads off")
    assert "Replies in source threads: off" in team.ok("alice", "settings").reply.plain_text()
    assert thread_posts(team.ok("bob", "unblock #1")) == []
    assert thread_posts(in_thread(team, "alice", "add dev Another")) == []
    team.refused("alice", "settings threads maybe", "Give one value for threads")


def test_thread_updates_speak_the_workspace_language(team: Team) -> None:
    team.ok("alice", "settings language zh")
    team.ok("bob", "settings")  # Bob keeps the workspace's language
    in_thread(team, "alice", "添加 研发 同步崩溃")
    (post,) = thread_posts(team.ok("bob", "开始 #1"))
    assert post.reply.language == "zh" and plain_mentions(post.reply.headline) == "#1 已开始（@Bob）"


def test_a_task_from_the_message_form_says_where_it_is_tracked_in_the_thread(team: Team) -> None:
    form = team.core.form_for_message(caller("alice", channel="C9"), SOURCE, "Crash on sync\nsteps…", "bob")
    assert form.form is not None and [i.initial for i in form.form.inputs][:2] == [
        "Crash on sync",
        "Crash on sync\nsteps…",
    ]
    values = {"title": "Crash on sync", "department": "dev", "assignee": "bob", "due": "2026-11-27"}
    submission = FormSubmission(form.form.action_id, form.form.value, values)
    created = team.core.submit_form(caller("alice", channel="C9"), submission)
    (first,) = thread_posts(created)
    assert (first.target.id, first.target.thread) == ("C9", SOURCE.message_id)
    assert plain_mentions(first.reply.headline) == "Tracked as #1 by @Alice — dev · @Bob · due Fri 2026-11-27"
    assert team.item(1).source_link == SOURCE.link
    forged = FormSubmission(form.form.action_id, "not a source", values)
    assert team.core.submit_form(caller("alice"), forged).reply.tone is Tone.ERROR
