"""The words of time people type, in English and Chinese: durations, clock times, weekday sets.

Also the vocabulary :mod:`handlers.dates` shares (weekday names, Chinese numbers, normalising).
Every function here is pure and never raises on arbitrary text: unparseable input gives ``None``.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Iterable

from handlers.calendar import ALL_DAYS_MASK, WORKDAYS_MASK

__all__ = [
    "MAX_DURATION",
    "MIN_DURATION",
    "WEEKDAY_NAMES",
    "chinese_number",
    "duration_seconds",
    "format_weekdays",
    "normalise",
    "parse_clock_time",
    "parse_duration",
    "parse_weekdays",
    "weekday_runs",
]

WEEKDAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKEND_MASK = 0b1100000
MIN_DURATION = datetime.timedelta(minutes=1)
MAX_DURATION = datetime.timedelta(days=365)

# --------------------------------------------------------------------------- vocabulary

EN_WEEKDAYS: dict[str, int] = {}
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
        EN_WEEKDAYS[_name] = _i


def alternation(words: Iterable[str]) -> str:
    """A regex alternation of ``words``, longest first so that prefixes do not win."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


# Chinese: traditional -> simplified for the handful of characters the rules use.
_CN_NORMALISE = str.maketrans("週後這號禮個兩內", "周后这号礼个两内")
_CN_DIGITS = {
    ch: i
    for i, chars in enumerate(("零〇", "一", "二两", "三", "四", "五", "六", "七", "八", "九"))
    for ch in chars
}
CN_NUM = r"[0-9]+|[零〇一二两三四五六七八九十]+"
CN_WEEKDAY_CHARS = {
    "一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6,
    "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6,
}  # fmt: skip
CN_WEEK_WORD = r"(?:周|星期|礼拜)"
CN_WD = r"[一二三四五六日天1-7]"


def normalise(text: str) -> str:
    """NFKC (full-width digits and punctuation to ASCII), lower case, single spaces, simplified CJK."""
    folded = unicodedata.normalize("NFKC", text).lower().translate(_CN_NORMALISE)
    return " ".join(folded.split())


def chinese_number(text: str) -> int | None:
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


_EN_NUMBERS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
    "seven": "7", "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12",
    "thirteen": "13", "fourteen": "14", "fifteen": "15", "sixteen": "16", "seventeen": "17",
    "eighteen": "18", "nineteen": "19", "twenty": "20", "thirty": "30",
}  # fmt: skip
_EN_NUMBER_WORD = re.compile(rf"\b({'|'.join(_EN_NUMBERS)})\b")
_EN_ONE = re.compile(r"\b(?:a|an)\b(?=\s+(?:minute|hour|day|week|working day|business day)\b)")


def english_numbers(text: str) -> str:
    """Number words as the rules read them: ``two weeks`` -> ``2 weeks``, ``an hour`` -> ``1 hour``."""
    return _EN_ONE.sub("1", _EN_NUMBER_WORD.sub(lambda m: _EN_NUMBERS[m[1]], text))


# ----------------------------------------------------------------------- durations

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
_DURATION_PART = rf"({_DURATION_NUM})\s*({alternation(_DURATION_UNITS)})(?![a-z])"
_DURATION_SEP = r"(?:\s*(?:,|，|and|和|又)\s*|\s*)"
_DURATION_FULL = re.compile(rf"{_DURATION_PART}(?:{_DURATION_SEP}{_DURATION_PART})*")
_DURATION_ITER = re.compile(_DURATION_PART)


def duration_seconds(text: str) -> float | None:
    """How many seconds ``text`` reads as (``2h`` -> 7200), whatever its size; ``None`` when unreadable."""
    normalised = english_numbers(normalise(text))
    if not normalised or not _DURATION_FULL.fullmatch(normalised):
        return None
    seconds = 0.0
    for number_text, unit in _DURATION_ITER.findall(normalised):
        if number_text == "半":
            number: float | None = 0.5
        elif number_text[0].isascii():
            number = float(number_text)
        else:
            number = chinese_number(number_text)
        if number is None:
            return None
        seconds += number * _DURATION_UNITS[unit]
    return seconds


def parse_duration(text: str) -> datetime.timedelta | None:
    """``30m``, ``2h``, ``1d12h``, ``2 hours``, ``1 week``, ``2小时``, ``3天`` -> timedelta.

    ``None`` for anything else, and for anything shorter than :data:`MIN_DURATION` or longer
    than :data:`MAX_DURATION`.
    """
    seconds = duration_seconds(text)
    if seconds is None:
        return None
    if not MIN_DURATION.total_seconds() <= seconds <= MAX_DURATION.total_seconds():
        return None
    return datetime.timedelta(seconds=round(seconds))


# --------------------------------------------------------------------- clock times

_CLOCK_24 = re.compile(r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?\s*(am|pm|a\.m\.|p\.m\.)?")
_CLOCK_12 = re.compile(r"([0-9]{1,2})\s*(am|pm|a\.m\.|p\.m\.)")
_CLOCK_CN = re.compile(rf"(凌晨|早上|上午|中午|下午|晚上)?({CN_NUM})[点时](?:({CN_NUM})分?|(半)|整)?")
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
    normalised = normalise(text)
    if normalised in _CLOCK_WORDS:
        return _CLOCK_WORDS[normalised]
    if m := _CLOCK_24.fullmatch(normalised):
        return _clock(int(m[1]), int(m[2]), int(m[3] or 0), m[4])
    if m := _CLOCK_12.fullmatch(normalised):
        return _clock(int(m[1]), 0, 0, m[2])
    if m := _CLOCK_CN.fullmatch(normalised.replace(" ", "")):
        hour = chinese_number(m[2])
        minute = 30 if m[4] else (chinese_number(m[3]) if m[3] else 0)
        if hour is None or minute is None:
            return None
        afternoon = m[1] in ("下午", "晚上") and 1 <= hour < 12
        if afternoon or (m[1] == "中午" and 1 <= hour < 6):
            hour += 12
        return _clock(hour, minute)
    return None


def parse_hours(text: str) -> tuple[datetime.time, datetime.time] | None:
    """Working hours ``09:00-18:00`` (``9am-6pm``, ``9:00~18:00``, ``9点-18点``): start before end."""
    parts = re.split(r"\s*(?:-|–|~|～|to|到|至)\s*", normalise(text), maxsplit=1)
    if len(parts) != 2:
        return None
    start, end = parse_clock_time(parts[0]), parse_clock_time(parts[1])
    if start is None or end is None or not start < end:
        return None
    return start, end


# ------------------------------------------------------------------------ weekday sets

_WEEKDAY_SPECIALS: dict[str, int] = {
    "weekdays": WORKDAYS_MASK, "weekday": WORKDAYS_MASK, "workdays": WORKDAYS_MASK, "workday": WORKDAYS_MASK,
    "工作日": WORKDAYS_MASK,
    "weekends": WEEKEND_MASK, "weekend": WEEKEND_MASK, "周末": WEEKEND_MASK,
    "daily": ALL_DAYS_MASK, "everyday": ALL_DAYS_MASK, "all": ALL_DAYS_MASK,
    "每天": ALL_DAYS_MASK, "每日": ALL_DAYS_MASK,
}  # fmt: skip
_WEEKDAY_TOKENS: dict[str, int] = {
    **EN_WEEKDAYS,
    **{f"{name}s": i for name, i in EN_WEEKDAYS.items() if len(name) > 4},  # "mondays"
}
_CN_DAY_TOKEN = re.compile(rf"{CN_WEEK_WORD}({CN_WD})")
_RANGE_SEP = re.compile(r"\s*(?:-|~|–|—|至|到)\s*|\s+(?:to|through|thru)\s+")
_LIST_SEP = re.compile(r"(?:\s*[,，、;；/]\s*|\s+and\s+|\s*和\s*|\s+)")


def _day_token(token: str, *, allow_bare_cn: bool = False) -> int | None:
    if token in _WEEKDAY_TOKENS:
        return _WEEKDAY_TOKENS[token]
    if m := _CN_DAY_TOKEN.fullmatch(token):
        return CN_WEEKDAY_CHARS[m[1]]
    if allow_bare_cn and len(token) == 1 and token in "一二三四五六日天":  # the "五" of "周一至五"
        return CN_WEEKDAY_CHARS[token]
    return None


def parse_weekdays(text: str) -> int | None:
    """``mon-fri``, ``mon,wed,fri``, ``sun-thu``, ``weekdays``, ``daily``, ``周一至周五``, ``工作日``
    -> bitmask (bit 0 = Monday ... bit 6 = Sunday); ``None`` when invalid or empty."""
    normalised = normalise(text).replace("every day", "everyday")
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


def weekday_runs(mask: int) -> list[list[int]]:
    """The days of ``mask`` as runs of consecutive weekdays, wrapping over Sunday -> Monday.

    ``0b0011111`` -> ``[[0, 1, 2, 3, 4]]``; Sunday to Thursday -> ``[[6, 0, 1, 2, 3]]``.
    Raises :class:`ValueError` for a mask outside 1..127.
    """
    if isinstance(mask, bool) or not isinstance(mask, int) or not 1 <= mask <= ALL_DAYS_MASK:
        raise ValueError(f"weekday mask must be an int in 1..127, got {mask!r}")
    runs: list[list[int]] = []
    for day in range(7):
        if mask & (1 << day):
            if runs and runs[-1][-1] == day - 1:
                runs[-1].append(day)
            else:
                runs.append([day])
    if len(runs) > 1 and runs[0][0] == 0 and runs[-1][-1] == 6 and len(runs[0]) + len(runs[-1]) >= 3:
        runs = [runs[-1] + runs[0], *runs[1:-1]]  # wrap: "sun-thu", "fri-mon"
    return runs


def format_weekdays(mask: int) -> str:
    """The typed form of a weekday bitmask: ``daily``, ``mon-fri``, ``mon,wed,fri``, ``sun-thu``.

    Runs of three or more consecutive days become ranges (wrapping over Sunday -> Monday).
    ``parse_weekdays(format_weekdays(m)) == m`` for every ``m`` in 1..127.
    """
    runs = weekday_runs(mask)
    if mask == ALL_DAYS_MASK:
        return "daily"
    parts: list[str] = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{WEEKDAY_NAMES[run[0]]}-{WEEKDAY_NAMES[run[-1]]}")
        else:
            parts.extend(WEEKDAY_NAMES[day] for day in run)
    return ",".join(parts)
