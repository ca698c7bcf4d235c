"""Go/no-go: each lead signs their department off; the request from T-2 working days; the matrix
on launch day; the PM's decision; the buttons that do each, with the commands' permissions."""

from __future__ import annotations

from datetime import date

from bot.scheduler import CoordScheduler
from handlers.launch_views import (
    ACTION_CHECK,
    ACTION_GO,
    ACTION_GO_RISK,
    ACTION_POSTPONE,
    ACTION_SIGNOFF_NOT_READY,
    ACTION_SIGNOFF_READY,
)
from handlers.replies import Outbound, plain_mentions
from storage.models import Department, Launch, SignOff
from tests.launch.conftest import Team, at
from tests.scheduler.conftest import RecordingMessenger


def ids(team: Team, launch: str, department: str) -> str:
    with team.db.transaction() as s:
        launch_id = s.query(Launch.id).filter_by(name=launch).scalar()
        department_id = s.query(Department.id).filter_by(key=department).scalar()
    return f"{launch_id}/{department_id}"


def buttons(message: Outbound) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for section in message.reply.sections:
        for button in section.buttons:
            found.setdefault(button.action_id, []).append(button.label)
    return found


def test_each_lead_signs_off_their_own_department_only(team: Team) -> None:
    team.ok("alice", "launch new v1 2026-12-15 <#CL|launch-v1>")
    signed = team.ok("bob", "signoff v1 dev ready regression green")
    assert "@Bob signed off dev ready for v1" in plain_mentions(signed.reply.headline)
    assert sorted(m.target.id for m in signed.outbox) == ["CL", "alice"]  # the channel and the PM
    team.refused(
        "bob", "signoff v1 design ready", "Only the design lead (@Carol) or an admin can sign off design"
    )
    team.refused("frank", "signoff v1 dev ready", "Only the dev lead (@Bob)")  # a member is not enough
    team.refused("carol", "signoff v1 ops ready", "Only the ops lead (no lead set)")
    team.ok("alice", "signoff v1 ops ready")  # an admin may; ops has no lead
    team.ok("alice", "launch v1 owner <@erin|Erin>")
    team.ok("erin", "signoff v1 ops not ready runbook still in review")  # no lead: the launch's owner
    team.refused("erin", "signoff v1 marketing ready", "Only the marketing lead (@Dave)")
    team.refused("dave", "signoff v1 marketing not ready", "Say why it is not ready")
    team.refused("dave", "signoff v1 legal ready", "There is no department “legal”")
    team.ok("alice", "dept add legal")
    team.refused("alice", "signoff v1 legal ready", "legal has nothing in launch v1 to sign off")
    team.refused("dave", "signoff v9 marketing ready", "There is no launch called “v9”")
    team.refused("dave", "signoff v1 marketing maybe", "then ready [note…] or not ready <reason…>")
    shown = plain_mentions(team.ok("alice", "launch v1").reply.plain_text())
    assert "dev — ✓ ready (@Bob, 2026-11-25 09:00): regression green" in shown
    assert "ops — ✗ not ready (@Erin, 2026-11-25 09:00): runbook still in review" in shown
    assert "marketing — not signed off yet (@Dave)" in shown
    assert "@Alice signed off ops: ready" in shown and "@Erin signed off ops: not ready — runbook" in shown


def test_signoff_in_chinese(team: Team) -> None:
    team.ok("alice", "发布 新建 v1 2026-12-15")
    team.ok("bob", "签核 v1 研发 就绪")
    team.ok("carol", "签核 v1 设计 未就绪 图标还没交付")
    team.refused("carol", "签核 v1 设计 未就绪", "Say why")
    shown = team.ok("alice", "发布 v1").reply.plain_text()
    assert "design — ✗ not ready" in shown and "图标还没交付" in shown


def test_the_request_at_t_minus_two_working_days_when_no_check_in_carries_it(
    team: Team, scheduler: CoordScheduler, messenger: RecordingMessenger
) -> None:
    team.ok("alice", "launch new v1 2026-12-17 <#CL|launch-v1>")  # Thursday: T-2 is Tuesday the 15th
    team.ok("carol", "signoff v1 design ready")
    team.clock.set(at(date(2026, 12, 14), 12))
    scheduler.run_through(team.clock.now(), at(date(2026, 12, 15), 23))
    [request] = [m for m in messenger.sent if (m.key or "").startswith("signoff:")]
    assert request.key == "signoff:launch:1:2026-12-17" and request.target.id == "CL"
    assert "v1 go/no-go sign-off · launch Thu 2026-12-17 (2 days left)" in request.reply.headline
    body = plain_mentions(request.reply.plain_text())
    assert "design — ✓ ready (@Carol" in body and "dev — not signed off yet (@Bob)" in body
    assert "Waiting for: @Bob (dev), @Dave (marketing), ops (no lead set)" in body
    labels = buttons(request)
    assert labels[ACTION_SIGNOFF_READY] == ["Ready · dev", "Ready · marketing", "Ready · ops"]
    assert labels[ACTION_SIGNOFF_NOT_READY] == ["Not ready · dev", "Not ready · marketing", "Not ready · ops"]
    # the T-1 check-in carries the matrix and the buttons from then on
    scheduler.run_through(at(date(2026, 12, 15), 23), at(date(2026, 12, 16), 23))
    t1 = next(m for m in messenger.sent if (m.key or "").endswith(":T-1"))
    assert "leads, is your department ready?" in t1.reply.plain_text()
    assert ACTION_SIGNOFF_READY in buttons(t1)


def test_no_separate_request_when_a_check_in_goes_out_that_day_or_all_are_ready(
    team: Team, scheduler: CoordScheduler, messenger: RecordingMessenger
) -> None:
    team.ok("alice", "launch new v1 2026-12-15 <#CL|launch-v1>")  # T-2 is Fri 11th, with the T-3 check-in
    team.ok("alice", "launch new v2 2026-12-17 <#CL2|launch-v2>")
    for department in ("dev", "design", "marketing", "ops"):
        team.ok("alice", f"signoff v2 {department} ready")
    team.clock.set(at(date(2026, 12, 10), 12))
    scheduler.run_through(team.clock.now(), at(date(2026, 12, 16), 0))
    assert [m.key for m in messenger.sent if (m.key or "").startswith("signoff:")] == []
    t3 = next(m for m in messenger.sent if m.key == "checkin:launch:1:T-3")
    assert "leads, is your department ready?" in t3.reply.plain_text()


def test_launch_day_shows_the_matrix_and_asks_the_pm_to_decide(
    team: Team, scheduler: CoordScheduler, messenger: RecordingMessenger
) -> None:
    team.ok("alice", "launch new v1 2026-12-15 <#CL|launch-v1>")
    team.ok("bob", "signoff v1 dev ready")
    team.ok("dave", "signoff v1 marketing not ready blog post not approved")
    team.clock.set(at(date(2026, 12, 15), 8))
    scheduler.tick(at(date(2026, 12, 15), 10))
    [day] = [m for m in messenger.sent if ":T0:" in (m.key or "")]
    body = plain_mentions(day.reply.plain_text())
    assert "Launch day: v1 ships today (Tue 2026-12-15)" in body
    assert "marketing — ✗ not ready (@Dave, 2026-11-25 09:00): blog post not approved" in body
    assert "Go / no-go? 10 checklist items and 0 tasks are still open. @Alice, record the decision:" in body
    assert (
        buttons(day)[ACTION_GO] == ["Go"]
        and ACTION_GO_RISK in buttons(day)
        and ACTION_POSTPONE in buttons(day)
    )
    decided = team.ok("alice", "launch v1 go with risk the blog post goes out a day late")
    text = plain_mentions(decided.reply.plain_text())
    assert "@Alice: go for v1, with accepted risks: the blog post goes out a day late" in text
    assert "Not signed off ready: design, marketing, ops." in text
    shown = plain_mentions(team.ok("bob", "launch v1").reply.plain_text())
    assert (
        "Decision: go with accepted risks (@Alice, 2026-12-15 08:00): the blog post goes out a day late"
        in shown
    )
    team.refused("bob", "launch v1 go", "Only the owner of launch v1 (@Alice) or an admin")


def test_buttons_do_what_the_commands_do_with_their_permissions(team: Team) -> None:
    team.ok("alice", "launch new v1 2026-12-15 <#CL|launch-v1>")
    dev = ids(team, "v1", "dev")
    ready = team.press("bob", ACTION_SIGNOFF_READY, dev)
    assert "signed off dev ready" in ready.reply.headline and not ready.reply.ephemeral
    refused = team.press("carol", ACTION_SIGNOFF_READY, dev)
    assert "Only the dev lead" in refused.reply.headline
    asked = team.press("bob", ACTION_SIGNOFF_NOT_READY, dev)
    assert asked.reply.plain_text().splitlines()[1].strip() == "/coord signoff v1 dev not ready <reason…>"
    assert "Only the dev lead" in team.press("carol", ACTION_SIGNOFF_NOT_READY, dev).reply.headline
    launch = f"launch/{dev.split('/')[0]}"
    assert (
        "/coord launch v1 go with risk <risks…>"
        in team.press("alice", ACTION_GO_RISK, launch).reply.plain_text()
    )
    assert (
        "/coord launch v1 postpone <new date>"
        in team.press("alice", ACTION_POSTPONE, launch).reply.plain_text()
    )
    assert "Only the owner of launch v1" in team.press("bob", ACTION_POSTPONE, launch).reply.headline
    assert "go for v1" in team.press("alice", ACTION_GO, launch).reply.headline
    checked = team.press("frank", ACTION_CHECK, "#2")
    assert "Checked off: QA / regression passed" in checked.reply.headline
    assert checked.changed_task is None  # the card it was on lists many items: nothing to re-render
    for bad in ("#x", "#999", "42"):
        assert team.press("alice", ACTION_CHECK, bad).reply.tone.value == "error"
    assert team.press("alice", ACTION_GO, "launch/999").reply.tone.value == "error"
    # another workspace's launch is not reachable by its id
    other = Team(team.core, team.db, team.clock, workspace="T2")
    assert "That button no longer works" in other.press("zed", ACTION_GO, launch).reply.headline


def test_concurrent_sign_offs_and_launches_apply_one_after_another(team: Team) -> None:
    """Two presses of Ready at once, and launches created by several people at once (their items'
    numbers drawn together): every command applies, nothing collides."""
    from concurrent.futures import ThreadPoolExecutor

    team.ok("alice", "launch new v1 2026-12-15")
    dev = ids(team, "v1", "dev")
    with ThreadPoolExecutor(max_workers=6) as pool:
        presses = list(pool.map(lambda _n: team.press("bob", ACTION_SIGNOFF_READY, dev), range(4)))
        launches = list(pool.map(lambda n: team.say("alice", f"launch new r{n} 2026-12-20"), range(4)))
    assert {p.reply.tone.value for p in [*presses, *launches]} == {"success"}
    with team.db.transaction() as s:
        assert s.query(SignOff).count() == 1
    numbers = sorted(t.number for t in team.tasks())
    assert numbers == list(range(1, 5 * 12 + 1))  # five launches' items, no number twice or skipped
