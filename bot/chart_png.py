"""Drawing a :class:`~handlers.chart_model.Chart` to PNG with matplotlib.

matplotlib is imported here, inside the functions, only when a chart is drawn (the bot starts
and answers without it), with the Agg backend (no display). Chinese needs a CJK font: the first
of :data:`CJK_FONTS` installed (Debian: ``fonts-noto-cjk``) is added to the font list. Without
one, a label the fonts cannot draw is drawn in its English wording, and any character still
missing is left out — never drawn as an empty box.
"""

from __future__ import annotations

import gc
import hashlib
import io
import logging
import re
import threading
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from handlers.chart_model import Chart, ChartKind, Label, SeriesRole

log = logging.getLogger(__name__)

WIDTH, HEIGHT, DPI = 960, 540, 100  # pixels of every chart
BASE_FONT = "DejaVu Sans"  # matplotlib's own font, always there
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans CJK TC",
    "Noto Sans CJK JP",
    "Noto Serif CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
    "AR PL UMing CN",
    "Microsoft YaHei",
    "PingFang SC",
    "SimHei",
)
CJK_FILES = re.compile(r"(?i)(cjk|wqy|droidsansfallback|sourcehan|uming|ukai|msyh|pingfang|simhei)")
MAX_TICKS = 8
COLOURS = {SeriesRole.TOTAL: "#9aa5b1", SeriesRole.DONE: "#2e7d32", SeriesRole.IDEAL: "#1565c0"}
PART_COLOURS = ("#1565c0", "#c62828", "#f9a825", "#2e7d32", "#6a1b9a", "#00838f", "#ef6c00", "#5d4037")
_draw_lock = threading.Lock()  # pyplot-free, but font caches and rcParams are process-wide


@dataclass(frozen=True)
class ChartFonts:
    """The font families to draw with and the characters they can draw."""

    families: tuple[str, ...]
    codepoints: frozenset[int]

    def can_draw(self, text: str) -> bool:
        return all(ch.isspace() or ord(ch) in self.codepoints for ch in text)

    def drawable(self, label: Label) -> str:
        """The label in the reader's language if it can be drawn, else in English, else what can be."""
        for text in (label.text, label.plain):
            if self.can_draw(text):
                return text
        kept = "".join(ch for ch in label.plain if self.can_draw(ch))
        return " ".join(kept.split()) or "?"

    @property
    def has_cjk(self) -> bool:
        return len(self.families) > 1


def _font_path(family: str) -> str | None:
    from matplotlib import font_manager

    for entry in font_manager.fontManager.ttflist:
        if entry.name == family:
            return str(entry.fname)
    return None


def _codepoints(path: str) -> frozenset[int]:
    from matplotlib.ft2font import FT2Font

    return frozenset(FT2Font(path).get_charmap())


def fonts_for(cjk_family: str | None) -> ChartFonts:
    """The base font, with ``cjk_family`` after it when it is installed and draws Chinese."""
    from matplotlib import font_manager

    base = font_manager.findfont(BASE_FONT, fallback_to_default=True)
    codepoints = set(_codepoints(base))
    families: tuple[str, ...] = (BASE_FONT,)
    path = _font_path(cjk_family) if cjk_family else None
    if path is not None:
        extra = _codepoints(path)
        if ord("中") in extra:
            families, codepoints = (BASE_FONT, str(cjk_family)), codepoints | extra
    return ChartFonts(families, frozenset(codepoints))


def installed_cjk_font() -> str | None:
    """The first of :data:`CJK_FONTS` that is installed, if any.

    matplotlib caches the fonts it found when it first ran; a CJK font installed since is looked
    for among the system's font files and added.
    """
    found = next((name for name in CJK_FONTS if _font_path(name) is not None), None)
    if found is not None:
        return found
    from matplotlib import font_manager

    for path in font_manager.findSystemFonts():
        if CJK_FILES.search(path.rsplit("/", 1)[-1]):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
    return next((name for name in CJK_FONTS if _font_path(name) is not None), None)


@cache
def detected_fonts() -> ChartFonts:
    found = installed_cjk_font()
    if found is None:
        log.info("charts: no CJK font installed (Debian: fonts-noto-cjk); Chinese labels drawn in English")
    return fonts_for(found)


def file_name(chart: Chart, key: str | None) -> str:
    """``burnup-v2.3-1a2b3c4d.png``: the message's key in the name finds an earlier upload of it."""
    if not key:
        return f"{chart.name}.png"
    return f"{chart.name}-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:8]}.png"


def save_png(chart: Chart, directory: Path, key: str | None = None) -> Path:
    """Draw ``chart`` into ``directory`` (made if missing); the file's absolute path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = (directory / file_name(chart, key)).resolve()
    path.write_bytes(render_png(chart))
    return path


def _ticks(days: tuple[date, ...]) -> list[int]:
    step = max(1, -(-len(days) // MAX_TICKS))
    return list(range(0, len(days), step))


def render_png(chart: Chart, fonts: ChartFonts | None = None) -> bytes:
    """The chart as a WIDTH × HEIGHT PNG; the same chart gives the same bytes."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fonts = fonts or detected_fonts()
    days = tuple(date.fromisoformat(d) for d in chart.days)
    with _draw_lock, matplotlib.rc_context({"font.family": list(fonts.families), "svg.hashsalt": "coordbot"}):
        figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI)
        axes = figure.add_subplot()
        if chart.kind == ChartKind.BARS:
            _bars(axes, chart, fonts)
        else:
            _lines(axes, chart, days, fonts)
        positions = _ticks(days)
        axes.set_xticks(positions, [days[i].strftime("%m-%d") for i in positions])
        axes.set_title(fonts.drawable(chart.title))
        axes.set_ylabel(fonts.drawable(chart.y_label))
        tallest = _tallest(chart)
        axes.set_ylim(0, max(tallest * 1.25, tallest + 1))  # room above the lines for the legend
        axes.grid(axis="y", alpha=0.3)
        if chart.series:
            axes.legend(loc="upper left", frameon=False)
        figure.tight_layout()
        out = io.BytesIO()
        FigureCanvasAgg(figure).print_png(out, metadata={"Software": None})
        # A figure's artists reference each other: without a collection now, the figures of
        # repeated draws (and their 2 MB pixel buffers) pile up until a later one (issue 17's
        # "adds under 60 MB"). The young generations hold them: collecting those is cheap.
        del figure, axes
        gc.collect(1)
    return out.getvalue()


def _tallest(chart: Chart) -> float:
    if chart.kind == ChartKind.BARS:
        sums = [sum(s.values[i] or 0.0 for s in chart.series) for i in range(len(chart.days))]
        return max(sums, default=0.0)
    return max((v for s in chart.series for v in s.values if v is not None), default=0.0)


def _lines(axes: Any, chart: Chart, days: tuple[date, ...], fonts: ChartFonts) -> None:
    x = range(len(days))
    for series in chart.series:
        values = [float("nan") if v is None else v for v in series.values]
        style = "--" if series.role == SeriesRole.IDEAL else "-"
        width = 2.5 if series.role == SeriesRole.DONE else 1.8
        axes.plot(
            x,
            values,
            style,
            color=COLOURS.get(series.role),
            linewidth=width,
            label=fonts.drawable(series.name),
        )
    if chart.marker in chart.days:
        axes.axvline(chart.days.index(str(chart.marker)), color="#616161", linestyle=":", linewidth=1)


def _bars(axes: Any, chart: Chart, fonts: ChartFonts) -> None:
    x = range(len(chart.days))
    bottom = [0.0] * len(chart.days)
    for index, series in enumerate(chart.series):
        heights = [v or 0.0 for v in series.values]
        axes.bar(
            x,
            heights,
            bottom=bottom,
            color=PART_COLOURS[index % len(PART_COLOURS)],
            label=fonts.drawable(series.name),
            width=0.6,
        )
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    axes.yaxis.get_major_locator().set_params(integer=True)
