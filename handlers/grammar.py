"""The command language: text -> a typed :data:`Command`, or a :class:`UsageError`.

One grammar for every platform. Mentions arrive as Slack-style escapes (``<@U123|name>``,
``<#C123|name>``); Feishu's adapter rewrites its placeholders into the same form, and the
console's plain ``@alice`` / ``#launches`` are accepted too. ``#12`` is a task number.
Parsing never touches the database: departments, people and launches are resolved later.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from handlers.calendar import WORKDAYS_MASK, WorkCalendar
from handlers.command_types import (
    AddDepartment,
    AddTask,
    AssignTask,
    BlockTask,
    ChangeSetting,
    ChangeStatus,
    ChangeStatuses,
    ChannelRef,
    CheckItem,
    DeleteTask,
    Digest,
    Help,
    KeptPhrase,
    ListDepartments,
    ListTasks,
    PersonRef,
    RenameDepartment,
    RenameTask,
    SetDepartment,
    SetDue,
    ShowSettings,
    ShowTask,
    SnoozeTask,
    UsageError,
)
from handlers.dates import parse_date
from handlers.holidays import parse_region
from handlers.replies import plain_mentions
from handlers.timewords import (
    MAX_DURATION,
    MIN_DURATION,
    duration_seconds,
    parse_clock_time,
    parse_duration,
    parse_hours,
    parse_weekdays,
)

MAX_TEXT = 2000
MAX_TITLE = 200
MAX_REASON = 300
MAX_NAME = 40

PREFIXES = ("/coord", "coord")


Command = (
    Help
    | AddTask
    | ListTasks
    | ShowTask
    | ChangeStatus
    | ChangeStatuses
    | BlockTask
    | AssignTask
    | SetDue
    | SnoozeTask
    | RenameTask
    | DeleteTask
    | CheckItem
    | ListDepartments
    | SetDepartment
    | AddDepartment
    | RenameDepartment
    | ShowSettings
    | ChangeSetting
    | Digest
)


# Verbs and their aliases (Chinese aliases help on Feishu, where people type in Chinese).
VERBS: dict[str, str] = {
    "help": "help", "?": "help", "帮助": "help",
    "add": "add", "new": "add", "create": "add", "添加": "add", "新建": "add",
    "list": "list", "ls": "list", "列表": "list", "任务": "list",
    "show": "show", "info": "show", "查看": "show",
    "start": "start", "开始": "start",
    "done": "done", "finish": "done", "close": "done", "完成": "done",
    "reopen": "reopen", "重开": "reopen",
    "block": "block", "阻塞": "block",
    "unblock": "unblock", "解除阻塞": "unblock",
    "assign": "assign", "指派": "assign",
    "due": "due", "截止": "due",
    "snooze": "snooze", "稍后": "snooze",
    "rename": "rename", "重命名": "rename",
    "delete": "delete", "remove": "delete", "删除": "delete",
    "launch": "launch", "launches": "launch", "发布": "launch",
    "check": "check", "勾选": "check",
    "uncheck": "uncheck", "取消勾选": "uncheck",
    "dept": "dept", "depts": "dept", "department": "dept", "部门": "dept",
    "settings": "settings", "setting": "settings", "设置": "settings",
    "digest": "digest", "站会": "digest",
}  # fmt: skip
COMMAND_NAMES = (
    "add", "list", "show", "start", "done", "reopen", "block", "unblock", "assign", "due",
    "snooze", "rename", "delete", "launch", "check", "uncheck", "dept", "settings", "digest", "help",
)  # fmt: skip

_TOKEN = re.compile(r"<[^<>\s][^<>]*>|\"[^\"]*\"|“[^”]*”|「[^」]*」|『[^』]*』|\S+")
_PERSON = re.compile(r"^<@([A-Za-z0-9_.\-]+)(?:\|([^<>]*))?>$|^@([\w.\-]+)$")
_CHANNEL = re.compile(r"^<#([A-Za-z0-9_\-]+)(?:\|([^<>]*))?>$|^#([^\W\d][\w\-.]*|[\w\-.]*[^\W\d][\w\-.]*)$")
_TASK = re.compile(r"^#?(\d{1,9})$")
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]")
_HIGH = {"!high", "!urgent", "!h", "!高", "!紧急"}
DUE_WORDS = ("due", "截止", "截止到", "截至")
BY_WORDS = ("by",)
BEFORE_SUFFIXES = ("之前", "以前", "前")
_AGO = re.compile(r"^(\d+|[一二两三四五六七八九十百几半]+)个?(天|日|周|星期|月|年|小时|分钟)$")
_PERIODS = ("周", "星期", "月", "年")
FOR_WORDS = ("for", "给", "属于")
NOBODY_WORDS = ("none", "nobody", "noone", "no-one", "-", "无", "无人", "没人", "未指定")
CLEAR_WORDS = ("none", "clear", "-", "无", "清除")
QUOTES = ('""', "“”", "「」", "『』")
_NAME = re.compile(r"^[\w][\w.\-+]*$")
_LANG = {"en": "en", "english": "en", "英文": "en", "zh": "zh", "cn": "zh", "chinese": "zh", "中文": "zh"}


def clean_text(text: str) -> str:
    """Normalise what users type: full-width forms to ASCII, invisible characters and controls out."""
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    return "".join(ch if ch.isprintable() or ch in " \t" else " " for ch in text).strip()


def tokenize(text: str) -> list[str]:
    return _TOKEN.findall(text)


def unquote(token: str) -> str:
    return token[1:-1].strip() if _quoted(token) else token


def _quoted(token: str) -> bool:
    return len(token) >= 2 and token[0] + token[-1] in QUOTES


def person_ref(token: str) -> PersonRef | None:
    match = _PERSON.match(token)
    if not match:
        return None
    if match.group(3):
        return PersonRef(match.group(3), match.group(3))
    name = match.group(2) or None
    return PersonRef(match.group(1), name.strip() if name else None)


def channel_ref(token: str) -> ChannelRef | None:
    match = _CHANNEL.match(token)
    if not match:
        return None
    if match.group(3):
        return ChannelRef(match.group(3), match.group(3))
    return ChannelRef(match.group(1), (match.group(2) or "").strip() or None)


def task_number(token: str | None, usage: str) -> int:
    if token is None:
        raise UsageError("err.missing_task", usage)
    match = _TASK.match(token)
    if not match:
        raise UsageError("err.bad_task_ref", usage, {"token": token[:40]})
    return int(match.group(1))


@dataclass(frozen=True)
class _Dates:
    """What dates are read against: the day it is, and the working calendar for working days.

    The calendar is asked for only when a date is read: building a workspace's calendar reads its
    company days from the database, which a command without a date does not need.
    """

    today: date
    calendar: Callable[[], WorkCalendar]

    def read(self, text: str) -> date | None:
        return parse_date(text, self.today, self.calendar())


def parse(
    text: str, today: date, calendar: WorkCalendar | Callable[[], WorkCalendar] | None = None
) -> Command:
    """Parse one command line; raises :class:`UsageError` naming what was wrong.

    ``calendar`` (the workspace's, or what gives it when a date is read) counts working days in
    dates such as ``3 working days``.
    """
    if len(text) > MAX_TEXT:
        raise UsageError("err.too_long", None, {"limit": MAX_TEXT})
    tokens = tokenize(clean_text(text))
    if tokens and tokens[0].lower() in PREFIXES:
        tokens = tokens[1:]
    if not tokens:
        return Help()
    verb = VERBS.get(tokens[0].lower())
    if verb is None:
        raise UsageError("err.unknown_verb", "help", {"verb": tokens[0][:40]})
    if callable(calendar):
        dates = _Dates(today, calendar)
    else:
        fixed = calendar or WorkCalendar()
        dates = _Dates(today, lambda: fixed)
    return _PARSERS[verb](verb, tokens[1:], dates)


def _parse_help(_verb: str, args: list[str], _dates: _Dates) -> Command:
    if not args:
        return Help()
    topic = VERBS.get(args[0].lower())
    if topic is None:
        raise UsageError("err.unknown_help_topic", "help", {"topic": args[0][:40]})
    return Help(topic)


def _parse_date_or_fail(
    words: list[str], dates: _Dates, usage: str, fld: str = "due", **params: object
) -> date:
    raw = " ".join(words)
    if not raw:
        raise UsageError("err.missing_date", usage, dict(params), field=fld)
    parsed = dates.read(raw)
    if parsed is None:
        raise UsageError("err.bad_date", usage, {"text": raw[:40], **params}, field=fld)
    return parsed


def _parse_add(_verb: str, args: list[str], dates: _Dates) -> Command:
    if not args:
        raise UsageError("err.missing_department", "add", field="department")
    people = [token for token in args[1:] if person_ref(token) is not None]
    if len(people) > 1:
        shown = ", ".join(plain_mentions(p) for p in people[:5])
        raise UsageError("err.one_assignee", "add", {"people": shown}, field="assignee")
    return _read_add(args[0], args[1:], dates)


def _read_add(department: str, rest: list[str], dates: _Dates) -> AddTask:
    """Options trail the title: peel them off from the end while what is peeled is an option.

    An option word is an option only when what follows it is one (``due`` a date, ``for`` a launch
    name) and words are left for the title. Whether a launch exists is known only later, so a
    reading that takes ``for <name>`` as the launch carries, as its alternative, the reading that
    keeps those words (and all before them) in the title.
    """
    found: dict[str, Any] = {"assignee": None, "due": None, "launch": None, "high_priority": False}
    fallback: AddTask | None = None
    kept: tuple[KeptPhrase, ...] = ()
    while rest:
        last = rest[-1]
        if last.lower() in _HIGH:
            found["high_priority"], rest = True, rest[:-1]
        elif (ref := person_ref(last)) is not None and found["assignee"] is None:
            found["assignee"], rest = ref, rest[:-1]
        elif found["assignee"] is None and found["due"] is None and (dated := dated_person(rest, dates)):
            at, found["assignee"], found["due"] = dated
            found["due_phrase"], rest = " ".join(rest[at + 1 :]), rest[:at]
        elif len(rest) > 2 and rest[-2].lower() in FOR_WORDS and found["launch"] is None:
            name = unquote(last)
            if not _is_launch_name(name):
                break
            phrase = f"{rest[-2]} {last}"
            with contextlib.suppress(UsageError):  # a title too long with those words is no reading
                fallback = _add_task(department, rest, found, (*kept, KeptPhrase("launch", phrase, name)))
            found["launch"], found["launch_phrase"], rest = name, phrase, rest[:-2]
        elif (
            found["due"] is None
            and len(rest) > 1
            and _quoted(rest[0])
            and (day := dates.read(" ".join(rest[1:])))
        ):
            found["due"], found["due_phrase"], rest = day, " ".join(rest[1:]), rest[:1]
        elif (due := trailing_due(rest, dates)) is not None and due[0] > 0 and found["due"] is None:
            at, day = due
            if day is None:
                kept = (*kept, KeptPhrase("due", " ".join(rest[at:]), " ".join(rest[at:])))
                break
            found["due"], found["due_phrase"], rest = day, " ".join(rest[at:]), rest[:at]
        elif found["due"] is None and len(rest) > 1 and (day := bare_chinese_day(rest[-1], dates)):
            found["due"], found["due_phrase"], rest = day, rest[-1], rest[:-1]
        else:
            break
    reading = _add_task(department, rest, found, kept)
    return replace(reading, alternatives=(fallback,)) if fallback is not None else reading


def bare_chinese_day(word: str, dates: _Dates) -> date | None:
    """``修复登录 明天``: a Chinese date standing alone after the title is its due date.

    Chinese titles are written without spaces, so a word of its own that is a day reads as one; a
    day already past (``复盘 上周五``) stays in the title. English keeps ``Plan tomorrow`` a title.
    """
    if word.isascii() or (day := dates.read(word)) is None or day < dates.today:
        return None
    return day


def dated_person(words: list[str], dates: _Dates) -> tuple[int, PersonRef, date] | None:
    """``@bob tomorrow`` ending the words: where the person is, who, and the day after them.

    A date right after the assignee is the due date without ``due`` (``修复登录 @bob 明天``): once
    the options have begun, the words after them are no title.
    """
    people = ((i, ref) for i in range(len(words) - 2, 0, -1) if (ref := person_ref(words[i])) is not None)
    last = next(people, None)
    if last is None or (day := dates.read(" ".join(words[last[0] + 1 :]))) is None:
        return None
    return *last, day


def trailing_due(words: list[str], dates: _Dates) -> tuple[int, date | None] | None:
    """Where a due phrase begins among ``words`` (it runs to their end) and the day it reads as.

    ``None`` when no due word is followed by anything; the day is ``None`` when the words after the
    last due word are no date. ``截止下周五`` (the word joined to the date, as Chinese is written) counts.
    ``by fri`` and ``周五前`` are due phrases only when they read as a day: ``Sort by name`` and
    ``三天前`` (three days ago) stay titles.
    """
    if words and (before := _before_day(words[-1], dates)) is not None:
        return len(words) - 1, before
    for index in range(len(words) - 1, -1, -1):
        word = words[index].lower()
        after = " ".join(words[index + 1 :])
        if word in BY_WORDS and after and (day := dates.read(after)) is not None:
            return index, day
        if word in DUE_WORDS:
            return (index, dates.read(after)) if after else None
        glued = next((w for w in DUE_WORDS if word.startswith(w) and len(word) > len(w)), None)
        if glued is not None and not word.isascii():
            return index, dates.read(" ".join([words[index][len(glued) :], *words[index + 1 :]]))
    return None


def _before_day(word: str, dates: _Dates) -> date | None:
    """The day of ``下周三前`` (by next Wednesday).

    ``None`` for what is no day: ``3天前`` (three days ago), ``下周前`` (before a whole week), non-dates.
    """
    suffix = next((s for s in BEFORE_SUFFIXES if word.endswith(s) and len(word) > len(s)), None)
    if suffix is None:
        return None
    day = word[: -len(suffix)]
    return None if _AGO.match(day) or day.endswith(_PERIODS) else dates.read(day)


def _add_task(
    department: str, words: list[str], found: dict[str, Any], kept: tuple[KeptPhrase, ...]
) -> AddTask:
    title = " ".join(unquote(word) for word in words).strip()
    if not title:
        raise UsageError("err.missing_title", "add", field="title")
    if len(title) > MAX_TITLE:
        raise UsageError("err.title_too_long", "add", {"limit": MAX_TITLE}, field="title")
    return AddTask(department, title, kept=kept, **found)


LIST_SCOPES = {
    "mine": "mine", "my": "mine", "我的": "mine",
    "overdue": "overdue", "late": "overdue", "逾期": "overdue",
    "blocked": "blocked", "阻塞": "blocked",
    "all": "all", "全部": "all",
    "open": "open",
}  # fmt: skip


def _parse_list(_verb: str, args: list[str], _dates: _Dates) -> Command:
    launch = None
    if len(args) >= 2 and args[-2].lower() in FOR_WORDS:
        launch, args = unquote(args[-1]), args[:-2]
    if not args:
        return ListTasks("open", None, launch)
    if len(args) > 1:
        raise UsageError("err.extra_words", "list", {"words": " ".join(args[1:])[:60]})
    scope = LIST_SCOPES.get(args[0].lower())
    if scope:
        return ListTasks(scope, None, launch)
    return ListTasks("department", args[0], launch)


def _single_task(verb: str, args: list[str]) -> int:
    """The task number of a command that takes nothing else (``done #12``)."""
    number = task_number(args[0] if args else None, verb)
    if len(args) > 1:
        raise UsageError("err.extra_words", verb, {"words": " ".join(args[1:])[:60], "number": number})
    return number


def _parse_show(_verb: str, args: list[str], _dates: _Dates) -> Command:
    return ShowTask(_single_task("show", args))


MAX_TASKS_AT_ONCE = 20
_LIST_SEPARATORS = re.compile(r"[,，、]")


def _parse_status(verb: str, args: list[str], _dates: _Dates) -> Command:
    """``done #12``, or several at once: ``done #3 #5 #8``, ``done #3, #5``, ``完成 #3、#5``."""
    tokens = [token for arg in args for token in _LIST_SEPARATORS.split(arg) if token]
    if len(tokens) <= 1 or not all(_TASK.match(token) for token in tokens):
        return ChangeStatus(verb, _single_task(verb, args))
    numbers = tuple(dict.fromkeys(task_number(token, verb) for token in tokens))
    if len(numbers) > MAX_TASKS_AT_ONCE:
        raise UsageError("err.too_many_tasks", verb, {"limit": MAX_TASKS_AT_ONCE})
    return ChangeStatus(verb, numbers[0]) if len(numbers) == 1 else ChangeStatuses(verb, numbers)


def _parse_block(_verb: str, args: list[str], _dates: _Dates) -> Command:
    number = task_number(args[0] if args else None, "block")
    reason = " ".join(unquote(a) for a in args[1:]).strip()
    if not reason:
        raise UsageError("err.missing_reason", "block", {"number": number})
    if len(reason) > MAX_REASON:
        raise UsageError("err.reason_too_long", "block", {"limit": MAX_REASON, "number": number})
    return BlockTask(number, reason)


def _parse_assign(_verb: str, args: list[str], _dates: _Dates) -> Command:
    number = task_number(args[0] if args else None, "assign")
    if len(args) != 2:
        raise UsageError("err.assign_target", "assign", {"number": number})
    if args[1].lower() in NOBODY_WORDS:
        return AssignTask(number)
    ref = person_ref(args[1])
    if ref is not None:
        return AssignTask(number, person=ref)
    return AssignTask(number, department=args[1])


def _parse_due(_verb: str, args: list[str], dates: _Dates) -> Command:
    number = task_number(args[0] if args else None, "due")
    if len(args) == 2 and args[1].lower() in CLEAR_WORDS:
        return SetDue(number, None)
    return SetDue(number, _parse_date_or_fail(args[1:], dates, "due", number=number))


UNTIL_WORD = re.compile(r"^(?:(?:until|till|through|to)\s+|到|至)\s*", re.IGNORECASE)  # ``until mon``
# ``snooze #3 tomorrow``: until the next working day's morning (a Friday's tomorrow is Monday)
NEXT_WORKING_DAY_WORDS = frozenset(
    {"tomorrow", "tmr", "tmrw", "next working day", "明天", "明日", "下个工作日", "下一个工作日"}
)


def _parse_snooze(_verb: str, args: list[str], dates: _Dates) -> Command:
    number = task_number(args[0] if args else None, "snooze")
    raw = " ".join(args[1:])
    limits = {
        "number": number,
        "min_minutes": MIN_DURATION // timedelta(minutes=1),
        "max_days": MAX_DURATION.days,
    }
    if not raw:
        raise UsageError("err.missing_duration", "snooze", limits)
    if raw.strip().lower() in NEXT_WORKING_DAY_WORDS:
        return SnoozeTask(number, None)
    duration = parse_duration(raw)
    if duration is not None:
        return SnoozeTask(number, duration)
    if duration_seconds(raw) is not None:
        raise UsageError("err.duration_out_of_range", "snooze", {"text": raw[:40], **limits})
    day = dates.read(UNTIL_WORD.sub("", raw))
    if day is None:
        raise UsageError("err.bad_duration", "snooze", {"text": raw[:40], **limits})
    if not dates.today < day <= dates.today + MAX_DURATION:
        raise UsageError("err.snooze_day_out_of_range", "snooze", {"text": raw[:40], **limits})
    return SnoozeTask(number, None, day)


def _parse_rename(_verb: str, args: list[str], _dates: _Dates) -> Command:
    number = task_number(args[0] if args else None, "rename")
    title = " ".join(unquote(a) for a in args[1:]).strip()
    if not title:
        raise UsageError("err.missing_title", "rename", {"number": number}, field="title")
    if len(title) > MAX_TITLE:
        raise UsageError(
            "err.title_too_long", "rename", {"limit": MAX_TITLE, "number": number}, field="title"
        )
    return RenameTask(number, title)


def _parse_delete(_verb: str, args: list[str], _dates: _Dates) -> Command:
    return DeleteTask(_single_task("delete", args))


def _is_launch_name(name: str) -> bool:
    return bool(name) and len(name) <= MAX_NAME and _NAME.match(name) is not None


def _launch_name(token: str, usage: str) -> str:
    name = unquote(token)
    if not _is_launch_name(name):
        raise UsageError("err.bad_launch_name", usage, {"name": name[:40], "limit": MAX_NAME})
    return name


def _parse_check(verb: str, args: list[str], _dates: _Dates) -> Command:
    if len(args) != 3:
        raise UsageError("err.check_args", verb)
    try:
        item = int(args[2])
    except ValueError:
        raise UsageError("err.bad_item_number", verb, {"token": args[2][:40]}) from None
    return CheckItem(_launch_name(args[0], verb), args[1], item, done=verb == "check")


DEPT_WORDS = {
    "list": "list", "ls": "list", "列表": "list",
    "add": "add", "new": "add", "添加": "add", "新建": "add", "新增": "add",
    "rename": "rename", "重命名": "rename", "改名": "rename",
    "set": "set", "设置": "set", "设": "set",
}  # fmt: skip
DEPT_FIELDS = {
    "lead": "lead", "负责人": "lead", "部门负责人": "lead", "主管": "lead",
    "channel": "channel", "频道": "channel", "群": "channel", "群聊": "channel",
    "members": "members", "member": "members", "成员": "members",
    "holidays": "holidays", "holiday": "holidays", "节假日": "holidays", "假期": "holidays",
}  # fmt: skip
SETTING_NAMES = {
    "timezone": "timezone", "tz": "timezone", "时区": "timezone",
    "language": "language", "lang": "language", "语言": "language",
    "workdays": "workdays", "工作日": "workdays",
    "checkin": "checkin", "check-in": "checkin", "发布检查时间": "checkin", "检查时间": "checkin",
    "nudge": "nudge", "催办时间": "nudge", "催办": "nudge",
    "offsets": "offsets", "发布检查日": "offsets", "检查日": "offsets",
    "holidays": "holidays", "holiday": "holidays", "节假日": "holidays", "假期": "holidays",
    "hours": "hours", "工作时间": "hours",
    "escalate": "escalate", "升级时限": "escalate", "升级": "escalate",
    "threads": "threads", "thread": "threads", "话题": "threads",
}  # fmt: skip


def _parse_dept(_verb: str, args: list[str], _dates: _Dates) -> Command:
    sub = DEPT_WORDS.get(args[0].lower()) if args else "list"
    if sub == "list":
        return ListDepartments()
    if sub == "add":
        if len(args) < 2 or not _NAME.match(args[1]) or len(args[1]) > MAX_NAME:
            raise UsageError("err.dept_add_args", "dept")
        return AddDepartment(args[1].lower(), tuple(a.lower() for a in args[2:]))
    if sub == "rename":
        if len(args) != 3 or not _NAME.match(args[2]) or len(args[2]) > MAX_NAME:
            raise UsageError("err.dept_rename_args", "dept")
        return RenameDepartment(args[1], args[2].lower())
    if sub == "set":
        if len(args) < 4:
            raise UsageError("err.dept_set_args", "dept")
        department, what, values = args[1], DEPT_FIELDS.get(args[2].lower()), args[3:]
        if what == "lead" and len(values) == 1 and (ref := person_ref(values[0])):
            return SetDepartment(department, lead=ref)
        if what == "channel" and len(values) == 1 and (chan := channel_ref(values[0])):
            return SetDepartment(department, channel=chan)
        if what == "holidays" and len(values) == 1 and (region := parse_region(values[0])):
            return SetDepartment(department, holidays=region)
        if what == "members":
            refs = [person_ref(v) for v in values]
            if all(refs):
                return SetDepartment(department, members=tuple(r for r in refs if r))
        raise UsageError("err.dept_set_args", "dept")
    raise UsageError("err.unknown_subcommand", "dept", {"word": args[0][:40]})


def _parse_settings(_verb: str, args: list[str], _dates: _Dates) -> Command:
    if not args:
        return ShowSettings()
    name, values = SETTING_NAMES.get(args[0].lower()), args[1:]
    raw = " ".join(values)
    if name == "timezone":
        if len(values) != 1:
            raise UsageError("err.settings_value", "settings", {"name": "timezone"})
        return ChangeSetting("timezone", values[0])
    if name == "language":
        lang = _LANG.get(raw.lower())
        if lang is None:
            raise UsageError("err.bad_language", "settings", {"text": raw[:20]})
        return ChangeSetting("language", lang)
    if name == "workdays":
        mask = parse_weekdays(raw)
        if mask is None:
            raise UsageError("err.bad_weekdays", "settings", {"text": raw[:40]})
        return ChangeSetting("workdays", mask)
    if name in ("checkin", "nudge"):
        at = parse_clock_time(raw)
        if at is None:
            raise UsageError("err.bad_time", "settings", {"text": raw[:20]})
        return ChangeSetting(name, at)
    if name == "offsets":
        try:
            offsets = sorted({int(v) for v in raw.replace(",", " ").split()})
        except ValueError:
            raise UsageError("err.bad_offsets", "settings", {"text": raw[:40]}) from None
        if not offsets or any(abs(o) > 60 for o in offsets):
            raise UsageError("err.bad_offsets", "settings", {"text": raw[:40]})
        return ChangeSetting("offsets", tuple(offsets))
    if name == "holidays":
        region = parse_region(raw) if len(values) == 1 else None
        if region is None:
            raise UsageError("err.bad_holiday_region", "settings", {"text": raw[:20]})
        return ChangeSetting("holidays", region)
    if name == "hours":
        hours = parse_hours(raw)
        if hours is None:
            raise UsageError("err.bad_hours", "settings", {"text": raw[:20]})
        return ChangeSetting("hours", hours)
    if name == "escalate":
        try:
            lead, creator = (int(v) for v in values)
        except ValueError:
            raise UsageError("err.bad_escalate", "settings") from None
        if not 1 <= lead <= creator <= 30:
            raise UsageError("err.bad_escalate", "settings")
        return ChangeSetting("escalate", (lead, creator))
    if name == "threads":
        switch = {"on": True, "开": True, "off": False, "关": False}.get(raw.lower())
        if switch is None:
            raise UsageError("err.settings_value", "settings", {"name": "threads"})
        return ChangeSetting("threads", switch)
    raise UsageError("err.unknown_setting", "settings", {"name": args[0][:40]})


def _parse_digest(_verb: str, args: list[str], _dates: _Dates) -> Command:
    if not args:
        raise UsageError("err.digest_args", "digest")
    sub = args[0].lower()
    if sub in ("off", "stop", "关闭") and len(args) == 1:
        return Digest("off")
    if sub in ("now", "立即") and len(args) == 1:
        return Digest("now")
    if sub in ("here", "这里"):
        rest = args[1:]
        if rest and rest[0].lower() in ("at", "在"):
            rest = rest[1:]
        if not rest:
            raise UsageError("err.digest_args", "digest")
        at = parse_clock_time(rest[0])
        if at is None:
            raise UsageError("err.bad_time", "digest", {"text": rest[0][:20]})
        days = WORKDAYS_MASK
        if len(rest) > 1:
            parsed_days = parse_weekdays(" ".join(rest[1:]))
            if parsed_days is None:
                raise UsageError("err.bad_weekdays", "digest", {"text": " ".join(rest[1:])[:40]})
            days = parsed_days
        return Digest("here", at, days)
    raise UsageError("err.digest_args", "digest")


_PARSERS = {
    "help": _parse_help,
    "add": _parse_add,
    "list": _parse_list,
    "show": _parse_show,
    "start": _parse_status,
    "done": _parse_status,
    "reopen": _parse_status,
    "unblock": _parse_status,
    "block": _parse_block,
    "assign": _parse_assign,
    "due": _parse_due,
    "snooze": _parse_snooze,
    "rename": _parse_rename,
    "delete": _parse_delete,
    "check": _parse_check,
    "uncheck": _parse_check,
    "dept": _parse_dept,
    "settings": _parse_settings,
    "digest": _parse_digest,
}

# What every parser reads dates with (the launch and template grammars' too).
DateReader = _Dates
Parser = Callable[[str, list[str], _Dates], object]


def register_commands(verbs: dict[str, str], parsers: dict[str, Parser], names: tuple[str, ...]) -> None:
    """Add another grammar module's verbs, parsers and help entries (see handlers.launch_grammar)."""
    global COMMAND_NAMES
    VERBS.update(verbs)
    _PARSERS.update(parsers)
    new = tuple(n for n in names if n not in COMMAND_NAMES)
    COMMAND_NAMES = (*COMMAND_NAMES[:-1], *new, COMMAND_NAMES[-1])  # "help" stays last


# Launches, sign-off and templates: grammar modules of their own, which register themselves here.
from handlers import (  # noqa: E402, F401
    calendar_grammar,
    capture_grammar,
    export_grammar,
    feedback_grammar,
    launch_grammar,
    overview_grammar,
    plan_grammar,
    report_grammar,
    template_grammar,
)
