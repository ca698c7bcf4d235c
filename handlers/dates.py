"""User-typed dates, in English and Chinese, relative to a given day and working calendar.

Pure: nothing reads the wall clock or the database; ``today`` and the calendar are parameters.
Unparseable input gives ``None``; :func:`parse_date` never raises on arbitrary text.

The rules (``today`` is the reference day; weeks run Monday to Sunday). The same words mean the
same day in both languages:

* ``2026-12-15`` (also ``/`` or ``.``), ``2026年12月15日``, ``dec 15 2026``, ``12/15/2026``: that date.
* ``today``/``tod``/``eod``, ``tomorrow``/``tmr``, ``yesterday``; ``今天``, ``明天``, ``后天``, ``昨天``.
* A weekday, ``fri``/``on fri``/``by fri`` = ``周五``/``星期五``: the next Friday *including today*.
  ``this fri`` = ``本周五``/``这周五``: this week's Friday, even when it has passed.
  ``next fri`` = ``下周五``: the Friday of next week (``下下周五`` the week after).
  ``last fri`` = ``上周五``: last week's Friday.
* A day and month without a year, in any form (``dec 15``, ``15 dec``, ``December 15th``, ``12/15``,
  ``12-15``, ``12月15日``, ``12月15``), or a day of the month alone (``the 15th``, ``15号``): the next
  such day *including today*. Numbers are month/day; day/month only when the first cannot be a month.
* ``+3d``, ``+2w``, ``in 3 days``, ``3 days from now``, ``3天后``, ``2周后``, ``3天前``.
* ``3 working days`` (``in 3 business days``, ``+3wd``) = ``3个工作日`` (``3个工作日后``): counted on
  the working calendar (its working days and days off).
* A week or a month named as a due date means its last working day: ``eow``/``end of week``/
  ``this week`` = ``本周``/``本周内``; ``next week`` = ``下周``; ``eom``/``end of month``/``this month`` =
  ``月底``/``本月底``/``本月``; ``next month`` = ``下个月``/``下月``. When this week's (or month's) last
  working day has passed, it is next week's (month's).
* Anything else that looks like a date (every token date vocabulary, one naming a day) goes to
  :mod:`dateparser` (``tomorrow 9am``, ``in 3 months``, ``3 weeks ago``). A month alone (``dec``) and
  months as offsets (``+1m``) are refused: they do not name one day.
"""

from __future__ import annotations

import calendar as monthdays
import datetime
import re

from handlers.calendar import WorkCalendar
from handlers.timewords import (
    CN_NUM,
    CN_WD,
    CN_WEEK_WORD,
    CN_WEEKDAY_CHARS,
    EN_WEEKDAYS,
    alternation,
    chinese_number,
    english_numbers,
    normalise,
)

__all__ = ["parse_date"]

_MAX_FALLBACK_LEN = 40
_DEFAULT_CALENDAR = WorkCalendar()

_EN_MONTHS: dict[str, int] = {}
for _i, _names in enumerate(
    (
        ("jan", "january"),
        ("feb", "february"),
        ("mar", "march"),
        ("apr", "april"),
        ("may",),
        ("jun", "june"),
        ("jul", "july"),
        ("aug", "august"),
        ("sep", "sept", "september"),
        ("oct", "october"),
        ("nov", "november"),
        ("dec", "december"),
    ),
    start=1,
):
    for _name in _names:
        _EN_MONTHS[_name] = _i

_WD_RE = alternation(EN_WEEKDAYS)
_MONTH_RE = alternation(_EN_MONTHS)

# ------------------------------------------------------------------------------ day arithmetic


def _make_date(year: int, month: int, day: int) -> datetime.date | None:
    try:
        return datetime.date(year, month, day)
    except (ValueError, OverflowError):
        return None


def _shift(today: datetime.date, days: int) -> datetime.date | None:
    try:
        return today + datetime.timedelta(days=days)
    except (OverflowError, ValueError):
        return None


def _upcoming(month: int, day: int, today: datetime.date) -> datetime.date | None:
    """``month``/``day`` this year, or the first later year in which it exists; never before today."""
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    for year in range(today.year, min(today.year + 9, datetime.MAXYEAR + 1)):
        candidate = _make_date(year, month, day)
        if candidate is not None and candidate >= today:
            return candidate
    return None


def _upcoming_day_of_month(day: int, today: datetime.date) -> datetime.date | None:
    """The next ``day`` of a month, today included (the 31st skips months without one)."""
    if not 1 <= day <= 31:
        return None
    year, month = today.year, today.month
    for _ in range(12):
        candidate = _make_date(year, month, day)
        if candidate is not None and candidate >= today:
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return None


def _month_start(today: datetime.date, months_ahead: int) -> tuple[int, int]:
    index = today.year * 12 + today.month - 1 + months_ahead
    return index // 12, index % 12 + 1


def _next_weekday(today: datetime.date, weekday: int) -> datetime.date | None:
    """The next ``weekday``, today included."""
    return _shift(today, (weekday - today.weekday()) % 7)


def _week_day(today: datetime.date, weeks_ahead: int, weekday: int) -> datetime.date | None:
    """``weekday`` of the calendar week ``weeks_ahead`` weeks from this one (Monday-based)."""
    return _shift(today, 7 * weeks_ahead + weekday - today.weekday())


def _first_workday(mask: int) -> int:
    """The weekday a working week starts on: the one after the longest run of days off.

    Monday for Monday-to-Friday (and for every-day or no-day masks), Sunday for Sunday-to-Thursday.
    """
    days = [bool(mask & (1 << day)) for day in range(7)]
    if all(days) or not any(days):
        return 0
    best_start, best_gap = 0, -1
    for start in range(7):
        if not days[start] or days[(start - 1) % 7]:
            continue  # a week starts on a working day that follows a day off
        gap = 0
        while not days[(start - 1 - gap) % 7]:
            gap += 1
        if gap > best_gap or (gap == best_gap and start == 0):
            best_start, best_gap = start, gap
    return best_start


def _period_end(today: datetime.date, unit: str, ahead: int, calendar: WorkCalendar) -> datetime.date | None:
    """The last working day of this (``ahead=0``) or a later working week or month.

    A working week starts on the workspace's first working weekday (:func:`_first_workday`).
    This week's or month's, when it has passed already, gives way to the next one's.
    """
    try:
        if unit == "week":
            since_start = (today.weekday() - _first_workday(calendar.workdays)) % 7
            first = today - datetime.timedelta(days=since_start) + datetime.timedelta(weeks=ahead)
            last = first + datetime.timedelta(days=6)
        else:
            year, month = _month_start(today, ahead)
            first = datetime.date(year, month, 1)
            last = datetime.date(year, month, monthdays.monthrange(year, month)[1])
        end = calendar.previous_working_day(last, include=True)
    except (OverflowError, ValueError):
        return None
    if end < first:  # no working day in the whole period
        end = last
    if ahead == 0 and end < today:
        return _period_end(today, unit, 1, calendar)
    return end


def _working_days(today: datetime.date, count: int, calendar: WorkCalendar) -> datetime.date | None:
    try:
        return calendar.add_working_days(today, count)
    except (OverflowError, ValueError):
        return None


# --------------------------------------------------------------------------------- English

_ISO = re.compile(r"([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})")
_NUMERIC = re.compile(r"([0-9]{1,2})([/-])([0-9]{1,2})(?:\2([0-9]{4}))?")
_EN_PREFIX = re.compile(r"(?:on|by|due|until)\s+")
_EN_WEEKDAY = re.compile(rf"(?:(next|this|coming|last)\s+)?({_WD_RE})")
_EN_OFFSET = re.compile(
    r"(?:\+\s*([0-9]{1,6})\s*(d|w|days?|weeks?|wks?)"
    r"|in\s+([0-9]{1,6})\s*(d|w|days?|weeks?|wks?)"
    r"|([0-9]{1,6})\s*(days?|weeks?|wks?)\s+(?:from\s+(?:now|today)|later))"
)
_EN_WORKING = re.compile(
    r"(?:\+\s*([0-9]{1,4})\s*(?:wd|bd)"
    r"|(?:in\s+)?([0-9]{1,4})\s*(?:working\s+days?|work\s*days?|business\s+days?|wd|bd)"
    r"(?:\s+(?:from\s+(?:now|today)|later))?)"
)
_EN_PERIOD = re.compile(
    r"(?:(?:the\s+)?end\s+of\s+(?:the\s+)?(this\s+|next\s+)?(week|month)|(this|next)\s+(week|month)"
    r"|(eow|eom))"
)
_EN_MONTH_DAY = re.compile(rf"({_MONTH_RE})\.?\s+([0-9]{{1,2}})(?:st|nd|rd|th)?(?:,?\s+([0-9]{{4}}))?")
_EN_DAY_MONTH = re.compile(
    rf"(?:the\s+)?([0-9]{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH_RE})\.?(?:,?\s+([0-9]{{4}}))?"
)
_EN_DAY_OF_MONTH = re.compile(r"(?:the\s+)?([0-9]{1,2})(?:st|nd|rd|th)")
_EN_MONTH_ALONE = re.compile(rf"(?:in\s+)?({_MONTH_RE})")
_EN_WORDS: dict[str, int] = {
    "today": 0, "tod": 0, "eod": 0, "tonight": 0, "end of day": 0, "end of today": 0,
    "tomorrow": 1, "tmr": 1, "tmrw": 1, "yesterday": -1,
}  # fmt: skip


def _numeric(m: re.Match[str], today: datetime.date) -> datetime.date | None:
    """``12/15``, ``12-15``, ``15/12``, ``12/15/2026``: month first, unless that cannot be a month."""
    first, second = int(m[1]), int(m[3])
    month, day = (first, second) if first <= 12 else (second, first)
    if m[4] is not None:
        return _make_date(int(m[4]), month, day)
    return _upcoming(month, day, today)


def _parse_english(
    text: str, today: datetime.date, calendar: WorkCalendar
) -> tuple[bool, datetime.date | None]:
    """Explicit English rules. Returns ``(matched, result)``; a match with a bad date is final."""
    if prefix := _EN_PREFIX.match(text):
        text = text[prefix.end() :]
    if text in _EN_WORDS:
        return True, _shift(today, _EN_WORDS[text])
    if m := _ISO.fullmatch(text):
        return True, _make_date(int(m[1]), int(m[3]), int(m[4]))
    if m := _NUMERIC.fullmatch(text):
        return True, _numeric(m, today)
    if m := _EN_WEEKDAY.fullmatch(text):
        weekday = EN_WEEKDAYS[m[2]]
        weeks = {"this": 0, "next": 1, "last": -1}.get(m[1] or "")
        if weeks is None:
            return True, _next_weekday(today, weekday)
        return True, _week_day(today, weeks, weekday)
    if m := _EN_WORKING.fullmatch(text):
        return True, _working_days(today, int(m[1] or m[2]), calendar)
    if m := _EN_PERIOD.fullmatch(text):
        if m[5]:
            return True, _period_end(today, "week" if m[5] == "eow" else "month", 0, calendar)
        ahead = 1 if (m[1] or m[3] or "").strip() == "next" else 0
        return True, _period_end(today, m[2] or m[4], ahead, calendar)
    if text.startswith("+"):
        m = _EN_OFFSET.fullmatch(text)
        if m is None:  # "+1m", "+3": months and bare numbers are ambiguous, refuse them
            return True, None
    if m := _EN_OFFSET.fullmatch(text):
        number, unit = next((m[i], m[i + 1]) for i in (1, 3, 5) if m[i] is not None)
        return True, _shift(today, int(number) * (7 if unit.startswith("w") else 1))
    for pattern, month_group, day_group in ((_EN_MONTH_DAY, 1, 2), (_EN_DAY_MONTH, 2, 1)):
        if m := pattern.fullmatch(text):
            month, day = _EN_MONTHS[m[month_group]], int(m[day_group])
            if m[3] is not None:
                return True, _make_date(int(m[3]), month, day)
            return True, _upcoming(month, day, today)
    if m := _EN_DAY_OF_MONTH.fullmatch(text):
        return True, _upcoming_day_of_month(int(m[1]), today)
    if _EN_MONTH_ALONE.fullmatch(text):
        return True, None  # a month is not a day
    return False, None


# --------------------------------------------------------------------------------- Chinese

_CN_WORDS: dict[str, int] = {
    "今天": 0, "今日": 0, "今晚": 0, "明天": 1, "明日": 1, "后天": 2, "大后天": 3,
    "昨天": -1, "昨日": -1, "前天": -2,
}  # fmt: skip
_CN_FULL_DATE = re.compile(rf"({CN_NUM})年({CN_NUM})月({CN_NUM})[日号]?")
_CN_MONTH_DAY = re.compile(rf"({CN_NUM})月({CN_NUM})[日号]?")
_CN_THIS_MONTH_DAY = re.compile(rf"(本|这个?|下个?)月({CN_NUM})[日号]")
_CN_DAY_OF_MONTH = re.compile(rf"({CN_NUM})[日号]")
_CN_WEEKDAY = re.compile(rf"(下+|上|本|这|这个)?个?{CN_WEEK_WORD}({CN_WD})")
_CN_OFFSET = re.compile(rf"({CN_NUM})个?(天|日|周|星期|礼拜)(后|以后|之后|前|以前|之前)")
_CN_WORKING = re.compile(rf"({CN_NUM})个?工作日(后|以后|之后|内|之内)?")
_CN_WEEK_PERIOD = re.compile(rf"(本|这|这个|下|下个){CN_WEEK_WORD}(内|之内)?")
_CN_MONTH_PERIOD = re.compile(r"(本|这|这个|下|下个)?月(底|末)?(内|之内|前)?")


def _cn_week_period(m: re.Match[str], today: datetime.date, calendar: WorkCalendar) -> datetime.date | None:
    return _period_end(today, "week", 1 if m[1].startswith("下") else 0, calendar)


def _cn_month_period(
    m: re.Match[str], today: datetime.date, calendar: WorkCalendar
) -> tuple[bool, datetime.date | None]:
    prefix, end, suffix = m[1], m[2], m[3]
    if not prefix and not end:
        return False, None  # "月" alone, "月内"
    if suffix == "前" and not end:
        return False, None  # "下月前" is not a day
    return True, _period_end(today, "month", 1 if prefix and prefix.startswith("下") else 0, calendar)


def _parse_chinese(
    text: str, today: datetime.date, calendar: WorkCalendar
) -> tuple[bool, datetime.date | None]:
    """Explicit Chinese rules, on text with whitespace removed. Same contract as the English ones."""
    if text in _CN_WORDS:
        return True, _shift(today, _CN_WORDS[text])
    if m := _CN_FULL_DATE.fullmatch(text):
        year, month, day = chinese_number(m[1]), chinese_number(m[2]), chinese_number(m[3])
        if year is None or month is None or day is None:
            return True, None
        return True, _make_date(year, month, day)
    if m := _CN_THIS_MONTH_DAY.fullmatch(text):
        day = chinese_number(m[2])
        year, month = _month_start(today, 1 if m[1].startswith("下") else 0)
        return True, None if day is None else _make_date(year, month, day)
    if m := _CN_MONTH_DAY.fullmatch(text):
        month, day = chinese_number(m[1]), chinese_number(m[2])
        if month is None or day is None:
            return True, None
        return True, _upcoming(month, day, today)
    if m := _CN_WEEKDAY.fullmatch(text):
        prefix, weekday = m[1], CN_WEEKDAY_CHARS[m[2]]
        if not prefix:
            return True, _next_weekday(today, weekday)
        if prefix.startswith("下"):
            return True, _week_day(today, len(prefix), weekday)
        if prefix == "上":
            return True, _week_day(today, -1, weekday)
        return True, _week_day(today, 0, weekday)  # 本 / 这 / 这个
    if m := _CN_WORKING.fullmatch(text):
        count = chinese_number(m[1])
        return True, None if count is None else _working_days(today, count, calendar)
    if m := _CN_WEEK_PERIOD.fullmatch(text):
        return True, _cn_week_period(m, today, calendar)
    if m := _CN_MONTH_PERIOD.fullmatch(text):
        matched, result = _cn_month_period(m, today, calendar)
        if matched:
            return True, result
    if m := _CN_OFFSET.fullmatch(text):
        number = chinese_number(m[1])
        if number is None:
            return True, None
        days = number * (1 if m[2] in ("天", "日") else 7)
        return True, _shift(today, days if m[3].endswith("后") else -days)
    if m := _CN_DAY_OF_MONTH.fullmatch(text):
        day = chinese_number(m[1])
        return True, None if day is None else _upcoming_day_of_month(day, today)
    return False, None


# ------------------------------------------------------------------------ dateparser fallback

# Every token must come from this vocabulary, and at least one must be an "anchor" naming a day.
_EN_ANCHOR_WORDS = frozenset(
    {*EN_WEEKDAYS, *_EN_MONTHS, "today", "tomorrow", "yesterday", "tonight",
     "day", "days", "week", "weeks", "month", "months", "year", "years", "fortnight"}
)  # fmt: skip
_EN_FILLER_WORDS = frozenset(
    {"next", "last", "this", "coming", "in", "ago", "after", "before", "from", "now", "later", "the", "of",
     "at", "a", "an", "and", "by", "am", "pm", "noon", "midnight", "morning", "afternoon", "evening", "night"}
)  # fmt: skip
_CN_DATE_CHARS = frozenset(
    "0123456789零〇一二两三四五六七八九十年月日号周星期礼拜天今明后昨前下上本这个点分半早晚午中凌晨时"
)
_CN_ANCHOR_CHARS = frozenset("年月日号周星期礼拜天今明昨")
_NUMBER_TOKEN = re.compile(r"[0-9]{1,4}(?:st|nd|rd|th)?")
_TIME_TOKEN = re.compile(r"[0-9]{1,2}(?::[0-9]{2}){1,2}(?:am|pm)?|[0-9]{1,2}(?:am|pm)")
_SEP_DATE_TOKEN = re.compile(
    r"[0-9]{1,4}([/-])[0-9]{1,2}(?:\1[0-9]{1,4})?"  # 12/15, 2026-12-15, 15/12/2026
    r"|[0-9]{1,4}\.[0-9]{1,2}\.[0-9]{1,4}"  # 15.12.2026 (but not a decimal such as 1.5)
)


def _looks_dateish(text: str) -> bool:
    """True when every token of ``text`` is date vocabulary and at least one names a day.

    A bare number must come with a month name, a unit (``3 weeks``) or a ``12/15`` style token:
    dateparser reads ``mon 3`` as March and ``fri 13`` as a past day, so those are refused.
    """
    anchored = bare_number = number_context = False
    for token in re.split(r"[\s,]+", text):
        if not token:
            continue
        if token in _EN_ANCHOR_WORDS or _SEP_DATE_TOKEN.fullmatch(token):
            anchored = True
            number_context = number_context or token not in EN_WEEKDAYS
        elif not token.isascii():
            if not all(ch in _CN_DATE_CHARS for ch in token):
                return False
            anchored = anchored or any(ch in _CN_ANCHOR_CHARS for ch in token)
            number_context = True
        elif _NUMBER_TOKEN.fullmatch(token):
            bare_number = True
        elif not (token in _EN_FILLER_WORDS or _TIME_TOKEN.fullmatch(token)):
            return False
    return anchored and (number_context or not bare_number)


def _dateparser_fallback(raw: str, text: str, today: datetime.date) -> datetime.date | None:
    """Hand ``text`` (normalised ``raw``) to dateparser, unless it is too long or not date-like."""
    if len(raw.strip()) > _MAX_FALLBACK_LEN or len(text) > _MAX_FALLBACK_LEN:
        return None
    if not any(ch.isalnum() for ch in text) or not _looks_dateish(text):
        return None
    try:
        import dateparser  # slow import: only paid when the explicit rules do not decide

        result = dateparser.parse(
            text,
            languages=["en", "zh"],
            settings={
                "RELATIVE_BASE": datetime.datetime.combine(today, datetime.time()),
                "PREFER_DATES_FROM": "future",
            },
        )
    except Exception:
        return None
    if not isinstance(result, datetime.datetime):
        return None
    return result.date()


# ---------------------------------------------------------------------------------- entry


def parse_date(text: str, today: datetime.date, calendar: WorkCalendar | None = None) -> datetime.date | None:
    """Parse a user-typed date relative to ``today``; ``None`` when it is not a (valid) date.

    ``calendar`` counts working days (``3 working days``, ``eow``); Monday to Friday by default.
    """
    if isinstance(today, datetime.datetime):
        today = today.date()
    calendar = calendar or _DEFAULT_CALENDAR
    normalised = normalise(text)
    if not normalised or not any(ch.isalnum() for ch in normalised):
        return None
    if normalised.isascii():
        matched, result = _parse_english(english_numbers(normalised), today, calendar)
    else:
        matched, result = _parse_chinese(normalised.replace(" ", ""), today, calendar)
    if matched:
        return result
    return _dateparser_fallback(text, normalised, today)
