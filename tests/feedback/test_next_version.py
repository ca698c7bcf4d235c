"""The next version (``launch new v2.4 <date> from v2.3``): its plan from v2.3's template or items,
v2.3's open tasks and untriaged or accepted feedback carried over and listed, the lineage shown,
and ``/coord plan v2.4`` showing what came from v2.3."""

from __future__ import annotations

from datetime import timedelta

from handlers.next_version import ACTION_NEXT
from handlers.replies import FormSubmission, plain_mentions
from storage.models import Feedback, Launch
from tests.launch.conftest import LAUNCH_DAY, Team, at, caller


def v23_with_work(team: Team) -> None:
    team.ok("alice", "launch new v2.3 2026-12-15")
    team.ok("alice", "add dev Fix the export crash for v2.3")  # open: carried
    team.ok("alice", "add design Polish the empty state for v2.3")
    team.ok("alice", "add dev Ship the hotfix for v2.3")
    number = int(team.ok("alice", "list all for v2.3").reply.plain_text().split("#")[-1].split()[0])
    team.ok("bob", f"done #{number}")  # done: stays
    team.ok("erin", "feedback v2.3 bug Export hidden on small screens")  # new: carried
    team.ok("erin", "feedback v2.3 request Dark mode")
    team.ok("alice", "feedback F2 accept")  # accepted: carried
    team.ok("erin", "feedback v2.3 Too many emails")
    team.ok("alice", "feedback F3 wontfix by design")  # resolved: stays


def test_the_next_version_carries_open_tasks_and_feedback_and_lists_them(team: Team) -> None:
    v23_with_work(team)
    made = team.ok("alice", "launch new v2.4 2027-01-20 from v2.3")
    text = plain_mentions(made.reply.plain_text())
    assert made.reply.headline.startswith("Launch v2.4, the next version of v2.3, set for")
    assert "Open tasks carried over from v2.3 (2)" in text
    assert "Fix the export crash" in text and "Polish the empty state" in text and "hotfix" not in text
    assert "Feedback carried over from v2.3 (2)" in text
    assert "F1 [bug] Export hidden on small screens" in text and "F2 [request] Dark mode" in text
    assert "Too many emails" not in text
    with team.db.transaction() as s:
        v23, v24 = s.query(Launch).order_by(Launch.id).all()
        assert v24.previous_id == v23.id and v24.template_name == v23.template_name
        carried = s.query(Feedback).filter(Feedback.carried_to_id == v24.id).count()
        assert carried == 2
    plan = team.ok("alice", "plan v2.4").reply.plain_text()
    assert "from v2.3" in plan  # the task events /coord plan reads
    assert "Feedback to plan: not triaged or accepted (2)" in plan and "F2 [request] Dark mode" in plan
    shown = team.ok("bob", "launch v2.4").reply.plain_text()
    assert "Versions: v2.3 → [v2.4]" in shown and "Open tasks carried over from v2.3 (2)" in shown
    assert "Versions: [v2.3] → v2.4" in team.ok("bob", "launch v2.3").reply.plain_text()
    assert "next version of v2.3" in team.ok("bob", "launch list").reply.plain_text()
    listed = team.ok("alice", "feedback list v2.4").reply.plain_text()
    assert "Open feedback on v2.4 (2)" in listed and "from v2.3" in listed
    assert team.ok("alice", "feedback list v2.3 all").reply.headline == "All feedback on v2.3 (1)"


def test_the_next_version_can_copy_the_edited_items_and_take_nothing_along(team: Team) -> None:
    v23_with_work(team)
    team.ok("alice", "launch v2.3 add dev Load test the export")
    made = team.ok("alice", "launch new v2.4 2027-01-20 from v2.3 items nocarry")
    assert "from the items of v2.3" in made.reply.headline
    text = made.reply.plain_text()
    assert "Load test the export" in text and "carried over" not in text
    v23_items = [t for t in team.tasks(kind="item") if t.launch.name == "v2.3"]
    v24_items = [t for t in team.tasks(kind="item") if t.launch.name == "v2.4"]
    assert len(v24_items) == len(v23_items) and all(i.status == "todo" for i in v24_items)
    assert [t.title for t in team.tasks(kind="task") if t.launch.name == "v2.4"] == []


def test_only_the_earlier_launchs_owner_takes_its_work_along_and_bad_words_are_named(team: Team) -> None:
    v23_with_work(team)
    team.refused("erin", "launch new v2.4 2027-01-20 from v2.3", "Only the owner of v2.3")
    team.ok("erin", "launch new v2.4 2027-01-20 from v2.3 nocarry")
    team.refused("alice", "launch new v2.5 2027-02-20 items", "go with “from <earlier launch>”")
    team.refused("alice", "launch new v2.5 2027-02-20 from v9", "v9")
    team.refused("alice", "launch new v2.5 2027-02-20 from v2.3 items template standard", "not both")


def test_the_t7_followup_asks_to_start_the_next_version_with_a_prefilled_form(
    team: Team,
    scheduler,  # type: ignore[no-untyped-def]
    messenger,  # type: ignore[no-untyped-def]
) -> None:
    v23_with_work(team)
    for days in (1, 7):
        scheduler.tick(at(LAUNCH_DAY + timedelta(days=days), 10))
    posts = {
        (m.key or "").rsplit(":", 1)[-1]: m for m in messenger.sent if (m.key or "").startswith("checkin:")
    }
    assert ACTION_NEXT not in [b.action_id for s in posts["T+1"].reply.sections for b in s.buttons]
    t7 = posts["T+7"].reply
    assert "@Alice: ready to plan what comes after v2.3? Start the next version: " in plain_mentions(
        t7.plain_text()
    )
    assert "/coord launch new v2.4 <date> from v2.3" in t7.plain_text()
    (button,) = [b for s in t7.sections for b in s.buttons if b.action_id == ACTION_NEXT]
    pressed = team.press("alice", button.action_id, button.value)
    form = pressed.reply.form
    assert form is not None and pressed.reply.headline == "/coord launch new v2.4 <date> from v2.3"
    assert {i.name: i.initial for i in form.inputs} == {
        "name": "v2.4",
        "date": None,
        "plan": "template",
        "carry": "yes",
    }
    bad = team.core.submit_form(caller("alice"), FormSubmission(form.action_id, form.value, {"name": "v2.4"}))
    assert bad.error_field == "date"
    values = {"name": "v2.4", "date": "2027-01-20", "plan": "template", "carry": "yes"}
    made = team.core.submit_form(caller("alice"), FormSubmission(form.action_id, form.value, values))
    assert made.reply.headline.startswith("Launch v2.4, the next version of v2.3"), made.reply.plain_text()
    assert "Open tasks carried over from v2.3 (2)" in made.reply.plain_text()
