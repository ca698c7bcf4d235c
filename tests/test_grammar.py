from datetime import date, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers import grammar as g
from handlers import launch_grammar as lg
from handlers.calendar import WorkCalendar
from handlers.core import HANDLERS
from handlers.timewords import MAX_DURATION, MIN_DURATION

TODAY = date(2026, 11, 25)  # a Wednesday


def parse(text: str) -> g.Command:
    return g.parse(text, TODAY)


def error_of(text: str) -> g.UsageError:
    with pytest.raises(g.UsageError) as caught:
        parse(text)
    return caught.value


def options(cmd: g.Command) -> tuple[object, ...]:
    """What an ``add`` was read as, without the echo of how."""
    assert isinstance(cmd, g.AddTask), cmd
    return (cmd.department, cmd.title, cmd.assignee, cmd.due, cmd.launch, cmd.high_priority)


def test_add_with_every_option_in_any_order() -> None:
    cmd = parse("/coord add design Homepage hero banner <@U42|alice> due fri for v2.3 !high")
    expected = (
        "design",
        "Homepage hero banner",
        g.PersonRef("U42", "alice"),
        date(2026, 11, 27),
        "v2.3",
        True,
    )
    assert options(cmd) == expected
    again = parse("add design Homepage hero banner !high for v2.3 due fri <@U42|alice>")
    assert options(again) == expected
    assert isinstance(cmd, g.AddTask)
    assert (cmd.due_phrase, cmd.launch_phrase) == ("due fri", "for v2.3")


def test_add_keeps_for_and_due_inside_the_title() -> None:
    cmd = parse("add marketing Copy for the due diligence page due tomorrow")
    assert isinstance(cmd, g.AddTask)
    assert cmd.title == "Copy for the due diligence page"
    assert cmd.due == date(2026, 11, 26)


def test_due_followed_by_no_date_stays_in_the_title() -> None:
    cmd = parse("add dev Fix due date bug for login page")
    assert isinstance(cmd, g.AddTask)
    assert (cmd.title, cmd.due, cmd.launch) == ("Fix due date bug for login page", None, None)
    assert cmd.kept == (g.KeptPhrase("due", "due date bug for login page", "due date bug for login page"),)
    kept = parse("add dev Fix it due someday-ish")
    assert isinstance(kept, g.AddTask) and (kept.title, kept.due) == ("Fix it due someday-ish", None)


def test_for_a_name_is_a_launch_reading_with_the_title_reading_behind_it() -> None:
    cmd = parse("add dev Prepare for launch")
    assert isinstance(cmd, g.AddTask)
    assert (cmd.title, cmd.launch, cmd.launch_phrase) == ("Prepare", "launch", "for launch")
    [fallback] = cmd.alternatives
    assert (fallback.title, fallback.launch) == ("Prepare for launch", None)
    assert fallback.kept == (g.KeptPhrase("launch", "for launch", "launch"),)
    # options after the launch words belong to both readings
    both = parse("add dev Prepare for launch due fri !high")
    assert isinstance(both, g.AddTask)
    assert (both.alternatives[0].title, both.alternatives[0].due) == (
        "Prepare for launch",
        date(2026, 11, 27),
    )
    # and options before them only to the launch reading: options trail the title
    before = parse("add dev Prepare due fri for launch")
    assert isinstance(before, g.AddTask)
    assert (before.title, before.due) == ("Prepare", date(2026, 11, 27))
    assert (before.alternatives[0].title, before.alternatives[0].due) == ("Prepare due fri for launch", None)


def test_for_words_that_cannot_be_a_launch_name_stay_in_the_title() -> None:
    cmd = parse("add ops Snacks for 「Team Day」")
    assert isinstance(cmd, g.AddTask)
    assert (cmd.title, cmd.launch, cmd.alternatives) == ("Snacks for Team Day", None, ())


def test_quotes_keep_option_words_in_the_title() -> None:
    for text in ('add dev "Prepare for launch" due fri', "add dev “Prepare for launch” due fri",
                 "add dev 「Prepare for launch」 due fri"):  # fmt: skip
        cmd = parse(text)
        assert isinstance(cmd, g.AddTask)
        assert (cmd.title, cmd.due, cmd.launch) == ("Prepare for launch", date(2026, 11, 27), None), text


@pytest.mark.parametrize(
    ("text", "title", "due"),
    [
        ('add dev "Prepare for launch" tomorrow', "Prepare for launch", date(2026, 11, 26)),
        ("add dev “Prepare for launch” next fri @bob !high", "Prepare for launch", date(2026, 12, 4)),
        ("add 设计 「首页改版」 下周五", "首页改版", date(2026, 12, 4)),
        ('add dev "Fix it" b c', "Fix it b c", None),
    ],
)
def test_a_date_after_a_quoted_title_is_the_due_date(text: str, title: str, due: date | None) -> None:
    cmd = parse(text)
    assert isinstance(cmd, g.AddTask) and (cmd.title, cmd.due) == (title, due)


def test_several_people_in_add_are_refused() -> None:
    error = error_of("add dev Review the API <@U1|alice> <@U2|bob>")
    assert (error.key, error.usage, error.params["people"]) == ("err.one_assignee", "add", "@alice, @bob")
    assert error_of("add dev Ask @carol about it @bob").key == "err.one_assignee"
    quoted = parse('add dev "Ask @carol about it" @bob')
    assert isinstance(quoted, g.AddTask) and quoted.assignee == g.PersonRef("bob", "bob")


def test_add_chinese_dates_and_aliases() -> None:
    cmd = parse("添加 设计 首页改版 @bob 截止 下周五")
    assert options(cmd) == ("设计", "首页改版", g.PersonRef("bob", "bob"), date(2026, 12, 4), None, False)
    assert parse("add ops 培训 due 12月15日").due == date(2026, 12, 15)  # type: ignore[union-attr]
    glued = parse("add 设计 首页改版 截止下周五")
    assert options(glued) == ("设计", "首页改版", None, date(2026, 12, 4), None, False)
    kept = parse("add 设计 讨论截止日期规则")  # no date after the word: it is part of the title
    assert options(kept) == ("设计", "讨论截止日期规则", None, None, None, False)


@pytest.mark.parametrize(
    ("tail", "due"),
    [
        ("by friday", date(2026, 11, 27)),
        ("by fri", date(2026, 11, 27)),
        ("by eod", TODAY),
        ("by next fri", date(2026, 12, 4)),
        ("by dec 15", date(2026, 12, 15)),
        ("by 3 working days", date(2026, 11, 30)),
        ("下周五前", date(2026, 12, 4)),
        ("周五之前", date(2026, 11, 27)),
        ("月底以前", date(2026, 11, 30)),
        ("12月15日前", date(2026, 12, 15)),
    ],
)
def test_a_trailing_by_date_is_the_due_date_everywhere_a_due_date_trails(tail: str, due: date) -> None:
    cmd = parse(f"add dev Fix login {tail}")
    assert isinstance(cmd, g.AddTask)
    assert (cmd.title, cmd.due, cmd.due_phrase, cmd.kept) == ("Fix login", due, tail, ())
    item = parse(f"launch v2.3 add dev Write release notes {tail} owner lead")
    assert isinstance(item, lg.AddLaunchItem)
    assert (item.text, item.due, item.owner) == ("Write release notes", due, lg.OwnerSpec("lead"))


@pytest.mark.parametrize(
    "title",
    ["Sort by name", "Group tasks by week", "Caused by", "Reviewed by the team", "by fri",
     "修复3天前的报错", "回滚 3天前", "整理 2周前", "对比 一个月前", "下周前", "前"],
)  # fmt: skip
def test_by_and_before_words_stay_in_the_title_unless_a_day_follows(title: str) -> None:
    cmd = parse(f"add dev {title}")
    assert isinstance(cmd, g.AddTask)
    assert (cmd.title, cmd.due, cmd.kept) == (title, None, ())


def test_a_due_word_after_by_words_still_wins() -> None:
    cmd = parse("add dev Sort by date due fri")
    assert isinstance(cmd, g.AddTask) and (cmd.title, cmd.due) == ("Sort by date", date(2026, 11, 27))
    later = parse("add dev Ship by friday due mon")
    assert isinstance(later, g.AddTask) and (later.title, later.due) == ("Ship by friday", date(2026, 11, 30))


@pytest.mark.parametrize(
    ("text", "title", "due"),
    [
        ("add dev Fix login @bob tomorrow", "Fix login", date(2026, 11, 26)),
        ("add dev Fix login <@U42|bob> next fri !high", "Fix login", date(2026, 12, 4)),
        ("add dev Fix login @bob dec 15", "Fix login", date(2026, 12, 15)),
        ("添加 研发 修复登录 @bob 明天", "修复登录", date(2026, 11, 26)),
        ("添加 研发 修复登录 @bob 下周五前", "修复登录", date(2026, 12, 4)),
        ("add dev Fix due date bug @bob fri", "Fix due date bug", date(2026, 11, 27)),
    ],
)
def test_a_date_right_after_the_assignee_is_the_due_date(text: str, title: str, due: date) -> None:
    cmd = parse(text)
    assert isinstance(cmd, g.AddTask)
    assert (cmd.title, cmd.due, cmd.assignee is not None, cmd.kept) == (title, due, True, ())
    assert text.endswith(f"{cmd.due_phrase}{' !high' if cmd.high_priority else ''}")


@pytest.mark.parametrize("title", ["Ask @carol about it", "Ping @bob 3", "@bob tomorrow", "Thank @bob lots"])
def test_words_after_a_mention_that_are_no_date_keep_it_in_the_title(title: str) -> None:
    cmd = parse(f"add dev {title}")
    assert isinstance(cmd, g.AddTask)
    assert (cmd.title, cmd.assignee, cmd.due) == (title, None, None)


def test_working_days_count_on_the_calendar_given() -> None:
    sun_thu = WorkCalendar(0b1001111)
    cmd = g.parse("add dev Ship it due 3 working days", TODAY, sun_thu)
    assert isinstance(cmd, g.AddTask) and cmd.due == date(2026, 11, 30)
    assert g.parse("due #1 3个工作日", TODAY) == g.SetDue(1, date(2026, 11, 30))


def test_unassign_and_clear_words() -> None:
    for word in ("none", "nobody", "无", "-"):
        assert parse(f"assign #3 {word}") == g.AssignTask(3)
    for word in ("none", "clear", "无"):
        assert parse(f"due #3 {word}") == g.SetDue(3, None)


def test_duration_limits_are_the_real_ones() -> None:
    too_long = error_of("snooze #3 400d")
    assert too_long.key == "err.duration_out_of_range"
    assert (too_long.params["min_minutes"], too_long.params["max_days"]) == (
        MIN_DURATION // timedelta(minutes=1),
        MAX_DURATION.days,
    )
    assert error_of("snooze #3 10s").key == "err.bad_duration"
    assert error_of("snooze #3 0.5m").key == "err.duration_out_of_range"
    assert parse("snooze #3 1m") == g.SnoozeTask(3, MIN_DURATION)
    assert parse(f"snooze #3 {MAX_DURATION.days}d") == g.SnoozeTask(3, MAX_DURATION)


def test_errors_about_a_task_carry_its_number_for_the_examples() -> None:
    assert error_of("due #7 someday").params["number"] == 7
    assert error_of("block #7").params["number"] == 7
    assert error_of("done #7 now").params["number"] == 7


@pytest.mark.parametrize(
    ("text", "key", "usage"),
    [
        ("frobnicate", "err.unknown_verb", "help"),
        ("add", "err.missing_department", "add"),
        ("add dev", "err.missing_title", "add"),
        ("add dev " + "x" * 250, "err.title_too_long", "add"),
        ("show", "err.missing_task", "show"),
        ("show twelve", "err.bad_task_ref", "show"),
        ("block #3", "err.missing_reason", "block"),
        ("snooze #3 forever", "err.bad_duration", "snooze"),
        ("assign #3", "err.assign_target", "assign"),
        ("launch new v2", "err.launch_new_args", "launch_new"),
        ("launch new v2 yesterdayish", "err.bad_date", "launch_new"),
        ("check v2 dev one", "err.bad_item_number", "check"),
        ("settings language klingon", "err.bad_language", "settings"),
        ("settings workdays someday", "err.bad_weekdays", "settings"),
        ("settings flavour mint", "err.unknown_setting", "settings"),
        ("settings escalate 5 2", "err.bad_escalate", "settings"),
        ("digest here at noonish", "err.bad_time", "digest"),
        ("dept set dev lead bob", "err.dept_set_args", "dept"),
        ("list overdue extra", "err.extra_words", "list"),
    ],
)
def test_bad_input_names_what_was_wrong_and_which_usage(text: str, key: str, usage: str) -> None:
    error = error_of(text)
    assert (error.key, error.usage) == (key, usage)


def test_too_long_text_is_refused() -> None:
    assert error_of("add dev " + "a " * 1500).key == "err.too_long"


def test_task_references_and_mentions() -> None:
    assert parse("done #12") == g.ChangeStatus("done", 12)
    assert parse("start 7") == g.ChangeStatus("start", 7)
    assert parse("assign #3 <@U9>") == g.AssignTask(3, person=g.PersonRef("U9", None))
    assert parse("assign #3 ops") == g.AssignTask(3, department="ops")
    assert parse("due #3 none") == g.SetDue(3, None)
    assert parse("snooze #3 2h") == g.SnoozeTask(3, timedelta(hours=2))
    launch = parse("launch new v2.3 2026-12-15 <#C77|launch-v2-3>")
    assert launch == lg.NewLaunch("v2.3", date(2026, 12, 15), g.ChannelRef("C77", "launch-v2-3"))
    assert parse("uncheck v2.3 dev 2") == g.CheckItem("v2.3", "dev", 2, done=False)
    assert parse("digest here at 09:30 mon-fri") == g.Digest("here", time(9, 30), 0b0011111)
    assert parse("dept set dev members @a @b") == g.SetDepartment(
        "dev", members=(g.PersonRef("a", "a"), g.PersonRef("b", "b"))
    )


def test_full_width_and_invisible_characters_are_normalised() -> None:
    assert parse("ｄｏｎｅ\u200b ＃１２") == g.ChangeStatus("done", 12)


def test_empty_text_is_help() -> None:
    assert parse("/coord") == g.Help()
    assert parse("help add") == g.Help("add")


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300))
def test_parser_always_returns_a_command_or_a_usage_error(text: str) -> None:
    try:
        result = parse(text)
    except g.UsageError as error:
        assert error.key.startswith("err.")
        return
    # Whatever parses is runnable: help, or a command the core has a handler for.
    assert isinstance(result, g.Help) or type(result) in HANDLERS


WORDS = st.sampled_from(
    [
        "add",
        "list",
        "done",
        "show",
        "#1",
        "#99999",
        "dev",
        "design",
        "@bob",
        "<@U1|x>",
        "due",
        "fri",
        "for",
        "v2.3",
        "!high",
        "launch",
        "new",
        "check",
        "2026-12-15",
        "明天",
        "下周五",
        "block",
        "snooze",
        "3d",
        "digest",
        "here",
        "at",
        "09:30",
        "settings",
        "timezone",
        "Asia/Shanghai",
        "<#C1|x>",
        "dept",
        "set",
        "lead",
        "\u200b",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(WORDS, max_size=10))
def test_parser_on_command_like_word_salad(words: list[str]) -> None:
    try:
        result = parse(" ".join(words))
    except g.UsageError as error:
        assert error.key.startswith("err.")
        return
    # Whatever parses is runnable: help, or a command the core has a handler for.
    assert isinstance(result, g.Help) or type(result) in HANDLERS


# Ordinary title words, among them every word the options use and words dates are made of.
ORDINARY = st.sampled_from(
    ["Fix", "login", "page", "Prepare", "launch", "the", "due", "date", "bug", "for", "release", "notes",
     "next", "fri", "friday", "tomorrow", "today", "week", "end", "of", "3", "working", "days", "v2.3",
     "dec", "15", "12/15", "+3d", "eow", "#12", "and", "review", "截止", "给", "下周五", "明天", "月底",
     "首页", "改版", "发布", "2026-12-15", "in", "mon", "this", "month", "by", "周五前", "3天前"]
)  # fmt: skip


def readings(cmd: g.Command) -> list[g.AddTask]:
    assert isinstance(cmd, g.AddTask)
    return [cmd, *cmd.alternatives]


@settings(max_examples=500, deadline=None)
@given(st.lists(ORDINARY, min_size=1, max_size=12))
def test_a_title_of_ordinary_words_loses_and_reorders_nothing(words: list[str]) -> None:
    typed = " ".join(words)
    *_, no_launch = readings(parse(f"add dev {typed}"))
    assert no_launch.launch is None
    shown = " ".join(part for part in (no_launch.title, no_launch.due_phrase) if part)
    assert shown == typed
    for reading in readings(parse(f"add dev {typed}")):
        phrases = [p for p in (reading.due_phrase, reading.launch_phrase) if p]
        assert sorted(" ".join([reading.title, *phrases]).split()) == sorted(typed.split())
        assert typed.startswith(reading.title)


CHINESE_DAYS = (
    "周五前",
    "下周五",
    "明天",
    "月底",
)  # a Chinese day standing alone after a title is its due date
NO_OPTION_WORDS = ORDINARY.filter(lambda w: w not in (*g.DUE_WORDS, *g.FOR_WORDS, *g.BY_WORDS, *CHINESE_DAYS))


@settings(max_examples=500, deadline=None)
@given(st.lists(NO_OPTION_WORDS, min_size=1, max_size=12))
def test_a_title_without_option_words_round_trips_exactly(words: list[str]) -> None:
    cmd = parse(f"add dev {' '.join(words)}")
    assert readings(cmd) == [cmd]
    assert isinstance(cmd, g.AddTask)
    assert (cmd.title, cmd.due, cmd.launch, cmd.kept) == (" ".join(words), None, None, ())


@settings(max_examples=300, deadline=None)
@given(st.lists(ORDINARY, min_size=1, max_size=8))
def test_a_quoted_title_of_ordinary_words_round_trips_exactly(words: list[str]) -> None:
    for left, right in ('""', "“”", "「」"):
        cmd = parse(f"add dev {left}{' '.join(words)}{right} due fri")
        assert readings(cmd) == [cmd]
        assert isinstance(cmd, g.AddTask)
        assert (cmd.title, cmd.due) == (" ".join(words), date(2026, 11, 27))


@pytest.mark.parametrize("verb", sorted(g.VERBS))
def test_every_verb_alone_parses_to_something_runnable_or_a_usage_error(verb: str) -> None:
    for text in (verb, verb.upper()):
        try:
            result = parse(text)
        except g.UsageError as error:
            assert error.key.startswith("err.")
            continue
        assert isinstance(result, g.Help) or type(result) in HANDLERS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("launch reschedule v2.4 2027-01-25", lg.RescheduleLaunch("v2.4", date(2027, 1, 25))),
        ("launch move v2.4 to 2027-01-25", lg.RescheduleLaunch("v2.4", date(2027, 1, 25))),
        ("launch v2.4 move to 2027-01-25", lg.RescheduleLaunch("v2.4", date(2027, 1, 25))),
        ("launch 改期 v2.4 2027-01-25", lg.RescheduleLaunch("v2.4", date(2027, 1, 25))),
        ("launch postpone v2.4 2027-01-25", lg.RescheduleLaunch("v2.4", date(2027, 1, 25), postpone=True)),
        ("launch cancel v2.4", lg.CancelLaunch("v2.4")),
        ("launch shipped v2.4", lg.MarkLaunched("v2.4")),
        ("launch go v2.4 with risk docs late", lg.DecideLaunch("v2.4", "docs late")),
    ],
)
def test_a_launch_course_verb_may_come_before_the_name(text: str, expected: object) -> None:
    assert parse(f"/coord {text}") == expected


def test_a_launch_named_like_a_verb_still_takes_its_subcommands() -> None:
    assert parse("/coord launch move date 2027-01-25") == lg.RescheduleLaunch("move", date(2027, 1, 25))
    assert parse("/coord launch cancel") == lg.ShowLaunch("cancel")


@pytest.mark.parametrize(
    ("chinese", "english"),
    [
        ("设置 催办 10:00", "settings nudge 10:00"),
        ("设置 发布检查时间 11:00", "settings checkin 11:00"),
        ("设置 检查日 -7,-1,0", "settings offsets -7,-1,0"),
        ("设置 升级 2 4", "settings escalate 2 4"),
        ("设置 工作时间 10:00-19:00", "settings hours 10:00-19:00"),
        ("设置 话题 关", "settings threads off"),
        ("部门 列表", "dept list"),
        ("部门 添加 法务 legal", "dept add 法务 legal"),
        ("部门 改名 研发 工程", "dept rename 研发 工程"),
        ("部门 设置 研发 负责人 <@U1|bob>", "dept set 研发 lead <@U1|bob>"),
        ("部门 设置 研发 频道 <#C1|dev>", "dept set 研发 channel <#C1|dev>"),
        ("部门 设置 研发 成员 @a @b", "dept set 研发 members @a @b"),
        ("部门 设置 研发 节假日 CN", "dept set 研发 holidays CN"),
    ],
)
def test_settings_and_departments_take_chinese_words(chinese: str, english: str) -> None:
    assert parse(chinese) == parse(english)


@pytest.mark.parametrize(
    ("text", "item"),
    [
        ("launch v2 add dev Smoke test @bob", ("Smoke test", None, None)),
        ("launch v2 add dev Smoke test @bob tomorrow", ("Smoke test", date(2026, 11, 26), None)),
        ("launch v2 add dev Smoke test @bob due fri", ("Smoke test", date(2026, 11, 27), None)),
        ("launch v2 add dev Smoke test owner @bob due fri", ("Smoke test", date(2026, 11, 27), None)),
        ("launch v2 add dev Smoke test due fri @bob", ("Smoke test", date(2026, 11, 27), None)),
        ("launch v2 add dev Smoke test @bob T-3", ("Smoke test", None, -3)),
        ("发布 v2 添加 研发 压测 @bob 下周五前", ("压测", date(2026, 12, 4), None)),
        ("发布 v2 添加 研发 压测 下周五 @bob", ("压测", date(2026, 12, 4), None)),
    ],
)
def test_a_mention_ending_a_launch_item_is_its_owner(text: str, item: tuple[object, ...]) -> None:
    cmd = parse(text)
    assert isinstance(cmd, lg.AddLaunchItem)
    assert (cmd.text, cmd.due, cmd.offset) == item
    assert cmd.owner == lg.OwnerSpec("person", g.PersonRef("bob", "bob"))


def test_a_mention_inside_a_launch_items_text_stays_there() -> None:
    cmd = parse("launch v2 add dev Sync with @bob about it")
    assert isinstance(cmd, lg.AddLaunchItem) and (cmd.text, cmd.owner) == ("Sync with @bob about it", None)
    template = parse("template standard add dev Review @bob at T-2")
    assert template.owner == lg.OwnerSpec("person", g.PersonRef("bob", "bob"))  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("done #3 #5 #8", g.ChangeStatuses("done", (3, 5, 8))),
        ("done 3,5", g.ChangeStatuses("done", (3, 5))),
        ("start #3, #5", g.ChangeStatuses("start", (3, 5))),
        ("完成 #3、#5，#8", g.ChangeStatuses("done", (3, 5, 8))),
        ("reopen #3 #3", g.ChangeStatus("reopen", 3)),
        ("unblock #4", g.ChangeStatus("unblock", 4)),
    ],
)
def test_status_verbs_take_several_tasks(text: str, expected: g.Command) -> None:
    assert parse(text) == expected


def test_words_after_a_task_number_are_still_refused() -> None:
    assert error_of("done #3 please").key == "err.extra_words"
    assert error_of("done #3 #x").key == "err.extra_words"


@pytest.mark.parametrize(
    ("text", "title", "due"),
    [
        ("添加 研发 修复登录 明天", "修复登录", date(2026, 11, 26)),
        ("添加 研发 修复登录 下周五", "修复登录", date(2026, 12, 4)),
        ("添加 研发 修复登录 12月15日 @bob", "修复登录", date(2026, 12, 15)),
        ("添加 研发 修复登录 今天", "修复登录", TODAY),
        ("添加 研发 复盘 上周五", "复盘 上周五", None),  # a day past stays in the title
        ("添加 研发 明天", "明天", None),  # a title first
        ("add dev Plan tomorrow", "Plan tomorrow", None),  # English keeps it a title
        ("添加 研发 修复 首页 改版", "修复 首页 改版", None),
    ],
)
def test_a_chinese_day_standing_alone_after_the_title_is_its_due_date(
    text: str, title: str, due: date | None
) -> None:
    cmd = parse(text)
    assert isinstance(cmd, g.AddTask) and (cmd.title, cmd.due) == (title, due)
