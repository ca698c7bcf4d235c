"""The message catalog: every text coordbot shows, in English and Chinese.

Catalogs are plain dicts of ``key -> str.format template`` in modules of this package whose
names end in ``en`` or ``zh`` (``en.py``, ``scheduler_en.py``, ``slack_zh.py`` …); each area
keeps its own pair and they are merged here. A test checks both languages have the same keys
and the same placeholders. English counts take a plural spec: ``{n} {n:s/day/days} left``.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import string
from functools import cache

log = logging.getLogger(__name__)
LANGUAGES = ("en", "zh")
DEFAULT_LANGUAGE = "en"


@cache
def catalog(lang: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for module in pkgutil.iter_modules(__path__):
        if module.name == lang or module.name.endswith(f"_{lang}"):
            messages = importlib.import_module(f"{__name__}.{module.name}").MESSAGES
            duplicated = merged.keys() & messages.keys()
            if duplicated:
                raise RuntimeError(f"message keys defined twice in {lang}: {sorted(duplicated)}")
            merged.update(messages)
    return merged


def normalise_language(lang: str | None) -> str:
    if not lang:
        return DEFAULT_LANGUAGE
    lang = lang.strip().lower().replace("_", "-")
    if lang.startswith("zh"):
        return "zh"
    return "en"


class _PluralFormatter(string.Formatter):
    """``str.format`` plus English plurals: ``{n:s/day/days}`` is ``day`` when n is 1, else ``days``."""

    def format_field(self, value: object, format_spec: str) -> str:
        if format_spec.startswith(PLURAL):
            one, _, many = format_spec[len(PLURAL) :].partition("/")
            return one if value == 1 else many
        return super().format_field(value, format_spec)


PLURAL = "s/"
_PLURALS = _PluralFormatter()


def t(lang: str | None, key: str, **params: object) -> str:
    """The text for ``key`` in ``lang``, formatted with ``params`` (falls back to English)."""
    lang = normalise_language(lang)
    template = catalog(lang).get(key) or catalog(DEFAULT_LANGUAGE).get(key)
    if template is None:
        log.error("missing message key %s", key)
        return key
    try:
        if ":" + PLURAL in template:  # the slower formatter only where a template needs it
            return _PLURALS.format(template, **params)
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        log.exception("bad parameters for message key %s", key)
        return template


class Translator:
    """``t`` bound to one language, handed around while building one reply."""

    def __init__(self, lang: str | None) -> None:
        self.lang = normalise_language(lang)

    def __call__(self, key: str, **params: object) -> str:
        return t(self.lang, key, **params)
