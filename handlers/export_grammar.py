"""The command language of data leaving coordbot: ``export [<launch>|all] [csv|json]``.

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


VERBS: dict[str, str] = {"export": "export", "导出": "export"}

g.register_commands(VERBS, {"export": parse_export}, ("export",))
