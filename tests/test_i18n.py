"""Every English catalog in handlers/i18n has a Chinese twin with the same keys and placeholders."""

from __future__ import annotations

import importlib
import pkgutil
import string

import pytest

import handlers.i18n as i18n
from handlers.i18n import t

_FORMATTER = string.Formatter()


def _catalog_modules(lang: str) -> dict[str, str]:
    """``area -> module name`` for the catalogs of ``lang`` (``""`` is the core ``en``/``zh`` pair)."""
    found = {}
    for module in pkgutil.iter_modules(i18n.__path__):
        if module.name == lang:
            found[""] = module.name
        elif module.name.endswith(f"_{lang}"):
            found[module.name.removesuffix(f"_{lang}")] = module.name
    return found


def _messages(module_name: str) -> dict[str, str]:
    return importlib.import_module(f"{i18n.__name__}.{module_name}").MESSAGES


def _fields(template: str) -> dict[str, str]:
    """``field name -> format spec`` of every replacement field in ``template``."""
    return {name: spec or "" for _, name, spec, _ in _FORMATTER.parse(template) if name is not None}


EN = _catalog_modules("en")
ZH = _catalog_modules("zh")
PAIRS = sorted(EN.keys() & ZH.keys())


def _dummy(spec: str) -> object:
    return 7 if spec and spec[-1] in "dxXobn" else "x"


def test_every_catalog_has_a_twin() -> None:
    assert "" in PAIRS
    assert EN.keys() == ZH.keys(), f"catalogs without a twin: {sorted(EN.keys() ^ ZH.keys())}"


@pytest.mark.parametrize("area", PAIRS, ids=lambda area: area or "core")
def test_pair_has_same_keys(area: str) -> None:
    en, zh = _messages(EN[area]), _messages(ZH[area])
    assert sorted(en.keys() - zh.keys()) == [], f"missing in {ZH[area]}"
    assert sorted(zh.keys() - en.keys()) == [], f"missing in {EN[area]}"


# Placeholders one language leaves out on purpose: Chinese dates in the current year go without it.
LEFT_OUT = {"fmt.date": {"y"}}


@pytest.mark.parametrize("area", PAIRS, ids=lambda area: area or "core")
def test_pair_has_same_placeholders(area: str) -> None:
    en, zh = _messages(EN[area]), _messages(ZH[area])
    different = {
        key: (sorted(_fields(en[key])), sorted(_fields(zh[key])))
        for key in en.keys() & zh.keys()
        if _fields(en[key]).keys() - LEFT_OUT.get(key, set()) != _fields(zh[key]).keys()
    }
    assert different == {}


def test_every_chinese_text_formats() -> None:
    for key, template in i18n.catalog("zh").items():
        params = {name: _dummy(spec) for name, spec in _fields(template).items()}
        # format directly so a broken template raises instead of being logged and returned as is
        template.format(**params)
        assert t("zh", key, **params) == template.format(**params)


def test_chinese_date_format() -> None:
    monday = t("zh", "weekday.0")
    assert t("zh", "fmt.date", y=2026, m=1, d=5, wd=monday) == "1月5日 周一"  # no zero padding
    assert t("zh", "fmt.date_year", y=2027, m=12, d=4, wd=monday) == "2027年12月4日 周一"
    assert t("zh", "fmt.datetime", y=2026, m=1, d=5, hh=9, mm=5) == "2026年1月5日 09:05"
    assert [t("zh", f"weekday.{n}") for n in range(7)] == [f"周{c}" for c in "一二三四五六日"]


def test_unknown_language_falls_back_to_english() -> None:
    assert t("fr", "word.today") == i18n.catalog("en")["word.today"]
    assert t("de-DE", "task.renamed_ok", number=3) == "#3 renamed"
    assert t(None, "word.today") == "today"
    assert t("zh-CN", "word.today") == "今天"


def test_unknown_key_returns_the_key() -> None:
    assert t("en", "no.such.key") == "no.such.key"
    assert t("zh", "no.such.key", n=1) == "no.such.key"


def test_english_counts_take_their_plural() -> None:
    assert t("en", "launch.days_left", n=1) == "1 day left"
    assert t("en", "launch.days_left", n=0) == "0 days left"
    assert t("en", "sched.nudge.headline_blocked", n=1) == "1 blocked task is waiting for you"
    assert t("en", "sched.nudge.headline_blocked", n=3) == "3 blocked tasks are waiting for you"
    assert t("en", "sched.escalate.lead", n=2) == "Escalation: 2 tasks in your department are overdue"
    assert t("zh", "launch.days_left", n=1) == "还剩 1 天"  # Chinese has no plural forms


def test_every_plural_spec_has_two_forms() -> None:
    for key, template in i18n.catalog("en").items():
        for _, name, spec, _ in _FORMATTER.parse(template):
            if name is not None and spec and spec.startswith(i18n.PLURAL):
                one, slash, many = spec[len(i18n.PLURAL) :].partition("/")
                assert one and slash and many, f"{key}: {spec!r}"
