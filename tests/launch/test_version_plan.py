"""The version plan (``/coord plan <launch>``): what is in a version by department, what was
carried over into it, what was cut from it; and ``/coord move``, which carries and cuts."""

from __future__ import annotations

from sqlalchemy import select

from handlers.replies import plain_mentions
from storage.models import TaskEvent
from tests.launch.conftest import Team


def two_versions(team: Team) -> None:
    team.ok("alice", "launch new v1 2026-12-15")
    team.ok("alice", "launch new v2 2027-01-19")


def section(text: str, title: str) -> str:
    """The lines of the plan's section whose title starts with ``title`` (up to the next title)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"  {title}"))
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith("    ")), len(lines))
    return "\n".join(lines[start:end])


def test_plan_lists_items_and_tasks_by_department_with_owner_due_and_status(team: Team) -> None:
    two_versions(team)
    team.ok("bob", "add dev Fix login <@frank|Frank> due 2026-12-04 for v1")
    team.ok("alice", "add design Polish icons for v1")  # nobody owns it, no date
    team.ok("bob", "start #1")
    text = team.ok("erin", "plan v1").reply.plain_text()
    assert (
        text.splitlines()[0] == "Version plan v1: Tue 2026-12-15 · 14 working days left · planned · 0/14 done"
    )
    dev = section(text, "dev")
    assert dev.splitlines()[0] == "  dev (0/5 done)"
    assert "dev 1 · #1 Feature complete — @Bob · due Tue 2026-12-01 · in progress" in dev
    assert "#25 Fix login — @Frank · due Fri 2026-12-04 · to do" in dev
    assert dev.index("dev 4 ·") < dev.index("#25")  # items in plan order, then tasks
    design = section(text, "design")
    assert "#26 Polish icons — nobody · no due date · to do" in design
    assert "#13" not in text  # v2's items are not v1's
    assert "Carried over" not in text and "Cut" not in text


def test_moving_a_task_carries_it_over_and_cuts_it_from_the_old_version(team: Team) -> None:
    two_versions(team)
    team.ok("bob", "add dev Fix login <@frank|Frank> for v1")  # #25
    team.ok("bob", "add dev Dark mode for v1")  # #26
    moved = team.ok("bob", "move #25 to v2")
    assert moved.reply.headline == "Moved #25 from v1 to v2"
    assert [m.target.id for m in moved.outbox] == ["frank"]  # the assignee hears of it
    team.ok("alice", "move #26 to none")
    team.ok("alice", "launch v1 remove dev 2")  # an item removed from the plan
    team.ok("bob", "done #1")

    old = team.ok("erin", "plan v1").reply.plain_text()
    cut = section(old, "Cut (3)")
    assert "#2 [dev] QA / regression passed — removed from the plan by @Alice, Wed 11-25" in cut
    assert "#25 [dev] Fix login — moved to v2 by @Bob, Wed 11-25" in cut
    assert "#26 [dev] Dark mode — taken out of the version by @Alice, Wed 11-25" in cut
    assert "#25 Fix login" not in section(old, "dev")
    assert "dev (1/3 done)" in old and "dev 2 · #3 Release plan" in old  # numbering as `check` has it

    new = team.ok("erin", "plan v2").reply.plain_text()
    assert "#25 Fix login — @Frank · no due date · to do · carried over from v1" in section(new, "dev")
    carried = section(new, "Carried over from v1 (1)")
    assert "#25 [dev] Fix login — @Frank · to do" in carried
    assert "Cut" not in new

    history = plain_mentions(team.ok("bob", "show #25").reply.plain_text())
    assert "@Bob moved it from launch v1 to v2" in history


def test_a_task_moved_back_is_no_longer_cut(team: Team) -> None:
    two_versions(team)
    team.ok("bob", "add dev Fix login for v1")
    team.ok("bob", "move #25 to v2")
    team.ok("bob", "move #25 to v1")
    text = team.ok("erin", "plan v1").reply.plain_text()
    assert "Cut" not in text
    assert "carried over from v2" in section(text, "dev")
    assert "Carried over" not in team.ok("erin", "plan v2").reply.plain_text()
    assert "#25 [dev] Fix login — moved to v1" in section(
        team.ok("erin", "plan v2").reply.plain_text(), "Cut"
    )


def test_a_cancelled_launch_shows_its_open_items_as_cut(team: Team) -> None:
    team.ok("alice", "launch new v1 2026-12-15")
    team.ok("bob", "done #1")
    team.ok("alice", "launch v1 cancel")
    text = team.ok("erin", "plan v1").reply.plain_text()
    assert "· cancelled" in text.splitlines()[0] and "1/1 done" in text.splitlines()[0]
    cut = section(text, "Cut (11)")
    assert "#2 [dev] QA / regression passed — cancelled by @Alice, Wed 11-25" in cut
    assert "#1 " not in cut


def test_who_may_move_a_task(team: Team) -> None:
    two_versions(team)
    team.ok("bob", "add dev Fix login for v1")  # bob created it
    team.refused(
        "erin", "move #25 to v2", "Only the task's assignee, its creator, the dev lead, the launch's"
    )
    team.ok("alice", "launch v1 owner <@erin|Erin>")
    team.ok("erin", "move #25 to v2")  # the launch's owner cuts it
    assert team.item(25).launch is not None and team.item(25).launch.name == "v2"


def test_bad_plan_and_move_input_gets_a_specific_message(team: Team) -> None:
    two_versions(team)
    team.ok("bob", "add dev Fix login")
    team.refused("erin", "plan v9", "v9")
    team.refused("erin", "plan", "Name one launch")
    team.refused("bob", "move #1 to v2", "#1 is an item of launch v1's checklist")
    team.refused("bob", "move #25", "Say where #25 goes")
    team.refused("bob", "move #25 to v9", "v9")
    team.refused("bob", "move #25 to none", "#25 is in no launch")
    team.refused("bob", "move #99 to v2", "#99")
    team.ok("bob", "move #25 to v1")
    team.refused("bob", "move #25 to v1", "#25 is already in v1")
    team.ok("alice", "launch v2 cancel")
    team.refused("bob", "move #25 to v2", "Launch v2 is cancelled")
    with team.db.transaction() as s:  # refusals changed nothing
        moves = s.scalars(select(TaskEvent).where(TaskEvent.kind == "launch")).all()
        assert len(moves) == 1


def test_an_empty_plan_says_how_to_fill_it(team: Team) -> None:
    team.ok("alice", "template new empty")
    team.ok("alice", "launch new v1 2026-12-15 template empty")
    text = team.ok("erin", "plan v1").reply.plain_text()
    assert "0/0 done" in text and "Nothing is planned for v1 yet" in text


def test_plan_in_chinese(team: Team) -> None:
    two_versions(team)
    team.ok("alice", "settings language zh")
    team.ok("bob", "添加 dev 修复登录 for v1")
    team.ok("bob", "移到 #25 v2")
    old = team.ok("erin", "计划 v1").reply.plain_text()
    assert old.startswith("版本计划 v1：12月15日 周二 · 还剩 14 个工作日 · ")
    assert "研发（已完成 0/4）" in old
    assert "#25 [研发] 修复登录 — 移到了 v2（@Bob，11月25日 周三）" in old
    new = team.ok("erin", "plan v2").reply.plain_text()
    assert "从 v1 延续过来（1）" in new and "从 v1 延续" in new


def test_plans_never_cross_workspaces(team: Team) -> None:
    two_versions(team)
    team.ok("bob", "add dev Fix login for v1")
    team.ok("bob", "move #25 to v2")
    other = Team(team.core, team.db, team.clock, workspace="T2")
    other.ok("zed", "launch new v1 2026-12-15")
    other.ok("zed", "launch new v2 2027-01-19")
    for name in ("v1", "v2"):
        text = other.ok("zed", f"plan {name}").reply.plain_text()
        assert "Fix login" not in text and "Cut" not in text and "Carried over" not in text
    other.refused("zed", "move #25 to v1", "#25")  # T2 has 24 items and no #25
