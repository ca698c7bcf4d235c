"""The message catalog: every text coordbot shows, in English and Chinese.

Catalogs are plain dicts of ``key -> str.format template`` in modules of this package whose
names end in ``en`` or ``zh`` (``en.py``, ``scheduler_en.py``, ``slack_zh.py`` …); each area
keeps its own pair and they are merged here. A test checks both languages have the same keys
and the same placeholders.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
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


def t(lang: str | None, key: str, **params: object) -> str:
    """The text for ``key`` in ``lang``, formatted with ``params`` (falls back to English)."""
    lang = normalise_language(lang)
    template = catalog(lang).get(key) or catalog(DEFAULT_LANGUAGE).get(key)
    if template is None:
        log.error("missing message key %s", key)
        return key
    try:
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
