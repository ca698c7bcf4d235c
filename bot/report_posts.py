"""Planning the scheduler's weekly reports and launch retros: which are due, and their messages.

A weekly report goes out once a week (its key names the schedule and the week's Monday) on its
weekday at its local time, in working hours: on the channel's calendar (the workspace's, with
the public holidays of the department whose channel it is) or, for a DM, the workspace's
calendar at its reader's own time zone and working hours (when they set them). When
that day is not a working day it goes on the working day before it in the same week, and not at
all in a week off up to that day. Its time was inside the working hours when it was scheduled
(``report here weekly …`` refuses others); if the hours changed since, it goes at the start of
the working day (a time before it) or an hour before its end (a time after it). A slot missed
while the scheduler was down is caught up later that day but only until the end of working
hours, never in the evening or on a later day: a report is never stale, nor sent at night. A
slot before the schedule was made is never sent. The nearest launch's burn-up follows the text
as a message of its own (``…:chart``).

A launch's retro goes out on the first working day from T+7 (seven days after its date), from
the workspace's check-in time to the end of its working hours, to the launch channel and the
PM; its keys are those ``retro <launch> close`` uses, so it goes once whoever sends it first.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.launch_posts import office_calendar
from handlers import due, notices
from handlers.calendar import WorkCalendar
from handlers.replies import Reply, Target
from handlers.retro import RETRO_DAYS, compose_retro, retro_key
from handlers.weekly_report import compose_weekly_report
from storage import notifications as ledger
from storage import report_schedules
from storage.models import Launch, LaunchStatus, Person, ReportSchedule, Workspace
from storage.scheduling import WorkspaceInfo

REPORT, RETRO = "report", "retro"
RETRO_WINDOW = timedelta(days=14)  # a retro not sent within two weeks of T+7 is not sent late
_T10 = due.parse_hhmm("10:00")
_T1800 = due.parse_hhmm("18:00")
LAST_HOUR = timedelta(hours=1)  # a report set after (changed) working hours goes this long before their end


@dataclass(frozen=True)
class ReportPost:
    key: str
    kind: str  # REPORT | RETRO
    workspace_id: int
    subject_id: int  # the schedule's id (REPORT) or the launch's (RETRO)
    today: date


def report_day(today: date, weekday: int, calendar: WorkCalendar) -> date | None:
    """The day of ``today``'s week the report goes out, or None in a week off up to its day."""
    monday = today - timedelta(days=today.weekday())
    day = monday + timedelta(days=weekday)
    if calendar.is_working_day(day):
        return day
    before = calendar.previous_working_day(day)
    return before if monday <= before < day else None


def working_hours(info: WorkspaceInfo) -> tuple[time, time]:
    """The workspace's working hours (its stored ``work_start``–``work_end``, local)."""
    return due.parse_hhmm(info.work_start), due.parse_hhmm(info.work_end, _T1800)


def slot_in_hours(at: time, hours: tuple[time, time]) -> time:
    """``at`` if it is inside working ``hours``; else their start (before them) or their last hour."""
    start, end = hours
    if start <= at < end:
        return at
    if at < start:
        return start
    if end < time(1, 0):
        return start
    return max(start, (datetime.combine(date(2000, 1, 1), end) - LAST_HOUR).time())


def report_key(schedule: ReportSchedule, today: date) -> str:
    return f"report:{schedule.id}:{(today - timedelta(days=today.weekday())).isoformat()}"


def find_due(s: Session, infos: Sequence[WorkspaceInfo], now: datetime) -> list[ReportPost]:
    """Reports and retros due at ``now`` and not claimed yet (bounded reads, nothing written)."""
    by_id = {info.id: info for info in infos}
    posts = list(_due_reports(s, by_id, now)) + list(_due_retros(s, by_id, now))
    if not posts:
        return []
    keys = [p.key for p in posts]
    existing = ledger.existing_keys(s, keys)
    return [p for p in posts if p.key not in existing]


@dataclass(frozen=True)
class ReportClock:
    """The local time zone a schedule's time is read in, and the working hours it goes in."""

    zone: str
    hours: tuple[time, time]
    office: str | None = None  # the reader's office (a department's holiday region), None: the workspace's

    def slot(self, at_text: str) -> time:
        return slot_in_hours(due.parse_hhmm(at_text), self.hours)


def report_clocks(
    s: Session, schedules: Sequence[ReportSchedule], infos: dict[int, WorkspaceInfo]
) -> dict[int, ReportClock]:
    """Each schedule's clock: a channel's is the workspace's; a DM's is its reader's own time zone
    and working hours, where they set them (``me timezone``, ``me hours``), else the workspace's."""
    readers = [sc for sc in schedules if sc.target_kind == "user"]
    people = {}
    if readers:
        query = select(
            Person.id,
            Person.workspace_id,
            Person.user_id,
            Person.timezone,
            Person.work_start,
            Person.work_end,
        ).where(
            Person.workspace_id.in_({sc.workspace_id for sc in readers}),
            Person.user_id.in_({sc.target_id for sc in readers}),
        )
        people = {(row.workspace_id, row.user_id): row for row in s.execute(query)}
    clocks = {}
    for schedule in schedules:
        info = infos[schedule.workspace_id]
        own = (
            people.get((schedule.workspace_id, schedule.target_id))
            if schedule.target_kind == "user"
            else None
        )
        zone = (own.timezone if own else None) or info.timezone
        start = due.parse_hhmm((own.work_start if own else None) or info.work_start)
        end = due.parse_hhmm((own.work_end if own else None) or info.work_end, _T1800)
        if schedule.target_kind == "user":
            office = info.offices.of_person(own.id) if own else None
        else:
            office = info.offices.of_channel(schedule.target_id)
        clocks[schedule.id] = ReportClock(zone, (start, end), office)
    return clocks


def _due_reports(s: Session, infos: dict[int, WorkspaceInfo], now: datetime) -> Iterator[ReportPost]:
    schedules = report_schedules.of_workspaces(s, list(infos))
    clocks = report_clocks(s, schedules, infos)
    for schedule in schedules:
        info, clock = infos[schedule.workspace_id], clocks[schedule.id]
        tz = due.zone(clock.zone)
        today = due.local_date(now, tz)
        calendar = office_calendar(info, clock.office)
        if report_day(today, schedule.weekday, calendar) != today:
            continue
        slot = due.due_instant(today, clock.slot(schedule.at_time), tz)
        closing = due.due_instant(today, clock.hours[1], tz)
        if closing > now >= slot >= schedule.created_at:
            yield ReportPost(report_key(schedule, today), REPORT, info.id, schedule.id, today)


def _due_retros(s: Session, infos: dict[int, WorkspaceInfo], now: datetime) -> Iterator[ReportPost]:
    days: dict[int, date] = {}
    for info in infos.values():
        tz = due.zone(info.timezone)
        today = due.local_date(now, tz)
        closing = due.due_instant(today, working_hours(info)[1], tz)
        if due.reached(now, today, due.parse_hhmm(info.checkin_time, _T10), tz) and now < closing:
            days[info.id] = today
    if not days:
        return
    earliest, latest = min(days.values()), max(days.values())
    query = select(Launch).where(
        Launch.workspace_id.in_(list(days)),
        Launch.status != LaunchStatus.CANCELLED,
        Launch.launch_date <= latest - timedelta(days=RETRO_DAYS),
        Launch.launch_date >= earliest - timedelta(days=RETRO_DAYS) - RETRO_WINDOW,
    )
    for launch in s.scalars(query.order_by(Launch.id)).unique():
        today, info = days[launch.workspace_id], infos[launch.workspace_id]
        if not office_calendar(info, info.offices.of_channel(launch.channel_id)).is_working_day(today):
            continue  # a day off at the office of the launch's channel
        first_day = launch.launch_date + timedelta(days=RETRO_DAYS)
        if first_day <= today <= first_day + RETRO_WINDOW:
            yield ReportPost(retro_key(launch, "channel"), RETRO, launch.workspace_id, launch.id, today)


def compose(
    s: Session, posts: Sequence[ReportPost], infos: dict[int, WorkspaceInfo], now: datetime
) -> Iterator[tuple[ReportPost, str, Target, Reply]]:
    """Each post's messages: ``(post, key, target, reply)``; a post may have several or none."""
    for post in posts:
        info = infos[post.workspace_id]
        workspace = s.get(Workspace, info.id)
        if workspace is None:
            continue
        if post.kind == REPORT:
            yield from _report_messages(s, post, workspace, info, now)
        else:
            yield from _retro_messages(s, post, workspace, info, now)


def _report_messages(
    s: Session, post: ReportPost, workspace: Workspace, info: WorkspaceInfo, now: datetime
) -> Iterator[tuple[ReportPost, str, Target, Reply]]:
    schedule = s.get(ReportSchedule, post.subject_id)
    if schedule is None:
        return
    lang = workspace.language
    office = info.offices.of_channel(schedule.target_id)  # a team channel of another office: its calendar
    if schedule.target_kind == "user":
        person = s.scalars(
            select(Person).where(Person.workspace_id == workspace.id, Person.user_id == schedule.target_id)
        ).one_or_none()
        lang = notices.person_language(person, workspace.language)
        office = info.offices.of_person(person.id) if person is not None else None
    target = Target(schedule.target_kind, schedule.target_id, schedule.target_name)
    calendar = office_calendar(info, office)
    report = compose_weekly_report(
        s, workspace, lang=lang, zone=due.zone(info.timezone), calendar=calendar, now=now
    )
    yield post, post.key, target, report.text
    if report.chart is not None:
        yield post, f"{post.key}:chart", target, report.chart


def _retro_messages(
    s: Session, post: ReportPost, workspace: Workspace, info: WorkspaceInfo, now: datetime
) -> Iterator[tuple[ReportPost, str, Target, Reply]]:
    launch = s.get(Launch, post.subject_id)
    if launch is None:
        return
    zone = due.zone(info.timezone)
    if launch.channel_id:
        reply = compose_retro(s, launch, lang=workspace.language, zone=zone, now=now)
        yield post, post.key, Target.channel(launch.channel_id, launch.channel_name), reply
    pm = launch.owner
    if pm is not None:
        lang = notices.person_language(pm, workspace.language)
        reply = compose_retro(s, launch, lang=lang, zone=zone, now=now)
        yield post, retro_key(launch, f"pm:{pm.user_id}"), Target.user(pm.user_id, pm.name), reply
