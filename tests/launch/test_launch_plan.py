"""A launch made from a template: items with computed dates and owners, tracked like tasks,
changed per launch by the people allowed to."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from handlers.core import ACTION_DONE
from handlers.launch_views import ACTION_CHECK
from handlers.replies import plain_mentions
from storage.models import TaskEvent, TaskStatus
from tests.launch.conftest import Team, caller


def new_launch(team: Team, text: str = "launch new v1 2026-12-15 <#CL|launch-v1>") -> str:
    return team.ok("alice", text).reply.plain_text()


def test_items_get_their_working_day_dates_and_their_departments_leads(team: Team) -> None:
    shown = new_launch(team)
    assert "Launch v1 set for Tue 2026-12-15 from template standard: 10 checklist items, 2 after" in shown
    items = {i.title: i for i in team.tasks(kind="item")}
    assert len(items) == 12 and all(
        i.launch is not None and i.status == TaskStatus.TODO for i in items.values()
    )
    dates = {title: (i.due_date, i.due_offset) for title, i in items.items()}
    assert dates["Feature complete"] == (date(2026, 12, 1), -10)  # ten working days before
    assert dates["QA / regression passed"] == (date(2026, 12, 10), -3)
    assert dates["Post-launch feedback channel ready"] == (date(2026, 12, 14), -1)  # over no weekend
    assert dates["Launch issues triaged and fixes planned"] == (date(2026, 12, 16), 1)
    assert dates["User feedback collected and shared"] == (date(2026, 12, 22), 5)  # over a weekend
    owners = {i.department.key: i.assignee.user_id if i.assignee else None for i in items.values()}
    assert owners == {"dev": "bob", "design": "carol", "marketing": "dave", "ops": None}
    assert "Items of ops have no owner until a lead is set" in shown
    assert all(i.creator is not None and i.creator.user_id == "alice" for i in items.values())


def test_working_days_follow_the_workspace_calendar(team: Team) -> None:
    team.ok("alice", "settings workdays sun-thu")
    new_launch(team)
    items = {i.title: i.due_date for i in team.tasks(kind="item")}
    assert items["Post-launch feedback channel ready"] == date(2026, 12, 14)  # Mon
    assert items["Release plan and rollback ready"] == date(2026, 12, 13)  # T-2: Sun, a working day
    assert items["QA / regression passed"] == date(2026, 12, 10)  # T-3: Thu (Fri and Sat off)


def test_owners_are_told_once_and_see_their_items_everywhere_tasks_show(team: Team) -> None:
    outcome = team.ok("alice", "launch new v1 2026-12-15 <#CL|launch-v1>")
    told = {m.target.id: m.reply for m in outcome.outbox}
    assert set(told) == {"bob", "carol", "dave"}  # ops has no lead; alice gave them and is not told
    assert "gave you 4 items of launch v1" in told["bob"].headline
    mine = team.ok("bob", "list mine").reply.plain_text()
    assert "#1 [dev] Feature complete — @Bob · due Tue 2026-12-01" in mine and "v1" in mine
    home = team.core.home(caller("bob")).plain_text()
    assert "Feature complete" in home and "v1" in home


def test_a_lead_set_later_takes_over_the_departments_unowned_items(team: Team) -> None:
    new_launch(team)
    outcome = team.ok("alice", "dept set ops lead <@erin|Erin>")
    assert "takes over 4 open launch items" in outcome.reply.headline
    [dm] = outcome.outbox
    assert dm.target.id == "erin" and "You now own 4 open launch items of ops" in dm.reply.headline
    assert {i.assignee.user_id for i in team.tasks(kind="item") if i.department.key == "ops"} == {"erin"}
    # an item someone took stays theirs when the lead changes again
    team.ok("alice", "launch v1 ops 1 owner <@frank|Frank>")
    team.ok("alice", "dept set ops lead <@dave|Dave>")
    ops = {i.title: i.assignee.user_id for i in team.tasks(kind="item") if i.department.key == "ops"}
    assert ops["Support and users trained"] == "frank"
    assert ops["Runbook and monitoring ready"] == "dave"


def test_the_pm_adds_removes_redates_and_reowns_items_of_one_launch(team: Team) -> None:
    new_launch(team)
    added = team.ok("alice", "launch v1 add ops Load test at T-3 owner <@frank|Frank>")
    assert "Added #13 Load test to v1" in added.reply.headline
    load = team.item(13)
    assert (load.due_date, load.due_offset, load.assignee.user_id) == (date(2026, 12, 10), -3, "frank")
    assert [m.target.id for m in added.outbox] == ["frank"]
    team.ok("alice", "launch v1 add dev Dated item due 2026-12-09")
    dated = team.item(14)
    assert (dated.due_date, dated.due_offset, dated.assignee.user_id) == (date(2026, 12, 9), None, "bob")
    team.ok("alice", "launch v1 remove ops 5")  # the load test
    assert team.item(13).status == "deleted"
    shown = new_plain(team)
    assert "ops 5 · #13" not in shown and "removed #13 Load test" in shown  # gone, but in the history
    team.ok("alice", "launch v1 #1 due 2026-12-02")
    assert (team.item(1).due_date, team.item(1).due_offset) == (date(2026, 12, 2), None)
    team.ok("alice", "launch v1 dev 2 at T-5")
    assert (team.item(2).due_date, team.item(2).due_offset) == (date(2026, 12, 8), -5)
    team.ok("alice", "launch v1 dev 2 owner pm")
    assert team.item(2).assignee.user_id == "alice"
    with team.db.transaction() as s:
        events = s.scalars(
            select(TaskEvent).where(TaskEvent.task_id == team.item(2).id).order_by(TaskEvent.id)
        )
        assert [(e.kind, e.actor.user_id) for e in events] == [
            ("created", "alice"),
            ("due", "alice"),
            ("assigned", "alice"),
        ]


def new_plain(team: Team) -> str:
    return team.ok("alice", "launch v1").reply.plain_text()


def test_leads_redate_and_reown_their_own_departments_items_only(team: Team) -> None:
    new_launch(team)
    team.ok("bob", "launch v1 dev 2 due 2026-12-09")
    team.ok("bob", "launch v1 dev 2 owner <@frank|Frank>")
    team.refused(
        "bob", "launch v1 design 1 due 2026-12-09", "Only the design lead, the launch's owner or an admin"
    )
    team.refused("bob", "due #5 2026-12-09", "Only the design lead")  # the same item by its number
    team.refused("bob", "assign #5 <@bob|Bob>", "Only the design lead")
    team.refused("bob", "launch v1 add dev Extra step", "Only the owner of launch v1")
    team.refused(
        "bob",
        "launch v1 remove dev 1",
        "Only the owner of launch v1 or an admin can remove #1 Feature complete from the plan",
    )
    team.refused("bob", "delete #1", "Only the owner of launch v1 or an admin")
    team.refused("bob", "launch v1 date 2026-12-18", "Only the owner of launch v1 (@Alice) or an admin")
    # a department member takes an item for themselves, but hands none to others
    team.ok("frank", "launch v1 dev 3 owner <@frank|Frank>")
    team.refused("frank", "launch v1 dev 1 owner <@carol|Carol>", "Only the dev lead")
    # the launch's new owner may change its plan; its old owner (an admin) still may
    team.ok("alice", "launch v1 owner <@erin|Erin>")
    team.ok("erin", "launch v1 add ops Status page at T-1")
    team.refused("bob", "launch v1 add ops Status page two", "Only the owner of launch v1 (@Erin)")


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("bob", True), ("frank", True), ("alice", True), ("erin", True), ("carol", False), ("dave", False)],
)
def test_who_may_check_off_an_item(team: Team, who: str, allowed: bool) -> None:
    """Owner and lead (bob), a member (frank), an admin (alice), the launch owner (erin); not others."""
    team.ok("alice", "dept set design lead <@erin|Erin>")  # erin: not in dev, and not an admin
    team.ok("alice", "dept set design lead <@carol|Carol>")
    new_launch(team)
    team.ok("alice", "launch v1 owner <@erin|Erin>")
    for attempt in (
        lambda: team.say(who, "check v1 dev 1"),
        lambda: team.say(who, "uncheck v1 dev 1"),
        lambda: team.say(who, "done #2"),
        lambda: team.press(who, ACTION_CHECK, "#3"),
        lambda: team.press(who, ACTION_DONE, "4"),
    ):
        reply = attempt().reply
        if allowed:
            assert reply.tone.value != "error", reply.plain_text()
        else:
            assert (
                "Only the item's owner, the dev lead and members, the launch's owner or an admin"
                in reply.headline
            )
            assert reply.usage is None  # a refusal, not a usage mistake
    expected = ["todo", "done", "done", "done"] if allowed else ["todo"] * 4
    assert [team.item(n).status for n in (1, 2, 3, 4)] == expected


def test_a_check_off_records_who_and_when_and_shows_in_the_launch(team: Team) -> None:
    new_launch(team)
    team.ok("frank", "check v1 dev 1")
    item = team.item(1)
    assert (item.done_by.user_id, item.done_at) == ("frank", team.clock.now())
    shown = plain_mentions(new_plain(team))
    assert "dev 1 · #1 Feature complete — ✓ @Frank, 2026-11-25 09:00" in shown
    team.refused("frank", "check v1 dev 1", "was already checked off by @Frank")
    team.ok("bob", "uncheck v1 dev 1")
    assert team.item(1).done_by is None and team.item(1).status == "todo"
    team.refused("bob", "uncheck v1 dev 1", "is not checked off")


def test_bad_launch_input_gets_a_specific_message_and_changes_nothing(team: Team) -> None:
    new_launch(team)
    before = [(i.number, i.status, i.due_date, i.assignee_id) for i in team.tasks()]
    for text, message in (
        ("launch new v2 2026-11-01", "is in the past"),
        ("launch new v1 2026-12-20", "already a launch called v1"),
        ("launch new new 2026-12-20", "can't be a launch name"),
        ("launch v1 date 2026-11-02", "is in the past"),
        ("launch v1 date 2026-12-15", "already on Tue 2026-12-15"),
        ("launch v1 date someday", "can't read “someday” as a date"),
        ("launch v1 add qa Load test", "There is no department “qa”"),
        ("launch v1 add dev", "The item needs a text"),
        ("launch v1 add dev Feature complete", "dev already has the item “Feature complete”"),
        ("launch v1 dev 9 due 2026-12-01", "v1 has no item 9 for dev (it has 4)"),
        ("launch v1 dev 1 at T-999", "too far from the launch"),
        ("launch v1 dev 1 sometime", "Give what to change"),
        ("launch v1 #99 due 2026-12-01", "There is no task #99"),
        ("launch v2 dev 1 due 2026-12-01", "There is no launch called “v2”"),
        ("launch v1 go with risk", "Name the risks you accept"),
        ("launch v1 owner nobody", "is not an owner"),
        ("check v1 qa 1", "There is no department “qa”"),
    ):
        team.refused("alice", text, message)
    team.ok("alice", "add dev Plain task")
    team.refused("alice", "launch v1 remove #13", "#13 is not an item of launch v1")
    assert [(i.number, i.status, i.due_date, i.assignee_id) for i in team.tasks() if i.number <= 12] == before


def test_starting_blocking_and_snoozing_an_item_follow_the_same_rule(team: Team) -> None:
    new_launch(team)
    for text in ("start #1", "block #1 waiting for review", "snooze #1 1d"):
        team.refused("carol", text, "Only the item's owner, the dev lead and members")
    assert team.item(1).status == "todo" and team.item(1).snoozed_until is None
    team.ok("frank", "start #1")
    team.ok("frank", "block #1 waiting for review")
    team.ok("frank", "snooze #1 1d")
    assert team.item(1).status == "blocked" and team.item(1).snoozed_until is not None


@pytest.mark.parametrize(
    ("day", "day_off"),
    [
        ("2026-12-15", False),  # a Tuesday
        ("2026-12-20", True),  # a Sunday
        ("2026-12-19", False),  # a Saturday made a working day below
        ("2026-12-24", True),  # a Thursday made a company day off below
    ],
)
def test_a_launch_on_a_day_off_is_made_but_said_when_created_and_when_moved(
    team: Team, day: str, day_off: bool
) -> None:
    team.ok("alice", "holiday workday 2026-12-19")
    team.ok("alice", "holiday add 2026-12-24 Company day")
    warning = "is not a working day here"
    created = new_launch(team, f"launch new v1 {day}")
    assert (warning in created) is day_off
    assert team.tasks(kind="item")  # made either way
    moved = team.ok("alice", "launch v1 date 2026-12-27").reply.plain_text()  # a Sunday
    assert "Sun 2026-12-27 is not a working day here" in moved
    back = team.ok("alice", "launch v1 date 2026-12-22").reply.plain_text()
    assert warning not in back


def test_refusals_about_an_item_name_it_by_number_and_title(team: Team) -> None:
    new_launch(team)
    for text, action in [
        ("check v1 dev 2", "check off #2 QA / regression passed."),
        ("done #2", "mark #2 QA / regression passed done."),
        ("launch v1 dev 2 due 2026-12-09", "change the due date of #2 QA / regression passed."),
    ]:
        assert team.refused("erin", text, "Only").reply.headline.endswith(action), text
    team.ok("bob", "check v1 dev 1")
    team.refused("bob", "launch v1 dev 1 due 2026-12-09", "#1 Feature complete is done; only open items")
    team.ok("alice", "settings language zh")
    assert team.refused("erin", "勾选 v1 dev 2", "只有").reply.headline.endswith(
        "勾选 #2 QA / regression passed。"
    )
    team.refused("bob", "发布 v1 dev 1 due 2026-12-09", "#1 Feature complete 已完成，只能修改未完成的检查项")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("launch new v9 2026-11-01", "The launch date 2026-11-01 is in the past."),
        ("launch new v9", "A new launch needs a name and a date."),
        ("launch new v9 someday", "someday"),
        ("launch new v9 2026-12-20 template nosuch", "nosuch"),
    ],
)
def test_a_mistake_in_making_a_launch_shows_how_to_make_one(team: Team, text: str, key: str) -> None:
    reply = team.refused("alice", text, key).reply
    assert reply.usage is not None and reply.usage.startswith("Usage: /coord launch new <name> <date>")
    assert "go with risk" not in reply.usage
