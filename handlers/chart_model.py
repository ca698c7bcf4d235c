"""What a chart shows, platform-neutral: its kind, labels and series, never how it is drawn.

A :class:`Chart` rides on a :class:`~handlers.replies.Reply` and through the notification
ledger (hence the plain JSON form). Each text carries a plain fallback (the English wording):
a renderer whose font cannot draw the reader's script draws that instead of empty boxes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class ChartKind(StrEnum):
    LINES = "lines"  # one line per series over the days (the burn-up)
    BARS = "bars"  # stacked bars per day, one colour per series (overdue by department)


class SeriesRole(StrEnum):
    DONE = "done"
    TOTAL = "total"
    IDEAL = "ideal"  # drawn dashed
    PART = "part"  # one part of a stacked bar


@dataclass(frozen=True)
class Label:
    text: str  # in the reply's language
    plain: str  # the same in English, for fonts without the reader's script

    @classmethod
    def same(cls, text: str) -> Label:
        return cls(text, text)


@dataclass(frozen=True)
class Series:
    name: Label
    role: SeriesRole
    values: tuple[float | None, ...]  # one per x label; None where there is no value yet


@dataclass(frozen=True)
class Chart:
    kind: ChartKind
    title: Label
    days: tuple[str, ...]  # ISO dates along the x axis
    series: tuple[Series, ...]
    y_label: Label
    name: str  # a file name without extension ("burnup-v2.3")
    marker: str | None = None  # an ISO date marked with a vertical line (the launch date)

    def to_dict(self) -> dict[str, Any]:
        def label(value: Label) -> list[str]:
            return [value.text, value.plain]

        return {
            "kind": str(self.kind),
            "title": label(self.title),
            "days": list(self.days),
            "series": [
                {"name": label(s.name), "role": str(s.role), "values": list(s.values)} for s in self.series
            ],
            "y_label": label(self.y_label),
            "name": self.name,
            "marker": self.marker,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chart:
        def label(value: list[str]) -> Label:
            return Label(value[0], value[1])

        return cls(
            kind=ChartKind(data["kind"]),
            title=label(data["title"]),
            days=tuple(data["days"]),
            series=tuple(
                Series(label(s["name"]), SeriesRole(s["role"]), tuple(s["values"])) for s in data["series"]
            ),
            y_label=label(data["y_label"]),
            name=data["name"],
            marker=data.get("marker"),
        )
