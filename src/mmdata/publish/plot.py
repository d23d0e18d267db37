"""The site's plot: medians and percentages per arm, lenalidomide against its control, as static SVG.

Written directly as SVG, a few shapes and text elements per row (text kept as text, escaped; no
script, nothing fetched); the same findings give the same bytes. matplotlib drew it until #22: it
took about 0.17 s a drawing, two drawings per study, which at 10,000 studies is an hour; this
takes about a millisecond. Points come from the findings view: rows of an
experimental or control arm that state a median or a percentage (or a median not reached) on
their own, not as a comparison. Hedged values keep their hedge in the label, a median not
reached is drawn as an arrow off the scale, and a study whose patients are counted in another
(pooled_in) is marked in its label and in the caption.

Each plot is drawn twice: wide (9 inches, labels beside the points) and narrow, for a phone
(3.75 inches, each label above its points, no text smaller than 10 points), so that text is at
least 11 CSS pixels high on a screen 390 pixels wide (the site picks the drawing by screen width).
"""

from __future__ import annotations

import functools
import html
import math
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..model.rulefacts import CONTROL, EXPERIMENTAL, HEDGES, MEDIAN, MONTHS, NOT_REACHED, PERCENT, PERCENTAGE, RATIO, YEARS

ROLES = (EXPERIMENTAL, CONTROL)
COLOURS = {EXPERIMENTAL: "#1b5e9e", CONTROL: "#a64b00"}
MARKERS = {EXPERIMENTAL: "o", CONTROL: "s"}
PANELS = ((MEDIAN, MONTHS, "Median, months"), (MEDIAN, YEARS, "Median, years"), (PERCENTAGE, PERCENT, "Percentage of patients"))


@dataclass
class Row:
    """One line of the plot: a study's endpoint in one population at one time point, with a point per arm."""

    label: str
    panel: str
    points: dict[str, tuple[float | None, str]] = field(default_factory=dict)  # role -> (value or None if not reached, label)
    finding_ids: list[str] = field(default_factory=list)


@dataclass
class Plot:
    svg: str
    alt: str
    rows: list[Row]
    notes: list[str]
    narrow_svg: str = ""  # the same plot drawn for a narrow screen


def number(value: float) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def value_label(value: Any, qualifier: Any, unit: Any) -> str:
    if qualifier == NOT_REACHED:
        return "not reached"
    suffix = {PERCENT: "%", RATIO: "×"}.get(str(unit), f" {unit}")
    hedge = HEDGES.get(str(qualifier))
    return f"{hedge} {number(value)}{suffix}" if hedge else f"{number(value)}{suffix}"


def words(term: Any) -> str:
    return str(term).replace("-", " ")


def plot_rows(findings: pd.DataFrame, studies: pd.DataFrame) -> tuple[list[Row], list[str]]:
    """The rows of the plot and the overlap notes, from the findings view and the studies table."""
    wanted = (findings["arm_role"].isin(ROLES) & findings["comparator_arm_id"].isna()
              & (findings["value"].notna() | findings["qualifier"].eq(NOT_REACHED).fillna(False)))
    return rows_of(records(findings[wanted.fillna(False)]), *study_names(studies))


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of frame as dicts of column to value, a missing value as None; column by column, not row by row."""
    names = [str(name) for name in frame.columns]
    columns = []
    for name in frame.columns:
        values = frame[name].tolist()
        for at in np.flatnonzero(frame[name].isna().to_numpy()):
            values[at] = None
        columns.append(values)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def study_names(studies: pd.DataFrame) -> tuple[dict[str, str], dict[str, str]]:
    """Each study's name, and the study each pooled study is counted in, by study_id: what rows_of needs."""
    names = dict(zip(studies["study_id"], studies["name"], strict=True))
    pooled = {s: p for s, p in zip(studies["study_id"], studies["pooled_in"], strict=True) if not pd.isna(p)}
    return names, pooled


def rows_of(findings: Iterable[dict[str, Any]], names: dict[str, str], pooled: dict[str, str]) -> tuple[list[Row], list[str]]:
    """The rows of the plot and the overlap notes, from records of the findings view (a missing value None)."""
    rows: dict[tuple[Any, ...], Row] = {}
    for f in findings:
        if f["arm_role"] not in ROLES or f["comparator_arm_id"] is not None or (f["value"] is None and f["qualifier"] != NOT_REACHED):
            continue
        panel = next((title for stat, unit, title in PANELS if f["statistic"] == stat and (f["unit"] == unit or f["unit"] is None)), None)
        if panel is None:
            continue
        what = f["endpoint"] if f["endpoint"] is not None else f["event"]
        key = tuple(None if v is None else str(v) for v in (f["study_id"], what, f["population"], f["time_value"], f["time_unit"], panel))
        if key not in rows:
            label = words(what)
            if f["population"] != "all":
                label += f", {words(f['population'])}"
            if f["time_value"] is not None:
                label += f", at {number(f['time_value'])} {f['time_unit']}"
            study = f"{names[f['study_id']]}{_overlap(f['study_id'], names, pooled)}"
            rows[key] = Row("\n".join(wrapped(study) + wrapped(label)), panel)
        value = None if f["value"] is None else float(f["value"])
        rows[key].points[str(f["arm_role"])] = (value, value_label(f["value"], f["qualifier"], f["unit"]))
        rows[key].finding_ids.append(str(f["finding_id"]))
    order = [title for _, _, title in PANELS]
    ordered = sorted(rows.items(), key=lambda item: (order.index(item[1].panel), item[1].label))
    shown = {key[0] for key in rows}
    notes = [f"{names[s]}'s patients are also counted in {names.get(p, p)}: do not pool the two as independent evidence."
             for s, p in sorted(pooled.items()) if s in shown or p in shown]
    return [row for _, row in ordered], notes


@functools.lru_cache(maxsize=1 << 12)
def wrapped(text: str) -> tuple[str, ...]:
    """The lines of a label of the plot, 34 characters at most each (textwrap.wrap). A study's name heads each of its
    rows, and the same endpoints, populations and times recur from study to study: each text is wrapped once (#22)."""
    return tuple(textwrap.wrap(text, 34))


def _overlap(study: str, names: dict[str, str], pooled: dict[str, str]) -> str:
    marks = []
    if study in pooled:
        marks.append(f"counted in {names.get(pooled[study], pooled[study])}")
    inner = [names[s] for s, p in sorted(pooled.items()) if p == study]
    if inner:
        marks.append(f"includes {', '.join(inner)}")
    return f" ({'; '.join(marks)})" if marks else ""


def draw(rows: list[Row], notes: list[str], title: str) -> Plot | None:
    """The SVG of the plot, wide and narrow, or None when there is nothing to draw."""
    if not rows:
        return None
    return Plot(_svg(rows, narrow=False), _alt(rows, notes, title), rows, notes, _svg(rows, narrow=True))


#: Points per inch: the SVG's user unit is the point, as a print drawing's is.
PT = 72
FONT = "font-family: 'DejaVu Sans', Verdana, Arial, Helvetica, sans-serif"
#: The average advance of a character of DejaVu Sans, in ems (its digits are 0.64, lower case 0.55 to 0.63):
#: what the width of the labels' column is worked out from, erring wide.
EM = 0.62


def _svg(rows: list[Row], narrow: bool) -> str:
    """The plot as SVG text, written directly: one panel per kind of value, each a row per study, endpoint and time,
    with a point per arm, its value beside it, and an arrow for a median not reached; the legend above.

    Every length is in points; text stays text (escaped), nothing is fetched, and the same rows give the same bytes."""
    size = 10 if narrow else 9  # the values' text; labels and ticks are 10
    width = 3.75 * PT if narrow else 9 * PT
    longest = max((len(line) for row in rows for line in row.label.split("\n")), default=0)
    left = 12.0 if narrow else min(12 + longest * 10 * EM + 10, width * 0.45)
    right = width - 16
    out: list[str] = []
    y = 12.0
    # the legend: one line wide, two narrow
    entries = [(EXPERIMENTAL, "lenalidomide (experimental arm)"), (CONTROL, "control arm")]
    x = width / 2 - (150 if not narrow else 80)
    for n, (role, label) in enumerate(entries):
        at_x, at_y = (x + n * 215, y + 6) if not narrow else (x, y + 6 + n * 16)
        out.append(_marker(role, at_x, at_y, 3.0))
        out.append(_text(at_x + 12, at_y + 3.5, label, 10))
    y += 20 + (16 if narrow else 0) + 8
    for panel in [p for _, _, p in PANELS if any(r.panel == p for r in rows)]:
        shown = [r for r in rows if r.panel == panel]
        known = [v for r in shown for v, _ in r.points.values() if v is not None]
        top = 100.0 if panel.startswith("Percentage") else max(max(known, default=1.0) * 1.35, 0.0) or 1.0
        y += 16
        out.append(_text(left, y - 6, panel, 10))
        height = sum(_height(r, narrow) for r in shown) * PT
        ticks = _ticks(top)

        def at(value: float, top: float = top) -> float:
            return left + (right - left) * min(max(value, 0.0), top) / top

        for tick in ticks:  # the grid behind the points, and the scale below them
            out.append(f'<path d="M {_n(at(tick))} {_n(y)} L {_n(at(tick))} {_n(y + height)}" style="fill: none; stroke: #dddddd; stroke-width: 0.8"/>')
            out.append(f'<path d="M {_n(at(tick))} {_n(y + height)} L {_n(at(tick))} {_n(y + height + 3.5)}" style="stroke: #000000; stroke-width: 0.8"/>')
            out.append(_text(at(tick), y + height + 14.5, number(tick), 10, anchor="middle"))
        row_top = y
        for n, row in enumerate(shown):
            lines = row.label.split("\n")
            if narrow:  # the label on its own lines, the points below it
                if n:
                    out.append(f'<path d="M {_n(left)} {_n(row_top)} L {_n(right)} {_n(row_top)}" style="fill: none; stroke: #bbbbbb; stroke-width: 0.6"/>')
                wide = max(len(line) for line in lines) * 10 * EM + 4  # white behind the label: the grid stops at its edge
                out.append(f'<rect x="{_n(left + 1)}" y="{_n(row_top + 1)}" width="{_n(min(wide, right - left - 2))}" '
                           f'height="{_n(len(lines) * 0.19 * PT + 3)}" style="fill: #ffffff"/>')
                for k, line in enumerate(lines):
                    out.append(_text(left + 2, row_top + 11 + k * 0.19 * PT, line, 10))
                centre = row_top + (0.19 * len(lines) + 0.45) * PT
            else:  # the label beside its points, right-aligned against the axis
                centre = row_top + _height(row) * PT / 2
                first = centre - (len(lines) - 1) * 12 / 2 + 3.5
                for k, line in enumerate(lines):
                    out.append(_text(left - 7, first + k * 12, line, 10, anchor="end"))
                out.append(f'<path d="M {_n(left - 3.5)} {_n(centre)} L {_n(left)} {_n(centre)}" style="stroke: #000000; stroke-width: 0.8"/>')
            for role, (value, label) in row.points.items():
                py = centre + (-0.09 if role == EXPERIMENTAL else 0.09) * (1.3 if narrow else 1) * PT
                colour = COLOURS[role]
                if value is None:  # not reached: an arrow off the right of the scale
                    x0, x1 = at(top * 0.88), at(top) - 2
                    out.append(f'<path d="M {_n(x0)} {_n(py)} L {_n(x1)} {_n(py)} M {_n(x1 - 4)} {_n(py - 2)} L {_n(x1)} {_n(py)} '
                               f'L {_n(x1 - 4)} {_n(py + 2)}" style="fill: none; stroke: {colour}; stroke-width: 1.6; stroke-linecap: round"/>')
                    out.append(_text(at(top * 0.87), py + size * 0.35, label, size, anchor="end", fill=colour))
                    continue
                out.append(_marker(role, at(value), py, 3.5))
                if narrow and value > top * 0.6:  # no room on the right of a narrow plot: the label goes left of the point
                    out.append(_text(at(value) - 6, py + size * 0.35, label, size, anchor="end", fill=colour))
                else:
                    out.append(_text(at(value) + 6, py + size * 0.35, label, size, fill=colour))
            row_top += _height(row, narrow) * PT
        out.append(f'<path d="M {_n(left)} {_n(y)} L {_n(left)} {_n(y + height)} L {_n(right)} {_n(y + height)}" '
                   'style="fill: none; stroke: #000000; stroke-width: 0.8"/>')
        y += height + 30
    total = y + 4
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{_n(width)}pt" height="{_n(total)}pt" '
            f'viewBox="0 0 {_n(width)} {_n(total)}">')
    return "\n".join(['<?xml version="1.0" encoding="utf-8" standalone="no"?>', head,
                      f'<rect x="0" y="0" width="{_n(width)}" height="{_n(total)}" style="fill: #ffffff"/>', *out, "</svg>", ""])


@functools.lru_cache(maxsize=1 << 16)
def _n(value: float) -> str:
    """A coordinate, to a hundredth of a point, without a trailing zero. Plots of one layout share most of their
    coordinates (97% of them at 100,000 rows), so each is written once (#22); values that compare equal (0.0 and -0.0,
    1 and 1.0) are written alike, so sharing their text changes nothing."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _text(x: float, y: float, text: str, size: int, anchor: str = "start", fill: str = "#000000") -> str:
    style = f"font-size: {size}px; {FONT}; text-anchor: {anchor}; fill: {fill}"
    return f'<text x="{_n(x)}" y="{_n(y)}" style="{style}">{html.escape(text, quote=False)}</text>'


def _marker(role: str, x: float, y: float, r: float) -> str:
    """A filled circle for the lenalidomide arm, an open square for the control arm."""
    colour = COLOURS[role]
    if role == EXPERIMENTAL:
        return f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(r)}" style="fill: {colour}; stroke: {colour}"/>'
    return f'<rect x="{_n(x - r)}" y="{_n(y - r)}" width="{_n(2 * r)}" height="{_n(2 * r)}" style="fill: #ffffff; stroke: {colour}"/>'


def _ticks(top: float) -> list[float]:
    """Round values from 0 to top, about five of them: steps of 1, 2, 2.5 or 5 times a power of ten."""
    raw = top / 5
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    count = int(top / step + 1e-9)
    return [round(k * step, 10) for k in range(count + 1)]


def _lines(row: Row) -> int:
    return row.label.count("\n") + 1


def _height(row: Row, narrow: bool = False) -> float:
    """Inches of one row: beside its label (wide), or below it (narrow)."""
    return 0.19 * _lines(row) + 0.75 if narrow else 0.2 * max(_lines(row), 2) + 0.2


def _alt(rows: list[Row], notes: list[str], title: str) -> str:
    parts = [f"{title}."]
    for row in rows:
        values = "; ".join(f"{role}: {label}" for role, (_, label) in sorted(row.points.items(), key=lambda p: ROLES.index(p[0])))
        parts.append(f"{row.label} ({row.panel.lower()}): {values}.")
    return " ".join(parts + notes)


__all__ = ["Plot", "Row", "draw", "plot_rows", "records", "rows_of", "study_names", "value_label"]
