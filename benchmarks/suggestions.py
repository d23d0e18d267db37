"""Time `mmdata validate` on a package with many quotes that are not in their seed (issue 13).

Run:  .venv/bin/python benchmarks/suggestions.py [--rows 300] [--work /tmp/mmdata-suggest] [--limit N]

Copies the shipped package into --work and appends --rows outcome rows, each quoting a passage of
about 600 characters of the longest seed with one word changed (a different word per row, and a different
replacement, so that every quote is distinct), so
that no quote is found and each gets its closest-passage suggestion. Prints the seconds
validation takes (and its provenance step) and how many rows got a closest passage. Asserts nothing: a measurement.
"""

from __future__ import annotations

import argparse
import csv
import io
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def build(rows: int, work: Path) -> Path:
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    for part in ("datapackage.json", "data", "schemas", "seeds"):
        src = ROOT / part
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, work / part)
    with (work / "data/sources.csv").open(encoding="utf-8", newline="") as fh:
        sources = list(csv.DictReader(fh))
    longest = max(sources, key=lambda s: (work / s["seed_file"]).stat().st_size)
    words = (work / longest["seed_file"]).read_text(encoding="utf-8").split()
    passage = words[40:140]
    while len(" ".join(passage)) > 600:
        passage.pop()
    path = work / "data/outcomes.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        table = list(csv.reader(fh))
    header = table[0]
    template = dict(zip(header, table[1], strict=True))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(table)
    for i in range(rows):
        changed = list(passage)
        changed[i % len(changed)] = f"xylophone{i}"  # every quote distinct: none is computed twice
        row = dict(template, outcome_id=f"bench-{i:05d}", source_id=longest["source_id"], quote=" ".join(changed),
                   value="", unit="", statistic="qualitative", finding="A finding.", arm_id="", comparator_arm_id="",
                   direction="", significance="", qualifier="", time_value="", time_unit="")
        writer.writerow([row[h] for h in header])
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return work


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=300)
    parser.add_argument("--work", type=Path, default=Path("/tmp/mmdata-suggest"))
    parser.add_argument("--limit", type=int, help="closest passages per run (default: mmdata.rules.suggest.SUGGESTION_LIMIT)")
    args = parser.parse_args()
    package = build(args.rows, args.work)
    if args.limit is not None:
        import mmdata.rules.suggest

        mmdata.rules.suggest.SUGGESTION_LIMIT = args.limit
    from mmdata.rules.validate import validate_package

    start = time.perf_counter()
    report = validate_package(package)
    seconds = time.perf_counter() - start
    unfound = [p for p in report.problems if p.code == "quote-not-in-seed"]
    suggested = sum('closest passage: "' in p.message for p in unfound)
    print(f"{args.rows} rows: {seconds:.1f} s in all, {report.timings['provenance']:.1f} s for provenance; "
          f"{len(unfound)} quotes not found, {suggested} with a closest passage")
    return 0


if __name__ == "__main__":
    sys.exit(main())
