"""Public holidays from the ``holidays`` library (vacanza), read once per region and year.

A *region* is a country code of the library with an optional subdivision: ``CN``, ``US``,
``US-CA``, ``GB-SCT``. For each region and year this module answers which days are public days
off (with their names, in English or Chinese where the library has them) and which weekend days
are make-up working days (China's 调休). Everything is cached per region and year: the scheduler
asks for thousands of tasks per tick, the library is asked once.

China publishes each year's holiday arrangement in November; the library holds only the years
published when it was released. For a year without published data the region's public days are
*unknown*: the calendar then counts weekdays plus company days (see :func:`public_year`), and
says so where holidays are listed.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from types import MappingProxyType
from typing import Any

log = logging.getLogger(__name__)

NONE = "none"  # the region setting that turns public holidays off
# Regions whose years are known only once their government publishes them; the library keeps
# the published arrangements (days moved, make-up workdays) in a static table per year.
_PUBLISHED_YEARLY = {"CN": "holidays.countries.china:ChinaStaticHolidays"}
_LANGUAGES = {"en": "en_US", "zh": "zh_CN"}


@dataclass(frozen=True)
class PublicYear:
    """One region's public days off and make-up working days in one year."""

    days_off: MappingProxyType[date, str]  # day -> name, in the language asked for
    workdays: frozenset[date]  # weekend days that are working days (调休)
    known: bool  # False: the library has no data for the year yet (nothing counted)


_EMPTY = MappingProxyType({})


@cache
def supported_regions() -> MappingProxyType[str, frozenset[str]]:
    """Country codes of the library and their subdivision codes."""
    import holidays as vacanza  # on first use: the library's import is a sizeable part of a start-up

    found = vacanza.list_supported_countries()
    return MappingProxyType({code: frozenset(s.upper() for s in subs) for code, subs in found.items()})


def parse_region(text: str) -> str | None:
    """``cn``, ``US-CA``, ``us_ca`` -> the canonical region (``CN``, ``US-CA``); ``none`` -> ``none``;
    None when the library does not know it."""
    word = text.strip().upper().replace("_", "-")
    if word.lower() == NONE or word in ("无", "关闭"):
        return NONE
    country, _, subdivision = word.partition("-")
    subdivisions = supported_regions().get(country)
    if subdivisions is None or (subdivision and subdivision not in subdivisions):
        return None
    return f"{country}-{subdivision}" if subdivision else country


def default_region(language: str) -> str:
    """The region a workspace gets when it never chose one: China for Chinese workspaces."""
    return "CN" if language == "zh" else NONE


@lru_cache(maxsize=2048)
def public_year(region: str, year: int, lang: str = "en") -> PublicYear:
    """``region``'s public days in ``year`` (cached; never raises: a failure counts as no data)."""
    if region == NONE or not region:
        return PublicYear(_EMPTY, frozenset(), True)
    country, _, subdivision = region.partition("-")
    if not _published(country, year):
        return PublicYear(_EMPTY, frozenset(), False)
    try:
        calendar = _library_calendar(country, subdivision or None, year, lang)
    except Exception:  # an unknown code stored by hand, a library error: weekdays only
        log.warning("holidays: no data for region %s in %d", region, year)
        return PublicYear(_EMPTY, frozenset(), False)
    days_off = {day: str(name) for day, name in calendar.items() if day.year == year}
    workdays = frozenset(d for d in getattr(calendar, "weekend_workdays", ()) if d.year == year)
    if not days_off and not workdays:
        return PublicYear(_EMPTY, frozenset(), False)
    return PublicYear(MappingProxyType(dict(sorted(days_off.items()))), workdays - days_off.keys(), True)


_noted: set[tuple[int, str, int]] = set()
_noted_lock = threading.Lock()


def note_unknown_year(workspace_id: int, region: str, year: int) -> None:
    """Log, once per workspace, region and year (per process), that ``year`` has no holiday data."""
    key = (workspace_id, region, year)
    with _noted_lock:
        if key in _noted:
            return
        _noted.add(key)
    log.warning(
        "holidays: no %s public-holiday data for %d yet (workspace %d): counting weekdays and company "
        "days only",
        region,
        year,
        workspace_id,
    )


def _library_calendar(country: str, subdivision: str | None, year: int, lang: str) -> Any:
    import holidays as vacanza

    cls = vacanza.country_holidays(country).__class__
    languages = getattr(cls, "supported_languages", ())
    wanted = _LANGUAGES.get(lang)
    language = wanted if wanted in languages else None
    # The next year too: a make-up workday of year Y can belong to Y+1's arrangement (late December).
    return vacanza.country_holidays(country, subdiv=subdivision, years=(year, year + 1), language=language)


def _published(country: str, year: int) -> bool:
    where = _PUBLISHED_YEARLY.get(country)
    if where is None:
        return True
    module, _, name = where.partition(":")
    table = getattr(__import__(module, fromlist=[name]), name).special_public_holidays
    return year in table
