"""The forms behind "Not ready", "Go with risk" and "Postpone": a press answers with a form
(after the permission check), its submission runs the command's operation with the command's
permissions and limits, and a refusal names the input at fault."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.launch_forms import DATE, REASON, RISKS
from handlers.launch_views import ACTION_GO_RISK, ACTION_POSTPONE, ACTION_SIGNOFF_NOT_READY
from handlers.notices import outbound_from_dict, outbound_to_dict
from handlers.replies import FormSubmission, InputKind, Outbound, Outcome, Target, Tone
from storage.models import Launch, SignOff
from tests.launch.conftest import Team, caller
from tests.launch.test_signoff import ids


def submit(team: Team, user: str, action: str, value: str, **values: str) -> Outcome:
    submission = FormSubmission(action, value, dict(values))
    return team.core.submit_form(caller(user, workspace=team.workspace), submission)


@pytest.fixture
def v1(team: Team) -> tuple[str, str]:
    """Launch v1 on Tue Dec 15: the values of its dev sign-off buttons and of its decision buttons."""
    team.ok("alice", "launch new v1 2026-12-15 <#CL|launch-v1>")
    dev = ids(team, "v1", "dev")
    return dev, f"launch/{dev.split('/')[0]}"


def test_each_press_that_needs_words_answers_with_its_form_and_the_command_as_text(
    team: Team, v1: tuple[str, str]
) -> None:
    dev, launch = v1
    asked = team.press("bob", ACTION_SIGNOFF_NOT_READY, dev).reply
    assert asked.form is not None and asked.form.action_id == ACTION_SIGNOFF_NOT_READY
    assert asked.form.value == dev and [i.name for i in asked.form.inputs] == [REASON]
    assert asked.form.inputs[0].kind is InputKind.LONG_TEXT and asked.form.inputs[0].required
    assert asked.form.intro == "v1 — why is dev not ready yet?"
    assert "/coord signoff v1 dev not ready <reason…>" in asked.plain_text()  # the console's way
    risk = team.press("alice", ACTION_GO_RISK, launch).reply.form
    assert risk is not None and [i.name for i in risk.inputs] == [RISKS]
    postpone = team.press("alice", ACTION_POSTPONE, launch).reply.form
    assert postpone is not None and postpone.inputs[0].kind is InputKind.DATE
    assert postpone.intro == "v1 is planned for Tue 2026-12-15. Pick the new date."
    # refused presses carry no form
    refused = team.press("carol", ACTION_SIGNOFF_NOT_READY, dev).reply
    assert refused.tone is Tone.ERROR and refused.form is None


def test_a_submitted_not_ready_form_signs_off_as_the_command_does(team: Team, v1: tuple[str, str]) -> None:
    dev, _ = v1
    empty = submit(team, "bob", ACTION_SIGNOFF_NOT_READY, dev, reason="   ")
    assert empty.reply.tone is Tone.ERROR and empty.error_field == REASON
    too_long = submit(team, "bob", ACTION_SIGNOFF_NOT_READY, dev, reason="x" * 301)
    assert too_long.error_field == REASON and "at most 300" in too_long.reply.headline
    stranger = submit(team, "carol", ACTION_SIGNOFF_NOT_READY, dev, reason="not mine")
    assert "Only the dev lead" in stranger.reply.headline
    with team.db.transaction() as s:
        assert s.query(SignOff).count() == 0
    done = submit(team, "bob", ACTION_SIGNOFF_NOT_READY, dev, reason="load test\nfails  at 200 rps")
    assert done.reply.tone is Tone.WARNING and not done.reply.ephemeral
    assert "dev is not ready for v1 — load test fails at 200 rps" in done.reply.headline
    assert sorted(m.target.id for m in done.outbox) == ["CL", "alice"]  # as the typed command
    with team.db.transaction() as s:
        (row,) = s.query(SignOff).all()
        assert not row.ready and row.note == "load test fails at 200 rps"


def test_submitted_decision_forms_go_with_risks_or_postpone(team: Team, v1: tuple[str, str]) -> None:
    _, launch = v1
    assert (
        "Only the owner of launch v1" in submit(team, "bob", ACTION_GO_RISK, launch, risks="r").reply.headline
    )
    assert submit(team, "alice", ACTION_GO_RISK, launch).error_field == RISKS
    decided = submit(team, "alice", ACTION_GO_RISK, launch, risks="blog a day late")
    assert "go for v1, with accepted risks: blog a day late" in decided.reply.headline
    for bad, key in (("", "A date is missing"), ("soon", "can't read “soon”"), ("2026-11-01", "past")):
        refused = submit(team, "alice", ACTION_POSTPONE, launch, date=bad)
        assert refused.error_field == DATE and key in refused.reply.plain_text(), refused.reply.plain_text()
    moved = submit(team, "alice", ACTION_POSTPONE, launch, date="2026-12-18")
    assert moved.reply.tone is not Tone.ERROR, moved.reply.plain_text()
    with team.db.transaction() as s:
        assert s.query(Launch.launch_date).scalar() == date(2026, 12, 18)


def test_a_form_submission_reaches_nothing_outside_its_workspace_or_its_actions(
    team: Team, v1: tuple[str, str]
) -> None:
    _, launch = v1
    other = Team(team.core, team.db, team.clock, workspace="T2")
    assert (
        "That button no longer works"
        in submit(other, "zed", ACTION_GO_RISK, launch, risks="x").reply.headline
    )
    assert submit(team, "alice", "task.done", "1").reply.tone is Tone.ERROR
    assert submit(team, "alice", ACTION_SIGNOFF_NOT_READY, "nonsense", reason="x").reply.tone is Tone.ERROR


def test_a_form_survives_the_ledger(team: Team, v1: tuple[str, str]) -> None:
    """A form sent through the ledger is the same form when a retry reads it back."""
    dev, _ = v1
    reply = team.press("bob", ACTION_SIGNOFF_NOT_READY, dev).reply
    message = Outbound("feishu", "T1", Target.member("C1", "bob"), reply, key="reply:1")
    assert outbound_from_dict(outbound_to_dict(message)) == message
