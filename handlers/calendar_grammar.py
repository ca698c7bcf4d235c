"""The calendar's commands: company days (``holiday``) and the holiday listing (``holidays``).

Registers itself with :mod:`handlers.grammar` like the launch grammar does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time

from handlers import grammar as g
from handlers.command_types import PersonRef, UsageError
from handlers.timewords import parse_hours

MAX_DAY_NAME = 120


@dataclass(frozen=True)
class SetCompanyDay:
    day: date
    kind: str  # storage.models.CompanyDayKind
    name: str = ""


@dataclass(frozen=True)
class RemoveCompanyDay:
    day: date


@dataclass(frozen=True)
class ListHolidays:
    """``month``: the first day of the month to list; ``next_only``: only the next day off."""

    month: date | None = None
    next_only: bool = False


VERBS = {
    "holiday": "holiday", "节假日": "holiday", "公司假期": "holiday",
    "holidays": "holidays", "假期": "holidays", "假日": "holidays",
}  # fmt: skip
COMMAND_NAMES = ("holiday", "holidays")

_ADD = ("add", "off", "添加", "放假")
_WORKDAY = ("workday", "work", "补班", "上班")
_REMOVE = ("remove", "delete", "rm", "删除")
_NEXT = ("next", "下一个", "下个")
_THIS_MONTH = ("month", "this-month", "本月", "这个月")
_NEXT_MONTH = ("next-month", "下月", "下个月")
_MONTHS = {
    name: n
    for n, names in enumerate(
        (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
         ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
         ("oct", "october"), ("nov", "november"), ("dec", "december")),
        start=1,
    )
    for name in names
}  # fmt: skip
_YEAR_MONTH = re.compile(r"^(\d{4})[-/.年](\d{1,2})月?$")
_CN_MONTH = re.compile(r"^(\d{1,2})月(?:份)?$")


def parse_holiday(_verb: str, args: list[str], dates: g.DateReader) -> SetCompanyDay | RemoveCompanyDay:
    if len(args) < 2:
        raise UsageError("err.holiday_args", "holiday")
    sub = args[0].lower()
    day = dates.read(args[1])
    if day is None:
        raise UsageError("err.bad_date", "holiday", {"text": args[1][:40]}, field="date")
    name = " ".join(g.unquote(a) for a in args[2:]).strip()
    if len(name) > MAX_DAY_NAME:
        raise UsageError("err.holiday_name_too_long", "holiday", {"limit": MAX_DAY_NAME})
    if sub in _ADD:
        return SetCompanyDay(day, "off", name)
    if sub in _WORKDAY:
        return SetCompanyDay(day, "work", name)
    if sub in _REMOVE and len(args) == 2:
        return RemoveCompanyDay(day)
    raise UsageError("err.holiday_args", "holiday")


def parse_holidays(_verb: str, args: list[str], dates: g.DateReader) -> ListHolidays:
    if not args:
        return ListHolidays()
    word = " ".join(args).lower().replace(" ", "-")
    today = dates.today
    if word in _NEXT:
        return ListHolidays(next_only=True)
    if word in _THIS_MONTH:
        return ListHolidays(today.replace(day=1))
    if word in _NEXT_MONTH:
        return ListHolidays(month_after(today.replace(day=1)))
    month = _month(word, today)
    if month is None:
        raise UsageError("err.holidays_args", "holidays", {"text": " ".join(args)[:40]})
    return ListHolidays(month)


def _month(word: str, today: date) -> date | None:
    """``2026-10``, ``2026年10月``, ``oct``, ``10月``: the first of that month (a bare month is the
    coming one: ``jan`` in December is next January)."""
    if m := _YEAR_MONTH.match(word):
        year, number = int(m[1]), int(m[2])
        return date(year, number, 1) if 1 <= number <= 12 and 1900 < year < 2200 else None
    number = int(m[1]) if (m := _CN_MONTH.match(word)) else _MONTHS.get(word)
    if number is None or not 1 <= number <= 12:
        return None
    year = today.year + (number < today.month)
    return date(year, number, 1)


def month_after(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


g.register_commands(VERBS, {"holiday": parse_holiday, "holidays": parse_holidays}, COMMAND_NAMES)


@dataclass(frozen=True)
class SetMyHours:
    """``me hours 10:00-19:00`` / ``me timezone Asia/Shanghai`` / ``me`` (show)."""

    hours: tuple[time, time] | None = None
    timezone: str | None = None
    clear_hours: bool = False


@dataclass(frozen=True)
class SetAway:
    """``away 2026-12-20..2026-12-27 [backup @carol]``, ``away off``; ``who`` for someone else."""

    start: date | None  # None: away off
    end: date | None = None
    backup: PersonRef | None = None
    who: PersonRef | None = None


_RANGE = re.compile(r"^(.+?)\s*(?:\.\.|~|～|至|到|\s(?:to|until|till|through)\s)\s*(.+)$", re.IGNORECASE)


def parse_me(_verb: str, args: list[str], _dates: g.DateReader) -> SetMyHours:
    if not args:
        return SetMyHours()
    sub, raw = args[0].lower(), " ".join(args[1:])
    if sub in ("hours", "工作时间") and raw.lower() in g.CLEAR_WORDS:
        return SetMyHours(clear_hours=True)
    if sub in ("hours", "工作时间"):
        hours = parse_hours(raw)
        if hours is None:
            raise UsageError("err.bad_hours", "me", {"text": raw[:20]})
        return SetMyHours(hours=hours)
    if sub in ("timezone", "tz", "时区") and len(args) == 2:
        return SetMyHours(timezone=args[1])
    raise UsageError("err.unknown_subcommand", "me", {"word": args[0][:40]})


def parse_away(_verb: str, args: list[str], dates: g.DateReader) -> SetAway:
    who = g.person_ref(args[0]) if args else None
    if who is not None:
        args = args[1:]
    if len(args) == 1 and args[0].lower() in ("off", "back", "关闭", "取消"):
        return SetAway(None, who=who)
    backup = None
    if len(args) >= 2 and args[-2].lower() in ("backup", "代理", "备份") and (ref := g.person_ref(args[-1])):
        backup, args = ref, args[:-2]
    text = " ".join(args)
    m = _RANGE.match(text)
    if m:
        start, end = dates.read(m[1]), dates.read(m[2])
    elif g.UNTIL_WORD.match(text):
        start, end = dates.today, dates.read(g.UNTIL_WORD.sub("", text))
    else:
        start = end = dates.read(text) if text else None
    if start is None or end is None or end < start or (end - start).days > 366:
        raise UsageError("err.away_args", "away")
    return SetAway(start, end, backup, who)


g.register_commands(
    {"me": "me", "我": "me", "away": "away", "休假": "away", "请假": "away"},
    {"me": parse_me, "away": parse_away},
    ("me", "away"),
)
