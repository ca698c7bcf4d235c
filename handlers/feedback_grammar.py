"""The words of launch feedback: log it, list it, +1 it, triage it.

``feedback <launch> [bug|request|praise|question] <text…>`` logs an item; ``feedback list
<launch> [new|all]`` lists them; ``feedback F12`` shows one; ``feedback F12 +1`` counts a vote;
``feedback F12 task <dept> [@person] [due …] [for <launch>]``, ``… accept``, ``… wontfix
<reason>`` and ``… duplicate F3`` triage it. Registered with the core grammar like the others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from handlers import grammar as g
from handlers import launch_grammar as lg
from storage.models import FeedbackKind

MAX_FEEDBACK = 1000  # like a task's description
MAX_REASON = 300
USAGE = "feedback"


@dataclass(frozen=True)
class LogFeedback:
    launch: str
    text: str
    kind: str | None = None


@dataclass(frozen=True)
class ListFeedback:
    launch: str
    scope: str = "open"  # open | new | all


@dataclass(frozen=True)
class ShowFeedback:
    number: int


@dataclass(frozen=True)
class VoteFeedback:
    number: int


@dataclass(frozen=True)
class FeedbackToTask:
    """Triage into a task: ``task`` is the add command read from the options (its title unused)."""

    number: int
    task: g.AddTask


@dataclass(frozen=True)
class TriageFeedback:
    """``accept`` (no reason), ``wontfix`` (a reason) or ``duplicate`` (of ``original``)."""

    number: int
    verdict: str  # FeedbackStatus.ACCEPTED | WONTFIX | DUPLICATE
    reason: str | None = None
    original: int | None = None


VERBS = {"feedback": "feedback", "fb": "feedback", "反馈": "feedback"}
COMMAND_NAMES = ("feedback",)

KIND_WORDS = {
    "bug": FeedbackKind.BUG, "bugs": FeedbackKind.BUG, "缺陷": FeedbackKind.BUG, "故障": FeedbackKind.BUG,
    "request": FeedbackKind.REQUEST, "feature": FeedbackKind.REQUEST, "idea": FeedbackKind.REQUEST,
    "需求": FeedbackKind.REQUEST, "建议": FeedbackKind.REQUEST,
    "praise": FeedbackKind.PRAISE, "kudos": FeedbackKind.PRAISE, "表扬": FeedbackKind.PRAISE,
    "好评": FeedbackKind.PRAISE,
    "question": FeedbackKind.QUESTION, "疑问": FeedbackKind.QUESTION, "提问": FeedbackKind.QUESTION,
}  # fmt: skip
SCOPES = {"new": "new", "untriaged": "new", "新": "new", "未分拣": "new", "all": "all", "全部": "all",
          "open": "open", "未解决": "open"}  # fmt: skip
VOTE_WORDS = {"+1", "vote", "me-too", "metoo", "👍", "赞同", "同上"}
TASK_WORDS = {"task", "todo", "任务"}
ACCEPT_WORDS = {"accept", "accepted", "ok", "接受"}
WONTFIX_WORDS = {"wontfix", "won't-fix", "won’t-fix", "wont-fix", "不修复", "不处理"}
DUPLICATE_WORDS = {"duplicate", "dup", "dupe", "重复"}
_NUMBER = re.compile(r"^#?[Ff](\d{1,9})$")
_PLACEHOLDER = "\x00"  # the title the add grammar reads options after; any other word is extra


def feedback_number(token: str | None) -> int | None:
    match = _NUMBER.match(token or "")
    return int(match.group(1)) if match else None


def _words(args: list[str]) -> str:
    return " ".join(g.unquote(a) for a in args).strip()


def parse_feedback(_verb: str, args: list[str], dates: g.DateReader) -> object:
    if not args:
        raise g.UsageError("err.feedback_args", USAGE)
    first = args[0].lower()
    if first in lg.LIST_WORDS:
        return _parse_list(args[1:])
    number = feedback_number(args[0])
    if number is not None:
        return _parse_item(number, args[1:], dates)
    launch = lg.parse_name(args[0], USAGE)
    rest = args[1:]
    kind = KIND_WORDS.get(rest[0].lower().rstrip(":：")) if rest else None
    if kind is not None:
        rest = rest[1:]
    text = _words(rest)
    if not text:
        raise g.UsageError("err.missing_feedback_text", USAGE, {"launch": launch}, field="text")
    if len(text) > MAX_FEEDBACK:
        raise g.UsageError("err.feedback_too_long", USAGE, {"limit": MAX_FEEDBACK}, field="text")
    return LogFeedback(launch, text, kind)


def _parse_list(args: list[str]) -> ListFeedback:
    if not args:
        raise g.UsageError("err.feedback_list_args", USAGE)
    launch = lg.parse_name(args[0], USAGE)
    if len(args) == 1:
        return ListFeedback(launch)
    scope = SCOPES.get(args[1].lower())
    if scope is None or len(args) > 2:
        raise g.UsageError("err.feedback_list_args", USAGE)
    return ListFeedback(launch, scope)


def _parse_item(number: int, rest: list[str], dates: g.DateReader) -> object:
    if not rest:
        return ShowFeedback(number)
    verb, tail = rest[0].lower(), rest[1:]
    if verb in VOTE_WORDS and not tail:
        return VoteFeedback(number)
    if verb in ACCEPT_WORDS and not tail:
        return TriageFeedback(number, "accepted")
    if verb in WONTFIX_WORDS:
        reason = _words(tail)
        if not reason:
            raise g.UsageError("err.missing_wontfix_reason", USAGE, {"feedback": number})
        if len(reason) > MAX_REASON:
            raise g.UsageError("err.reason_too_long", USAGE, {"limit": MAX_REASON})
        return TriageFeedback(number, "wontfix", reason=reason)
    if verb in DUPLICATE_WORDS:
        original = feedback_number(tail[0]) if len(tail) == 1 else None
        if original is None:
            raise g.UsageError("err.duplicate_args", USAGE, {"feedback": number})
        if original == number:
            raise g.UsageError("err.duplicate_self", USAGE, {"feedback": number})
        return TriageFeedback(number, "duplicate", original=original)
    if verb in TASK_WORDS:
        if not tail:
            raise g.UsageError("err.missing_department", USAGE, field="department")
        reading = g._read_add(tail[0], [_PLACEHOLDER, *tail[1:]], dates)
        if reading.title != _PLACEHOLDER:
            extra = reading.title.replace(_PLACEHOLDER, "").strip()
            raise g.UsageError("err.feedback_task_extra", USAGE, {"words": extra[:60], "feedback": number})
        return FeedbackToTask(number, replace(reading, alternatives=()))
    raise g.UsageError("err.feedback_item_args", USAGE, {"feedback": number, "word": rest[0][:40]})


PARSERS = {"feedback": parse_feedback}

g.register_commands(VERBS, PARSERS, COMMAND_NAMES)
