"""The site's plot: medians and percentages per arm, lenalidomide against its control, as static SVG.

Drawn with matplotlib's object API (no pyplot, no global state) into plain SVG with text kept
as text; the same findings give the same bytes. Points come from the findings view: rows of an
experimental or control arm that state a median or a percentage (or a median not reached) on
their own, not as a comparison. Hedged values keep their hedge in the label, a median not
reached is drawn as an arrow off the scale, and a study whose patients are counted in another
(pooled_in) is marked in its label and in the caption.

Each plot is drawn twice: wide (9 inches, labels beside the points) and narrow, for a phone
(3.75 inches, each label above its points, no text smaller than 10 points), so that text is at
least 11 CSS pixels high on a screen 390 pixels wide (the site picks the drawing by screen width).
"""

from __future__ import annotations

import io
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
            rows[key] = Row("\n".join(textwrap.wrap(study, 34) + textwrap.wrap(label, 34)), panel)
        value = None if f["value"] is None else float(f["value"])
        rows[key].points[str(f["arm_role"])] = (value, value_label(f["value"], f["qualifier"], f["unit"]))
        rows[key].finding_ids.append(str(f["finding_id"]))
    order = [title for _, _, title in PANELS]
    ordered = sorted(rows.items(), key=lambda item: (order.index(item[1].panel), item[1].label))
    shown = {key[0] for key in rows}
    notes = [f"{names[s]}'s patients are also counted in {names.get(p, p)}: do not pool the two as independent evidence."
             for s, p in sorted(pooled.items()) if s in shown or p in shown]
    return [row for _, row in ordered], notes


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


def _svg(rows: list[Row], narrow: bool) -> str:
    from matplotlib import rc_context
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    panels = [p for _, _, p in PANELS if any(r.panel == p for r in rows)]
    heights = [sum(_height(r, narrow) for r in rows if r.panel == p) + 0.8 for p in panels]
    legend = 0.7 if narrow else 0.4
    total = sum(heights) + legend + 0.1

    class Canvas(FigureCanvasSVG):
        """An SVG canvas that never dates its output, not even the drafts tight_layout draws to measure text,
        which matplotlib otherwise dates from SOURCE_DATE_EPOCH, failing on one that is not a whole number (#23)."""

        def print_svg(self, filename: Any, **kwargs: Any) -> None:
            super().print_svg(filename, bbox_inches_restore=kwargs.get("bbox_inches_restore"),
                              metadata={"Date": None, "Creator": None, **(kwargs.get("metadata") or {})})

    # text.parse_math off: a study named $\cmd$ is text, not matplotlib mathtext, which refused it (#23)
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "mmdata", "font.family": "sans-serif", "font.size": 10, "text.parse_math": False}):
        figure = Figure(figsize=(3.75 if narrow else 9, total))
        Canvas(figure)
        axes = figure.subplots(len(panels), 1, gridspec_kw={"height_ratios": heights}, squeeze=False)[:, 0]
        for ax, panel in zip(axes, panels, strict=True):
            _panel(ax, panel, [r for r in rows if r.panel == panel], narrow)
        handles = [ax.plot([], [], MARKERS[r], color=COLOURS[r], markerfacecolor=COLOURS[r] if r == EXPERIMENTAL else "white", label=label)[0]
                   for r, label in ((EXPERIMENTAL, "lenalidomide (experimental arm)"), (CONTROL, "control arm"))]
        figure.legend(handles=handles, loc="upper center", ncols=1 if narrow else 2, frameon=False)
        figure.tight_layout(rect=(0, 0, 1, 1 - legend / total))
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    return out.getvalue()


def _lines(row: Row) -> int:
    return row.label.count("\n") + 1


def _height(row: Row, narrow: bool = False) -> float:
    """Inches of one row: beside its label (wide), or below it (narrow)."""
    return 0.19 * _lines(row) + 0.75 if narrow else 0.2 * max(_lines(row), 2) + 0.2


def _panel(ax: Any, panel: str, rows: list[Row], narrow: bool) -> None:
    known = [v for r in rows for v, _ in r.points.values() if v is not None]
    top = 100.0 if panel.startswith("Percentage") else max(known, default=1.0) * 1.35 or 1.0
    size = 10 if narrow else 9
    centres, y = [], 0.0
    for row in rows:
        if narrow:  # the label on its own lines, the points below it
            ax.text(0.02, y + 0.12, row.label, transform=ax.get_yaxis_transform(), va="top", ha="left", fontsize=size, linespacing=1.15,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
            if y > 0:
                ax.axhline(y, color="#bbbbbb", lw=0.6)
        centres.append(y + (0.19 * _lines(row) + 0.45 if narrow else _height(row) / 2))
        y += _height(row, narrow)
    for centre, row in zip(centres, rows, strict=True):
        for role, (value, label) in row.points.items():
            at = centre + (-0.09 if role == EXPERIMENTAL else 0.09) * (1.3 if narrow else 1)
            if value is None:  # not reached: an arrow off the right of the scale
                ax.annotate("", xy=(top, at), xytext=(top * 0.88, at), arrowprops={"arrowstyle": "->", "color": COLOURS[role], "lw": 1.6})
                ax.text(top * 0.87, at, label, ha="right", va="center", color=COLOURS[role], fontsize=size)
                continue
            filled = COLOURS[role] if role == EXPERIMENTAL else "white"
            ax.plot([value], [at], MARKERS[role], color=COLOURS[role], markerfacecolor=filled, markersize=7)
            if narrow and value > top * 0.6:  # no room on the right of a narrow plot: the label goes left of the point
                ax.text(value - top * 0.03, at, label, ha="right", va="center", color=COLOURS[role], fontsize=size)
            else:
                ax.text(value + top * 0.015, at, label, va="center", color=COLOURS[role], fontsize=size)
    ax.set_yticks([] if narrow else centres, [] if narrow else [r.label for r in rows])
    ax.set_xlim(0, top)
    ax.set_ylim(y, 0)
    ax.set_title(panel, loc="left", fontsize=10)
    ax.grid(axis="x", color="#dddddd")
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _alt(rows: list[Row], notes: list[str], title: str) -> str:
    parts = [f"{title}."]
    for row in rows:
        values = "; ".join(f"{role}: {label}" for role, (_, label) in sorted(row.points.items(), key=lambda p: ROLES.index(p[0])))
        parts.append(f"{row.label} ({row.panel.lower()}): {values}.")
    return " ".join(parts + notes)


__all__ = ["Plot", "Row", "draw", "plot_rows", "records", "rows_of", "study_names", "value_label"]
