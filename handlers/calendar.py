"""The working calendar: which days are working days, and counting in working days.

One :class:`WorkCalendar` per workspace (and per person, for their own office) answers every
question about days: the scheduler's "is today a working day here", "N working days overdue",
launch items' relative due dates (``T-10``), check-in days that fall on a day off, typed due
dates such as ``3 working days``. Nothing else in coordbot does day arithmetic.

A day is a working day when its weekday is in ``workdays`` and it is not a day off, or when it
is an extra working day (a make-up workday, China's 调休, or a company day). Pure: no database,
no wall clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from storage.models import WORKDAYS_MASK

ALL_DAYS_MASK = 0b1111111
MAX_SEARCH_DAYS = 400  # a calendar with (almost) no working days still answers, never loops


@dataclass(frozen=True)
class WorkCalendar:
    workdays: int = WORKDAYS_MASK
    days_off: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.days_off:
            return False
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
        for off in self.days_off:
            if after < off <= upto and mask & (1 << off.weekday()) and off not in self.extra_workdays:
                count -= 1
        for extra in self.extra_workdays:
            if after < extra <= upto and not mask & (1 << extra.weekday()):
                count += 1
        return count

    def _step(self, day: date, step: int, include: bool) -> date:
        current = day if include else day + timedelta(days=step)
        for _ in range(MAX_SEARCH_DAYS):
            if self.is_working_day(current):
                return current
            current += timedelta(days=step)
        return day
