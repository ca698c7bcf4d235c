"""Parsing of user-typed dates, durations, clock times and weekday sets (English and Chinese).

Every function here is pure: nothing reads the wall clock, "today" is always a parameter.
Unparseable input gives ``None``; these functions never raise on arbitrary text.

Date rules (``today`` is the reference day):

* ``2026-12-15`` (also ``/`` or ``.`` separated), ``2026年12月15日`` -> that exact date.
* ``today``/``tod``, ``tomorrow``/``tmr``/``tmrw``, ``yesterday``; ``今天``, ``明天``, ``后天``, ``大后天``.
* ``fri``/``friday``/``next fri``/``on fri``/``by fri``, ``周五``/``星期五``/``礼拜五``: the next such
  weekday strictly after today (on a Friday, ``fri`` is a week later).
  ``this fri``: the next Friday on or after today.
* ``下周五``: the Friday of next calendar week (weeks start on Monday); ``下下周五`` the week after.
  ``本周五``/``这周五``: this calendar week's Friday, even when that is in the past. ``上周五``: last week's.
* ``+3d``, ``+2w``, ``in 3 days``, ``3 days from now``, ``3天后``, ``2周后``, ``3天前``.
  Months (``+1m``) are deliberately not supported.
* ``dec 15``, ``15 dec``, ``December 15th``, ``12月15日``/``12月15号``: this year, or the next year in
  which that day exists and is not before today. With an explicit year (``dec 15 2026``) that exact date.
* Anything else that looks like a date (contains a month or weekday name, a relative word such as
  ``week``/``month``, a ``12/15`` style token or Chinese date characters, and nothing but date
  vocabulary) is handed to :mod:`dateparser`.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Iterable

from handlers.calendar import ALL_DAYS_MASK, WORKDAYS_MASK

__all__ = [
    "WEEKDAY_NAMES",
    "format_weekdays",
    "parse_clock_time",
    "parse_date",
    "parse_duration",
    "parse_weekdays",
]

WEEKDAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

WEEKEND_MASK = 0b1100000

_MAX_FALLBACK_LEN = 40

# --------------------------------------------------------------------------- vocabulary

_EN_WEEKDAYS: dict[str, int] = {}
for _i, _names in enumerate(
    (
        ("mon", "monday"),
        ("tue", "tues", "tuesday"),
        ("wed", "weds", "wednesday"),
        ("thu", "thur", "thurs", "thursday"),
        ("fri", "friday"),
        ("sat", "saturday"),
        ("sun", "sunday"),
    )
):
    for _name in _names:
        _EN_WEEKDAYS[_name] = _i

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


def _alternation(words: Iterable[str]) -> str:
    """A regex alternation of ``words``, longest first so that prefixes do not win."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_WD_RE = _alternation(_EN_WEEKDAYS)
_MONTH_RE = _alternation(_EN_MONTHS)

# Chinese: traditional -> simplified for the handful of characters the rules use.
_CN_NORMALISE = str.maketrans("週後這號禮個兩", "周后这号礼个两")
_CN_DIGITS = {
    ch: i
    for i, chars in enumerate(("零〇", "一", "二两", "三", "四", "五", "六", "七", "八", "九"))
    for ch in chars
}
_CN_NUM = r"[0-9]+|[零〇一二两三四五六七八九十]+"
_CN_WEEKDAY_CHARS = {
    "一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6,
    "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6,
}  # fmt: skip
_CN_WEEK_WORD = r"(?:周|星期|礼拜)"
_CN_WD = r"[一二三四五六日天1-7]"

# ------------------------------------------------------------------------------ helpers


def _normalise(text: str) -> str:
    """NFKC (full-width digits and punctuation to ASCII), lower case, single spaces, simplified CJK."""
    folded = unicodedata.normalize("NFKC", text).lower().translate(_CN_NORMALISE)
    return " ".join(folded.split())


def _cn_int(text: str) -> int | None:
    """``"12"`` / ``"十二"`` / ``"二十五"`` / ``"两"`` -> int; ``None`` when not a number."""
    if not text:
        return None
    if text.isascii():
        return int(text) if text.isdigit() else None
    if "十" not in text:
        value = 0
        for ch in text:
            if ch not in _CN_DIGITS:
                return None
            value = value * 10 + _CN_DIGITS[ch]
        return value
    tens_text, _, units_text = text.partition("十")
    if "十" in units_text:
        return None
    if tens_text == "":
        tens = 1
    elif len(tens_text) == 1 and tens_text in _CN_DIGITS and _CN_DIGITS[tens_text] > 0:
        tens = _CN_DIGITS[tens_text]
    else:
        return None
    if units_text == "":
        units = 0
    elif len(units_text) == 1 and units_text in _CN_DIGITS and _CN_DIGITS[units_text] > 0:
        units = _CN_DIGITS[units_text]
    else:
        return None
    return tens * 10 + units


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
    """``month``/``day`` this year, or the first later year in which it exists and is not past."""
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    for year in range(today.year, min(today.year + 9, datetime.MAXYEAR + 1)):
        candidate = _make_date(year, month, day)
        if candidate is not None and candidate >= today:
            return candidate
    return None


def _next_weekday(today: datetime.date, weekday: int, *, include_today: bool = False) -> datetime.date | None:
    ahead = (weekday - today.weekday()) % 7
    if ahead == 0 and not include_today:
        ahead = 7
    return _shift(today, ahead)


def _week_day(today: datetime.date, weeks_ahead: int, weekday: int) -> datetime.date | None:
    """``weekday`` of the calendar week ``weeks_ahead`` weeks from this one (Monday-based)."""
    return _shift(today, 7 * weeks_ahead + weekday - today.weekday())


# --------------------------------------------------------------------------- parse_date

_ISO = re.compile(r"([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})")
_EN_PREFIX = re.compile(r"(?:on|by|due)\s+")
_EN_WEEKDAY = re.compile(rf"(?:(next|this|coming)\s+)?({_WD_RE})")
_EN_OFFSET = re.compile(
    r"(?:\+\s*([0-9]{1,6})\s*(d|w|days?|weeks?|wks?)"
    r"|in\s+([0-9]{1,6})\s*(d|w|days?|weeks?|wks?)"
    r"|([0-9]{1,6})\s*(days?|weeks?|wks?)\s+(?:from\s+(?:now|today)|later))"
)
_EN_MONTH_DAY = re.compile(rf"({_MONTH_RE})\.?\s+([0-9]{{1,2}})(?:st|nd|rd|th)?(?:,?\s+([0-9]{{4}}))?")
_EN_DAY_MONTH = re.compile(
    rf"(?:the\s+)?([0-9]{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH_RE})\.?(?:,?\s+([0-9]{{4}}))?"
)
_EN_WORDS: dict[str, int] = {"today": 0, "tod": 0, "tomorrow": 1, "tmr": 1, "tmrw": 1, "yesterday": -1}

_CN_WORDS: dict[str, int] = {
    "今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "大后天": 3, "昨天": -1, "昨日": -1, "前天": -2,
}  # fmt: skip
_CN_FULL_DATE = re.compile(rf"({_CN_NUM})年({_CN_NUM})月({_CN_NUM})[日号]?")
_CN_MONTH_DAY = re.compile(rf"({_CN_NUM})月({_CN_NUM})[日号]")
_CN_WEEKDAY = re.compile(rf"(下+|上|本|这|这个)?个?{_CN_WEEK_WORD}({_CN_WD})")
_CN_OFFSET = re.compile(rf"({_CN_NUM})个?(天|日|周|星期|礼拜)(后|以后|之后|前|以前|之前)")

# Vocabulary for the dateparser fallback: every token must come from here, and at least one
# token must be an "anchor" that actually names a day.
_EN_ANCHOR_WORDS = frozenset(
    {*_EN_WEEKDAYS, *_EN_MONTHS, "today", "tomorrow", "yesterday", "tonight",
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
            number_context = number_context or token not in _EN_WEEKDAYS
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


def _parse_english(text: str, today: datetime.date) -> tuple[bool, datetime.date | None]:
    """Explicit English rules. Returns ``(matched, result)``; a match with a bad date is final."""
    if prefix := _EN_PREFIX.match(text):
        text = text[prefix.end() :]
    if text in _EN_WORDS:
        return True, _shift(today, _EN_WORDS[text])
    if m := _ISO.fullmatch(text):
        return True, _make_date(int(m[1]), int(m[3]), int(m[4]))
    if m := _EN_WEEKDAY.fullmatch(text):
        return True, _next_weekday(today, _EN_WEEKDAYS[m[2]], include_today=m[1] == "this")
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
    return False, None


def _parse_chinese(text: str, today: datetime.date) -> tuple[bool, datetime.date | None]:
    """Explicit Chinese rules, on text with whitespace removed. Same contract as the English ones."""
    if text in _CN_WORDS:
        return True, _shift(today, _CN_WORDS[text])
    if m := _CN_FULL_DATE.fullmatch(text):
        year, month, day = _cn_int(m[1]), _cn_int(m[2]), _cn_int(m[3])
        if year is None or month is None or day is None:
            return True, None
        return True, _make_date(year, month, day)
    if m := _CN_MONTH_DAY.fullmatch(text):
        month, day = _cn_int(m[1]), _cn_int(m[2])
        if month is None or day is None:
            return True, None
        return True, _upcoming(month, day, today)
    if m := _CN_WEEKDAY.fullmatch(text):
        prefix, weekday = m[1], _CN_WEEKDAY_CHARS[m[2]]
        if not prefix:
            return True, _next_weekday(today, weekday)
        if prefix.startswith("下"):
            return True, _week_day(today, len(prefix), weekday)
        if prefix == "上":
            return True, _week_day(today, -1, weekday)
        return True, _week_day(today, 0, weekday)  # 本 / 这 / 这个
    if m := _CN_OFFSET.fullmatch(text):
        number = _cn_int(m[1])
        if number is None:
            return True, None
        days = number * (1 if m[2] in ("天", "日") else 7)
        return True, _shift(today, days if m[3].endswith("后") else -days)
    return False, None


def parse_date(text: str, today: datetime.date) -> datetime.date | None:
    """Parse a user-typed date relative to ``today``; ``None`` when it is not a (valid) date."""
    if isinstance(today, datetime.datetime):
        today = today.date()
    normalised = _normalise(text)
    if not normalised or not any(ch.isalnum() for ch in normalised):
        return None
    if normalised.isascii():
        matched, result = _parse_english(normalised, today)
    else:
        matched, result = _parse_chinese(normalised.replace(" ", ""), today)
    if matched:
        return result
    return _dateparser_fallback(text, normalised, today)


# ----------------------------------------------------------------------- parse_duration

_DURATION_UNITS: dict[str, int] = {}
for _seconds, _names in (
    (60, ("m", "min", "mins", "minute", "minutes", "分钟", "分")),
    (3600, ("h", "hr", "hrs", "hour", "hours", "小时", "个小时", "钟头", "个钟头")),
    (86400, ("d", "day", "days", "天", "日")),
    (604800, ("w", "wk", "wks", "week", "weeks", "周", "个周", "星期", "个星期", "礼拜", "个礼拜")),
):
    for _name in _names:
        _DURATION_UNITS[_name] = _seconds

_DURATION_NUM = r"[0-9]{1,9}(?:\.[0-9]{1,6})?|[零〇一二两三四五六七八九十]+|半"
_DURATION_PART = rf"({_DURATION_NUM})\s*({_alternation(_DURATION_UNITS)})(?![a-z])"
_DURATION_SEP = r"(?:\s*(?:,|，|and|和|又)\s*|\s*)"
_DURATION_FULL = re.compile(rf"{_DURATION_PART}(?:{_DURATION_SEP}{_DURATION_PART})*")
_DURATION_ITER = re.compile(_DURATION_PART)
_MAX_DURATION = datetime.timedelta(days=365)


def parse_duration(text: str) -> datetime.timedelta | None:
    """``30m``, ``2h``, ``1d12h``, ``2 hours``, ``1 week``, ``2小时``, ``3天`` -> timedelta.

    ``None`` for anything else, and for zero, negative or longer than 365 days.
    """
    normalised = _normalise(text)
    if not normalised or not _DURATION_FULL.fullmatch(normalised):
        return None
    seconds = 0.0
    for number_text, unit in _DURATION_ITER.findall(normalised):
        if number_text == "半":
            number: float | None = 0.5
        elif number_text[0].isascii():
            number = float(number_text)
        else:
            number = _cn_int(number_text)
        if number is None:
            return None
        seconds += number * _DURATION_UNITS[unit]
    if seconds <= 0 or seconds > _MAX_DURATION.total_seconds():
        return None
    return datetime.timedelta(seconds=round(seconds))


# --------------------------------------------------------------------- parse_clock_time

_CLOCK_24 = re.compile(r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?\s*(am|pm|a\.m\.|p\.m\.)?")
_CLOCK_12 = re.compile(r"([0-9]{1,2})\s*(am|pm|a\.m\.|p\.m\.)")
_CLOCK_CN = re.compile(rf"(凌晨|早上|上午|中午|下午|晚上)?({_CN_NUM})[点时](?:({_CN_NUM})分?|(半)|整)?")
_CLOCK_WORDS = {"noon": datetime.time(12, 0), "midnight": datetime.time(0, 0), "中午": datetime.time(12, 0)}


def _clock(hour: int, minute: int, second: int = 0, meridiem: str | None = None) -> datetime.time | None:
    if meridiem is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem.startswith("p") else 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59 and 0 <= second <= 59):
        return None
    return datetime.time(hour, minute, second)


def parse_clock_time(text: str) -> datetime.time | None:
    """``09:30``, ``9:30``, ``17:00``, ``9am``, ``5pm``, ``9:30pm``, ``下午3点半`` -> time; else ``None``."""
    normalised = _normalise(text)
    if normalised in _CLOCK_WORDS:
        return _CLOCK_WORDS[normalised]
    if m := _CLOCK_24.fullmatch(normalised):
        return _clock(int(m[1]), int(m[2]), int(m[3] or 0), m[4])
    if m := _CLOCK_12.fullmatch(normalised):
        return _clock(int(m[1]), 0, 0, m[2])
    if m := _CLOCK_CN.fullmatch(normalised.replace(" ", "")):
        hour = _cn_int(m[2])
        minute = 30 if m[4] else (_cn_int(m[3]) if m[3] else 0)
        if hour is None or minute is None:
            return None
        afternoon = m[1] in ("下午", "晚上") and 1 <= hour < 12
        if afternoon or (m[1] == "中午" and 1 <= hour < 6):
            hour += 12
        return _clock(hour, minute)
    return None


# ------------------------------------------------------------------------ weekday masks

_WEEKDAY_SPECIALS: dict[str, int] = {
    "weekdays": WORKDAYS_MASK, "weekday": WORKDAYS_MASK, "workdays": WORKDAYS_MASK, "workday": WORKDAYS_MASK,
    "工作日": WORKDAYS_MASK,
    "weekends": WEEKEND_MASK, "weekend": WEEKEND_MASK, "周末": WEEKEND_MASK,
    "daily": ALL_DAYS_MASK, "everyday": ALL_DAYS_MASK, "all": ALL_DAYS_MASK,
    "每天": ALL_DAYS_MASK, "每日": ALL_DAYS_MASK,
}  # fmt: skip
_WEEKDAY_TOKENS: dict[str, int] = {
    **_EN_WEEKDAYS,
    **{f"{name}s": i for name, i in _EN_WEEKDAYS.items() if len(name) > 4},  # "mondays"
}
_CN_DAY_TOKEN = re.compile(rf"{_CN_WEEK_WORD}({_CN_WD})")
_RANGE_SEP = re.compile(r"\s*(?:-|~|–|—|至|到)\s*|\s+(?:to|through|thru)\s+")
_LIST_SEP = re.compile(r"(?:\s*[,，、;；/]\s*|\s+and\s+|\s*和\s*|\s+)")


def _day_token(token: str, *, allow_bare_cn: bool = False) -> int | None:
    if token in _WEEKDAY_TOKENS:
        return _WEEKDAY_TOKENS[token]
    if m := _CN_DAY_TOKEN.fullmatch(token):
        return _CN_WEEKDAY_CHARS[m[1]]
    if allow_bare_cn and len(token) == 1 and token in "一二三四五六日天":  # the "五" of "周一至五"
        return _CN_WEEKDAY_CHARS[token]
    return None


def parse_weekdays(text: str) -> int | None:
    """``mon-fri``, ``mon,wed,fri``, ``sun-thu``, ``weekdays``, ``daily``, ``周一至周五``, ``工作日``
    -> bitmask (bit 0 = Monday ... bit 6 = Sunday); ``None`` when invalid or empty."""
    normalised = _normalise(text).replace("every day", "everyday")
    if normalised.startswith("every ") or normalised.startswith("每"):
        rest = normalised.removeprefix("every ").removeprefix("每")
        if rest and rest not in ("day", "天", "日") and not rest.startswith("每"):
            normalised = rest.strip()
    normalised = _RANGE_SEP.sub("-", normalised)
    if not normalised:
        return None
    mask = 0
    for item in _LIST_SEP.split(normalised):
        if not item:
            continue
        if item in _WEEKDAY_SPECIALS:
            mask |= _WEEKDAY_SPECIALS[item]
            continue
        parts = item.split("-")
        if len(parts) == 1:
            day = _day_token(parts[0])
            if day is None:
                return None
            mask |= 1 << day
        elif len(parts) == 2:
            start = _day_token(parts[0])
            end = _day_token(parts[1], allow_bare_cn=not parts[0].isascii())
            if start is None or end is None:
                return None
            for offset in range((end - start) % 7 + 1):
                mask |= 1 << ((start + offset) % 7)
        else:
            return None
    return mask or None


def format_weekdays(mask: int) -> str:
    """Display form of a weekday bitmask: ``daily``, ``mon-fri``, ``mon,wed,fri``, ``sun-thu``.

    Runs of three or more consecutive days become ranges (wrapping over Sunday -> Monday).
    ``parse_weekdays(format_weekdays(m)) == m`` for every ``m`` in 1..127.
    Raises :class:`ValueError` for a mask outside 1..127.
    """
    if isinstance(mask, bool) or not isinstance(mask, int) or not 1 <= mask <= ALL_DAYS_MASK:
        raise ValueError(f"weekday mask must be an int in 1..127, got {mask!r}")
    if mask == ALL_DAYS_MASK:
        return "daily"
    runs: list[list[int]] = []
    for day in range(7):
        if mask & (1 << day):
            if runs and runs[-1][-1] == day - 1:
                runs[-1].append(day)
            else:
                runs.append([day])
    if len(runs) > 1 and runs[0][0] == 0 and runs[-1][-1] == 6 and len(runs[0]) + len(runs[-1]) >= 3:
        runs = [runs[-1] + runs[0], *runs[1:-1]]  # wrap: "sun-thu", "fri-mon"
    parts: list[str] = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{WEEKDAY_NAMES[run[0]]}-{WEEKDAY_NAMES[run[-1]]}")
        else:
            parts.extend(WEEKDAY_NAMES[day] for day in run)
    return ",".join(parts)
