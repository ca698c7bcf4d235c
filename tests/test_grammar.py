from datetime import date, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers import grammar as g
from handlers import launch_grammar as lg
from handlers import template_grammar as tg

TODAY = date(2026, 11, 25)  # a Wednesday


def parse(text: str) -> g.Command:
    return g.parse(text, TODAY)


def error_of(text: str) -> g.UsageError:
    with pytest.raises(g.UsageError) as caught:
        parse(text)
    return caught.value


def test_add_with_every_option_in_any_order() -> None:
    cmd = parse("/coord add design Homepage hero banner <@U42|alice> due fri for v2.3 !high")
    assert cmd == g.AddTask(
        "design", "Homepage hero banner", g.PersonRef("U42", "alice"), date(2026, 11, 27), "v2.3", True
    )
    again = parse("add design Homepage hero banner !high for v2.3 due fri <@U42|alice>")
    assert again == cmd


def test_add_keeps_for_and_due_inside_the_title() -> None:
    cmd = parse("add marketing Copy for the due diligence page due tomorrow")
    assert isinstance(cmd, g.AddTask)
    assert cmd.title == "Copy for the due diligence page"
    assert cmd.due == date(2026, 11, 26)


def test_add_chinese_dates_and_aliases() -> None:
    cmd = parse("添加 设计 首页改版 @bob 截止 下周五")
    assert cmd == g.AddTask("设计", "首页改版", g.PersonRef("bob", "bob"), date(2026, 12, 4))
    assert parse("add ops 培训 due 12月15日").due == date(2026, 12, 15)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "key", "usage"),
    [
        ("frobnicate", "err.unknown_verb", "help"),
        ("add", "err.missing_department", "add"),
        ("add dev", "err.missing_title", "add"),
        ("add dev Fix it due someday-ish", "err.bad_date", "add"),
        ("add dev " + "x" * 250, "err.title_too_long", "add"),
        ("show", "err.missing_task", "show"),
        ("show twelve", "err.bad_task_ref", "show"),
        ("block #3", "err.missing_reason", "block"),
        ("snooze #3 forever", "err.bad_duration", "snooze"),
        ("assign #3", "err.assign_target", "assign"),
        ("launch new v2", "err.launch_new_args", "launch"),
        ("launch new v2 yesterdayish", "err.bad_date", "launch"),
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
    assert isinstance(result, g.Command | lg.LaunchCommand | tg.TemplateCommand)


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
    assert isinstance(result, g.Command | lg.LaunchCommand | tg.TemplateCommand)
