"""Planning the scheduler's launch posts: which check-ins, follow-ups and sign-off requests are due.

A readiness check-in offset (``T-7``) is posted once per launch, whatever date the launch moves
to: its key names the launch and the offset, not the date. The launch-day go/no-go is keyed by
the launch date, so a launch postponed on its day gets a go/no-go on its new day; follow-ups
come after the one day it actually launched. A sign-off request goes out at T-2 working days
unless a check-in (which then carries the request) goes out for the launch that day, or every
department has already signed off ready. Cancelled launches get nothing; a launch that shipped
early gets no more readiness check-ins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from handlers import calendar, due, launch_notices
from handlers.calendar import WorkCalendar
from handlers.readiness import build_readiness
from handlers.replies import Reply
from storage import feedback as feedback_store
from storage import launch_plans, scheduling
from storage import notifications as ledger
from storage.models import Launch, LaunchStatus
from storage.scheduling import WorkspaceInfo

CHECKIN, FOLLOWUP, SIGNOFF = "checkin", "followup", "signoff"
NEXT_VERSION_FROM = 7  # from the T+7 follow-up on, the PM is asked to start the next version
_T10 = due.parse_hhmm("10:00")
ONE_DAY = timedelta(days=1)
CATCH_UP_DAYS = timedelta(days=31)  # a longer outage catches up only its last month's posts


@dataclass(frozen=True)
class LaunchPost:
    key: str
    kind: str  # CHECKIN | FOLLOWUP | SIGNOFF (the ledger's notification kind)
    launch_id: int
    workspace_id: int
    offset: int  # the check-in offset (calendar days); the sign-off request's working days
    today: date  # the day it is posted
    slot_day: date | None = None  # the day it was due, when posted late


def office_calendar(info: WorkspaceInfo, region: str | None = None) -> WorkCalendar:
    """The calendar of one of the workspace's offices: its own (``region`` None), or a
    department's (its ``region``) — :func:`handlers.calendar.working_calendar` of the settings."""
    return calendar.working_calendar(info.workdays, info.holiday_region, info.language, info.company, region)


def calendars(info: WorkspaceInfo) -> dict[str | None, WorkCalendar]:
    """Every calendar in use in the workspace: its own (key None) and its offices' (by region)."""
    return {region: office_calendar(info, region) for region in (None, *sorted(info.offices.regions))}


def checkin_key(launch_id: int, offset: int, launch_day: date) -> str:
    if offset == 0:
        return f"checkin:launch:{launch_id}:T0:{launch_day.isoformat()}"
    return f"checkin:launch:{launch_id}:{due.offset_label(offset)}"


_Wanted = dict[str | None, tuple[dict[date, int], frozenset[date]]]  # per office: check-ins, sign-off asks


def find_due(s: Session, infos: Sequence[WorkspaceInfo], now: datetime) -> list[LaunchPost]:
    """Posts due at ``now`` and not yet claimed: one indexed read of the launches dated on the days
    that matter today, one of the ledger keys."""
    wanted: dict[int, list[tuple[date, _Wanted]]] = {}
    for info in infos:
        tz = due.zone(info.timezone)
        today = due.local_date(now, tz)
        if due.reached(now, today, due.parse_hhmm(info.checkin_time, _T10), tz):
            _want(wanted, info, today)
    return _posts_on(s, infos, wanted)


def find_missed(s: Session, infos: Sequence[WorkspaceInfo], now: datetime) -> list[LaunchPost]:
    """Posts of earlier days whose slot passed while no tick ran (after ``swept_until``: coordbot
    was down over midnight, or the console's clock jumped), not yet claimed; each dated its slot's
    day. No read at all unless a workspace missed a day."""
    wanted: dict[int, list[tuple[date, _Wanted]]] = {}
    for info in infos:
        for day in missed_days(info, now):
            _want(wanted, info, day)
    return _posts_on(s, infos, wanted) if wanted else []


def missed_days(info: WorkspaceInfo, now: datetime) -> list[date]:
    """The days before today (at most :data:`CATCH_UP_DAYS`) whose check-in slot came after
    ``swept_until``: no tick planned them."""
    if info.swept_until is None:
        return []
    tz = due.zone(info.timezone)
    today, at = due.local_date(now, tz), due.parse_hhmm(info.checkin_time, _T10)
    day = max(due.local_date(info.swept_until, tz), today - CATCH_UP_DAYS)
    days = []
    while day < today:
        if due.due_instant(day, at, tz) > info.swept_until:
            days.append(day)
        day += ONE_DAY
    return days


def slot_since_swept(info: WorkspaceInfo, now: datetime) -> bool:
    """Has a check-in slot come since ``swept_until`` (or is it unset)? Then this tick's plan
    moves the mark: at most once a day, unless coordbot was down."""
    if info.swept_until is None:
        return True
    tz = due.zone(info.timezone)
    today = due.local_date(now, tz)
    slot = due.due_instant(today, due.parse_hhmm(info.checkin_time, _T10), tz)
    return info.swept_until < slot <= now or bool(missed_days(info, now))


def _want(wanted: dict[int, list[tuple[date, _Wanted]]], info: WorkspaceInfo, day: date) -> None:
    """Note the launch dates with a post on ``day`` in ``info``'s workspace, per office calendar."""
    offsets = due.parse_offsets(info.checkin_offsets)
    per_office = {
        region: (
            due.checkins_on(day, offsets, cal),
            due.dates_with_working_offset(day, launch_notices.SIGNOFF_FROM, cal),
        )
        for region, cal in calendars(info).items()
    }
    if any(on or asks for on, asks in per_office.values()):
        wanted.setdefault(info.id, []).append((day, per_office))


def _posts_on(
    s: Session, infos: Sequence[WorkspaceInfo], wanted: dict[int, list[tuple[date, _Wanted]]]
) -> list[LaunchPost]:
    """The posts of the launches dated on the ``wanted`` days, less those already claimed."""
    by_id = {info.id: info for info in infos}
    days = {
        d
        for entries in wanted.values()
        for _day, per in entries
        for on, asks in per.values()
        for d in (*on, *asks)
    }
    if not days:
        return []
    posts: dict[str, LaunchPost] = {}
    for row in scheduling.launch_dates_on(s, days):
        entries = wanted.get(row.workspace_id)
        if entries is None or not row.channel_id:
            continue
        # A launch posts on the calendar of its channel: a team channel of another office, its office's.
        region = by_id[row.workspace_id].offices.of_channel(row.channel_id)
        launched = row.status == LaunchStatus.LAUNCHED
        for today, per_office in entries:
            on, asks = per_office.get(region, per_office[None])
            if row.launch_date in on:
                offset = on[row.launch_date]
                if offset < 0 and launched:
                    continue  # it shipped early: no more readiness check-ins
                kind = FOLLOWUP if offset > 0 else CHECKIN
                key = checkin_key(row.id, offset, row.launch_date)
                posts[key] = LaunchPost(key, kind, row.id, row.workspace_id, offset, today)
            elif row.launch_date in asks and not launched:
                key = f"signoff:launch:{row.id}:{row.launch_date.isoformat()}"
                posts[key] = LaunchPost(
                    key, SIGNOFF, row.id, row.workspace_id, launch_notices.SIGNOFF_FROM, today
                )
    if not posts:
        return []
    existing = ledger.existing_keys(s, list(posts))
    return sorted((p for p in posts.values() if p.key not in existing), key=lambda p: p.key)


def compose(
    s: Session, posts: Sequence[LaunchPost], infos: dict[int, WorkspaceInfo]
) -> list[tuple[LaunchPost, Launch, Reply | None]]:
    """Each post's launch and message; None for a sign-off request nobody needs any more."""
    launches = {launch.id: launch for launch in scheduling.launches_by_id(s, [p.launch_id for p in posts])}
    details = scheduling.launch_details(s, list(launches))
    composed = []
    for post in posts:
        launch = launches.get(post.launch_id)
        if launch is None or launch.status == LaunchStatus.CANCELLED:
            continue
        info = infos[launch.workspace_id]
        readiness = build_readiness(
            launch, details.items[launch.id], details.tasks[launch.id], details.signoffs[launch.id]
        )
        zone = due.zone(info.timezone)
        if post.kind == SIGNOFF:
            signed = all(d.signoff is not None and d.signoff.ready for d in readiness.departments)
            reply = (
                None
                if signed
                else launch_notices.compose_signoff_request(readiness, post.today, info.language, zone=zone)
            )
        else:
            followup = post.kind == FOLLOWUP
            feedback = feedback_store.launch_feedback(s, launch) if followup else None
            asks_next = followup and post.offset >= NEXT_VERSION_FROM and not launch_plans.has_next(s, launch)
            reply = launch_notices.compose_checkin(
                readiness,
                post.offset,
                post.today,
                info.language,
                calendar=office_calendar(info, info.offices.of_channel(launch.channel_id)),
                zone=zone,
                slot_day=post.slot_day,
                feedback=feedback,
                asks_next=asks_next,
            )
        composed.append((post, launch, reply))
    return composed
