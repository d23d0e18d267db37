"""Where issue 22's targets stand: the summary at the top of docs/performance.md, made from what the benchmarks recorded.

Run:  .venv/bin/python benchmarks/targets.py [--check]

Reads benchmarks/results/run.json, site.json, failing.json and release.json (written by run.py, site.py,
failing.py and release.py with --record), works out each target's ratio at 1,000,000 outcome rows (the size the
targets are set at: figures of another size measure none of them; release's linearity compares them with those
at 100,000 rows), and writes the table between
the marks `<!-- generated: targets -->` and `<!-- end -->` of docs/performance.md.
With --check it writes nothing and exits 1 when the table there is not the one the recorded figures
make. A target whose figures were not recorded is said to be not measured, never met.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
DOC = HERE.parent / "docs/performance.md"
REGION = re.compile(r"(<!-- generated: targets -->\n)(.*?)(<!-- end -->)", re.S)
#: Outcome rows of the package the targets are set at: figures of another size measure none of them.
ROWS = 1_000_000
#: Outcome rows whose release time per row the release time per row at ROWS is compared with ("linear"): ten times fewer,
#: and enough rows that fixed costs (starting the commands, git, the guides) are a small part (at 10,000 rows they are most).
LINEAR_FROM = 100_000
#: What each benchmark recorded, by the name of its file in RESULTS.
Recorded = dict[str, dict[str, Any]]


@dataclass(frozen=True)
class Measured:
    """A target's figure: the ratio (or value) compared with the bound, and the measurements it was worked out from."""

    value: float
    shown: str


@dataclass(frozen=True)
class Target:
    """One of the issue's targets: its words, how its figure is worked out from the recorded runs, and its bound."""

    words: str
    figure: Callable[[Recorded], Measured | None]
    bound: float
    under: bool = False  # "under" the bound, not "at most"
    digits: int = 3  # of the figure as shown

    def met(self, measured: Measured) -> bool:
        return measured.value < self.bound if self.under else measured.value <= self.bound

    def shown(self, value: float) -> str:
        """value to digits decimals, or as many more as it takes for the figure shown to be on the side of the bound the
        value is (999.6 ms is not shown as 1,000 beside "under 1000", nor 2.0004 as 2.000 beside "at most 2")."""
        for digits in range(self.digits, self.digits + 10):
            if self.met(Measured(round(value, digits), "")) == self.met(Measured(value, "")):
                return f"{value:,.{digits}f}"
        return f"{value!r}"


def _quotient(numerator: float, denominator: float, scale: Fraction = Fraction(1)) -> float | None:
    """numerator / denominator * scale, worked out exactly from the figures as recorded (their shortest decimal forms)
    and rounded once: a ratio that is exactly a bound is the bound (150.3 s against 10.02 s, per row of ten times as
    many, is 1.5, where float arithmetic gives 1.5000000000000002); None when the denominator is not above zero."""
    if not denominator > 0:
        return None
    return float(Fraction(repr(float(numerator))) / Fraction(repr(float(denominator))) * scale)


def _at_rows(recorded: Recorded, name: str) -> dict[str, Any] | None:
    """A benchmark's figures at the size the targets are set at (ROWS), or None when it recorded none there."""
    sizes = recorded.get(name, {}).get("figures", {}).get("sizes") or []
    return next((s for s in sizes if s["size"] == ROWS), None)


def _ratio(benchmark: str, mine: str, theirs: str, memory: bool = False, note: str = "") -> Callable[[Recorded], Measured | None]:
    """mine's wall time (or peak memory) as a multiple of theirs', both as benchmark recorded them at its largest size."""
    def figure(recorded: Recorded) -> Measured | None:
        row = _at_rows(recorded, benchmark)
        if row is None or mine not in row or theirs not in row:
            return None
        index, unit = (1, "MB") if memory else (0, "s")
        ours, reference = row[mine][index], row[theirs][index]
        ratio = _quotient(ours, reference)
        return None if ratio is None else Measured(ratio, f"{_amount(ours, unit)} against {_amount(reference, unit)}{note}")
    return figure


def _startup(name: str) -> Callable[[Recorded], Measured | None]:
    def figure(recorded: Recorded) -> Measured | None:
        seconds = recorded.get("run", {}).get("figures", {}).get("startup", {}).get(name)
        return None if seconds is None else Measured(seconds, f"{seconds * 1000:.0f} ms (best of 5)")
    return figure


def _failing(recorded: Recorded) -> Measured | None:
    figures = recorded.get("failing", {}).get("figures", {})
    packages = (figures.get("packages") or []) if figures.get("outcomes") == ROWS else []
    valid = next((p for p in packages if p["package"] == "valid"), None)
    broken = [p for p in packages if p["package"] != "valid"]
    if valid is None or not broken:
        return None
    slowest = max(broken, key=lambda p: p["wall"])
    runs = figures.get("runs", 1)
    ratio = _quotient(slowest["wall"], valid["wall"])
    if ratio is None:
        return None
    return Measured(ratio, f"slowest: {slowest['package']}, {slowest['broken']:,} rows broken, "
                                                     f"{_amount(slowest['wall'], 's')} against {_amount(valid['wall'], 's')} (valid)"
                                                     + (f"; medians of {runs} runs each" if runs > 1 else ""))


def _site_memory(recorded: Recorded) -> Measured | None:
    """The site's peak as a multiple of the raw read's at the same size (run.py; memory does not depend on the machine's load)."""
    row, runs = _at_rows(recorded, "site"), recorded.get("run", {}).get("figures", {}).get("sizes") or []
    read = next((r["read_csv"][1] for r in runs if row is not None and r["size"] == row["size"]), None)
    if row is None or read is None:
        return None
    ratio = _quotient(row["site"][1], read)
    return None if ratio is None else Measured(ratio, f"{_amount(row['site'][1], 'MB')} against {_amount(read, 'MB')} (raw read, run.py)")


def _page_loads(recorded: Recorded) -> Measured | None:
    figures, row = recorded.get("site", {}).get("figures", {}), _at_rows(recorded, "site")
    loads = (figures.get("page loads") or []) if row is not None and figures.get("pages of") == row["size"] else []
    if not loads:  # pages of another site than the one the site's time and memory are of are not counted
        return None
    slowest = max(loads, key=lambda p: p["ms"])
    return Measured(slowest["ms"], f"slowest of {len(loads)} kinds: {slowest['page']}, {slowest['kb']:,.0f} KB")


def _linear(recorded: Recorded) -> Measured | None:
    """The release's time per row at ROWS as a multiple of its time per row at LINEAR_FROM: the larger of the first
    release's (no release before it) and the next one's (compared with the release before it, as a patch), the first's
    when they are equal."""
    sizes = recorded.get("release", {}).get("figures", {}).get("sizes") or []
    large, small = (next((s for s in sizes if s["size"] == rows), None) for rows in (ROWS, LINEAR_FROM))
    if large is None or small is None or any(kind not in row for kind in ("first", "next") for row in (large, small)):
        return None
    ratios: dict[str, float] = {}
    for kind in ("first", "next"):
        ratio = _quotient(large[kind][0], small[kind][0], Fraction(LINEAR_FROM, ROWS))
        if ratio is None:
            return None
        ratios[kind] = ratio
    kind = max(ratios, key=ratios.__getitem__)
    return Measured(ratios[kind], f"{kind} release (the larger ratio): {_amount(large[kind][0], 's')} for {ROWS:,} rows against "
                                  f"{_amount(small[kind][0], 's')} for {LINEAR_FROM:,}")


def _rows(name: str, figures: dict[str, Any]) -> str:
    """The size a benchmark's figures in the table are of (the targets are set at 1,000,000 outcome rows)."""
    if name == "failing":
        return f"{figures['outcomes']:,} outcome rows"
    if name == "release":  # its figure compares two sizes: each size it measured
        measured = [f"{size:,}" for size in sorted({s["size"] for s in figures.get("sizes") or []})]
        if not measured:
            return "no size"
        return (f"{', '.join(measured[:-1])} and {measured[-1]}" if len(measured) > 1 else measured[0]) + " outcome rows"
    sizes = {s["size"] for s in figures.get("sizes") or []}
    return f"{ROWS if ROWS in sizes else max(sizes):,} outcome rows" if sizes else "no size"


def _amount(value: float, unit: str) -> str:
    return f"{value:,.0f} MB" if unit == "MB" else f"{value:,.2f} s"


#: Issue 22's targets, in its order, at the largest size measured (1,000,000 outcome rows).
TARGETS = (
    Target("`validate` at most 0.1 of `frictionless validate` (wall time)", _ratio("run", "validate", "frictionless"), 0.1),
    Target("`validate` at most 3x the raw read (wall time; the aim is 1.5x)", _ratio("run", "validate", "read_csv"), 3),
    Target("`validate` memory at most 1.5x the raw read", _ratio("run", "validate", "read_csv", memory=True), 1.5),
    Target("a package with many failing rows of one kind at most 2x the valid package (wall time)", _failing, 2),
    *(target for command, words in (("fmt", "fmt --check"), ("docs", "docs --check"), ("diff", "diff"))
      for target in (Target(f"`{words}` at most 2x the raw read (wall time)", _ratio("run", command, "read_csv"), 2),
                     Target(f"`{words}` memory at most 1.5x the raw read", _ratio("run", command, "read_csv", memory=True), 1.5))),
    Target("`export` at most 5x the raw read (wall time)", _ratio("run", "export", "read_csv"), 5),
    Target("`site` at most 10x `validate` (wall time)", _ratio("site", "site", "validate", note=" (`validate`, same run)"), 10),
    Target("`site` memory at most 2x the raw read", _site_memory, 2),
    Target("every page of the site opens in under a second (ms, the largest page of each kind)", _page_loads, 1000, under=True, digits=0),
    Target("`release` measured and linear: its time per row at 1,000,000 outcome rows at most 1.5x that at 100,000", _linear, 1.5),
    Target("`mmdata.load(table)` at most 2x the raw read of its file", _ratio("run", "load outcomes", "read_csv outcomes"), 2),
    Target("`mmdata --help` under 0.1 s", _startup("mmdata --help"), 0.1, under=True),
    Target("`import mmdata` under 0.1 s", _startup("import mmdata"), 0.1, under=True),
)


def recorded(folder: Path = RESULTS) -> Recorded:
    """What each benchmark recorded in folder, by benchmark (run, site, failing, release); one not recorded is left out."""
    return {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.json"))}


def render(runs: Recorded) -> str:
    """The summary: when and where each benchmark ran, then each target, its figure and whether it is met."""
    lines = ["Made by `benchmarks/targets.py` from the figures the benchmarks recorded in `benchmarks/results/`; "
             "do not edit it by hand.", ""]
    for name in ("run", "failing", "site", "release"):
        run = runs.get(name)
        if run is None:
            lines.append(f"- `benchmarks/{name}.py`: not recorded.")
            continue
        before, after = run["load average before"][0], run["load average after"][0]
        runs_each = run["figures"].get("runs", 1) if name != "failing" else 1  # failing.py's are said beside its figure
        lines.append(f"- `benchmarks/{name}.py` at {_rows(name, run['figures'])}: {run['date']}, commit {run['commit']}, "
                     f"{run['machine']}; load average {before:.2f} before and {after:.2f} after"
                     + (f"; the median time and the largest peak of {runs_each} runs of each command." if runs_each > 1 else "."))
    lines += ["", "| target | measured | figure | bound | met |", "| --- | --- | ---: | ---: | --- |"]
    for target in TARGETS:
        measured = target.figure(runs)
        if measured is None:
            lines.append(f"| {target.words} | not measured | | {target.bound:g} | not measured |")
        else:
            lines.append(f"| {target.words} | {measured.shown} | {target.shown(measured.value)} | {target.bound:g} | "
                         f"{'yes' if target.met(measured) else '**no**'} |")
    return "\n".join(lines) + "\n"


def filled(text: str, summary: str) -> str:
    """text with the targets region's body replaced by summary; ValueError when the marks are not there exactly once."""
    if len(REGION.findall(text)) != 1:
        raise ValueError("must hold the marks <!-- generated: targets --> and <!-- end --> exactly once")
    return REGION.sub(lambda m: m[1] + summary + m[3], text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when the summary is not the recorded figures'")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--doc", type=Path, default=DOC)
    args = parser.parse_args(argv)
    text = args.doc.read_text(encoding="utf-8")
    try:
        new = filled(text, render(recorded(args.results)))
    except ValueError as exc:
        print(f"{args.doc}: {exc}", file=sys.stderr)
        return 2
    if new == text:
        print(f"{args.doc}: the summary is the recorded figures'")
        return 0
    if args.check:
        print(f"{args.doc}: the summary is not the recorded figures'; run benchmarks/targets.py", file=sys.stderr)
        return 1
    args.doc.write_text(new, encoding="utf-8")
    print(f"{args.doc}: summary written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
