"""The PM's weekly report: per launch, per department, next week, and the nearest launch's burn-up.

Per launch: readiness now against a week ago, work finished this week, work newly overdue, due
dates that slipped (how often, this week and in all), blockers with their age. Per department:
the share of this week's finished work that was finished by its due date. Then what falls due
next week. The text is one :class:`Reply`; the burn-up chart of the nearest coming launch is a
second one (a chart is its own message on every platform). All from the history coordbot keeps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from handlers import views
from handlers.burnup import Burnup, build_burnup
from handlers.calendar import WorkCalendar
from handlers.charts import burnup_chart
from handlers.i18n import Translator
from handlers.replies import Reply, Section, Tone
from handlers.timeline import TaskTimeline, timelines
from storage import progress, repo
from storage.models import Launch, LaunchStatus, Task, TaskEvent, TaskStatus, Workspace

WEEK = timedelta(days=7)
MAX_LAUNCHES = 8  # the coming (and last week's) launches a report covers
SHOWN = 5  # tasks listed per line of a launch; the rest are counted


@dataclass(frozen=True)
class WeeklyReport:
    text: Reply
    chart: Reply | None  # the nearest coming launch's burn-up, when there is one


@dataclass(frozen=True)
class _Week:
    tr: Translator
    zone: ZoneInfo
    now: datetime

    @property
    def today(self) -> date:
        return self.now.astimezone(self.zone).date()

    @property
    def start(self) -> datetime:
        return self.now - WEEK

    def local_day(self, instant: datetime) -> date:
        return instant.astimezone(self.zone).date()


def report_launches(session: Session, workspace: Workspace, today: date) -> list[Launch]:
    """Launches dated from a week ago on, not cancelled, soonest first."""
    found = repo.launches(session, workspace, from_day=today - WEEK)
    return [launch for launch in found if launch.status != LaunchStatus.CANCELLED][:MAX_LAUNCHES]


def compose_weekly_report(
    session: Session,
    workspace: Workspace,
    *,
    lang: str,
    zone: ZoneInfo,
    calendar: WorkCalendar,
    now: datetime,
) -> WeeklyReport:
    week = _Week(Translator(lang), zone, now)
    launches = report_launches(session, workspace, week.today)
    window = progress.tasks_open_during(session, workspace, week.start, now)
    launch_rows = progress.launches_work(session, launches)
    rows = {t.id: t for t in (*window, *launch_rows)}  # one history read for both
    events = progress.events_of(session, workspace, list(rows))
    by_task: dict[int, list[TaskEvent]] = {}
    for event in events:
        by_task.setdefault(event.task_id, []).append(event)
    work = timelines(window, events)
    rows_of: dict[int | None, list[Task]] = {}
    for row in launch_rows:
        rows_of.setdefault(row.launch_id, []).append(row)
    work_of: dict[int | None, list[TaskTimeline]] = {}
    for timeline in work:
        work_of.setdefault(timeline.task.launch_id, []).append(timeline)
    sections: list[Section] = []
    nearest: Burnup | None = None
    for launch in launches:
        mine_rows = rows_of.get(launch.id, [])
        mine_events = [e for t in mine_rows for e in by_task.get(t.id, ())]
        burnup = build_burnup(launch, mine_rows, mine_events, calendar=calendar, zone=zone, now=now)
        if nearest is None and launch.launch_date >= week.today and launch.status == LaunchStatus.PLANNED:
            nearest = burnup
        sections.append(_launch_section(week, launch, burnup, work_of.get(launch.id, []), calendar))
    if not sections:
        sections.append(Section(text=week.tr("report.no_launches")))
    sections.append(_on_time_section(week, work))
    sections.append(_next_week_section(week, work))
    tr = week.tr
    headline = tr(
        "report.headline",
        start=views.short_day(week.today - timedelta(days=6), tr),
        end=views.short_day(week.today, tr),
    )
    text = Reply(headline, tuple(sections), tone=Tone.INFO, ephemeral=False, language=lang)
    chart = None
    if nearest is not None:
        chart = Reply(
            tr("report.chart_headline", launch=nearest.launch_name),
            chart=burnup_chart(nearest, tr),
            ephemeral=False,
            language=lang,
        )
    return WeeklyReport(text, chart)


def _numbers(timeline_list: Sequence[TaskTimeline]) -> str:
    shown = ", ".join(f"#{t.task.number} {t.task.title}" for t in timeline_list[:SHOWN])
    rest = len(timeline_list) - SHOWN
    return f"{shown} (+{rest})" if rest > 0 else shown


def _launch_section(
    week: _Week, launch: Launch, burnup: Burnup, work: Sequence[TaskTimeline], calendar: WorkCalendar
) -> Section:
    tr, today = week.tr, week.today
    now_counts = burnup.on(today) or burnup.latest
    before = burnup.on(today - WEEK)
    items = [
        tr(
            "report.readiness",
            done=now_counts.done,
            total=now_counts.total,
            before_done=before.done if before else 0,
            before_total=before.total if before else 0,
        )
    ]
    finished = [t for t in work if (at := t.done_at()) is not None and at > week.start]
    items.append(tr("report.finished", n=len(finished)))
    late = [t for t in work if _newly_overdue(t, week)]
    if late:
        items.append(tr("report.newly_overdue", n=len(late), tasks=_numbers(late)))
    slipped = sorted((t for t in work if t.slips(since=week.start)), key=lambda t: -t.slips())
    for t in slipped[:SHOWN]:
        items.append(
            tr(
                "report.slipped",
                number=t.task.number,
                title=t.task.title,
                week=t.slips(since=week.start),
                total=t.slips(),
            )
        )
    for t in sorted((t for t in work if t.blocked_since() is not None), key=lambda t: t.blocked_since())[
        :SHOWN
    ]:
        since = t.blocked_since()
        assert since is not None
        age = (week.now - since).days
        items.append(
            tr(
                "report.blocked",
                number=t.task.number,
                title=t.task.title,
                n=age,
                reason=t.task.blocked_reason or "",
            )
        )
    shipped = launch.launch_date < today or launch.status == LaunchStatus.LAUNCHED
    if shipped:
        title = tr("report.launch_shipped", launch=launch.name, date=views.short_day(launch.launch_date, tr))
    else:
        left = calendar.working_days_between(today, launch.launch_date)
        title = tr(
            "report.launch_title", launch=launch.name, date=views.short_day(launch.launch_date, tr), n=left
        )
    return Section(title=title, items=tuple(items))


def _newly_overdue(timeline: TaskTimeline, week: _Week) -> bool:
    now, then = timeline.state_at(week.now), timeline.state_at(week.start)
    then_day = week.local_day(week.start)
    return (
        now is not None
        and now.is_overdue(week.today)
        and not (then is not None and then.is_overdue(then_day))
    )


def _on_time_section(week: _Week, work: Sequence[TaskTimeline]) -> Section:
    tr = week.tr
    by_department: dict[int, tuple[str, int, int]] = {}
    for t in work:
        at = t.done_at()
        if at is None or at <= week.start or t.task.due_date is None:
            continue
        name = views.department_name(t.task.department, tr)
        _, on_time, total = by_department.get(t.task.department_id, (name, 0, 0))
        on_time += week.local_day(at) <= t.task.due_date
        by_department[t.task.department_id] = (name, on_time, total + 1)
    order = {t.task.department_id: (t.task.department.position, t.task.department_id) for t in work}
    lines = tuple(
        tr("report.on_time", department=name, on_time=on_time, total=total, pct=round(100 * on_time / total))
        for key, (name, on_time, total) in sorted(by_department.items(), key=lambda kv: order[kv[0]])
    )
    if not lines:
        return Section(title=tr("report.on_time_title"), text=tr("report.on_time_none"))
    return Section(title=tr("report.on_time_title"), items=lines)


def _next_week_section(week: _Week, work: Sequence[TaskTimeline]) -> Section:
    tr, today = week.tr, week.today
    coming = sorted(
        (
            t.task
            for t in work
            if t.task.status in TaskStatus.OPEN
            and t.task.due_date is not None
            and today < t.task.due_date <= today + WEEK
        ),
        key=lambda task: (task.due_date, task.number),
    )
    if not coming:
        return Section(title=tr("report.next_week_title"), text=tr("report.next_week_none"))
    section = views.task_lines(coming, tr, today)
    return Section(title=tr("report.next_week_title"), items=section.items, more=section.more)
