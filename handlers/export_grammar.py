"""The command language of data leaving coordbot: ``export [<launch>|all] [csv|json]`` and
``calendar [reset]`` (a personal iCalendar feed).

Registered into :mod:`handlers.grammar`; like the rest of the grammar it never touches the
database (whether a launch exists is checked when the command runs).
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers import grammar as g
from handlers import launch_grammar as lg
from handlers.export import FORMATS

ALL_WORDS = {"all", "全部", "所有"}
# Words that name a file format coordbot does not write: refused as a format, not read as a launch.
OTHER_FORMATS = {"xlsx", "xls", "tsv", "txt", "pdf", "xml", "yaml", "yml", "html", "md", "ics", "excel"}


@dataclass(frozen=True)
class Export:
    launch: str | None  # None: every launch and every task
    format: str = "csv"


def _format(word: str) -> str | None:
    word = word.lower().lstrip(".")
    if word in FORMATS:
        return word
    if word in OTHER_FORMATS:
        raise g.UsageError("err.export_format", "export", {"format": word[:20]})
    return None


def parse_export(_verb: str, args: list[str], _reader: g.DateReader) -> Export:
    usage = "export"
    if len(args) > 2:
        raise g.UsageError("err.export_args", usage)
    fmt = "csv"
    if args and (found := _format(args[-1])) is not None:
        fmt, args = found, args[:-1]
    elif len(args) == 2:
        raise g.UsageError("err.export_format", usage, {"format": g.unquote(args[-1])[:20]})
    if not args or g.unquote(args[0]).lower() in ALL_WORDS:
        return Export(None, fmt)
    return Export(lg.parse_name(args[0], usage), fmt)


@dataclass(frozen=True)
class CalendarFeed:
    """A new address of the caller's feed, or (``reset``) every address of it turned off."""

    reset: bool = False


RESET_WORDS = {"reset", "revoke", "off", "重置", "停用"}


def parse_calendar(_verb: str, args: list[str], _reader: g.DateReader) -> CalendarFeed:
    if not args:
        return CalendarFeed()
    if len(args) == 1 and args[0].lower() in RESET_WORDS:
        return CalendarFeed(reset=True)
    raise g.UsageError("err.calendar_args", "calendar")


VERBS: dict[str, str] = {
    "export": "export", "导出": "export",
    "calendar": "calendar", "cal": "calendar", "ical": "calendar", "日历": "calendar",
}  # fmt: skip

g.register_commands(VERBS, {"export": parse_export, "calendar": parse_calendar}, ("export", "calendar"))
