"""The working calendar: which days are working days, and counting in working days.

One :class:`WorkCalendar` per workspace (and per person, for their own office) answers every
question about days: the scheduler's "is today a working day here", "N working days overdue",
launch items' relative due dates (``T-10``), check-in days that fall on a day off, typed due
dates such as ``3 working days``. Nothing else in coordbot does day arithmetic.

A day is a working day when its weekday is in ``workdays`` and it is not a day off, or when it
is an extra working day. Company days (``days_off``, ``extra_workdays``) win over the public
holidays of ``region`` (:mod:`handlers.holidays`, cached per region and year), whose make-up
workdays (China's 调休) are working days and whose holidays on weekdays are not. A year for which
the library has no data counts weekdays and company days only. Pure: no database, no wall clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from handlers.holidays import NONE, default_region, public_year
from storage.company_days import NO_COMPANY_DAYS, CompanyDays
from storage.models import WORKDAYS_MASK

ALL_DAYS_MASK = 0b1111111
MAX_SEARCH_DAYS = 400  # a calendar with (almost) no working days still answers, never loops


@dataclass(frozen=True)
class WorkCalendar:
    workdays: int = WORKDAYS_MASK
    days_off: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()
    region: str = NONE  # public holidays (handlers.holidays): "CN", "US-CA", or "none"

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.days_off:
            return False
        if self.region != NONE:
            public = public_year(self.region, day.year)
            if day in public.workdays:
                return True
            if day in public.days_off:
                return False
        return self.works_by_weekday(day)

    def holidays_known(self, year: int) -> bool:
        """Whether the public holidays of ``year`` are known (False: weekdays and company days only)."""
        return self.region == NONE or public_year(self.region, year).known

    def works_by_weekday(self, day: date) -> bool:
        """Whether ``day``'s weekday is a working weekday (holidays and company days aside)."""
        mask = self.workdays & ALL_DAYS_MASK
        return not mask or bool(mask & (1 << day.weekday()))

    def next_working_day(self, day: date, *, include: bool = False) -> date:
        """The first working day after ``day`` (or ``day`` itself when ``include`` and it is one)."""
        return self._step(day, 1, include)

    def previous_working_day(self, day: date, *, include: bool = False) -> date:
        """The last working day before ``day`` (or ``day`` itself when ``include`` and it is one)."""
        return self._step(day, -1, include)

    def add_working_days(self, day: date, count: int) -> date:
        """``count`` working days after ``day`` (before it when negative); ``day`` for 0.

        ``add_working_days(launch, -3)`` is T-3: three working days before the launch, counting
        from the launch date whether or not that is itself a working day.
        """
        step = 1 if count > 0 else -1
        current = day
        for _ in range(abs(count)):
            current = self._step(current, step, include=False)
        return current

    def working_days_between(self, after: date, upto: date) -> int:
        """Working days ``d`` with ``after < d <= upto`` (a task due Monday is 1 day overdue on
        Tuesday); 0 when ``upto`` is not after ``after``."""
        if upto <= after:
            return 0
        mask = self.workdays & ALL_DAYS_MASK or ALL_DAYS_MASK
        weeks, rest = divmod((upto - after).days, 7)
        count = weeks * bin(mask).count("1")
        day = after + timedelta(days=weeks * 7)
        for _ in range(rest):
            day += timedelta(days=1)
            count += bool(mask & (1 << day.weekday()))
        # The weekday count above, corrected by the exceptions that fall in the range.
        for exception in self._exceptions(after, upto):
            count += self.is_working_day(exception) - self.works_by_weekday(exception)
        return count

    def _exceptions(self, after: date, upto: date) -> set[date]:
        """Company and public days in ``(after, upto]``: the only days the weekday rule may get wrong."""
        found = {d for d in self.days_off | self.extra_workdays if after < d <= upto}
        if self.region != NONE:
            for year in range(after.year, upto.year + 1):
                public = public_year(self.region, year)
                found.update(d for d in (*public.days_off, *public.workdays) if after < d <= upto)
        return found

    def _step(self, day: date, step: int, include: bool) -> date:
        current = day if include else day + timedelta(days=step)
        for _ in range(MAX_SEARCH_DAYS):
            if self.is_working_day(current):
                return current
            current += timedelta(days=step)
        return day


def effective_region(region: str | None, language: str) -> str:
    """The public-holiday region in force: the one chosen, else the language's default (zh -> CN)."""
    return region if region else default_region(language)


@lru_cache(maxsize=4096)
def working_calendar(
    workdays: int,
    region: str | None,
    language: str,
    company: CompanyDays = NO_COMPANY_DAYS,
    office: str | None = None,
) -> WorkCalendar:
    """The working calendar every day count goes through: a workspace's, from its settings and
    company days, or one of its offices' (``office``: the public-holiday region of a department
    with its own, for its team channel and people). Cached per calendar's parts, so a scheduler
    tick builds none and asks the holiday library nothing."""
    public = office if office is not None else effective_region(region, language)
    return WorkCalendar(workdays, company.off, company.work, public)
