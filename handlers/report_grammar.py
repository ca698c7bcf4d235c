"""The grammar of charts, the weekly report and launch retros (registered into handlers.grammar).

``chart [burnup] <launch>`` · ``chart overdue [weeks]`` · ``report here|dm [weekly] <day> <HH:MM>``
· ``report here|dm off`` · ``report now`` · ``report`` (the schedules) · ``retro <launch> [close]``
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers import grammar as g
from handlers.burnup import DEFAULT_WEEKS, MAX_WEEKS
from handlers.timewords import parse_clock_time, parse_weekdays


@dataclass(frozen=True)
class ChartBurnup:
    launch: str


@dataclass(frozen=True)
class ChartOverdue:
    weeks: int = DEFAULT_WEEKS


@dataclass(frozen=True)
class ScheduleReport:
    where: str  # "here" (this channel) | "dm" (the asker's DM)
    weekday: int  # 0 is Monday
    at: str  # HH:MM, local


@dataclass(frozen=True)
class StopReport:
    where: str


@dataclass(frozen=True)
class ReportNow:
    pass


@dataclass(frozen=True)
class ShowReports:
    pass


@dataclass(frozen=True)
class Retro:
    launch: str
    close: bool = False  # the PM closes the launch: the retro goes to its channel and the PM


VERBS = {
    "chart": "chart", "charts": "chart", "图表": "chart",
    "report": "report", "reports": "report", "周报": "report", "报告": "report",
    "retro": "retro", "retrospective": "retro", "复盘": "retro",
}  # fmt: skip
COMMAND_NAMES = ("chart", "report", "retro")
_BURNUP = {"burnup", "burn-up", "燃起图", "燃起"}
_OVERDUE = {"overdue", "late", "逾期"}
_HERE = {"here", "这里", "本群"}
_DM = {"dm", "me", "私信"}
_OFF = {"off", "stop", "关闭", "停止"}
_NOW = {"now", "立即", "现在"}
_WEEKLY = {"weekly", "every", "每周"}
_AT = {"at", "在"}
_CLOSE = {"close", "closed", "send", "关闭", "结束", "发送"}


def _parse_chart(_verb: str, args: list[str], _dates: g.DateReader) -> object:
    if not args:
        raise g.UsageError("err.chart_args", "chart")
    first = args[0].lower()
    if first in _OVERDUE:
        if len(args) > 2:
            raise g.UsageError("err.chart_args", "chart")
        if len(args) == 1:
            return ChartOverdue()
        weeks = args[1].lower().removesuffix("w").removesuffix("周")
        if not weeks.isdigit() or not 1 <= int(weeks) <= MAX_WEEKS:
            raise g.UsageError("err.bad_weeks", "chart", {"text": args[1][:20], "limit": MAX_WEEKS})
        return ChartOverdue(int(weeks))
    rest = args[1:] if first in _BURNUP else args
    if len(rest) != 1:
        raise g.UsageError("err.chart_args", "chart")
    return ChartBurnup(g.unquote(rest[0]))


def _parse_report(_verb: str, args: list[str], _dates: g.DateReader) -> object:
    if not args:
        return ShowReports()
    first = args[0].lower()
    if first in _NOW and len(args) == 1:
        return ReportNow()
    if first not in _HERE | _DM:
        raise g.UsageError("err.report_args", "report")
    where = "here" if first in _HERE else "dm"
    rest = [a for a in args[1:] if a.lower() not in _WEEKLY | _AT]
    if len(rest) == 1 and rest[0].lower() in _OFF:
        return StopReport(where)
    if len(rest) != 2:
        raise g.UsageError("err.report_args", "report")
    day, time = rest
    if parse_clock_time(day) is not None and parse_clock_time(time) is None:
        day, time = time, day  # "16:00 fri" reads as well
    mask = parse_weekdays(day)
    if mask is None or mask.bit_count() != 1:
        raise g.UsageError("err.report_day", "report", {"text": day[:20]})
    at = parse_clock_time(time)
    if at is None:
        raise g.UsageError("err.bad_time", "report", {"text": time[:20]})
    return ScheduleReport(where, mask.bit_length() - 1, at.strftime("%H:%M"))


def _parse_retro(_verb: str, args: list[str], _dates: g.DateReader) -> object:
    if not args or len(args) > 2 or (len(args) == 2 and args[1].lower() not in _CLOSE):
        raise g.UsageError("err.retro_args", "retro")
    return Retro(g.unquote(args[0]), close=len(args) == 2)


PARSERS = {"chart": _parse_chart, "report": _parse_report, "retro": _parse_retro}

g.register_commands(VERBS, PARSERS, COMMAND_NAMES)
