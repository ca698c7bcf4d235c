"""A person's iCalendar feed (RFC 5545, built with the ``icalendar`` library).

It holds the workspace's launches, the person's open tasks and items that have a due date, and
the dated launch items (milestones) of the departments they lead or belong to — each an all-day
event. UIDs are stable (``task-<workspace>-<number>@coordbot``, ``launch-<workspace>-<id>@coordbot``),
so when a date moves a calendar app moves the event instead of adding another; work that is done
or deleted leaves the feed, and a cancelled launch stays, marked cancelled. Texts are in the
person's language. Pure: it reads the database and returns bytes; nothing here knows HTTP.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from sqlalchemy.orm import Session

from handlers import views
from handlers.calendar import WorkCalendar, working_calendar
from handlers.due import offset_label
from handlers.i18n import Translator
from storage import company_days, feeds, scheduling
from storage.company_days import NO_COMPANY_DAYS
from storage.models import Launch, LaunchStatus, Person, Task, TaskStatus, Workspace
from storage.scheduling import NO_OFFICES

FEED_PAST = timedelta(days=90)  # launches and milestones stay in the feed this long after their day
PRODID = "-//coordbot//calendar feed//EN"
REFRESH = timedelta(hours=1)  # how often calendar apps are asked to fetch it again


def uid(kind: str, workspace: Workspace, number: int) -> str:
    return f"{kind}-{workspace.id}-{number}@coordbot"


def _event(
    uid_: str, day: date, summary: str, description: str, now: datetime, modified: datetime | None
) -> Event:
    event = Event()
    event.add("uid", uid_)
    event.add("dtstamp", now)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", summary)
    event.add("description", description)
    event.add("transp", "TRANSPARENT")  # a due date, not a meeting: it does not make anyone busy
    if modified is not None:
        event.add("last-modified", modified)
    return event


def _launch_event(
    launch: Launch, workspace: Workspace, calendar: WorkCalendar, tr: Translator, today: date, now: datetime
) -> Event:
    if launch.status == LaunchStatus.CANCELLED:
        summary = tr("feed.launch_cancelled", launch=launch.name)
    else:
        summary = tr("feed.launch", launch=launch.name)
    left = calendar.working_days_between(today, launch.launch_date)
    description = tr("feed.launch_detail", launch=launch.name, owner=_name(launch.owner, tr), n=left)
    event = _event(uid("launch", workspace, launch.id), launch.launch_date, summary, description, now, None)
    if launch.status == LaunchStatus.CANCELLED:
        event.add("status", "CANCELLED")
    return event


def _name(person: Person | None, tr: Translator) -> str:
    return f"@{person.display}" if person is not None else tr("word.nobody")


def _work_event(task: Task, workspace: Workspace, tr: Translator, now: datetime, *, mine: bool) -> Event:
    assert task.due_date is not None
    department = views.department_name(task.department, tr)
    if task.launch is not None and task.is_item:
        offset = (
            tr("feed.offset", offset=offset_label(task.due_offset)) if task.due_offset is not None else ""
        )
        summary = tr(
            "feed.item", launch=task.launch.name, department=department, title=task.title, offset=offset
        )
    else:
        summary = tr("feed.task", number=task.number, title=task.title, department=department)
    if not mine and task.status == TaskStatus.DONE:
        summary = tr("feed.done", summary=summary)
    description = tr(
        "feed.work_detail",
        number=task.number,
        owner=_name(task.assignee, tr),
        status=views.status(task, tr),
    )
    return _event(
        uid(task.kind, workspace, task.number), task.due_date, summary, description, now, task.updated_at
    )


def build_feed(session: Session, workspace: Workspace, person: Person, now: datetime) -> bytes:
    """The feed of ``person`` in ``workspace`` as an ``.ics`` document."""
    tr = Translator(person.language or workspace.language)
    today = now.astimezone(ZoneInfo(person.timezone or workspace.timezone)).date()
    since = today - FEED_PAST
    company = company_days.for_workspaces(session, [workspace.id]).get(workspace.id, NO_COMPANY_DAYS)
    offices = scheduling.workspace_offices(session, workspace.id).get(workspace.id, NO_OFFICES)
    calendar = working_calendar(  # the person's office's: a team in another office counts its own days
        workspace.workdays,
        workspace.holiday_region,
        workspace.language,
        company,
        offices.of_person(person.id),
    )
    feed = Calendar()
    feed.add("prodid", PRODID)
    feed.add("version", "2.0")
    feed.add("calscale", "GREGORIAN")
    feed.add("method", "PUBLISH")
    feed.add("x-wr-calname", tr("feed.name", who=person.display))
    feed.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    feed.add("x-published-ttl", REFRESH)
    for launch in feeds.launches_since(session, workspace.id, since):
        feed.add_component(_launch_event(launch, workspace, calendar, tr, today, now))
    mine = feeds.dated_work_of(session, person)
    for task in mine:
        feed.add_component(_work_event(task, workspace, tr, now, mine=True))
    seen = {task.id for task in mine}
    for item in feeds.department_milestones(session, person, since):
        if item.id not in seen:
            feed.add_component(_work_event(item, workspace, tr, now, mine=False))
    return feed.to_ical()
