"""Charts drawn to PNG: they decode at the size promised, follow their data, and never draw a
glyph the fonts lack (with a CJK font: Chinese labels; without one: the English ones)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import warnings
from dataclasses import replace
from datetime import date

import pytest
from PIL import Image

from bot import chart_png
from bot.chart_png import HEIGHT, WIDTH, fonts_for, installed_cjk_font, render_png
from handlers.burnup import Burnup, BurnupDay, ideal_line
from handlers.calendar import WorkCalendar
from handlers.chart_model import Chart
from handlers.charts import burnup_chart
from handlers.i18n import Translator
from handlers.notices import outbound_from_dict, outbound_to_dict
from handlers.replies import Outbound, Reply, Target

START, LAUNCH = date(2026, 11, 25), date(2026, 12, 8)


def sample(done: tuple[int, ...] = (0, 1, 1, 3, 4), name: str = "v2.3") -> Burnup:
    days = tuple(BurnupDay(date(2026, 11, 25 + i), n, 8) for i, n in enumerate(done))
    return Burnup(name, START, LAUNCH, days, ideal_line(START, LAUNCH, 8, WorkCalendar()))


def decoded(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def drawn_without_missing_glyphs(chart: Chart, fonts: chart_png.ChartFonts) -> bytes:
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*[Gg]lyph.*missing.*")
        return render_png(chart, fonts)


def test_a_chart_decodes_at_its_size_and_follows_its_data() -> None:
    fonts = fonts_for(None)
    chart = burnup_chart(sample(), Translator("en"))
    png = drawn_without_missing_glyphs(chart, fonts)
    assert decoded(png).size == (WIDTH, HEIGHT) and decoded(png).format == "PNG"
    assert render_png(chart, fonts) == png  # the same data, the same image
    moved = render_png(burnup_chart(sample(done=(0, 1, 2, 3, 6)), Translator("en")), fonts)
    assert moved != png
    pixels = decoded(png).convert("RGB").getcolors(maxcolors=1 << 20) or []
    assert len(pixels) > 20  # lines, text and axes, not a blank canvas


def test_without_a_cjk_font_chinese_labels_fall_back_to_english() -> None:
    fonts = fonts_for(None)
    chart = burnup_chart(sample(), Translator("zh"))
    assert not fonts.has_cjk and not fonts.can_draw(chart.title.text)
    assert fonts.drawable(chart.title) == "Readiness burn-up · v2.3"
    assert [fonts.drawable(s.name) for s in chart.series] == ["Total", "Done", "Ideal"]
    decoded(drawn_without_missing_glyphs(chart, fonts))


def test_a_name_no_font_can_draw_keeps_what_it_can() -> None:
    fonts = fonts_for(None)
    chart = burnup_chart(sample(name="发布 v3"), Translator("zh"))
    assert fonts.drawable(chart.title) == "Readiness burn-up · v3"
    decoded(drawn_without_missing_glyphs(chart, fonts))


NEED_FONT = bool(os.environ.get("CI"))  # CI installs one (.ci/run); elsewhere it may be missing


def test_with_a_cjk_font_chinese_labels_are_drawn_in_chinese() -> None:
    family = installed_cjk_font()
    if family is None:
        if NEED_FONT:
            pytest.fail("no CJK font installed (Debian: fonts-noto-cjk or fonts-wqy-microhei)")
        pytest.skip("no CJK font installed")
    fonts = fonts_for(family)
    chart = burnup_chart(sample(), Translator("zh"))
    assert fonts.has_cjk and fonts.drawable(chart.title) == "发布就绪燃起图 · v2.3"
    png = drawn_without_missing_glyphs(chart, fonts)
    english = render_png(burnup_chart(sample(), Translator("en")), fonts)
    assert decoded(png).size == (WIDTH, HEIGHT) and png != english


def test_a_chart_and_its_fallback_labels_survive_the_ledger() -> None:
    chart = burnup_chart(sample(), Translator("zh"))
    message = Outbound("slack", "T1", Target.channel("C1"), Reply("report", chart=chart, language="zh"))
    stored = json.loads(json.dumps(outbound_to_dict(message)))
    assert outbound_from_dict(stored) == message
    assert outbound_from_dict(stored).reply.chart == chart and replace(chart, name="x") != chart


def test_matplotlib_is_imported_only_when_a_chart_is_drawn() -> None:
    code = (
        "import sys, bot.cli, bot.console, bot.slack.messenger, bot.feishu.messenger,"
        " handlers.core, handlers.charts;"
        "print('matplotlib' in sys.modules)"
    )
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == "False"
