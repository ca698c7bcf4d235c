"""Company days and the holiday listing: ``holiday add|workday|remove``, ``holidays [month|next]``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from handlers import calendar_grammar as cg
from handlers import execution as ex
from handlers import holidays
from handlers.calendar import WorkCalendar
from handlers.execution import CommandError, Ctx
from handlers.permissions import require_admin
from handlers.replies import Reply, Section, Tone
from handlers.views import day as day_text
from handlers.views import short_day, who
from storage import company_days, repo
from storage.models import CompanyDayKind, Person

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


def set_my_hours(ctx: Ctx, cmd: cg.SetMyHours) -> Reply:
    me, ws = ctx.me, ctx.workspace
    if cmd.timezone is not None:
        try:
            ZoneInfo(cmd.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise CommandError("err.bad_timezone", "me", {"text": cmd.timezone[:40]}) from None
        me.timezone = cmd.timezone
    elif cmd.hours is not None:
        me.work_start, me.work_end = (t.strftime("%H:%M") for t in cmd.hours)
    elif cmd.clear_hours:
        me.work_start = me.work_end = None
    hours = f"{me.work_start or ws.work_start}–{me.work_end or ws.work_end}"
    current = me.away_until is not None and me.away_until >= ctx.today
    away = _away_text(ctx, me.away_from, me.away_until) if current else ""
    text = ctx.tr("me.summary", hours=hours, tz=me.timezone or ws.timezone) + away
    if me.status_hint and not current:  # the chat status says away, coordbot does not: ask
        text += "\n" + ctx.tr("me.status_hint", status=me.status_hint)
    changed = cmd.timezone is not None or cmd.hours is not None or cmd.clear_hours
    return Reply(text, tone=Tone.SUCCESS if changed else Tone.INFO)


def set_away(ctx: Ctx, cmd: cg.SetAway) -> Reply:
    person = ex.person(ctx, cmd.who) if cmd.who is not None else ctx.me
    if person.id != ctx.me.id and not ctx.is_admin and not _leads(ctx, person):
        raise CommandError("err.away_not_allowed", "away", {"who": who(person, ctx.tr)})
    if cmd.start is None:
        person.away_from = person.away_until = person.away_backup_id = None
        return Reply(ctx.tr("away.off", who=who(person, ctx.tr)), tone=Tone.SUCCESS)
    backup = ex.person(ctx, cmd.backup) if cmd.backup is not None else None
    if backup is not None and backup.id == person.id:
        raise CommandError("err.away_backup_self", "away")
    person.away_from, person.away_until = cmd.start, cmd.end
    person.away_backup_id = backup.id if backup is not None else None
    text = ctx.tr("away.set", who=who(person, ctx.tr)) + _away_text(ctx, cmd.start, cmd.end)
    if backup is not None:
        text += ctx.tr("away.backup", backup=who(backup, ctx.tr))
    return Reply(text, tone=Tone.SUCCESS)


def _away_text(ctx: Ctx, start: date | None, end: date | None) -> str:
    if start is None or end is None:
        return ""
    return ctx.tr("away.range", start=short_day(start, ctx.tr), end=short_day(end, ctx.tr))


def _leads(ctx: Ctx, person: Person) -> bool:
    return any(d.lead_id == ctx.me.id for d in repo.departments_led_or_joined(ctx.session, person))


HANDLERS: dict[type, Callable[[Ctx, Any], Reply]] = {
    cg.SetMyHours: set_my_hours,
    cg.SetAway: set_away,
    cg.SetCompanyDay: set_company_day,
    cg.RemoveCompanyDay: remove_company_day,
    cg.ListHolidays: list_holidays,
}
