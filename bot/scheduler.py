"""The scheduler: decides from the database what is due, claims it, sends it, records the outcome.

One tick (every minute, driven by APScheduler, or by the console's simulated clock):

1. **plan** — for each workspace, from its settings and the local time in its timezone (and in
   the timezones of its people, for DMs): launch check-ins, follow-ups and sign-off requests
   whose local check-in time has come today (:mod:`bot.launch_posts`), digest schedules whose
   time has come and that have not posted today, weekly reports and launch retros
   (:mod:`bot.report_posts`), and the day's overdue-nudge sweep once the local nudge time has
   come on a working day. Each message is composed and *claimed* — its unique key
   inserted into the notification ledger (``INSERT … ON CONFLICT DO NOTHING``) — in one
   transaction; only the inserter goes on to send.
2. **send** — claimed notifications are reserved (one compare-and-set transaction moves
   :data:`SEND_BATCH` rows to ``sending`` under a lease) and sent concurrently through the
   workspace platform's messenger by :class:`bot.sending.ConcurrentSender` — within each
   platform's rate limits, fairly across workspaces, in order per channel — and each outcome is
   recorded right after its send (see :meth:`CoordScheduler._send_reserved`).
3. **retry** — notifications whose ``next_attempt_at`` has come (failed earlier, or left behind by a
   process that died mid-send) are acquired and sent the same way. Permanent errors are recorded
   and reported to the workspace admins once (per target and day).

Because the decision is made from the database every tick, a restart on the same local day
catches up whatever it missed; a stale message (yesterday's digest) is never composed, and one
claimed but unsent expires at the end of its local day. Several processes may run this against
one PostgreSQL database: keys and compare-and-set make every message go out once. So that they
also share a storm (rather than one replica winning every claim while the others find them
taken), each replica given a ``stagger`` claims the slot's sweeps and digest chunks in an order of
its own: replicas ticking together start on different parts of the work, and a workspace's
digests and sweeps are claimed together (its posts go through one replica's rate limiter).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import launch_posts, metrics, report_posts
from bot.messenger import DeliveryError
from bot.send_scopes import SendScopes
from bot.sending import MAX_HOLD, ConcurrentSender, Throttled
from handlers import due, notices, views
from handlers.calendar import ALL_DAYS_MASK, WorkCalendar
from handlers.i18n import Translator
from handlers.replies import Outbound, Reply, Target
from handlers.working_time import WorkingTime
from storage import inbox, report_schedules, scheduling, send_leases
from storage import notifications as ledger
from storage.events import forget_events_before
from storage.models import DigestSchedule, TaskStatus, Workspace
from storage.scheduling import PersonRef, TaskRow, WorkspaceInfo

if TYPE_CHECKING:
    from bot.app import Services

log = logging.getLogger(__name__)

MINUTE = timedelta(minutes=1)
RETRY_BATCH = 200
SEND_BATCH = 500  # notifications reserved per transaction (a kill delays, never repeats, them)
DIGEST_CHUNK = 100  # digests composed and claimed per transaction (the unit replicas share)
UNIT_WORKSPACES = 8  # workspaces per unit at most: a slot of sweeps alone is shared out too
RENEW_AFTER = ledger.LEASE / 2  # reservations still queued are renewed this often (real time)
RELEASE_ROUNDS = 3  # rounds of notifications handed back by other replicas sent before a tick ends
JOB_ID = "coordbot-scheduler-tick"
FORGET_JOB_ID = "coordbot-forget-handled-events"
KEEP_HANDLED = timedelta(days=7)  # platforms stop redelivering within hours; kept a week


@dataclass(frozen=True)
class _Sweep:
    key: str
    workspace_id: int
    zone: str
    today: date
    at: str  # the local time of this sweep: the nudge time, or later where working hours begin later


@dataclass
class _Plan:
    """What one tick found due (ids and keys only; claiming re-reads what it composes)."""

    infos: dict[int, WorkspaceInfo]
    checkins: list[launch_posts.LaunchPost] = field(default_factory=list)
    missed: list[launch_posts.LaunchPost] = field(default_factory=list)  # of earlier days (no tick ran)
    swept: list[int] = field(default_factory=list)  # workspaces whose swept_until this tick moves
    windows: list[scheduling.DigestWindow] = field(default_factory=list)
    digests: list[int] = field(default_factory=list)
    digest_workspace: dict[int, int] = field(default_factory=dict)  # digest schedule id -> workspace id
    reports: list[report_posts.ReportPost] = field(default_factory=list)
    sweeps: list[_Sweep] = field(default_factory=list)
    retry: list[ledger.Due] = field(default_factory=list)


@dataclass(frozen=True)
class _Claimed:
    """A notification this process just inserted, with the message it composed (no need to re-read it)."""

    id: int
    key: str
    workspace_id: int
    kind: str
    message: Outbound


@dataclass(eq=False)
class _Job:
    """A notification reserved for this process: its message, and the lease it holds it under."""

    got: ledger.Acquired
    message: Outbound
    lease: datetime


class _Results:
    """What the sender's workers report back: messages sent, and admin alerts to send next."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.sent = 0
        self.alerts: list[_Claimed] = []

    def add(self, *, sent: int = 0, alerts: Sequence[_Claimed] = ()) -> None:
        with self._lock:
            self.sent += sent
            self.alerts.extend(alerts)


@dataclass
class _Person:
    person: PersonRef
    overdue: list[tuple[TaskRow, int]] = field(default_factory=list)
    blocked: list[TaskRow] = field(default_factory=list)


class CoordScheduler:
    """Runs ticks for one process; any number of processes may share the database."""

    def __init__(
        self,
        services: Services,
        sender: ConcurrentSender | None = None,
        *,
        stagger: random.Random | None = None,
    ) -> None:
        """``stagger``: claim a slot's work in an order of this replica's own (None: a stable order,
        as the console and the demo want; ``coordbot serve`` gives each process its own)."""
        self.services = services
        self.sender = sender or ConcurrentSender()
        self._scopes = SendScopes(services.db, self.sender.limiter)
        self._stagger = stagger
        self._lock = threading.Lock()  # one tick at a time in this process
        self._background: Any = None
        self._tick_started = time.monotonic()

    # ------------------------------------------------------------------ public API

    def tick(self, now: datetime | None = None) -> int:
        """Plan, send and retry what is due at ``now`` (default: the clock); returns how many were sent.

        An idle tick is one short read transaction: workspaces, the launches dated on today's
        check-in days, digest schedules due and not posted, unfinished sweeps, due retries.
        """
        now = _aware(now or self.services.clock.now())
        with self._lock:
            self._tick_started = time.monotonic()
            try:
                with self.services.db.transaction() as s:
                    plan = self._find(s, now)
            except Exception:
                log.exception("scheduler: could not decide what is due")
                return 0
            claimed: list[_Claimed] = []
            if plan.checkins or plan.missed or plan.swept:
                claimed.extend(self._guard(self._claim_checkins, plan, now))
            for unit in self._staggered(_units(plan)):
                claimed.extend(self._guard(self._claim_unit, plan, now, unit))
            if plan.reports:
                claimed.extend(self._guard(self._claim_reports, plan, now))
            sent = self._send_all(claimed, now)
            sent += self._send_all(plan.retry, now)
            sent += self._release_scopes(now)
            metrics.TICK_SECONDS.observe(time.monotonic() - self._tick_started)
        return sent

    def run_through(self, start: datetime, end: datetime, *, every_minute: bool = False) -> int:
        """Run every minute tick in ``(start, end]`` (for the console's ``:advance`` and the demo).

        Minutes in which nothing can become due are skipped (the result is the same as ticking
        each one; ``every_minute=True`` really ticks each). The clock itself is not moved.
        """
        start, end = _aware(start), _aware(end)
        first = _next_minute(start)
        if first > end:
            return 0
        if every_minute:
            total = 0
            at = first
            while at <= end:
                total += self.tick(at)
                at += MINUTE
            return total
        candidates = sorted(self._interesting_instants(first, end) | {first})
        total = 0
        done_until = start
        index = 0
        while True:
            retry_at = self._next_retry(done_until, end)
            upcoming = candidates[index] if index < len(candidates) else None
            if upcoming is None and retry_at is None:
                return total
            at = min(x for x in (upcoming, retry_at) if x is not None)
            total += self.tick(at)
            done_until = at
            while index < len(candidates) and candidates[index] <= at:
                index += 1

    def start(self) -> None:
        """Tick every minute in a background thread (APScheduler 3, in-memory job store of its own)."""
        if self._background is not None:
            return
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.jobstores.memory import MemoryJobStore
        from apscheduler.schedulers.background import BackgroundScheduler

        background = BackgroundScheduler(
            jobstores={"default": MemoryJobStore()},
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 50},
            timezone=UTC,
        )
        background.add_job(
            self._scheduled_tick,
            "interval",
            minutes=1,
            id=JOB_ID,
            next_run_time=datetime.now(UTC) + timedelta(seconds=1),
            replace_existing=True,
        )
        background.add_job(
            self._scheduled_forget,
            "interval",
            hours=1,
            id=FORGET_JOB_ID,
            next_run_time=datetime.now(UTC) + timedelta(minutes=5),
            replace_existing=True,
        )
        background.start()
        self._background = background

    def forget_handled(self, now: datetime | None = None) -> int:
        """Drop event ids and finished inbox entries older than ``KEEP_HANDLED``; returns how many."""
        cutoff = _aware(now or self.services.clock.now()) - KEEP_HANDLED
        with self.services.db.transaction() as s:
            return forget_events_before(s, cutoff) + inbox.forget_done_before(s, cutoff)

    def _scheduled_forget(self) -> None:
        try:
            forgotten = self.forget_handled()
        except Exception:
            log.exception("scheduler: could not forget old handled events")
            return
        if forgotten:
            log.info("scheduler: forgot %d handled events older than %s", forgotten, KEEP_HANDLED)

    def shutdown(self, wait: bool = True) -> None:
        background, self._background = self._background, None
        if background is not None:
            background.shutdown(wait=wait)

    # ------------------------------------------------------------------ planning

    def _staggered(self, work: Sequence[Any]) -> list[Any]:
        items = list(work)
        if self._stagger is not None:
            self._stagger.shuffle(items)
        return items

    def _guard(self, step: Any, plan: _Plan, now: datetime, *args: Any) -> list[_Claimed]:
        try:
            return list(step(plan, now, *args))
        except Exception:
            log.exception("scheduler: %s failed", getattr(step, "__name__", step))
            return []

    def _find(self, s: Session, now: datetime) -> _Plan:
        """Decide what is due at ``now`` without writing anything (bounded, indexed reads)."""
        infos = scheduling.workspaces(s)
        plan = _Plan(infos={w.id: w for w in infos})
        # Launch posts: check-ins, follow-ups and sign-off requests (bot.launch_posts).
        plan.checkins = launch_posts.find_due(s, infos, now)
        # Earlier days' launch posts no tick planned (coordbot was down over midnight): late ones.
        plan.missed = launch_posts.find_missed(s, infos, now)
        plan.swept = [info.id for info in infos if launch_posts.slot_since_swept(info, now)]
        # Digests: one query over every timezone (and kind of day: see _digest_days).
        by_zone: dict[tuple[str, int], list[int]] = {}
        for info in infos:
            bits = _digest_days(info, now)
            if bits:
                by_zone.setdefault((info.timezone, bits), []).append(info.id)
        for (name, bits), ids in by_zone.items():
            tz = due.zone(name)
            local = now.astimezone(tz)
            plan.windows.append(
                scheduling.DigestWindow(
                    workspace_ids=tuple(ids),
                    local_hhmm=local.strftime("%H:%M"),
                    day_start=due.start_of_day(local.date(), tz),
                    weekday_bit=bits,
                )
            )
        plan.digest_workspace = _unclaimed_digests(s, plan, now)
        plan.digests = list(plan.digest_workspace)
        # Weekly reports and launch retros (bot.report_posts).
        plan.reports = report_posts.find_due(s, infos, now)
        # Nudge sweeps: once per working day per timezone in use in a workspace (and per later
        # start of working hours: nobody is nudged before their working day begins).
        groups = _sweep_groups(infos, scheduling.person_zones(s), scheduling.person_starts(s))
        sweeps = []
        for info in infos:
            for name, at_text in sorted(groups[info.id]):
                tz = due.zone(name)
                today = due.local_date(now, tz)
                works = any(c.is_working_day(today) for c in launch_posts.calendars(info).values())
                if works and due.reached(now, today, due.parse_hhmm(at_text), tz):
                    where = name if at_text == _sweep_time(info, None) else f"{name}@{at_text}"
                    key = f"sweep:nudge:{info.id}:{where}:{today.isoformat()}"
                    sweeps.append(_Sweep(key, info.id, name, today, at_text))
        if sweeps:
            existing = ledger.existing_keys(s, [sweep.key for sweep in sweeps])
            plan.sweeps = [sweep for sweep in sweeps if sweep.key not in existing]
        plan.retry = ledger.due_for_retry(s, now, RETRY_BATCH)
        return plan

    def _claim_checkins(self, plan: _Plan, now: datetime) -> list[_Claimed]:
        """Compose and claim the launch posts found due: check-ins, follow-ups, sign-off requests.

        A post whose slot was missed beyond the grace window (coordbot was down; on an earlier
        day, always) is claimed for the channel's next working morning, composed for that day and
        marked late — unless a newer check-in of the launch comes by then (it supersedes the late
        one) or the launch day is past by then. Claimed under its own key, it is posted once
        either way. The workspaces' ``swept_until`` moves in the same transaction: a slot is
        either planned and recorded, or found missed again by the next tick.
        """
        on_time, late = [], list(plan.missed)
        for post in plan.checkins:
            info = plan.infos[post.workspace_id]
            (late if _missed_slot(info, post.today, info.checkin_time, now) else on_time).append(post)
        with self.services.db.transaction() as s:
            composed = []
            for post, launch, reply in launch_posts.compose(s, on_time, plan.infos):
                info = plan.infos[launch.workspace_id]
                if reply is None:  # nothing to ask any more: remember it, so no tick asks again
                    ledger.mark(s, post.key, info.id, post.kind, now)
                    continue
                target = Target.channel(launch.channel_id or "", launch.channel_name)
                composed.append(self._compose(info, post.key, post.kind, target, reply, post.today))
            self._claim_late(s, plan, late, now)
            claimed = self._claim_all(s, composed, now)
            scheduling.advance_swept(s, plan.swept, now)
            return claimed

    def _claim_late(
        self, s: Session, plan: _Plan, late: list[launch_posts.LaunchPost], now: datetime
    ) -> None:
        """Claim missed launch posts for the next working morning (the retry path sends them then)."""
        if not late:
            return
        launches = {row.id: row for row in scheduling.launches_by_id(s, [p.launch_id for p in late])}
        latest: dict[int, date] = {}  # per launch, the last day one of its posts was missed
        for post in late:
            latest[post.launch_id] = max(post.today, latest.get(post.launch_id, post.today))
        moved = []
        for post in late:
            info, launch = plan.infos[post.workspace_id], launches.get(post.launch_id)
            if launch is None:
                continue
            region = info.offices.of_channel(launch.channel_id)
            calendar = launch_posts.office_calendar(info, region)
            working = WorkingTime.of(calendar, info.timezone, info.work_start, info.work_end)
            morning = _late_morning(working, now)
            day = morning.astimezone(working.zone).date()
            newer = _next_checkin(launch.launch_date, post.today, day, info, calendar)
            if post.today < latest[post.launch_id]:
                newer = latest[post.launch_id]  # a later missed post of the launch is the one posted
            if newer is not None or (post.offset <= 0 and day > launch.launch_date):
                log.info("scheduler: %s missed its slot; superseded by %s's post", post.key, newer or day)
                ledger.mark(s, post.key, info.id, post.kind, now)
                continue
            moved.append((post, replace(post, today=day, slot_day=post.today), morning))
        composed = []
        by_key = {post.key: (post, morning) for post, post_then, morning in moved}
        for post_then, launch, reply in launch_posts.compose(s, [m[1] for m in moved], plan.infos):
            post, morning = by_key[post_then.key]
            info = plan.infos[launch.workspace_id]
            if reply is None:
                ledger.mark(s, post.key, info.id, post.kind, now)
                continue
            tr = Translator(reply.language or info.language)
            missed = views.day(post.today, tr, post_then.today, relative=False)
            reply = replace(reply, headline=tr("sched.late", headline=reply.headline, day=missed))
            target = Target.channel(launch.channel_id or "", launch.channel_name)
            log.info("scheduler: %s missed its slot; posting it late at %s", post.key, morning.isoformat())
            composed.append(
                self._compose(info, post.key, post.kind, target, reply, post_then.today, not_before=morning)
            )
        self._claim_all(s, composed, now)  # not sent now: their not-before time has not come

    def _claim_unit(self, plan: _Plan, now: datetime, unit: Sequence[int]) -> list[_Claimed]:
        """A unit of workspaces' digests and sweeps, in one transaction (see :func:`_units`).

        The digests first, locked ``SKIP LOCKED``, then the sweeps' markers: a replica that
        reaches a unit another is claiming finds its digests locked and its sweeps taken, so a
        workspace's posts of the slot go through one replica's rate limiter. When the unit fails,
        each of its workspaces is claimed on its own, so one workspace's fault holds back no other.
        """
        members = set(unit)
        digests = [d for d in plan.digests if plan.digest_workspace.get(d) in members]
        sweeps = [sweep for sweep in plan.sweeps if sweep.workspace_id in members]
        try:
            with self.services.db.transaction() as s:
                claimed = self._claim_digests(s, plan, now, digests) if digests else []
                for sweep in sweeps:
                    claimed.extend(self._sweep(s, sweep, plan.infos[sweep.workspace_id], now))
                return claimed
        except Exception:
            if len(unit) == 1:
                raise
            log.warning("scheduler: claiming %d workspaces together failed; claiming each alone", len(unit))
            return [c for one in unit for c in self._guard(self._claim_unit, plan, now, [one])]

    def _claim_digests(self, s: Session, plan: _Plan, now: datetime, chunk: Sequence[int]) -> list[_Claimed]:
        """Compose and claim the standup digests ``chunk`` of those found due (re-checked under the
        transaction: digests another replica is claiming or has claimed are skipped).

        The schedules, their channels' scopes (one query), each channel's tasks (one query each,
        names looked up once per chunk), the claims (one multi-row insert) and the schedules'
        ``last_sent_at`` (one update).
        """
        due_now = []
        missed = []
        for schedule in scheduling.due_digests(s, plan.windows, only=list(chunk), claim=True):
            info = plan.infos.get(schedule.workspace_id)
            if info is None:
                continue
            tz = due.zone(info.timezone)
            today = due.local_date(now, tz)
            if not due.reached(now, today, due.parse_hhmm(schedule.at_time), tz):
                continue  # the repeated hour of a fall-back night, before the first occurrence
            office = launch_posts.office_calendar(info, info.offices.of_channel(schedule.channel_id))
            if not _digest_days_on(info, office, today) & schedule.days:
                # a day off at the office of this team channel (another office works today)
                ledger.mark(s, _digest_key(info, schedule, today), info.id, "digest", now)
                continue
            if _missed_slot(info, today, schedule.at_time, now):
                log.info(
                    "scheduler: digest for %s missed its %s slot; dropped for today",
                    schedule.channel_id,
                    schedule.at_time,
                )
                missed.append(schedule.id)
                continue
            due_now.append((schedule, info, today))
        scheduling.mark_digests_posted(s, missed, now)
        if not due_now:
            return []
        scopes = scheduling.channel_scopes(s, [(sch.workspace_id, sch.channel_id) for sch, _i, _t in due_now])
        reader = scheduling.TaskReader(s)
        composed = []
        posted = []
        for schedule, info, today in due_now:
            try:
                composed.append(self._compose_digest(reader, scopes, schedule, info, today, now))
            except Exception:
                log.exception("scheduler: digest for %s failed", schedule.channel_id)
                continue
            posted.append(schedule.id)  # posted today (by us, or by the process whose claim wins)
        claimed = self._claim_all(s, composed, now)
        scheduling.mark_digests_posted(s, posted, now)
        return claimed

    def _claim_reports(self, plan: _Plan, now: datetime) -> list[_Claimed]:
        """Compose and claim the weekly reports and retros found due; a post with nothing to send
        (a retro of a launch with no channel and no PM) is remembered, so no tick composes it again."""
        with self.services.db.transaction() as s:
            composed, keys = [], set()
            for post, key, target, reply in report_posts.compose(s, plan.reports, plan.infos, now):
                info = plan.infos[post.workspace_id]
                composed.append(self._compose(info, key, post.kind, target, reply, post.today))
                keys.add(post.key)
            for post in plan.reports:
                if post.key not in keys:
                    ledger.mark(s, post.key, post.workspace_id, post.kind, now)
            sent = [p.subject_id for p in plan.reports if p.kind == report_posts.REPORT and p.key in keys]
            report_schedules.mark_sent(s, sent, now)
            return self._claim_all(s, composed, now)

    def _compose_digest(
        self,
        reader: scheduling.TaskReader,
        scopes: dict[tuple[int, str], scheduling.ChannelScope],
        schedule: DigestSchedule,
        info: WorkspaceInfo,
        today: date,
        now: datetime,
    ) -> tuple[ledger.NewNotification, Outbound]:
        key = _digest_key(info, schedule, today)
        since = schedule.last_sent_at or now - timedelta(hours=24)
        scope = scopes.get((info.id, schedule.channel_id), scheduling.ChannelScope())
        tasks = reader.digest(info.id, scope, today, since)
        reply = notices.build_digest(tasks, today, since, due.zone(info.timezone), info.language, scope=scope)
        target = Target.channel(schedule.channel_id, schedule.channel_name)
        return self._compose(info, key, "digest", target, reply, today)

    def _sweep(self, s: Session, sweep: _Sweep, info: WorkspaceInfo, now: datetime) -> list[_Claimed]:
        """One zone's nudges and escalations for the day, claimed in one transaction with its marker.

        Only people of this sweep's zone and start of working hours, inside their working hours
        and not away, are told; an away person's overdue work goes to their backup, else their
        lead. Whoever is left out hears of it at the next sweep they are in (their next working
        morning): overdue work stays overdue.
        """
        zone_name, today = sweep.zone, sweep.today
        if not ledger.mark(s, sweep.key, info.id, "sweep", now):
            return []  # another process did this sweep
        nudged: dict[int, _Person] = {}
        escalations: list[tuple[str, PersonRef, TaskRow, int]] = []
        offices = info.offices
        local = now.astimezone(due.zone(zone_name)).time()
        reader = scheduling.TaskReader(s)
        overdue = reader.overdue(info.id, today)
        away = (t.assignee for t in overdue if t.assignee is not None and t.assignee.away_on(today))
        backups = reader.people({p.away_backup_id for p in away if p.away_backup_id is not None})

        def here(person: PersonRef | None) -> bool:
            if person is None or (person.timezone or info.timezone) != zone_name:
                return False
            if _sweep_time(info, person) != sweep.at or person.away_on(today):
                return False
            if not launch_posts.office_calendar(info, offices.of_person(person.id)).is_working_day(today):
                return False  # a day off at their office
            start = due.parse_hhmm(person.work_start or info.work_start)
            return start <= local < due.parse_hhmm(person.work_end or info.work_end, _T1800)

        def stand_in(person: PersonRef | None, lead: PersonRef | None) -> PersonRef | None:
            """Who gets ``person``'s overdue work today: them, or while away their backup or lead."""
            if person is None or not person.away_on(today):
                return person
            backup = backups.get(person.away_backup_id or -1)
            if backup is not None and not backup.away_on(today):
                return backup
            return lead if lead is not None and not lead.away_on(today) and not _same(lead, person) else None

        for task in overdue:
            if task.snoozed_until is not None and task.snoozed_until > now:
                continue
            assert task.due_date is not None
            lead, creator = task.department.lead, task.creator
            if task.status == TaskStatus.BLOCKED:
                for person in _unique(lead, creator):
                    if here(person):
                        nudged.setdefault(person.id, _Person(person)).blocked.append(task)
                continue
            work_calendar = launch_posts.office_calendar(info, offices.of_department(task.department_id))
            late = work_calendar.working_days_between(task.due_date, today)
            primary = stand_in(task.assignee or lead or creator, lead)
            if primary is not None and here(primary):
                nudged.setdefault(primary.id, _Person(primary)).overdue.append((task, late))
            if (
                lead is not None
                and not _same(lead, primary)
                and late >= info.escalate_lead_after
                and here(lead)
            ):
                escalations.append(("lead", lead, task, late))
            if (
                creator is not None
                and not _same(creator, primary)
                and not _same(creator, lead)
                and late >= info.escalate_creator_after
                and here(creator)
            ):
                escalations.append(("creator", creator, task, late))
        composed = []
        for entry in sorted(nudged.values(), key=lambda e: e.person.user_id):
            lang = notices.person_language(entry.person, info.language)
            reply = notices.compose_nudge(entry.overdue, entry.blocked, today, lang)
            key = f"nudge:user:{info.id}:{entry.person.user_id}:{today.isoformat()}"
            target = Target.user(entry.person.user_id, entry.person.name)
            composed.append(self._compose(info, key, "nudge", target, reply, today, zone_name=zone_name))
        composed.extend(self._escalate(s, info, escalations, today, now, zone_name))
        return self._claim_all(s, composed, now)

    def _escalate(
        self,
        s: Session,
        info: WorkspaceInfo,
        escalations: list[tuple[str, PersonRef, TaskRow, int]],
        today: date,
        now: datetime,
        zone_name: str,
    ) -> list[tuple[ledger.NewNotification, Outbound]]:
        """Tell each lead/creator once per task (per due date) that it is late, one DM per person."""
        if not escalations:
            return []

        def marker(role: str, task: TaskRow) -> str:
            return f"escalated:{role}:{task.id}:{task.due_date}"

        new = ledger.mark_many(
            s, [marker(role, task) for role, _p, task, _l in escalations], info.id, "escalated", now
        )
        grouped: dict[tuple[str, int], tuple[PersonRef, list[tuple[TaskRow, int]]]] = {}
        for role, person, task, late in escalations:
            key = marker(role, task)
            if key not in new:
                continue  # told before (by this process or another)
            new.discard(key)
            grouped.setdefault((role, person.id), (person, []))[1].append((task, late))
        composed = []
        for (role, _pid), (person, tasks) in sorted(
            grouped.items(), key=lambda g: (g[0][0], g[1][0].user_id)
        ):
            reply = notices.compose_escalation(
                role, tasks, today, notices.person_language(person, info.language)
            )
            key = f"escalate:{role}:{info.id}:{person.user_id}:{today.isoformat()}"
            target = Target.user(person.user_id, person.name)
            composed.append(self._compose(info, key, "escalate", target, reply, today, zone_name=zone_name))
        return composed

    def _compose(
        self,
        info: WorkspaceInfo,
        key: str,
        kind: str,
        target: Target,
        reply: Reply,
        today: date,
        *,
        zone_name: str | None = None,
        expires: datetime | None = None,
        not_before: datetime | None = None,
    ) -> tuple[ledger.NewNotification, Outbound]:
        """A ledger row carrying the whole message (a retry needs nothing else); it expires with its day."""
        outbound = Outbound(info.platform, info.external_id, target, reply, key=key)
        if expires is None:
            expires = due.end_of_day(today, due.zone(zone_name or info.timezone))
        new = ledger.NewNotification(
            key=key,
            workspace_id=info.id,
            kind=kind,
            target_kind=target.kind,
            target_id=target.id,
            payload={"outbound": notices.outbound_to_dict(outbound)},
            expires_at=expires,
            not_before=not_before,
        )
        return new, outbound

    def _claim_all(
        self, s: Session, composed: Sequence[tuple[ledger.NewNotification, Outbound]], now: datetime
    ) -> list[_Claimed]:
        """Claim-before-send in one multi-row insert: the ones this process inserted, in order."""
        ids = ledger.claim_many(s, [new for new, _message in composed], now)
        return [
            _Claimed(ids[new.key], new.key, new.workspace_id, new.kind, message)
            for new, message in composed
            if new.key in ids
        ]

    # ------------------------------------------------------------------ sending

    def _send_all(self, items: Sequence[_Claimed | ledger.Due], now: datetime) -> int:
        """Send ``items`` (fresh claims of this process, or notifications due for retry) concurrently,
        in the rate-limit scopes this process holds (:meth:`_within_scopes`).

        Admin alerts raised by permanent failures go out in the same tick, after the rest.
        """
        sent = 0
        queue: Sequence[_Claimed | ledger.Due] = list(items)
        while queue:
            try:
                jobs = self._reserve(self._within_scopes(queue, now), now)
            except Exception:
                log.exception("scheduler: reserving %d notifications failed", len(queue))
                return sent
            ok, alerts = self._send_reserved(jobs, now)
            sent += ok
            queue = alerts
        return sent

    def _within_scopes(
        self, items: Sequence[_Claimed | ledger.Due], now: datetime
    ) -> list[_Claimed | ledger.Due]:
        """The items in rate-limit scopes this process holds, taking the free ones it needs first.

        One replica at a time sends in a scope (a Slack workspace, the Feishu app), so each
        replica's own rate limiter is the scope's. Fresh claims in scopes another replica holds
        are handed back to the ledger in the same transaction, due now: that replica sends them
        when it releases the scope (:meth:`_release_scopes`); retries there are left to it.
        """
        limiter = self.sender.limiter
        scopes = [limiter.scope_of(*_sent_in(item)) for item in items]
        wanted = {scope for scope in scopes if scope is not None} - self._scopes.held
        if not wanted:
            return list(items)
        at = self._lease_start(now)
        with self.services.db.transaction() as s:
            taken = send_leases.take(s, sorted(wanted), self._scopes.holder, at, at + ledger.LEASE)
            held = self._scopes.held | {lease.scope for lease in taken}
            pairs = list(zip(items, scopes, strict=True))
            away = [item for item, scope in pairs if scope is not None and scope not in held]
            ledger.hand_back(s, [item.id for item in away if isinstance(item, _Claimed)], at)
        self._scopes.taken(taken, at)
        if away:
            log.info(
                "scheduler: %d notifications left to the replicas sending in %d scopes",
                len(away),
                len(wanted - held),
            )
        return [item for item, scope in pairs if scope is None or scope in held]

    def _release_scopes(self, now: datetime) -> int:
        """Release this tick's scopes, then send what other replicas handed back in them meanwhile.

        A replica hands notifications back under the lease row's lock, so a release waits for
        that to commit, and the look for due notifications right after it finds them.
        """
        sent = 0
        rounds = 0
        while True:
            try:
                released = self._scopes.release(self._lease_start(now))
                if not released or rounds == RELEASE_ROUNDS:
                    return sent
                with self.services.db.transaction() as s:
                    due = ledger.due_for_retry(s, self._lease_start(now), RETRY_BATCH, within=released)
            except Exception:
                log.exception("scheduler: releasing send scopes failed (their leases run out)")
                return sent
            if not due:
                return sent
            rounds += 1
            sent += self._send_all(due, now)

    def _reserve(self, items: Sequence[_Claimed | ledger.Due], now: datetime) -> list[_Job]:
        """Move ``items`` to ``sending`` under a lease, :data:`SEND_BATCH` per transaction.

        Reserving ahead is harmless: a process killed mid-storm leaves the rest of its
        reservations ``sending``, unsent, and they are sent (once) when the lease runs out.
        """
        jobs: list[_Job] = []
        for own in (True, False):
            chosen = [item for item in items if isinstance(item, _Claimed) == own]
            for start in range(0, len(chosen), SEND_BATCH):
                batch = chosen[start : start + SEND_BATCH]
                by_id = {item.id: item for item in batch if isinstance(item, _Claimed)}
                ids = [item.id for item in batch]
                at = self._lease_start(now)  # handed back by another replica: due at its instant
                lease = at + ledger.LEASE
                with self.services.db.transaction() as s:
                    taken = ledger.acquire_many(s, ids, at, own=own, lease_until=lease, payloads=not own)
                for got in taken:
                    message = self._message(got, by_id.get(got.id), now)
                    if message is not None:
                        jobs.append(_Job(got, message, lease))
        return jobs

    def _send_reserved(self, jobs: list[_Job], now: datetime) -> tuple[int, list[_Claimed]]:
        """Send reserved ``jobs`` through :class:`bot.sending.ConcurrentSender`; (sent, alerts to send).

        Each *sent* message is recorded as soon as its send returns, by
        :class:`storage.notifications.OutcomeLog` (one short statement on a held connection), so a
        kill repeats at most the messages in flight. Failures (rare) take a transaction of their
        own. Reservations still waiting are renewed every :data:`RENEW_AFTER`, so a slow platform
        cannot let a lease lapse while its message is still queued here.
        """
        if not jobs:
            return 0, []
        db = self.services.db
        results = _Results()
        # SQLite: queue with this process's other writers (storage.db.Database's writer lock)
        writer = getattr(db, "_sqlite_writer", None)
        with ledger.OutcomeLog(db.engine, writer) as outcomes:

            def attempt(job: _Job) -> Throttled | None:
                return self._deliver(job, now, outcomes, results)

            self.sender.run(
                ((job, job.message) for job in jobs),
                attempt,
                on_tick=lambda waiting: self._renew(waiting, now),
                tick_every=RENEW_AFTER.total_seconds(),
            )
        return results.sent, results.alerts

    def _renew(self, waiting: Sequence[_Job], now: datetime) -> set[int]:
        """Extend the leases of the jobs not sent yet, and the send scopes; the ``id()`` of the jobs
        another process took, or whose scope it did (ours ran out: a pause, the database away)."""
        gone: set[int] = set()
        by_lease: dict[datetime, list[_Job]] = {}
        for job in waiting:
            by_lease.setdefault(job.lease, []).append(job)
        new_lease = self._lease_start(now) + ledger.LEASE
        lost = self._scopes.renew(new_lease)
        limiter = self.sender.limiter
        for lease, group in by_lease.items():
            with self.services.db.transaction() as s:
                held = ledger.renew(s, [job.got.id for job in group], lease, new_lease)
            for job in group:
                if job.got.id in held and limiter.scope_of(*_sent_in(job.message)) not in lost:
                    job.lease = new_lease
                else:
                    gone.add(id(job))
        if lost:
            log.warning("scheduler: lost the send lease of %s; its queued messages wait for the ledger", lost)
        return gone

    def _message(self, got: ledger.Acquired, claimed: _Claimed | None, now: datetime) -> Outbound | None:
        """The message of an acquired notification (None: its payload is unreadable, now recorded)."""
        if claimed is not None:
            message = claimed.message
        else:
            try:
                message = notices.outbound_from_dict(got.payload["outbound"])
            except Exception as exc:  # a payload we cannot read will never send
                with self.services.db.transaction() as s:
                    ledger.record_failure(s, got.id, now, f"unreadable payload: {exc}", permanent=True)
                return None
        if got.attempt > 1:  # an earlier attempt may have gone through (lost answer, crash)
            message = replace(message, earlier_attempt_since=got.created_at or now)
        return message

    def _deliver(
        self, job: _Job, now: datetime, outcomes: ledger.OutcomeLog, results: _Results
    ) -> Throttled | None:
        """Send one reserved notification and record the outcome (Throttled: try again after a hold)."""
        got, message = job.got, job.message
        started = time.monotonic()
        try:
            self.services.messengers.for_platform(message.platform).send(message)
        except DeliveryError as exc:
            limited = exc.retry_after is not None and not exc.permanent
            result = "rate_limited" if limited else "permanent" if exc.permanent else "failed"
            metrics.send_finished(message.platform, result, time.monotonic() - started)
            if limited and exc.retry_after is not None and exc.retry_after <= MAX_HOLD:
                return Throttled(exc.retry_after, exc.method)
            results.add(alerts=self._failed(got, message, now, str(exc), exc.permanent, exc.retry_after))
            return None
        except Exception as exc:  # timeouts, connection resets: transient
            metrics.send_finished(message.platform, "failed", time.monotonic() - started)
            log.warning("scheduler: %s to %s failed: %r", got.kind, message.target.label, exc)
            results.add(alerts=self._failed(got, message, now, repr(exc)[:500], False, None))
            return None
        metrics.send_finished(message.platform, "sent", time.monotonic() - started)
        outcomes.sent(got.id, now)
        results.add(sent=1)
        log.info("scheduler: sent %s", got.key, extra=_context(got, message, "sent"))
        return None

    def _lease_start(self, now: datetime) -> datetime:
        """The tick's instant advanced by the real time this tick has taken so far."""
        return now + timedelta(seconds=time.monotonic() - self._tick_started)

    def _failed(
        self,
        got: ledger.Acquired,
        message: Outbound,
        now: datetime,
        error: str,
        permanent: bool,
        retry_after: float | None,
    ) -> list[_Claimed]:
        # An admin alert is what reports given-up messages: it outlives an outage that used theirs
        # up, retried until it expires (two days), unless the failure is permanent.
        max_attempts = None if got.kind == "alert" else ledger.MAX_ATTEMPTS
        with self.services.db.transaction() as s:
            status = ledger.record_failure(
                s,
                got.id,
                now,
                error or "delivery failed",
                permanent=permanent,
                retry_after=retry_after,
                max_attempts=max_attempts,
            )
            log.info("scheduler: %s not sent (%s)", got.key, status, extra=_context(got, message, status))
            if status != ledger.DEAD or got.kind == "alert":
                return []
            log.warning("scheduler: giving up on %s: %s", got.key, error)
            return self._alert_admins(s, got, message, error, now)

    def _alert_admins(
        self, s: Session, got: ledger.Acquired, message: Outbound, error: str, now: datetime
    ) -> list[_Claimed]:
        workspace = s.get(Workspace, got.workspace_id)
        if workspace is None:
            return []
        info = _info(workspace)
        today = due.local_date(now, due.zone(info.timezone))
        composed = []
        for admin in scheduling.admins(s, info.id):
            if message.target.kind == "user" and admin.user_id == message.target.id:
                continue  # their own DMs are what failed
            where = f"{message.target.kind}:{message.target.id}"
            key = f"alert:{info.id}:{admin.user_id}:{where}:{today.isoformat()}"
            lang = notices.person_language(admin, info.language)
            reply = notices.compose_failure_alert(got.kind, message.target, error, lang)
            expires = now + timedelta(days=2)
            target = Target.user(admin.user_id, admin.name)
            composed.append(self._compose(info, key, "alert", target, reply, today, expires=expires))
        return self._claim_all(s, composed, now)

    # ------------------------------------------------------------------ helpers

    def _scheduled_tick(self) -> None:
        try:
            self.tick()
        except Exception:  # never let the background job die
            log.exception("scheduler: tick failed")

    def _next_retry(self, after: datetime, end: datetime) -> datetime | None:
        with self.services.db.transaction() as s:
            at = ledger.next_attempt_after(s, after)
        if at is None:
            return None
        at = _ceil_minute(at)
        return at if at <= end else None

    def _interesting_instants(self, first: datetime, end: datetime) -> set[datetime]:
        """Minute instants in ``[first, end]`` at which something may become due."""
        with self.services.db.transaction() as s:
            infos = scheduling.workspaces(s)
            groups = _sweep_groups(infos, scheduling.person_zones(s), scheduling.person_starts(s))
            digest_times: dict[int, set[str]] = {}
            for workspace_id, at_time in s.execute(
                select(DigestSchedule.workspace_id, DigestSchedule.at_time)
                .where(DigestSchedule.enabled.is_(True))
                .distinct()
            ):
                digest_times.setdefault(workspace_id, set()).add(at_time)
            schedules = report_schedules.of_workspaces(s, [info.id for info in infos])
            clocks = report_posts.report_clocks(s, schedules, {info.id: info for info in infos})
        pairs: set[tuple[str, str]] = set()
        for info in infos:
            pairs.add((info.timezone, info.checkin_time))
            for at_time in digest_times.get(info.id, set()):
                pairs.add((info.timezone, at_time))
            pairs.update(groups[info.id])
        for schedule in schedules:  # each report at its reader's clock, inside their working hours
            clock = clocks[schedule.id]
            pairs.add((clock.zone, clock.slot(schedule.at_time).strftime("%H:%M")))
        instants: set[datetime] = set()
        for name, at_text in pairs:
            tz = due.zone(name)
            at = due.parse_hhmm(at_text)
            day = (first - timedelta(days=1)).astimezone(tz).date()
            last = (end + timedelta(days=1)).astimezone(tz).date()
            while day <= last:
                instant = _ceil_minute(due.due_instant(day, at, tz))
                if first <= instant <= end:
                    instants.add(instant)
                day += timedelta(days=1)
        return instants


_T0930 = due.parse_hhmm("09:30")
_T1800 = due.parse_hhmm("18:00")


def _late_morning(working: WorkingTime, now: datetime) -> datetime:
    """When a missed post goes out: the next working morning — this morning's when ``now`` is a
    night before it (coordbot came back after midnight)."""
    day = now.astimezone(working.zone).date()
    if working.calendar.is_working_day(day) and now < working.opening(day):
        return working.opening(day)
    return working.next_working_morning(now)


def _next_checkin(
    launch_date: date, missed: date, until: date, info: WorkspaceInfo, calendar: WorkCalendar
) -> date | None:
    """The first day after ``missed``, up to ``until``, with a check-in of the launch on
    ``launch_date`` (it supersedes the one missed), or None."""
    offsets = due.parse_offsets(info.checkin_offsets)
    day = missed + timedelta(days=1)
    while day <= until:
        if launch_date in due.checkins_on(day, offsets, calendar):
            return day
        day += timedelta(days=1)
    return None


LATE_AFTER = timedelta(minutes=5)  # a slot reached later than this was missed (ticks come every minute)


def _missed_slot(info: WorkspaceInfo, today: date, at_text: str, now: datetime) -> bool:
    """Was the slot ``at_text`` today missed (coordbot was not running), and is it now too late for it?

    A missed slot is still served within the grace window and before the end of working hours;
    later it is not: nothing is posted at night because a process was down at 09:30.
    """
    tz = due.zone(info.timezone)
    slot = due.due_instant(today, due.parse_hhmm(at_text), tz)
    if now - slot <= LATE_AFTER:
        return False
    closing = due.due_instant(today, due.parse_hhmm(info.work_end, _T1800), tz)
    return now - slot > timedelta(minutes=info.late_grace_minutes) or now >= closing


def _unclaimed_digests(s: Session, plan: _Plan, now: datetime) -> dict[int, int]:
    """The digest schedules due (id -> workspace id), less those whose day's key is taken (a day off
    at their channel's office: the schedule is not marked posted, so its next digest covers the
    days off)."""
    found = scheduling.due_digests(s, plan.windows)
    if not found:
        return {}
    keys = {}
    for schedule in found:
        info = plan.infos.get(schedule.workspace_id)
        if info is not None:
            keys[schedule.id] = _digest_key(info, schedule, due.local_date(now, due.zone(info.timezone)))
    taken = ledger.existing_keys(s, keys.values())
    return {schedule.id: schedule.workspace_id for schedule in found if keys.get(schedule.id) not in taken}


def _units(plan: _Plan) -> list[list[int]]:
    """The tick's digests and sweeps in units of whole workspaces (ids in order; at most
    :data:`UNIT_WORKSPACES` workspaces and :data:`DIGEST_CHUNK` digests a unit, unless one
    workspace has more): the same units in every replica, each claimed in one transaction by
    whichever replica reaches it first."""
    digests: dict[int, int] = {}
    for workspace_id in plan.digest_workspace.values():
        digests[workspace_id] = digests.get(workspace_id, 0) + 1
    units: list[list[int]] = []
    size = 0
    for workspace_id in sorted(set(digests) | {sweep.workspace_id for sweep in plan.sweeps}):
        count = digests.get(workspace_id, 0)
        if not units or len(units[-1]) >= UNIT_WORKSPACES or size + count > DIGEST_CHUNK:
            units.append([])
            size = 0
        units[-1].append(workspace_id)
        size += count
    return units


def _sweep_time(info: WorkspaceInfo, person: PersonRef | None) -> str:
    """When a person's nudges are swept: the nudge time, or the start of their working hours if later."""
    start = (person.work_start if person is not None else None) or info.work_start
    return max(due.parse_hhmm(info.nudge_time, _T0930), due.parse_hhmm(start)).strftime("%H:%M")


def _sweep_groups(
    infos: Sequence[WorkspaceInfo],
    zones: dict[int, set[str]],
    starts: dict[int, set[tuple[str | None, str]]],
) -> dict[int, set[tuple[str, str]]]:
    """Each workspace's (zone, local sweep time) pairs: its own zone and its people's, at the nudge
    time, and later for people whose working hours begin later."""
    groups: dict[int, set[tuple[str, str]]] = {}
    for info in infos:
        default = _sweep_time(info, None)
        found = {(name, default) for name in {info.timezone} | zones.get(info.id, set())}
        for zone_name, start in starts.get(info.id, ()):
            later = max(default, due.parse_hhmm(start).strftime("%H:%M"))
            found.add((zone_name or info.timezone, later))
        groups[info.id] = found
    return groups


def _digest_days(info: WorkspaceInfo, now: datetime) -> int:
    """The digest-schedule day bits that post today in ``info``'s workspace (0: none).

    A public holiday or company day off posts none; a make-up or extra working day on a weekend
    posts the schedules of the working week (it is worked like one); any other day, the schedules
    of its weekday (a schedule may choose a weekend day on purpose).
    """
    today = due.local_date(now, due.zone(info.timezone))
    bits = 0
    for calendar in launch_posts.calendars(info).values():
        bits |= _digest_days_on(info, calendar, today)
    return bits


def _digest_days_on(info: WorkspaceInfo, calendar: WorkCalendar, today: date) -> int:
    """:func:`_digest_days` on one of the workspace's calendars."""
    weekday = 1 << today.weekday()
    works, usual = calendar.is_working_day(today), calendar.works_by_weekday(today)
    if usual and not works:
        return 0
    if works and not usual:
        return weekday | (info.workdays & ALL_DAYS_MASK or ALL_DAYS_MASK)
    return weekday


def _digest_key(info: WorkspaceInfo, schedule: DigestSchedule, today: date) -> str:
    return f"digest:channel:{info.id}:{schedule.channel_id}:{today.isoformat()}"


def _same(a: PersonRef | None, b: PersonRef | None) -> bool:
    return a is not None and b is not None and a.id == b.id


def _unique(*people: PersonRef | None) -> list[PersonRef]:
    seen: dict[int, PersonRef] = {}
    for person in people:
        if person is not None:
            seen.setdefault(person.id, person)
    return list(seen.values())


def _info(workspace: Workspace) -> WorkspaceInfo:
    return WorkspaceInfo(
        id=workspace.id,
        platform=workspace.platform,
        external_id=workspace.external_id,
        timezone=workspace.timezone,
        language=workspace.language,
        workdays=workspace.workdays,
        checkin_time=workspace.checkin_time,
        checkin_offsets=workspace.checkin_offsets,
        nudge_time=workspace.nudge_time,
        escalate_lead_after=workspace.escalate_lead_after,
        escalate_creator_after=workspace.escalate_creator_after,
        holiday_region=workspace.holiday_region,
        work_start=workspace.work_start,
        work_end=workspace.work_end,
        late_grace_minutes=workspace.late_grace_minutes,
    )


def _context(got: ledger.Acquired, message: Outbound, outcome: str) -> dict[str, str]:
    """A send's log context (JSON logs): its workspace, notification key, kind and outcome."""
    return {"workspace": message.workspace_external_id, "key": got.key, "kind": got.kind, "outcome": outcome}


def _sent_in(item: _Claimed | ledger.Due | Outbound) -> tuple[str, str]:
    """The platform and workspace a notification is sent in (what its rate-limit scope follows)."""
    if isinstance(item, ledger.Due):
        return item.platform, item.workspace_external_id
    message = item.message if isinstance(item, _Claimed) else item
    return message.platform, message.workspace_external_id


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _next_minute(value: datetime) -> datetime:
    return value.replace(second=0, microsecond=0) + MINUTE


def _ceil_minute(value: datetime) -> datetime:
    floor = value.replace(second=0, microsecond=0)
    return floor if floor == value else floor + MINUTE
