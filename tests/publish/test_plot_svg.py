"""The plot written directly as SVG (#22): well-formed, every value shown as text at its place on the scale, text
escaped, round ticks."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from mmdata.model.rulefacts import EXPERIMENTAL, MEDIAN, MONTHS
from mmdata.publish.plot import PANELS, Row, _n, _svg, _ticks, draw, rows_of

SVG = "{http://www.w3.org/2000/svg}"
MONTHS_PANEL = PANELS[0][2]
PERCENT_PANEL = PANELS[2][2]


def rows() -> list[Row]:
    return [
        Row("Study <A> & co\nprogression free survival", MONTHS_PANEL,
            {"experimental": (52.8, "52.8 months"), "control": (23.5, "about 23.5 months")}),
        Row("Study B\noverall survival", MONTHS_PANEL, {"experimental": (None, "not reached"), "control": (86.0, "86 months")}),
        Row("Study B\nsecond primary malignancy, at 3 years", PERCENT_PANEL, {"experimental": (100.0, "100%"), "control": (0.0, "0%")}),
    ]


@pytest.mark.parametrize("narrow", [False, True])
def test_the_svg_is_well_formed_and_shows_every_label_and_value_as_text(narrow: bool) -> None:
    svg = _svg(rows(), narrow)
    root = ET.fromstring(svg.encode("utf-8"))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    for row in rows():
        for line in row.label.split("\n"):
            assert line in texts
        for _, label in row.points.values():
            assert label in texts
    assert "Study &lt;A&gt; &amp; co" in svg  # escaped, and read back as written
    assert texts.count(MONTHS_PANEL) == texts.count(PERCENT_PANEL) == 1
    assert "lenalidomide (experimental arm)" in texts and "control arm" in texts
    width, height = (float(v) for v in re.search(r'viewBox="0 0 ([0-9.]+) ([0-9.]+)"', svg).groups())
    assert width == (270 if narrow else 648)
    for circle in root.iter(f"{SVG}circle"):
        assert 0 < float(circle.get("cx")) < width and 0 < float(circle.get("cy")) < height
    assert min(float(s) for s in re.findall(r"font-size: ([0-9.]+)px", svg)) == (10 if narrow else 9)
    assert "<script" not in svg and "href" not in svg


def test_points_sit_on_the_scale_at_their_value() -> None:
    """0% on the axis, 100% at its right end; the lenalidomide arm a filled circle, the control arm an open square."""
    svg = _svg([rows()[2]], narrow=False)
    root = ET.fromstring(svg.encode("utf-8"))
    legend_circle, circle = root.iter(f"{SVG}circle")
    squares = [r for r in root.iter(f"{SVG}rect") if "#ffffff" in r.get("style", "") and "stroke" in r.get("style", "")]
    legend, square = squares[0], squares[1]
    ticks = {t.text: float(t.get("x")) for t in root.iter(f"{SVG}text") if t.get("style", "").endswith("text-anchor: middle; fill: #000000")}
    assert list(ticks) == ["0", "20", "40", "60", "80", "100"]
    assert float(circle.get("cx")) == ticks["100"]
    assert float(square.get("x")) + float(square.get("width")) / 2 == ticks["0"]
    assert "fill: #1b5e9e" in circle.get("style") and "fill: #ffffff" in square.get("style")
    axis = re.search(r'<path d="M ([0-9.]+) [0-9.]+ L [0-9.]+ [0-9.]+ L ([0-9.]+) [0-9.]+" style="fill: none; stroke: #000000', svg)
    assert axis is not None and (ticks["0"], ticks["100"]) == (float(axis.group(1)), float(axis.group(2)))  # the scale spans the axis
    assert float(circle.get("cy")) < float(square.get("y")) + float(square.get("height")) / 2  # lenalidomide above its control
    assert float(legend.get("y")) < float(square.get("y")) and float(legend_circle.get("cy")) < float(circle.get("cy"))


def test_on_a_narrow_plot_a_value_near_the_right_end_is_labelled_on_its_left() -> None:
    svg = _svg([rows()[2]], narrow=True)
    assert re.search(r'text-anchor: end; fill: #1b5e9e">100%</text>', svg)
    assert re.search(r'text-anchor: start; fill: #a64b00">0%</text>', svg)
    assert re.search(r'text-anchor: start; fill: #1b5e9e">100%</text>', _svg([rows()[2]], narrow=False))
    edge = _svg([Row("Study C\nresponse", PERCENT_PANEL, {"experimental": (60.5, "60.5%"), "control": (60.0, "60%")})], narrow=True)
    assert re.search(r'text-anchor: end; fill: #1b5e9e">60.5%</text>', edge)  # past 60% of the scale: on the left
    assert re.search(r'text-anchor: start; fill: #a64b00">60%</text>', edge)  # at 60% exactly: still on the right


def test_a_median_not_reached_is_an_arrow_to_the_end_of_the_scale() -> None:
    svg = _svg([rows()[1]], narrow=False)
    arrows = re.findall(r'<path d="M ([0-9.]+) ([0-9.]+) L ([0-9.]+) ([0-9.]+) M [^"]+" style="fill: none; stroke: #1b5e9e; stroke-width: 1.6', svg)
    assert len(arrows) == 1
    x0, y0, x1, y1 = (float(v) for v in arrows[0])
    assert y0 == y1 and x0 < x1
    assert re.search(r'text-anchor: end; fill: #1b5e9e">not reached</text>', svg)


@pytest.mark.parametrize(("top", "ticks"), [
    (100.0, [0, 20, 40, 60, 80, 100]),  # a percentage: the scale ends on a tick
    (1.35, [0, 0.5, 1.0]),  # nothing known: 1 x 1.35
    (116.1, [0, 25, 50, 75, 100]),
    (0.3, [0, 0.1, 0.2, 0.3]),  # a step that floating point would make 0.30000000000000004
    (5.0, [0, 1, 2, 3, 4, 5]),  # a step of exactly top / 5
])
def test_ticks_are_round_and_end_at_or_below_the_top(top: float, ticks: list[float]) -> None:
    assert _ticks(top) == ticks


def test_the_same_rows_give_the_same_bytes_and_nothing_gives_no_plot() -> None:
    first = draw(rows(), [], "A title")
    again = draw(rows(), [], "A title")
    assert first is not None and again is not None
    assert (first.svg, first.narrow_svg) == (again.svg, again.narrow_svg)
    assert draw([], [], "A title") is None


def test_a_rows_label_is_its_studys_name_then_what_it_measures_each_wrapped_at_34_characters_issue_22() -> None:
    """Labels are wrapped once per text (#22): two studies with one endpoint and time still get each its own name."""
    finding = {"study_id": "s", "arm_role": EXPERIMENTAL, "comparator_arm_id": None, "value": 12.0, "qualifier": None,
               "statistic": MEDIAN, "unit": MONTHS, "endpoint": "progression-free-survival", "event": None, "population": "all",
               "time_value": 36, "time_unit": "months", "finding_id": "f1"}
    names = {"s": "Lenalidomide maintenance, cohort 3 of a trial", "t": "Short"}  # a first line of exactly 34 characters
    got, _ = rows_of([finding, {**finding, "study_id": "t", "finding_id": "f2"}], names, {})
    assert sorted(row.label.split("\n") for row in got) == [
        ["Lenalidomide maintenance, cohort 3", "of a trial", "progression free survival, at 36", "months"],
        ["Short", "progression free survival, at 36", "months"]]


@pytest.mark.parametrize("values", [(0.0, -0.0, -0.001, 0.004), (-0.0, 0.0, 0.004, -0.001), (1, 1.0, True, 1.001), (True, 1.0, 1, 0.999)])
def test_a_coordinate_is_written_the_same_whichever_equal_value_came_first_issue_22(values: tuple[float, ...]) -> None:
    """Coordinates are written once each (a cache keyed by value, #22): values that compare equal share their text, so
    the text must not depend on which of them came first."""
    _n.cache_clear()
    assert {_n(v) for v in values} == ({"0"} if 0 in values else {"1"})
    assert [_n(v) for v in (12.5, 12.25, 12.0, -3.1, 100.0)] == ["12.5", "12.25", "12", "-3.1", "100"]
