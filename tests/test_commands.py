"""The core end to end: command text in, replies, outbox and database state out."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from handlers.clock import ManualClock
from handlers.context import Caller
from handlers.core import ACTION_DONE, ACTION_SNOOZE, ACTION_START, Coordinator, TaskForm
from handlers.replies import Outcome, Tone
from storage.db import Database
from storage.models import Task, TaskEvent, Workspace


@pytest.fixture
def core(db: Database, clock: ManualClock) -> Coordinator:
    return Coordinator(db, clock, default_timezone="UTC", admin_ids=["root"])


def who(user: str, workspace: str = "T1", platform: str = "slack", channel: str = "C1") -> Caller:
    return Caller(platform, workspace, user, user.title(), channel, "general")


def run(core: Coordinator, user: str, text: str, **kw: str) -> Outcome:
    return core.handle_text(who(user, **kw), text)


def ok(outcome: Outcome) -> Outcome:
    assert outcome.reply.tone != Tone.ERROR, outcome.reply.plain_text()
    return outcome


def err(outcome: Outcome, fragment: str) -> Outcome:
    assert outcome.reply.tone == Tone.ERROR, outcome.reply.plain_text()
    assert fragment in outcome.reply.plain_text(), outcome.reply.plain_text()
    return outcome


def tasks(db: Database) -> list[Task]:
    with db.transaction() as s:
        return list(s.scalars(select(Task).order_by(Task.id)).unique())


def test_add_posts_in_channel_and_dms_the_assignee(core: Coordinator, db: Database) -> None:
    out = ok(run(core, "alice", "/coord add design Hero banner for-nothing <@U2|bob> due fri !high"))
    assert out.reply.ephemeral is False
    assert "#1" in out.reply.headline
    [dm] = out.outbox
    assert (dm.target.kind, dm.target.id, dm.platform, dm.workspace_external_id) == (
        "user",
        "U2",
        "slack",
        "T1",
    )
    [task] = tasks(db)
    assert (task.number, task.title, task.priority, task.due_date) == (
        1,
        "Hero banner for-nothing",
        "high",
        date(2026, 11, 27),
    )
    assert task.department.key == "design" and task.assignee.user_id == "U2"
    assert [b.action_id for b in out.reply.sections[0].buttons] == ["task.start", "task.done", "task.snooze"]


def test_numbers_are_sequential_per_workspace(core: Coordinator, db: Database) -> None:
    for title in ("a", "b"):
        ok(run(core, "alice", f"add dev {title}"))
    ok(run(core, "zed", "add dev other", workspace="T2"))
    assert [(t.workspace_id, t.number) for t in tasks(db)] == [(1, 1), (1, 2), (2, 1)]


def test_aliases_in_both_languages(core: Coordinator, db: Database) -> None:
    ok(run(core, "alice", "add 研发 修复登录"))
    ok(run(core, "alice", "add 市场 发布文案 due 明天"))
    assert [t.department.key for t in tasks(db)] == ["dev", "marketing"]
    assert tasks(db)[1].due_date == date(2026, 11, 26)


def test_status_flow_and_history(core: Coordinator, db: Database, clock: ManualClock) -> None:
    ok(run(core, "alice", "add dev Fix login <@bob|bob>"))
    ok(run(core, "bob", "start #1"))
    ok(run(core, "bob", "block #1 waiting for keys"))
    err(run(core, "bob", "start #1 now"), "now")
    ok(run(core, "bob", "unblock #1"))
    clock.advance(timedelta(hours=1))
    done = ok(run(core, "bob", "done #1"))
    assert [m.target.id for m in done.outbox] == ["alice"]  # the creator hears about it
    err(run(core, "bob", "done #1"), "done")
    ok(run(core, "alice", "reopen #1"))
    with db.transaction() as s:
        kinds = list(s.scalars(select(TaskEvent.kind).order_by(TaskEvent.id)))
        changes = list(s.scalars(select(TaskEvent.changes).order_by(TaskEvent.id)))
    assert kinds == ["created", "status", "blocked", "status", "status", "status"]
    assert changes[1] == {"status": ["todo", "in_progress"]}
    assert changes[4]["status"] == ["in_progress", "done"]
    shown = ok(run(core, "carol", "show #1")).reply.plain_text()
    assert "History" in shown and "waiting for keys" in shown


def test_list_filters(core: Coordinator, clock: ManualClock) -> None:
    ok(run(core, "alice", "add dev Old one due 2026-11-20"))
    ok(run(core, "alice", "add design Mine <@bob|bob>"))
    ok(run(core, "alice", "add ops Stuck"))
    ok(run(core, "alice", "block #3 vendor"))
    ok(run(core, "alice", "add ops Finished"))
    ok(run(core, "alice", "done #4"))
    lines = lambda text, user="alice": ok(run(core, user, text)).reply.plain_text()  # noqa: E731
    assert "#1" in lines("list overdue") and "#2" not in lines("list overdue")
    assert "#2" in lines("list mine", "bob") and "#1" not in lines("list mine", "bob")
    assert "#3" in lines("list blocked") and "#1" not in lines("list blocked")
    assert "#4" not in lines("list") and "#4" in lines("list all")
    assert "#3" in lines("list ops") and "#2" not in lines("list ops")
    err(run(core, "alice", "list legal"), "legal")


def test_permissions_for_closing_reassigning_and_due(core: Coordinator) -> None:
    ok(run(core, "alice", "add dev Owned by alice"))  # alice is the first user: an admin
    ok(run(core, "bob", "add dev Owned by bob"))
    for text in ("done #2", "assign #2 <@carol>", "due #2 fri", "delete #2", "snooze #2 1d", "start #2"):
        refused = err(run(core, "carol", text), "Only the task's assignee, its creator, the dev lead")
        assert refused.reply.usage is None and refused.reply.sections == ()  # no usage line
    ok(run(core, "root", "due #2 fri"))  # a configured admin id
    ok(run(core, "bob", "done #2"))
    ok(run(core, "alice", "dept set dev lead <@dave|dave>"))
    ok(run(core, "dave", "reopen #2"))  # the department lead
    for text in ("settings timezone Asia/Shanghai", "dept set dev lead <@carol>"):
        refused = err(run(core, "carol", text), "admins")
        assert refused.reply.usage is None
    ok(run(core, "alice", "dept set dev members <@carol|carol>"))
    ok(run(core, "carol", "start #2"))  # a member of the department works on it
    err(run(core, "carol", "snooze #2 1d"), "Only")  # but does not silence its nudges


def test_tenant_isolation(core: Coordinator, db: Database) -> None:
    ok(run(core, "alice", "add dev Secret roadmap item"))
    ok(run(core, "alice", "launch new v9 2026-12-20"))
    for text in ("show #1", "done #1", "assign #1 <@x>", "check v9 dev 1"):
        err(run(core, "mallory", text, workspace="T2"), "There is no")
    listed = ok(run(core, "mallory", "list all", workspace="T2")).reply.plain_text()
    assert "Secret" not in listed
    ok(run(core, "mallory", "add dev Theirs", workspace="T2"))
    assert [t.status for t in tasks(db) if not t.is_item] == ["todo", "todo"]
    same_id_other_platform = ok(run(core, "alice", "list all", platform="feishu")).reply.plain_text()
    assert "Secret" not in same_id_other_platform


def test_nothing_is_half_written_on_errors(core: Coordinator, db: Database) -> None:
    refused = core.submit_task_form(who("alice"), TaskForm("dev", "Ghost", launch="nolaunch"))
    assert refused.error_field == "launch"
    err(run(core, "alice", "add qa Ghost"), "no department")
    assert tasks(db) == []
    with db.transaction() as s:
        assert s.scalar(select(Workspace.task_seq)) in (None, 0)  # not even the number was used
    ok(run(core, "alice", "add dev Real"))
    assert [t.number for t in tasks(db)] == [1]


def test_assign_due_snooze_rename_delete(core: Coordinator, db: Database, clock: ManualClock) -> None:
    ok(run(core, "alice", "add dev Task"))
    out = ok(run(core, "alice", "assign #1 <@U5|eve>"))
    assert [m.target.id for m in out.outbox] == ["U5"]
    ok(run(core, "alice", "assign #1 design"))
    ok(run(core, "alice", "due #1 +3d"))
    ok(run(core, "alice", "snooze #1 2h"))
    ok(run(core, "alice", "rename #1 Better title"))
    [task] = tasks(db)
    assert (task.department.key, task.due_date, task.title) == ("design", date(2026, 11, 28), "Better title")
    assert task.snoozed_until == clock.now() + timedelta(hours=2)
    ok(run(core, "alice", "delete #1"))
    err(run(core, "alice", "show #1"), "no task #1")
    assert "Better" not in ok(run(core, "alice", "list all")).reply.plain_text()
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(TaskEvent)) == 7  # history survives the delete


def test_launch_readiness_and_checklist(core: Coordinator, clock: ManualClock) -> None:
    ok(run(core, "alice", "dept set dev lead <@bob|Bob>"))  # bob checks dev's items off …
    ok(run(core, "alice", "dept set design members <@bob|Bob>"))  # … and design's, as a member
    created = ok(run(core, "alice", "launch new v2.3 2026-12-15 <#C9|launch-v2-3>"))
    assert created.reply.ephemeral is False
    err(run(core, "alice", "launch new v2.3 2026-12-20"), "already")
    err(run(core, "alice", "launch new old 2026-11-01"), "past")
    ok(run(core, "alice", "add dev Ship it for v2.3"))
    ok(run(core, "bob", "check v2.3 dev 1"))
    ok(run(core, "bob", "check v2.3 design 1"))
    ok(run(core, "bob", "check v2.3 design 2"))
    err(run(core, "bob", "check v2.3 design 2"), "already")
    err(run(core, "bob", "check v2.3 design 3"), "has no item 3")
    shown = ok(run(core, "alice", "launch v2.3")).reply
    assert "dev 1/3 · design 2/2 · marketing 0/2 · ops 0/3" in shown.headline
    text = shown.plain_text()
    assert "QA / regression passed" in text and "#13 [dev] Ship it" in text and "@Bob" in text
    ok(run(core, "bob", "uncheck v2.3 design 2"))
    assert "design 1/2" in ok(run(core, "alice", "launch v2.3")).reply.headline
    assert "v2.3" in ok(run(core, "alice", "launch list")).reply.plain_text()
    err(run(core, "alice", "launch v9"), "no launch")


def test_departments_admin(core: Coordinator) -> None:
    ok(run(core, "alice", "dept add legal 法务"))
    ok(run(core, "alice", "add 法务 Review terms"))
    ok(run(core, "alice", "dept rename legal compliance"))
    ok(run(core, "alice", "add legal Old name still works"))
    ok(run(core, "alice", "dept set compliance channel <#C5|compliance>"))
    ok(run(core, "alice", "dept set compliance members <@a|a> <@b|b>"))
    listed = ok(run(core, "alice", "dept list")).reply.plain_text()
    assert "compliance" in listed and "#compliance" in listed and "@a, @b" in listed
    err(run(core, "alice", "dept add dev"), "already used")


def test_settings_and_language(core: Coordinator) -> None:
    ok(run(core, "alice", "settings timezone Asia/Shanghai"))
    err(run(core, "alice", "settings timezone Mars/Olympus"), "IANA")
    ok(run(core, "alice", "settings workdays sun-thu"))
    ok(run(core, "alice", "settings checkin 11:00"))
    assert ok(run(core, "alice", "settings escalate 3 5")).reply.language == "en"
    changed = ok(run(core, "alice", "settings language zh"))
    assert "语言" in changed.reply.headline or "zh" in changed.reply.headline
    assert changed.reply.language == core.language_for(who("alice")) == "zh"  # the outcome says it: no lookup
    shown = ok(run(core, "bob", "settings")).reply.plain_text()
    assert "Asia/Shanghai" in shown and "周日至周四" in shown and "11:00" in shown and "3 / 5" in shown
    assert "语言：中文" in shown and "T-14、T-7" in shown
    zh = err(run(core, "bob", "frob"), "frob").reply.plain_text()
    assert "frob" in zh and "用法" in zh


def test_feishu_workspaces_default_to_chinese(core: Coordinator) -> None:
    reply = ok(run(core, "ou_1", "add dev 修复登录", platform="feishu", workspace="tenant")).reply
    assert "新任务" in reply.headline or "任务" in reply.headline


def test_buttons_run_as_the_presser(core: Coordinator, db: Database) -> None:
    ok(run(core, "alice", "add dev Press me <@bob|bob>"))
    started = core.handle_action(who("bob"), ACTION_START, "1")
    assert started.changed_task == 1 and tasks(db)[0].status == "in_progress"
    core.handle_action(who("bob"), ACTION_SNOOZE, "1")
    assert tasks(db)[0].snoozed_until is not None
    refused = core.handle_action(who("carol"), ACTION_DONE, "1")
    assert refused.reply.tone == Tone.ERROR and tasks(db)[0].status == "in_progress"
    assert core.handle_action(who("bob"), "task.explode", "1").reply.tone == Tone.ERROR
    assert core.handle_action(who("bob"), ACTION_DONE, "not-a-number").reply.tone == Tone.ERROR


def test_form_submit_names_the_bad_field(core: Coordinator, db: Database) -> None:
    options = core.form_options(who("alice"))
    assert [c.value for c in options.departments] == ["dev", "design", "marketing", "ops"]
    bad = core.submit_task_form(who("alice"), TaskForm("dev", "   "))
    assert bad.error_field == "title"
    past = core.submit_task_form(who("alice"), TaskForm("dev", "x", due=date(2020, 1, 1)))
    assert past.error_field == "due"
    nolaunch = core.submit_task_form(who("alice"), TaskForm("dev", "x", launch="nope"))
    assert nolaunch.error_field == "launch"
    good = core.submit_task_form(
        who("alice"), TaskForm("design", "From a form", "U3", "eve", date(2026, 12, 1))
    )
    assert good.reply.tone == Tone.SUCCESS and [m.target.id for m in good.outbox] == ["U3"]
    assert [t.title for t in tasks(db)] == ["From a form"]


def test_home_overview(core: Coordinator) -> None:
    ok(run(core, "alice", "dept set dev lead <@alice|alice>"))
    ok(run(core, "alice", "add dev Mine <@alice|alice>"))
    ok(run(core, "alice", "add dev Late one due 2026-11-01"))
    ok(run(core, "alice", "launch new v3 2026-12-31"))
    home = core.home(who("alice")).plain_text()
    assert "Mine" in home and "Late one" in home and "v3" in home


def test_unexpected_errors_become_a_clear_message(core: Coordinator, monkeypatch: pytest.MonkeyPatch) -> None:
    from handlers import task_commands

    def boom(*_args: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setitem(
        __import__("handlers.core").core.HANDLERS, __import__("handlers.grammar").grammar.ListTasks, boom
    )
    out = run(core, "alice", "list")
    assert out.reply.tone == Tone.ERROR and "secret" not in out.reply.plain_text()
    assert task_commands  # the real module is untouched
