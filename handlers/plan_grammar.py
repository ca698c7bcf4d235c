"""The version plan's command language: ``plan <launch>`` shows what is in a version, and
``move #<id> to <launch>|none`` changes which version a task is in (how work is carried over or
cut). Registered into :mod:`handlers.grammar`; like the rest of the grammar it never touches the
database.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers import grammar as g
from handlers import launch_grammar as lg

_TO = {"to", "into", "到", "至"}


@dataclass(frozen=True)
class ShowPlan:
    launch: str


@dataclass(frozen=True)
class MoveTask:
    """Put task ``number`` in launch ``launch``, or in none (``launch`` None)."""

    number: int
    launch: str | None


def parse_plan(_verb: str, args: list[str], _reader: g.DateReader) -> ShowPlan:
    if len(args) != 1:
        raise g.UsageError("err.plan_args", "plan")
    return ShowPlan(lg.parse_name(args[0], "plan"))


def parse_move(_verb: str, args: list[str], _reader: g.DateReader) -> MoveTask:
    usage = "move"
    if not args:
        raise g.UsageError("err.missing_task", usage)
    number = g.task_number(args[0], usage)
    rest = args[1:]
    if rest and rest[0].lower() in _TO:
        rest = rest[1:]
    if len(rest) != 1:
        raise g.UsageError("err.move_args", usage, {"number": number})
    if g.unquote(rest[0]).lower() in g.CLEAR_WORDS:
        return MoveTask(number, None)
    return MoveTask(number, lg.parse_name(rest[0], usage))


VERBS: dict[str, str] = {
    "plan": "plan", "version": "plan", "计划": "plan", "版本计划": "plan",
    "move": "move", "移到": "move", "移动": "move",
}  # fmt: skip

g.register_commands(VERBS, {"plan": parse_plan, "move": parse_move}, ("plan", "move"))
