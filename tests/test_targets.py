"""benchmarks/targets.py: the summary at the top of docs/performance.md is made from the recorded figures (#22)."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from .conftest import ROOT


def _module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("targets_under_test", ROOT / "benchmarks/targets.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


targets = _module()
DOC = "intro\n<!-- generated: targets -->\nold\n<!-- end -->\nafter, kept as written: <!-- generated: other -->\n"


def recorded_run(size: int = 1_000_000, **walls: float) -> dict[str, Any]:
    """A run.py record at size: every command 1 s and 100 MB unless walls says otherwise."""
    row: dict[str, Any] = {"size": size, "csv_mb": 1.0}
    for name in ("validate", "frictionless", "read_csv", "fmt", "docs", "diff", "export"):
        row[name] = [walls.get(name, 1.0), 100.0]
    row["read_csv outcomes"], row["load outcomes"] = [1.0, 50.0], [walls.get("load", 1.0), 60.0]
    return {"benchmark": "run.py", "date": "2026-12-06 08:00 UTC", "commit": "abcdef0", "machine": "a machine",
            "load average before": [0.5, 0.5, 0.5], "load average after": [1.25, 1, 1],
            "figures": {"sizes": [row], "startup": {"mmdata --help": walls.get("help", 0.05), "import mmdata": 0.04}}}


def line(summary: str, words: str) -> list[str]:
    """The cells of the summary's row that starts with words."""
    rows = [row for row in summary.splitlines() if row.startswith(f"| {words}")]
    assert len(rows) == 1, summary
    return [cell.strip() for cell in rows[0].strip("|").split("|")]


def test_the_doc_holds_the_summary_of_the_recorded_figures(capsys: pytest.CaptureFixture[str]) -> None:
    # docs/performance.md's summary is exactly what the committed figures make: edited by hand, or figures recorded and
    # not rendered, it fails here
    assert targets.main(["--check"]) == 0
    assert capsys.readouterr().out == f"{targets.DOC}: the summary is the recorded figures'\n"
    assert sorted(p.name for p in targets.RESULTS.glob("*.json")) == ["failing.json", "release.json", "run.json", "site.json"]


@pytest.mark.parametrize(("validate", "met"), [(0.1, "yes"), (0.1000001, "**no**"), (0.05, "yes")])
def test_at_most_is_met_at_the_bound_and_not_beyond(validate: float, met: str) -> None:
    summary = targets.render({"run": recorded_run(validate=validate, frictionless=1.0)})
    cells = line(summary, "`validate` at most 0.1 of")
    assert cells[1] == f"{validate:.2f} s against 1.00 s"
    assert cells[3:] == ["0.1", met]


@pytest.mark.parametrize(("seconds", "met"), [(0.099, "yes"), (0.1, "**no**")])
def test_under_is_not_met_at_the_bound(seconds: float, met: str) -> None:
    cells = line(targets.render({"run": recorded_run(help=seconds)}), "`mmdata --help` under 0.1 s")
    assert cells == ["`mmdata --help` under 0.1 s", f"{seconds * 1000:.0f} ms (best of 5)", f"{seconds:.3f}", "0.1", met]


def test_ratios_are_of_the_raw_read_at_a_million_rows() -> None:
    small = recorded_run(size=10_000, export=100.0)["figures"]["sizes"][0]
    run = recorded_run(export=5.0, read_csv=1.0, load=2.5)
    larger = recorded_run(size=2_000_000, export=1.0)["figures"]["sizes"][0]
    run["figures"]["sizes"][0:0] = [small, larger]  # the figures at a million rows count, wherever they are in the file
    summary = targets.render({"run": run})
    assert line(summary, "`export` at most 5x")[1:] == ["5.00 s against 1.00 s", "5.000", "5", "yes"]
    assert line(summary, "`mmdata.load(table)`")[1:] == ["2.50 s against 1.00 s", "2.500", "2", "**no**"]
    assert line(summary, "`validate` memory")[1:] == ["100 MB against 100 MB", "1.000", "1.5", "yes"]
    assert "- `benchmarks/run.py` at 1,000,000 outcome rows: 2026-12-06 08:00 UTC, commit abcdef0, a machine; load average " \
           "0.50 before and 1.25 after." in summary.splitlines()


@pytest.mark.parametrize(("runs", "said"), [(None, "."), (1, "."), (3, "; the median time and the largest peak of 3 runs of each command.")])
def test_a_run_of_several_rounds_says_its_figures_are_medians(runs: int | None, said: str) -> None:
    run = recorded_run()
    if runs is not None:
        run["figures"]["runs"] = runs
    failing = {"benchmark": "failing.py", "date": "d", "commit": "c", "machine": "m", "load average before": [1, 1, 1],
               "load average after": [1, 1, 1], "figures": {"outcomes": 1_000_000, "runs": 3, "packages": []}}
    lines = targets.render({"run": run, "failing": failing}).splitlines()
    assert f"- `benchmarks/run.py` at 1,000,000 outcome rows: 2026-12-06 08:00 UTC, commit abcdef0, a machine; load average " \
           f"0.50 before and 1.25 after{said}" in lines
    assert "- `benchmarks/failing.py` at 1,000,000 outcome rows: d, commit c, m; load average 1.00 before and 1.00 after." in lines


def test_what_was_not_recorded_is_not_measured_and_never_met() -> None:
    summary = targets.render({})
    assert "- `benchmarks/site.py`: not recorded." in summary.splitlines()
    for target in targets.TARGETS:
        assert line(summary, target.words)[1:] == ["not measured", "", f"{target.bound:g}", "not measured"]


def test_a_command_a_run_did_not_time_is_not_measured() -> None:
    run = recorded_run()
    del run["figures"]["sizes"][0]["export"], run["figures"]["sizes"][0]["read_csv outcomes"]  # as an older run.py recorded
    summary = targets.render({"run": run})
    assert line(summary, "`export` at most 5x")[1:] == ["not measured", "", "5", "not measured"]
    assert line(summary, "`mmdata.load(table)`")[1:] == ["not measured", "", "2", "not measured"]
    assert line(summary, "`validate` at most 3x")[-1] == "yes"


def test_the_slowest_failing_package_against_the_valid_one() -> None:
    packages = [{"package": "valid", "broken": 0, "problems": 0, "wall": 10.0, "peak": 1.0},
                {"package": "enum", "broken": 100_000, "problems": 5, "wall": 12.0, "peak": 1.0},
                {"package": "quote-not-in-seed", "broken": 100_000, "problems": 5, "wall": 20.0, "peak": 1.0},
                {"package": "foreign-key", "broken": 100_000, "problems": 5, "wall": 15.0, "peak": 1.0}]
    failing = {**recorded_run(), "figures": {"outcomes": 1_000_000, "packages": packages}}
    assert line(targets.render({"failing": failing}), "a package with many failing rows")[1:] == [
        "slowest: quote-not-in-seed, 100,000 rows broken, 20.00 s against 10.00 s (valid)", "2.000", "2", "yes"]
    failing["figures"]["runs"] = 3
    assert line(targets.render({"failing": failing}), "a package with many failing rows")[1].endswith(
        "against 10.00 s (valid); medians of 3 runs each")
    failing["figures"]["packages"] = packages[:1]  # the valid package alone measures nothing
    assert line(targets.render({"failing": failing}), "a package with many failing rows")[1] == "not measured"


def test_the_site_against_validate_and_the_raw_read_of_the_same_size() -> None:
    site = {**recorded_run(), "figures": {"sizes": [{"size": 1_000_000, "site": [101.0, 201.0], "validate": [10.0, 90.0]}],
                                          "page loads": [{"page": "index.html", "kb": 62.0, "ms": 999.4},
                                                         {"page": "sources/a.html", "kb": 1_230.0, "ms": 1000.0}],
                                          "pages of": 1_000_000}}
    summary = targets.render({"site": site, "run": recorded_run()})
    assert line(summary, "`site` at most 10x")[1:] == ["101.00 s against 10.00 s (`validate`, same run)", "10.100", "10", "**no**"]
    assert line(summary, "`site` memory")[1:] == ["201 MB against 100 MB (raw read, run.py)", "2.010", "2", "**no**"]
    assert line(summary, "every page of the site")[1:] == ["slowest of 2 kinds: sources/a.html, 1,230 KB", "1,000", "1000", "**no**"]
    other_size = targets.render({"site": site, "run": recorded_run(size=100_000)})  # no raw read of the site's size
    assert line(other_size, "`site` memory")[1] == "not measured"
    site["figures"]["pages of"] = 10_000  # pages opened of another site than the one timed
    assert line(targets.render({"site": site}), "every page of the site")[1] == "not measured"
    assert line(targets.render({"site": site}), "`site` at most 10x")[1] != "not measured"


def test_figures_of_another_size_than_a_million_rows_measure_no_target() -> None:
    # the targets are set at 1,000,000 outcome rows: a run of 10,000 rows, however fast, meets none of them
    runs = {"run": recorded_run(size=10_000)}
    runs["failing"] = {**recorded_run(), "figures": {"outcomes": 10_000, "packages": [
        {"package": "valid", "broken": 0, "problems": 0, "wall": 1.0, "peak": 1.0},
        {"package": "enum", "broken": 1_000, "problems": 1, "wall": 1.0, "peak": 1.0}]}}
    runs["site"] = {**recorded_run(), "figures": {"sizes": [{"size": 10_000, "site": [1.0, 1.0], "validate": [1.0, 1.0]}],
                                                  "page loads": [{"page": "index.html", "kb": 1.0, "ms": 1.0}], "pages of": 10_000}}
    summary = targets.render(runs)
    sized = [t for t in targets.TARGETS if "mmdata --help" not in t.words and "import mmdata" not in t.words]
    assert len(sized) == len(targets.TARGETS) - 2
    for target in sized:
        assert line(summary, target.words)[1] == "not measured"
    assert "- `benchmarks/run.py` at 10,000 outcome rows:" in summary


def recorded_release(**walls: tuple[float, float]) -> dict[str, Any]:
    """A release.py record: the first and the next release's seconds at each size given (size: (first, next))."""
    sizes = [{"size": int(size), "csv_mb": 1.0, "first": [first, 300.0], "next": [later, 310.0], "archive_mb": 1.0}
             for size, (first, later) in ((key.strip("_"), value) for key, value in walls.items())]
    return {**recorded_run(), "benchmark": "release.py", "figures": {"runs": 3, "sizes": sizes}}


LINEAR = "`release` measured and linear"


@pytest.mark.parametrize(("small", "large", "shown", "met"), [
    ((10.0, 10.0), (150.0, 100.0), ["first release (the larger ratio): 150.00 s for 1,000,000 rows against 10.00 s for 100,000", "1.500"], "yes"),
    ((10.0, 10.0), (150.1, 100.0), ["first release (the larger ratio): 150.10 s for 1,000,000 rows against 10.00 s for 100,000", "1.501"], "**no**"),
    ((10.0, 10.0), (100.0, 151.0), ["next release (the larger ratio): 151.00 s for 1,000,000 rows against 10.00 s for 100,000", "1.510"], "**no**"),
    ((10.0, 10.0), (90.0, 95.0), ["next release (the larger ratio): 95.00 s for 1,000,000 rows against 10.00 s for 100,000", "0.950"], "yes"),
    # exactly 15 times, where float arithmetic gives 1.5000000000000002: at the bound, met
    ((10.02, 10.02), (150.3, 100.2), ["first release (the larger ratio): 150.30 s for 1,000,000 rows against 10.02 s for 100,000", "1.500"], "yes"),
    ((10.0, 8.0), (100.0, 120.0), ["next release (the larger ratio): 120.00 s for 1,000,000 rows against 8.00 s for 100,000", "1.500"], "yes"),
    ((10.0, 8.0), (100.0, 80.0), ["first release (the larger ratio): 100.00 s for 1,000,000 rows against 10.00 s for 100,000", "1.000"], "yes")])
def test_release_is_linear_when_its_time_per_row_grows_at_most_half_from_100000_to_a_million_rows(
        small: tuple[float, float], large: tuple[float, float], shown: list[str], met: str) -> None:
    # ten times the rows in at most 15 times the time, for the first release and for the next one alike (the worse counts;
    # the first when they are alike); at 10,000 rows the fixed costs dominate, so those figures are not compared
    release = recorded_release(_10000=(1.0, 1.0), _100000=small, _1000000=large)
    summary = targets.render({"release": release})
    assert line(summary, LINEAR)[1:] == [*shown, "1.5", met]
    assert "- `benchmarks/release.py` at 10,000, 100,000 and 1,000,000 outcome rows: 2026-12-06 08:00 UTC, commit abcdef0, " \
           "a machine; load average 0.50 before and 1.25 after; the median time and the largest peak of 3 runs of each command." \
           in summary.splitlines()


@pytest.mark.parametrize(("sizes", "said"), [({"_100000": (10.0, 10.0)}, "100,000 outcome rows"),
                                            ({"_1000000": (10.0, 10.0)}, "1,000,000 outcome rows"),
                                            ({"_1000000": (10.0, 10.0), "_10000": (1.0, 1.0)}, "10,000 and 1,000,000 outcome rows"),
                                            ({}, "no size")])
def test_release_measured_at_one_of_the_two_sizes_is_not_measured(sizes: dict[str, tuple[float, float]], said: str) -> None:
    summary = targets.render({"release": recorded_release(**sizes)})
    assert line(summary, LINEAR)[1:] == ["not measured", "", "1.5", "not measured"]
    assert any(row.startswith(f"- `benchmarks/release.py` at {said}: 2026-12-06 08:00 UTC") for row in summary.splitlines())


def test_a_figure_with_nothing_to_compare_with_is_not_measured() -> None:
    # a time of 0 (or a figure a benchmark did not record) gives no ratio: "not measured", never a crash of --check
    zero = recorded_release(_100000=(0.0, 10.0), _1000000=(10.0, 10.0))
    assert line(targets.render({"release": zero}), LINEAR)[1] == "not measured"
    lacking = recorded_release(_100000=(10.0, 10.0), _1000000=(10.0, 10.0))
    del lacking["figures"]["sizes"][0]["next"]
    assert line(targets.render({"release": lacking}), LINEAR)[1] == "not measured"
    assert line(targets.render({"run": recorded_run(read_csv=0.0)}), "`fmt --check` at most")[1] == "not measured"


def test_a_ratio_exactly_at_its_bound_is_met_whatever_float_division_gives() -> None:
    # 0.069 s against 0.69 s is 0.1 exactly, where float division gives 0.10000000000000002: the figures are read as the
    # decimals recorded, so a figure at its bound is met (and one a thousandth of a second over it is not)
    assert 0.069 / 0.69 > 0.1
    summary = targets.render({"run": recorded_run(validate=0.069, frictionless=0.69)})
    assert line(summary, "`validate` at most 0.1 of")[1:] == ["0.07 s against 0.69 s", "0.100", "0.1", "yes"]
    summary = targets.render({"run": recorded_run(validate=0.070, frictionless=0.69)})
    assert line(summary, "`validate` at most 0.1 of")[3:] == ["0.1", "**no**"]


@pytest.mark.parametrize(("ms", "shown", "met"), [(999.4, "999", "yes"), (999.6, "999.6", "yes"), (999.96, "999.96", "yes"),
                                                  (1000.0, "1,000", "**no**")])
def test_a_figure_is_shown_on_its_own_side_of_the_bound(ms: float, shown: str, met: str) -> None:
    site = {**recorded_run(), "figures": {"sizes": [{"size": 1_000_000, "site": [1.0, 1.0], "validate": [1.0, 1.0]}],
                                          "page loads": [{"page": "index.html", "kb": 1.0, "ms": ms}], "pages of": 1_000_000}}
    assert line(targets.render({"site": site}), "every page of the site")[2:] == [shown, "1000", met]
    assert line(targets.render({"run": recorded_run(export=10.002)}), "`export` at most 5x")[2:] == ["10.002", "5", "**no**"]
    assert line(targets.render({"run": recorded_run()}), "`fmt --check` at most")[2] == "1.000"  # far from its bound: three digits
    assert line(targets.render({"run": recorded_run(diff=2.0004)}), "`diff` at most 2x")[2:] == ["2.0004", "2", "**no**"]


def test_writes_only_the_region_and_check_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results, doc = tmp_path / "results", tmp_path / "performance.md"
    results.mkdir()
    (results / "run.json").write_text(json.dumps(recorded_run()), encoding="utf-8")
    doc.write_text(DOC, encoding="utf-8")
    args = ["--results", str(results), "--doc", str(doc)]
    assert targets.main([*args, "--check"]) == 1
    assert doc.read_text(encoding="utf-8") == DOC
    assert capsys.readouterr().err == f"{doc}: the summary is not the recorded figures'; run benchmarks/targets.py\n"
    assert targets.main(args) == 0
    written = doc.read_text(encoding="utf-8")
    summary = targets.render(targets.recorded(results))
    assert written == DOC.replace("old\n", summary)
    assert targets.main([*args, "--check"]) == 0


@pytest.mark.parametrize("text", ["no marks\n", DOC + DOC, "<!-- generated: targets -->\nno end\n"])
def test_the_marks_must_be_there_once(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]) -> None:
    doc = tmp_path / "performance.md"
    doc.write_text(text, encoding="utf-8")
    assert targets.main(["--results", str(tmp_path), "--doc", str(doc)]) == 2
    assert doc.read_text(encoding="utf-8") == text
    assert capsys.readouterr().err == f"{doc}: must hold the marks <!-- generated: targets --> and <!-- end --> exactly once\n"


def test_the_benchmarks_record_what_they_print(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(ROOT / "benchmarks/record.py", tmp_path / "record.py")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))  # no repository above tmp_path is found
    spec = importlib.util.spec_from_file_location("record_under_test", tmp_path / "record.py")
    assert spec is not None and spec.loader is not None
    record = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(record)
    out = tmp_path / "results/run.json"
    record.write(out, "run.py", [0.5, 0.25, 0.125], {"sizes": [{"size": 3}]})
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["benchmark"] == "run.py" and data["figures"] == {"sizes": [{"size": 3}]}
    assert data["load average before"] == [0.5, 0.25, 0.125] and len(data["load average after"]) == 3
    assert data["commit"] == "unknown (not a git repository)"  # tmp_path is no repository
    assert record.summarised([(3.0, 10.0), (1.0, 30.0), (2.0, 20.0)]) == [2.0, 30.0]  # median time, largest peak
    assert record.summarised([(1.0, 5.0), (4.0, 1.0)]) == [2.5, 5.0]
