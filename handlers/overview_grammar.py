"""The PM's overview commands: ``roadmap [weeks]`` and ``board`` / ``board revoke``.

Registered into :mod:`handlers.grammar` (which imports this module); never touches the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from handlers import grammar as g
from handlers.roadmap import DEFAULT_WEEKS, MAX_WEEKS

_WEEKS = re.compile(r"^(\d{1,3})(?:w|wk|wks|weeks?|周)?$", re.IGNORECASE)
_REVOKE = {"revoke", "logout", "signout", "撤销", "退出"}


@dataclass(frozen=True)
class ShowRoadmap:
    weeks: int = DEFAULT_WEEKS


@dataclass(frozen=True)
class OpenBoard:
    pass


@dataclass(frozen=True)
class RevokeBoard:
    pass


def parse_weeks(words: list[str], usage: str) -> int:
    """``12``, ``12w``, ``12 weeks``, ``12周``: a number of weeks from 1 to :data:`MAX_WEEKS`."""
    text = "".join(words)
    match = _WEEKS.match(text)
    if match is None:
        raise g.UsageError("err.roadmap_weeks", usage, {"text": " ".join(words)[:40], "max": MAX_WEEKS})
    weeks = int(match.group(1))
    if not 1 <= weeks <= MAX_WEEKS:
        raise g.UsageError("err.roadmap_weeks", usage, {"text": " ".join(words)[:40], "max": MAX_WEEKS})
    return weeks


def _parse_roadmap(_verb: str, args: list[str], _reader: g.DateReader) -> ShowRoadmap:
    return ShowRoadmap(parse_weeks(args, "roadmap")) if args else ShowRoadmap()


def _parse_board(_verb: str, args: list[str], _reader: g.DateReader) -> OpenBoard | RevokeBoard:
    if not args:
        return OpenBoard()
    if len(args) == 1 and args[0].lower() in _REVOKE:
        return RevokeBoard()
    raise g.UsageError("err.extra_words", "board", {"words": " ".join(args)[:60]})


VERBS = {
    "roadmap": "roadmap", "路线图": "roadmap", "规划": "roadmap",
    "board": "board", "看板": "board",
}  # fmt: skip
PARSERS = {"roadmap": _parse_roadmap, "board": _parse_board}
COMMAND_NAMES = ("roadmap", "board")

g.register_commands(VERBS, PARSERS, COMMAND_NAMES)
