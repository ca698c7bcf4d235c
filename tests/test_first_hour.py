"""What a new team meets in its first hour, end to end through the core, in both languages:
titles that keep ordinary words, dates read as said (and echoed), who may act on a task,
replies that say things once, history as sentences, Chinese that reads as Chinese."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from handlers import launch_notices, notices, views
from handlers.clock import ManualClock
from handlers.context import Caller
from handlers.core import ACTION_SNOOZE, Coordinator
from handlers.grammar import COMMAND_NAMES
from handlers.i18n import catalog
from handlers.permissions import TASK_PERMISSIONS, Role
from handlers.readiness import launch_readiness
from handlers.replies import Outcome, Tone
from handlers.timewords import MAX_DURATION
from storage.db import Database
from storage.models import Launch, Task, Workspace


@pytest.fixture
def core(db: Database, clock: ManualClock) -> Coordinator:
    return Coordinator(db, clock, default_timezone="UTC")


def caller(user: str, platform: str = "slack") -> Caller:
    return Caller(platform, "T1", user, user, "C1", "general")


def run(core: Coordinator, user: str, text: str, platform: str = "slack") -> Outcome:
    return core.handle_text(caller(user, platform), text)


def ok(outcome: Outcome) -> str:
    assert outcome.reply.tone != Tone.ERROR, outcome.reply.plain_text()
    return outcome.reply.plain_text()


def refused(outcome: Outcome) -> str:
    assert outcome.reply.tone == Tone.ERROR, outcome.reply.plain_text()
    return outcome.reply.plain_text()


def only_task(db: Database) -> Task:
    with db.transaction() as s:
        return s.scalars(select(Task).order_by(Task.id.desc())).unique().first()  # type: ignore[return-value]


def chinese(core: Coordinator) -> None:
    ok(run(core, "alice", "settings language zh"))


# ------------------------------------------------------------------------------ titles


def test_a_title_keeps_for_and_due_when_no_launch_or_date_follows(core: Coordinator, db: Database) -> None:
    shown = ok(run(core, "alice", "add dev Prepare for launch"))
    assert only_task(db).title == "Prepare for launch" and only_task(db).launch_id is None
    assert "“for launch” stays in the title (there is no launch “launch”)" in shown
    ok(run(core, "alice", "add dev Fix due date bug for login page"))
    assert (only_task(db).title, only_task(db).due_date) == ("Fix due date bug for login page", None)


def test_for_an_existing_launch_is_the_launch(core: Coordinator, db: Database) -> None:
    ok(run(core, "alice", "launch new launch 2026-12-20"))
    shown = ok(run(core, "alice", "add dev Prepare for launch due next fri"))
    task = only_task(db)
    assert task.title == "Prepare" and task.launch is not None and task.launch.name == "launch"
    assert "“due next fri” → due Fri 2026-12-04" in shown and "“for launch” → launch launch" in shown


def test_several_people_are_refused_in_both_languages(core: Coordinator, db: Database) -> None:
    text = refused(run(core, "alice", "add dev Review <@U1|ann> <@U2|ben>"))
    assert "one assignee" in text and "@ann, @ben" in text
    chinese(core)
    assert "只能有一个负责人" in refused(run(core, "alice", "add dev 评审 <@U1|ann> <@U2|ben>"))
    with db.transaction() as s:
        assert s.scalars(select(Task)).first() is None


ORDINARY = st.sampled_from(
    ["Fix", "login", "due", "date", "for", "launch", "the", "page", "next", "fri", "tomorrow", "week",
     "end", "of", "3", "working", "days", "v2.3", "截止", "下周五", "首页", "月底", "review", "dec", "15",
     "by", "周五前"]
)  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=st.lists(ORDINARY, min_size=1, max_size=8))
def test_ordinary_words_round_trip_through_add(core: Coordinator, db: Database, words: list[str]) -> None:
    typed = " ".join(words)
    out = run(core, "alice", f"add dev {typed}")
    ok(out)
    task = only_task(db)
    kept_due = re.search(r"“([^”]+)” → due", out.reply.plain_text())
    assert " ".join(p for p in (task.title, kept_due and kept_due.group(1)) if p) == typed
    assert (task.due_date is None) == (kept_due is None)


# ------------------------------------------------------------------------------- dates


def test_a_due_date_in_the_past_is_kept_with_a_warning(core: Coordinator, db: Database) -> None:
    shown = ok(run(core, "alice", "add dev Late already due yesterday"))
    assert only_task(db).due_date == date(2026, 11, 24)
    assert "That date has passed: Tue 2026-11-24 (1d late)." in shown
    assert run(core, "alice", "add dev x due yesterday").reply.tone == Tone.WARNING
    assert "That date has passed" in ok(run(core, "alice", "due #1 上周五"))
    assert "That date has passed" not in ok(run(core, "alice", "due #1 today"))
    chinese(core)
    assert "这个日期已经过去了：11月20日 周五（逾期 5 天）。" in ok(run(core, "alice", "due #1 上周五"))


def test_working_days_follow_the_workspace(core: Coordinator, db: Database) -> None:
    ok(run(core, "alice", "settings workdays sun-thu"))
    shown = ok(run(core, "alice", "add dev Ship due 3 working days"))  # Wed: Thu, Sun, Mon
    assert only_task(db).due_date == date(2026, 11, 30) and "Mon 2026-11-30" in shown
    ok(run(core, "alice", "due #1 3个工作日"))
    assert only_task(db).due_date == date(2026, 11, 30)


def test_the_same_words_mean_the_same_day_in_both_languages(core: Coordinator, db: Database) -> None:
    pairs = [("next fri", "下周五"), ("fri", "周五"), ("end of month", "月底"), ("next month", "下个月"),
             ("eow", "本周内"), ("dec 15", "12月15日")]  # fmt: skip
    ok(run(core, "alice", "add dev Anything"))
    for english, chinese_words in pairs:
        ok(run(core, "alice", f"due #1 {english}"))
        in_english = only_task(db).due_date
        ok(run(core, "alice", f"due #1 {chinese_words}"))
        assert only_task(db).due_date == in_english, (english, chinese_words)


def test_duration_errors_give_the_real_limits(core: Coordinator) -> None:
    ok(run(core, "alice", "add dev Anything"))
    text = refused(run(core, "alice", "snooze #1 400d"))
    assert f"from 1 minute to {MAX_DURATION.days} days" in text
    assert f"{MAX_DURATION.days} days" in refused(run(core, "alice", "snooze #1 forever"))
    ok(run(core, "alice", f"snooze #1 {MAX_DURATION.days}d"))


# ------------------------------------------------------------------------- permissions

ROLE_SETUP = {
    Role.ASSIGNEE: "assignee",
    Role.CREATOR: "creator",
    Role.LEAD: "lead",
    Role.MEMBER: "member",
    Role.ADMIN: "admin",
}
ACTIONS = {
    "start": "start #1",
    "block": "block #1 waiting",
    "unblock": "unblock #1",
    "snooze": "snooze #1 1d",
    "done": "done #1",
    "reopen": "reopen #1",
    "assign": "assign #1 <@other|other>",
    "due": "due #1 fri",
    "rename": "rename #1 New name",
    "delete": "delete #1",
}
STATE_FOR = {"unblock": "block #1 stuck", "reopen": "done #1"}  # what makes the action applicable


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("role", [*Role, None], ids=lambda r: str(r) if r else "outsider")
def test_permission_matrix(core: Coordinator, db: Database, action: str, role: Role | None) -> None:
    ok(run(core, "admin", "dept set dev lead <@lead|lead>"))  # the first person is an admin
    ok(run(core, "admin", "dept set dev members <@member|member>"))
    ok(run(core, "creator", "add dev The task <@assignee|assignee>"))
    if action in STATE_FOR:
        ok(run(core, "admin", STATE_FOR[action]))
    who = ROLE_SETUP[role] if role else "outsider"
    out = run(core, who, ACTIONS[action])
    if role in TASK_PERMISSIONS[action]:
        ok(out)
    else:
        text = refused(out)
        assert text.startswith("Only the task's assignee, its creator, the dev lead")
        assert out.reply.usage is None and out.reply.sections == ()  # no usage line, no examples


def test_buttons_obey_the_same_permissions(core: Coordinator, db: Database) -> None:
    ok(run(core, "alice", "add dev Mine <@bob|bob>"))
    assert core.handle_action(caller("mallory"), ACTION_SNOOZE, "1").reply.tone == Tone.ERROR
    assert only_task(db).snoozed_until is None
    assert core.handle_action(caller("bob"), ACTION_SNOOZE, "1").reply.tone != Tone.ERROR


def test_refusals_read_the_same_in_chinese_without_usage(core: Coordinator) -> None:
    chinese(core)
    ok(run(core, "alice", "add dev 任务 <@bob|bob>"))
    out = run(core, "mallory", "snooze #1 1d")
    assert refused(out) == "只有任务的负责人、创建人、研发的部门负责人或管理员可以暂停 #1 的提醒。"
    assert refused(run(core, "mallory", "settings timezone UTC")) == "只有工作区管理员可以修改此项。"


# ----------------------------------------------------------------------------- wording


def test_clearing_a_due_date_and_unassigning(core: Coordinator, db: Database) -> None:
    ok(run(core, "alice", "add dev Task <@bob|bob> due fri"))
    assert ok(run(core, "alice", "due #1 none")).startswith("#1 no longer has a due date")
    for word in ("none", "nobody", "无"):
        ok(run(core, "alice", "assign #1 <@bob|bob>"))
        out = run(core, "alice", f"assign #1 {word}")
        assert ok(out).startswith("#1 has no assignee now") and only_task(db).assignee_id is None
        assert [m.target.id for m in out.outbox] == ["bob"]  # the former assignee hears of it
    chinese(core)
    ok(run(core, "alice", "due #1 周五"))
    assert ok(run(core, "alice", "due #1 无")).startswith("#1 不再有截止日期")


def test_history_is_sentences_with_local_times(core: Coordinator, clock: ManualClock) -> None:
    ok(run(core, "alice", "settings timezone Asia/Shanghai"))  # 09:00 UTC is 17:00 there
    ok(run(core, "alice", "add dev Payment API <@bob|bob> due 2026-12-04"))
    ok(run(core, "bob", "start #1"))
    ok(run(core, "bob", "due #1 2026-12-08"))
    ok(run(core, "bob", "snooze #1 2h"))
    ok(run(core, "bob", "block #1 waiting for keys"))
    ok(run(core, "bob", "unblock #1"))
    ok(run(core, "alice", "assign #1 design"))
    ok(run(core, "alice", "assign #1 none"))
    ok(run(core, "alice", "rename #1 Payments API"))
    shown = ok(run(core, "alice", "show #1"))
    history = shown[shown.index("History") :]
    for sentence in (
        "Wed 11-25 17:00 · @alice created it for dev",
        "@bob started it",
        "@bob moved the due date from Fri 12-04 to Tue 12-08",
        "@bob snoozed it until Thu 11-26 09:00 (Asia/Shanghai)",  # 19:00 is after hours
        "@bob marked it blocked: waiting for keys",
        "@bob unblocked it",
        "@alice moved it from dev to design",
        "@alice unassigned it (it was @bob's)",
        "@alice renamed it from “Payment API” to “Payments API”",
    ):
        assert sentence in history, sentence
    assert not re.search(r"\d{4}-\d\d-\d\dT|in_progress|assignee:|due:|snoozed_until|→", history)
    chinese(core)
    zh = ok(run(core, "alice", "show #1"))
    zh_history = zh[zh.index("历史记录") :]
    for sentence in (
        "11月25日 周三 17:00 · @alice 为研发创建了任务",
        "@bob 开始处理",
        "@bob 把截止日期从 12月4日 周五 改为 12月8日 周二",
        "@bob 暂停提醒至 11月26日 周四 09:00（Asia/Shanghai）",
        "@alice 把任务从研发转到设计",
        "@alice 取消了负责人（原为 @bob）",
    ):
        assert sentence in zh_history, sentence


def test_a_card_says_each_thing_once(core: Coordinator) -> None:
    ok(run(core, "alice", "launch new v2.3 2026-12-15"))
    ok(run(core, "alice", "add dev Payment retry <@bob|bob> due fri for v2.3 !high"))
    ok(run(core, "alice", "block #13 waiting for the sandbox"))
    shown = ok(run(core, "alice", "show #13"))
    assert shown.count("Payment retry") == 1  # the headline, not again as the card's title
    assert "Priority: high\n" in shown and "high priority" not in shown
    listed = ok(run(core, "alice", "list all"))
    assert "blocked: waiting for the sandbox" in listed and "blocked · blocked" not in listed
    assert "[dev]" not in ok(run(core, "alice", "list dev"))
    headline, *lines = ok(run(core, "alice", "list for v2.3")).splitlines()
    assert headline.endswith("· v2.3") and not any("v2.3" in line for line in lines)  # said once
    assert "· v2.3" not in ok(run(core, "alice", "launch v2.3")).split("Open tasks")[1]


def test_a_blocked_overdue_task_counts_once_in_check_ins_and_digests(
    core: Coordinator, db: Database, clock: ManualClock
) -> None:
    ok(run(core, "alice", "launch new v2.3 2026-12-15 <#C9|launch-v2-3>"))
    ok(run(core, "alice", "add dev Late and stuck due 2026-11-20 for v2.3"))
    ok(run(core, "alice", "add dev Just late due 2026-11-21 for v2.3"))
    ok(run(core, "alice", "block #13 vendor"))  # #1-#12: the launch's items
    now = clock.now()
    with db.transaction() as s:
        workspace = s.scalars(select(Workspace)).one()
        launch = s.scalars(select(Launch)).one()
        checkin = launch_notices.compose_checkin(launch_readiness(s, launch), -14, now.date(), "en")
        digest = notices.compose_digest(s, workspace, "C9", now, "en")
    assert "Open tasks for this launch: 2 (1 overdue, 1 blocked)" in checkin.plain_text()
    assert "1 overdue · 1 blocked" in digest.headline
    lines = [line for line in checkin.plain_text().splitlines() if "#13 " in line or "#14 " in line]
    assert all("· v2.3" not in line for line in lines)
    assert "[dev]" not in digest.plain_text() and "· v2.3" not in digest.plain_text()


# ----------------------------------------------------------------------------- Chinese


@pytest.mark.parametrize(
    "command",
    [
        "部门 设置 研发 负责人 <@bob|bob>",
        "dept set dev channel <#C9|eng-team>",
        "部门 设置 研发 成员 <@a|a> <@b|b>",
        "dept set dev holidays CN",
        "部门 改名 研发 工程",
    ],
)
def test_chinese_department_replies_name_the_department_in_chinese(core: Coordinator, command: str) -> None:
    chinese(core)
    headline = run(core, "alice", command).reply.headline
    assert "研发" in headline and not re.search(r"\bdev\b", headline), headline


def test_a_department_renamed_in_chinese_is_called_by_its_new_name(core: Coordinator) -> None:
    chinese(core)
    ok(run(core, "alice", "部门 添加 法务 legal"))
    ok(run(core, "alice", "部门 改名 法务 法律"))
    assert "部门：法律" in ok(run(core, "alice", "添加 法务 审合同"))
    assert "法律" in run(core, "alice", "部门 列表").reply.sections[-1].title


def test_chinese_replies_use_chinese_names_dates_and_punctuation(core: Coordinator, db: Database) -> None:
    chinese(core)
    ok(run(core, "alice", "dept set dev members <@a|a> <@b|b>"))
    card = ok(run(core, "alice", "add 研发 修复登录 <@bob|bob> 截止 下周五"))
    assert "部门：研发" in card and "截止日期：12月4日 周五" in card and "12月04日" not in card
    assert "#1 [研发] 修复登录" in ok(run(core, "alice", "list"))
    departments = ok(run(core, "alice", "dept list"))
    assert "研发" in departments and "@a、@b" in departments and "dev、development" in departments
    settings_text = ok(run(core, "alice", "settings"))
    assert "工作日：周一至周五" in settings_text and "语言：中文" in settings_text
    assert "周日至周四" in ok(run(core, "alice", "settings workdays sun-thu"))
    assert "周一、周三、周五" in ok(run(core, "alice", "digest here at 09:30 mon,wed,fri"))


def test_chinese_catalogs_use_one_term_each() -> None:
    texts = " ".join(catalog("zh").values())
    for other_word in ("上线", "受阻", "进度同步", "清单项"):  # launch 发布, blocked 阻塞, checklist 检查清单
        assert other_word not in texts, other_word


# ------------------------------------------------------------------------------- hints


def test_examples_after_an_error_use_the_callers_task_number(core: Coordinator) -> None:
    ok(run(core, "alice", "add dev Something"))
    text = refused(run(core, "alice", "due #1 someday"))
    assert "/coord due #1 tomorrow" in text and "#12" not in text
    assert "/coord due #<id>" in refused(run(core, "alice", "due"))


@pytest.mark.parametrize("verb", ["done", "start", "reopen", "show", "unblock", "delete"])
def test_an_error_says_the_usage_once(core: Coordinator, verb: str) -> None:
    for lang in ("en", "zh"):
        if lang == "zh":
            chinese(core)
        reply = run(core, "alice", verb).reply
        text = reply.plain_text()
        assert reply.usage is not None and reply.usage in text
        lines = [line.strip().removeprefix("Usage: ").removeprefix("用法：") for line in text.splitlines()]
        assert len(lines) == len(set(lines)), text


def test_help_lists_every_command_and_explains_quotes(core: Coordinator) -> None:
    text = ok(run(core, "alice", "help"))
    for name in COMMAND_NAMES:
        assert f"/coord {name}" in text, name
    assert "quote it" in ok(run(core, "alice", "help add"))
    chinese(core)
    assert "加引号" in ok(run(core, "alice", "help add"))


def test_dates_and_moments_show_the_readers_zone(core: Coordinator, clock: ManualClock) -> None:
    ok(run(core, "alice", "settings timezone Asia/Shanghai"))
    ok(run(core, "alice", "add dev Task"))
    assert "#1 snoozed until Thu 11-26 17:00 (Asia/Shanghai)" in ok(run(core, "alice", "snooze #1 1d"))
    clock.advance(timedelta(hours=1))
    assert "Snoozed until: Thu 11-26 17:00 (Asia/Shanghai)" in ok(run(core, "alice", "show #1"))


def test_a_list_too_long_to_show_says_how_to_see_the_rest(core: Coordinator) -> None:
    for n in range(1, 4):
        ok(run(core, "alice", f"add dev Task {n}"))
    assert "not shown" not in ok(run(core, "alice", "list"))
    for n in range(4, views.LIST_LIMIT + 6):
        ok(run(core, "alice", f"add dev Task {n}"))
    reply = run(core, "alice", "list").reply
    assert reply.sections[0].more == 5 and len(reply.sections[0].items) == views.LIST_LIMIT
    assert "5 more not shown here" in reply.plain_text() and "/coord export all" in reply.plain_text()
    chinese(core)
    assert "还有 5 项未显示" in ok(run(core, "alice", "list dev"))


def statuses(db: Database) -> dict[int, str]:
    with db.transaction() as s:
        return {task.number: task.status for task in s.scalars(select(Task))}


def test_several_tasks_change_status_together_or_not_at_all(core: Coordinator, db: Database) -> None:
    for title in ("A <@bob|bob>", "B", "C"):
        ok(run(core, "alice", f"add dev {title}"))
    assert run(core, "alice", "done 1 2").reply.headline == "#1, #2 are done (<@alice|alice>)"
    assert statuses(db) == {1: "done", 2: "done", 3: "todo"}
    assert "#2 is done, so it can't be changed" in refused(run(core, "alice", "done #3, #2"))
    assert statuses(db)[3] == "todo"  # refused as a whole
    assert "open again" in ok(run(core, "alice", "reopen #1 #2"))
    assert "Only" in refused(run(core, "erin", "start 3 1"))
    assert set(statuses(db).values()) == {"todo"}
    assert "There is no task #99" in refused(run(core, "alice", "start 1,99"))
    many = " ".join(f"#{n}" for n in range(1, 23))
    assert "more than 20 tasks" in refused(run(core, "alice", f"done {many}"))
    chinese(core)
    assert run(core, "alice", "完成 #1、#3").reply.headline == "#1、#3 已完成（<@alice|alice>）"
    assert statuses(db) == {1: "done", 2: "todo", 3: "done"}
