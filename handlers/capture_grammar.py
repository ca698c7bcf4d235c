"""The words of work captured from conversation: ``describe #12 <text…>`` and ``quiet #12 [off]``.

Registered with the core grammar (handlers.grammar.register_commands) like the launch grammar.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers import grammar as g

MAX_DESCRIPTION = 1000  # what a Feishu card input holds; typed, well within a command line
CLEAR = ("none", "clear", "-", "无", "清除")


@dataclass(frozen=True)
class DescribeTask:
    number: int
    description: str | None  # None: clear it


@dataclass(frozen=True)
class QuietTask:
    """No replies in the task's source thread (``quiet``), or replies again (``quiet … off``)."""

    number: int
    quiet: bool = True


VERBS = {
    "describe": "describe", "description": "describe", "desc": "describe", "描述": "describe",
    "quiet": "quiet", "mute": "quiet", "静音": "quiet",
}  # fmt: skip
COMMAND_NAMES = ("describe", "quiet")
_OFF = {"off", "no", "关", "关闭"}
_ON = {"on", "yes", "开", "开启"}


def parse_describe(_verb: str, args: list[str], _dates: g.DateReader) -> DescribeTask:
    number = g.task_number(args[0] if args else None, "describe")
    text = " ".join(g.unquote(a) for a in args[1:]).strip()
    if not text:
        raise g.UsageError("err.missing_description", "describe", {"number": number}, field="description")
    if text.lower() in CLEAR:
        return DescribeTask(number, None)
    if len(text) > MAX_DESCRIPTION:
        raise g.UsageError(
            "err.description_too_long", "describe", {"limit": MAX_DESCRIPTION}, field="description"
        )
    return DescribeTask(number, text)


def parse_quiet(_verb: str, args: list[str], _dates: g.DateReader) -> QuietTask:
    number = g.task_number(args[0] if args else None, "quiet")
    rest = [a.lower() for a in args[1:]]
    if not rest or (len(rest) == 1 and rest[0] in _ON):
        return QuietTask(number, True)
    if len(rest) == 1 and rest[0] in _OFF:
        return QuietTask(number, False)
    raise g.UsageError("err.quiet_args", "quiet", {"number": number})


PARSERS = {"describe": parse_describe, "quiet": parse_quiet}

g.register_commands(VERBS, PARSERS, COMMAND_NAMES)
