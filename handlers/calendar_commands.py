"""Company days and the holiday listing: ``holiday add|workday|remove``, ``holidays [month|next]``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from handlers import calendar_grammar as cg
from handlers import holidays
from handlers.calendar import WorkCalendar
from handlers.execution import CommandError, Ctx
from handlers.permissions import require_admin
from handlers.replies import Reply, Section, Tone
from handlers.views import day as day_text
from storage import company_days
from storage.models import CompanyDayKind

COMING_DAYS = 92  # ``holidays`` without a month: about the next three months
NEXT_HORIZON = 400  # ``holidays next`` looks this far ahead
MAX_LINES = 40


@dataclass(frozen=True)
class DayEntry:
    day: date
    kind: str  # "off" | "work"
    name: str
    company: bool


def set_company_day(ctx: Ctx, cmd: cg.SetCompanyDay) -> Reply:
    require_admin(ctx)
    default = "holiday.company_day" if cmd.kind == CompanyDayKind.OFF else "holiday.extra_workday"
    name = cmd.name or ctx.tr(default)
    company_days.put(ctx.session, ctx.workspace.id, cmd.day, cmd.kind, name, ctx.now)
    key = "holiday.added_off" if cmd.kind == CompanyDayKind.OFF else "holiday.added_workday"
    return Reply(ctx.tr(key, date=day_text(cmd.day, ctx.tr, ctx.today), name=name), tone=Tone.SUCCESS)


def remove_company_day(ctx: Ctx, cmd: cg.RemoveCompanyDay) -> Reply:
    require_admin(ctx)
    if not company_days.remove(ctx.session, ctx.workspace.id, cmd.day):
        raise CommandError("err.no_company_day", "holiday", {"date": cmd.day.isoformat()})
    return Reply(ctx.tr("holiday.removed", date=day_text(cmd.day, ctx.tr, ctx.today)), tone=Tone.SUCCESS)


def list_holidays(ctx: Ctx, cmd: cg.ListHolidays) -> Reply:
    calendar = ctx.calendar
    if cmd.month is not None:
        start = cmd.month
        end = cg.month_after(start) - timedelta(days=1)
    else:
        start, end = ctx.today, ctx.today + timedelta(days=NEXT_HORIZON if cmd.next_only else COMING_DAYS)
    entries = list(_entries(ctx, calendar, start, end))
    if cmd.next_only:
        entries = _next_period(entries)
    region = calendar.region
    headline = ctx.tr("holidays.title", region=region_text(ctx, region))
    sections = []
    unknown = [y for y in range(start.year, end.year + 1) if not calendar.holidays_known(y)]
    for year in unknown:
        holidays.note_unknown_year(ctx.workspace.id, region, year)
        sections.append(Section(text=ctx.tr("holidays.no_data", year=year, region=region)))
    if entries:
        lines = [_line(ctx, e) for e in entries[:MAX_LINES]]
        sections.append(Section(text="\n".join(lines)))
    else:
        shown = {"start": day_text(start, ctx.tr, ctx.today), "end": day_text(end, ctx.tr, ctx.today)}
        sections.append(Section(text=ctx.tr("holidays.none", **shown)))
    return Reply(headline, tuple(sections), usage=ctx.tr("holidays.hint"))


def region_text(ctx: Ctx, region: str) -> str:
    """``CN``, ``US-CA``; ``none`` as the reader says it; the default marked as such."""
    shown = ctx.tr("word.none") if region == holidays.NONE else region
    if not ctx.workspace.holiday_region:
        return ctx.tr("holidays.default_region", region=shown)
    return shown


def _entries(ctx: Ctx, calendar: WorkCalendar, start: date, end: date) -> Iterator[DayEntry]:
    """Days off and extra working days in ``[start, end]``: company days over public ones."""
    company = {d.day: d for d in company_days.listed(ctx.session, ctx.workspace.id, start, end)}
    public: dict[date, DayEntry] = {}
    if calendar.region != holidays.NONE:
        for year in range(start.year, end.year + 1):
            data = holidays.public_year(calendar.region, year, ctx.tr.lang)
            for day, name in data.days_off.items():
                if start <= day <= end:
                    public[day] = DayEntry(day, "off", name, company=False)
            for day in data.workdays:
                if start <= day <= end:
                    public[day] = DayEntry(day, "work", ctx.tr("holiday.makeup_workday"), company=False)
    merged = dict(public)
    for day, row in company.items():
        merged[day] = DayEntry(day, row.kind, row.name, company=True)
    for day in sorted(merged):
        yield merged[day]


def _next_period(entries: list[DayEntry]) -> list[DayEntry]:
    """The first run of entries of one kind on consecutive or nearby days (a holiday period)."""
    if not entries:
        return []
    period = [entries[0]]
    for entry in entries[1:]:
        if (entry.day - period[-1].day).days > 3:
            break
        period.append(entry)
    return period


def _line(ctx: Ctx, entry: DayEntry) -> str:
    key = "holidays.line_off" if entry.kind == CompanyDayKind.OFF else "holidays.line_work"
    suffix = ctx.tr("holidays.company") if entry.company else ""
    return ctx.tr(key, date=day_text(entry.day, ctx.tr, relative=False), name=entry.name) + suffix


HANDLERS: dict[type, Callable[[Ctx, Any], Reply]] = {
    cg.SetCompanyDay: set_company_day,
    cg.RemoveCompanyDay: remove_company_day,
    cg.ListHolidays: list_holidays,
}
