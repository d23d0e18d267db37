"""Measure what users wait for: command start-up and validation time.

Run:  .venv/bin/python benchmarks/bench.py [--scale N]

- start-up: wall time of `python -m mmdata --help` (pandas, pandera and frictionless must not load);
- validate: in-process validation of the shipped package, after one warm-up run;
- scaled: the same on a copy whose outcomes table is repeated N times (new keys), which shows
  that the checks grow with the data as vectorised column operations, not row loops.

Prints medians in milliseconds. It asserts nothing: compare numbers between commits.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(fn, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def scaled_copy(target: Path, scale: int) -> Path:
    for part in ("datapackage.json", "data", "schemas", "seeds"):
        src = ROOT / part
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, target / part)
    path = target / "data/outcomes.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        header, *rows = list(csv.reader(fh))
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        for copy in range(scale):
            for row in rows:
                writer.writerow([f"{row[0]}-copy-{copy}", *row[1:]])
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1000, help="copies of outcomes.csv in the scaled run")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import mmdata

    help_cmd = [sys.executable, "-m", "mmdata", "--help"]
    print(f"start-up  (mmdata --help)        {timed(lambda: subprocess.run(help_cmd, capture_output=True, check=True), 10):8.1f} ms")
    mmdata.validate(ROOT)  # warm-up: imports pandas, pandera, frictionless
    print(f"validate  (shipped package)      {timed(lambda: mmdata.validate(ROOT), args.repeat):8.1f} ms")
    with tempfile.TemporaryDirectory() as tmp:
        pkg = scaled_copy(Path(tmp), args.scale)
        report = mmdata.validate_report(pkg)
        assert report.valid, [p.to_line() for p in report.problems[:5]]
        print(f"validate  ({report.rows} rows)           {timed(lambda: mmdata.validate(pkg), args.repeat):8.1f} ms")


if __name__ == "__main__":
    main()
