"""A person's working time: their calendar's working days, in their time zone, within their hours.

It answers the questions of everything said to a person later: "may they be told now", "when is
their next working morning" (a snooze until tomorrow, a late check-in), "when may a DM reach
them" (assignment and update notices wait for it). Pure: the instant is always passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from handlers import due
from handlers.calendar import WorkCalendar

_T1800 = time(18, 0)


@dataclass(frozen=True)
class WorkingTime:
    calendar: WorkCalendar
    zone: ZoneInfo
    start: time = time(9, 0)
    end: time = _T1800

    @classmethod
    def of(
        cls, calendar: WorkCalendar, zone_name: str | None, start: str | None, end: str | None
    ) -> WorkingTime:
        """From stored settings (a person's own, else their workspace's: pass whichever applies)."""
        return cls(calendar, due.zone(zone_name), due.parse_hhmm(start), due.parse_hhmm(end, _T1800))

    def is_working(self, instant: datetime) -> bool:
        """Inside working hours on a working day."""
        local = instant.astimezone(self.zone)
        if not self.calendar.is_working_day(local.date()):
            return False
        return self.opening(local.date()) <= instant < self.closing(local.date())

    def next_working_instant(self, instant: datetime) -> datetime:
        """``instant`` itself when it is working time, else the next working morning."""
        if self.is_working(instant):
            return instant
        day = instant.astimezone(self.zone).date()
        if self.calendar.is_working_day(day) and instant < self.opening(day):
            return self.opening(day)
        return self.next_working_morning(instant)

    def next_working_morning(self, instant: datetime) -> datetime:
        """The start of working hours on the first working day after ``instant``'s local day."""
        day = instant.astimezone(self.zone).date()
        return self.opening(self.calendar.next_working_day(day))

    def opening(self, day: date) -> datetime:
        return due.due_instant(day, self.start, self.zone)

    def closing(self, day: date) -> datetime:
        return due.due_instant(day, self.end, self.zone)
