"""What every command runs with: the context (who, where, when, in which language) and shared checks."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from handlers import views
from handlers.calendar import WorkCalendar, working_calendar
from handlers.context import Caller
from handlers.grammar import PersonRef, UsageError
from handlers.i18n import Translator
from handlers.replies import Outbound, Reply, Target
from handlers.web_access import WebAccess
from handlers.working_time import WorkingTime
from storage import company_days, repo, scheduling
from storage.company_days import NO_COMPANY_DAYS, CompanyDays
from storage.models import Department, Launch, Person, Task, TaskStatus, Workspace
from storage.scheduling import NO_OFFICES, Offices


class CommandError(UsageError):
    """A well-formed command that cannot be carried out (unknown department, not allowed …)."""


@dataclass
class Ctx:
    session: Session
    workspace: Workspace
    me: Person
    caller: Caller
    tr: Translator
    now: datetime
    admin_ids: frozenset[str] = frozenset()
    outbox: list[Outbound] = field(default_factory=list)
    web: WebAccess = field(default_factory=WebAccess)  # links to the board and calendar feeds

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.me.timezone or self.workspace.timezone)

    @property
    def today(self) -> date:
        return self.now.astimezone(self.zone).date()

    @property
    def calendar(self) -> WorkCalendar:
        """The workspace's working calendar: every day count in a command goes through it."""
        return self.office_calendar(None)

    def office_calendar(self, office: str | None) -> WorkCalendar:
        """The calendar of one of the workspace's offices (``office``: a department's own holiday
        region; None: the workspace's) — :func:`handlers.calendar.working_calendar`."""
        ws = self.workspace
        return working_calendar(ws.workdays, ws.holiday_region, ws.language, self._company, office)

    @cached_property
    def _company(self) -> CompanyDays:
        ws = self.workspace
        return company_days.for_workspaces(self.session, [ws.id]).get(ws.id, NO_COMPANY_DAYS)

    def working_time(self, person: Person) -> WorkingTime:
        """``person``'s working time: their office's calendar, their time zone and hours (or the
        workspace's)."""
        ws = self.workspace
        return WorkingTime.of(
            self.office_calendar(self._offices.of_person(person.id)),
            person.timezone or ws.timezone,
            person.work_start or ws.work_start,
            person.work_end or ws.work_end,
        )

    @cached_property
    def _offices(self) -> Offices:
        return scheduling.workspace_offices(self.session, self.workspace.id).get(
            self.workspace.id, NO_OFFICES
        )

    def department_calendar(self, department: Department | None) -> WorkCalendar:
        """A department's calendar: the workspace's, with its office's public holidays if it has its own."""
        return self.office_calendar((department.holiday_region or None) if department is not None else None)

    @property
    def is_admin(self) -> bool:
        return self.me.is_admin or self.me.user_id in self.admin_ids

    def dm(self, person: Person | None, reply: Reply) -> None:
        """Queue a DM to ``person`` (sent after commit); nobody is told about their own actions.

        The DM's text is written with ``self.tr``, so it carries that language.
        """
        if person is None or person.id == self.me.id:
            return
        self.outbox.append(
            Outbound(
                platform=self.caller.platform,
                workspace_external_id=self.workspace.external_id,
                target=Target.user(person.user_id, person.name),
                reply=replace(reply, language=self.tr.lang),
                not_before=self.reachable_from(person),
            )
        )

    def reachable_from(self, person: Person) -> datetime | None:
        """When a DM may reach ``person``: None (now) inside their working time, else their next
        working morning — after their away time, if they are away."""
        working = self.working_time(person)
        start = self.now
        if person.away_from is not None and person.away_until is not None:
            today = self.now.astimezone(working.zone).date()
            if person.away_from <= today <= person.away_until:
                start = working.opening(person.away_until + timedelta(days=1))
        at = working.next_working_instant(start)
        return None if at <= self.now else at


def department(ctx: Ctx, word: str, usage: str) -> Department:
    found = repo.find_department(ctx.session, ctx.workspace, word)
    if found is None:
        names = (views.department_name(d, ctx.tr) for d in repo.departments(ctx.session, ctx.workspace))
        known = views.joined(names, ctx.tr)
        raise CommandError(
            "err.unknown_department", usage, {"department": word[:40], "known": known}, field="department"
        )
    return found


def person(ctx: Ctx, ref: PersonRef) -> Person:
    return repo.get_or_create_person(ctx.session, ctx.workspace, ref.user_id, now=ctx.now, name=ref.name)


def task(ctx: Ctx, number: int, usage: str, *, for_update: bool = False) -> Task:
    lookup = repo.find_task_for_update if for_update else repo.find_task
    found = lookup(ctx.session, ctx.workspace, number)
    if found is None or found.status == TaskStatus.DELETED:
        raise CommandError("err.no_task", usage, {"number": number})
    return found


def launch(ctx: Ctx, name: str, usage: str, fld: str = "launch") -> Launch:
    found = repo.find_launch(ctx.session, ctx.workspace, name)
    if found is None:
        raise CommandError("err.no_launch", usage, {"name": name[:40]}, field=fld)
    return found
