"""Time `mmdata validate` on packages with many failing rows of one kind, against the valid package (issue 22).

Run:  .venv/bin/python benchmarks/failing.py [--outcomes 1000000] [--failing 100000] [--work /tmp/mmdata-failing]

Generates a valid package of --outcomes outcome rows (benchmarks/generate.py, kept in --work and
reused), then, for each kind below, a copy (hard links, except outcomes.csv) in which --failing
outcome rows, spread evenly through the file, are broken that way:

- enum: `population` is a value the schema does not allow, a different one in every row (so that
  no suggestion is cheap by being repeated);
- foreign-key: `study_id` names no study (one missing key per study, so about 1 in 100 distinct);
- arm-key: `arm_id` names no arm: its number becomes 9, and no study has more than four arms (one
  missing key per study; the arm keys differ from each other in a digit or two, the hardest case
  for a did-you-mean);
- quote-not-in-seed: one word of the quote is changed, a different word in every row, so that
  every broken quote is distinct and none is in its seed;
- number-not-in-quote: `value` gets one more digit (rows with a value only).

Times `mmdata validate` of each package as its own process (wall seconds and peak resident MB, from
GNU time; its report goes to a file), --repeat times in as many rounds, and prints a Markdown table
with each median time as a multiple of the valid package's. The target (#22) is at most 2x. With --record, also writes the figures to a JSON
file (benchmarks/record.py), from which benchmarks/targets.py makes the summary at the top of
docs/performance.md. Asserts nothing: a measurement, not a test.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
csv.field_size_limit(2**31 - 1)


def _enum(row: dict[str, str], i: int) -> bool:
    row["population"] = f"over-{i}"
    return True


def _foreign_key(row: dict[str, str], i: int) -> bool:
    row["study_id"] += "-gone"
    return True


def _arm_key(row: dict[str, str], i: int) -> bool:
    row["arm_id"] = row["arm_id"].rsplit("-", 1)[0] + "-9"
    return True


def _quote_not_in_seed(row: dict[str, str], i: int) -> bool:
    words = row["quote"].split(" ")
    words[i % len(words)] = f"xylophone{i}"
    row["quote"] = " ".join(words)
    return True


def _number_not_in_quote(row: dict[str, str], i: int) -> bool:
    if not row["value"]:
        return False
    row["value"] += "7"
    return True


KINDS: dict[str, Callable[[dict[str, str], int], bool]] = {
    "enum": _enum, "foreign-key": _foreign_key, "arm-key": _arm_key, "quote-not-in-seed": _quote_not_in_seed, "number-not-in-quote": _number_not_in_quote}


def broken_copy(package: Path, target: Path, kind: str, failing: int) -> int:
    """A copy of package with failing outcome rows broken by KINDS[kind]; how many rows were broken."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(package, target, copy_function=os.link)
    source = package / "data/outcomes.csv"
    path = target / "data/outcomes.csv"
    path.unlink()  # do not write through the hard link
    with source.open(encoding="utf-8", newline="") as fh:
        total = sum(1 for _ in csv.reader(fh)) - 1
    step = max(1, total // failing)
    broken = 0
    with source.open(encoding="utf-8", newline="") as fh, path.open("w", encoding="utf-8", newline="") as out:
        reader = csv.DictReader(fh)
        writer = csv.DictWriter(out, reader.fieldnames or [], lineterminator="\n")
        writer.writeheader()
        change = KINDS[kind]
        for i, row in enumerate(reader):
            if broken < min(failing, i // step + 1) and change(row, i):  # a row it cannot break passes the turn to the next
                broken += 1
            writer.writerow(row)
    return broken


def run(command: list[str], report: Path) -> tuple[float, float, int]:
    """Wall seconds, peak resident MB and exit code of one process (GNU time); its output (the problems, then the
    summary) goes to report."""
    with tempfile.NamedTemporaryFile("r") as timing, report.open("wb") as out:
        done = subprocess.run(["/usr/bin/time", "-o", timing.name, "-f", "%e %M", *command], stdout=out, stderr=out)
        wall, peak_kb = timing.read().split()[-2:]
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}: see {report}")
    return float(wall), int(peak_kb) / 1024, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outcomes", type=int, default=1_000_000)
    parser.add_argument("--failing", type=int, default=100_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/mmdata-failing"))
    parser.add_argument("--kinds", nargs="+", choices=list(KINDS), default=list(KINDS))
    parser.add_argument("--repeat", type=int, default=1, metavar="N", help="validate every package N times, in N rounds; "
                        "report the median wall time and the largest peak")
    parser.add_argument("--record", type=Path, metavar="JSON", help="also write the figures to this file (benchmarks/results/failing.json)")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be 1 or more")
    sys.path.insert(0, str(HERE))
    from generate import generated
    from record import load_average, write

    load_before = load_average()

    package = generated(args.work, args.outcomes)
    cases = [("valid", package, 0)]
    for kind in args.kinds:
        target = args.work / f"{kind}-{args.failing}"
        print(f"breaking {args.failing:,} rows: {kind} ...", flush=True)
        cases.append((kind, target, broken_copy(package, target, kind, args.failing)))
    walls: dict[str, list[float]] = {name: [] for name, _, _ in cases}
    peaks: dict[str, list[float]] = {name: [] for name, _, _ in cases}
    found: dict[str, int] = {}
    for round_ in range(1, args.repeat + 1):  # each round validates every package: the machine's slow minutes fall on all
        for name, path, _ in cases:
            report = args.work / f"{name}.report.txt"
            print(f"validate {name} ({round_} of {args.repeat}) ...", end=" ", flush=True)
            wall, peak, code = run([str(BIN / "mmdata"), "validate", str(path)], report)
            summary = re.search(rb"^invalid: ([0-9]+) problems", report.read_bytes(), re.M)
            found[name] = int(summary.group(1)) if summary else 0
            walls[name].append(wall)
            peaks[name].append(peak)
            print(f"{wall:.1f} s, {peak:,.0f} MB, exit {code}, {found[name]:,} problems", flush=True)
    rows = [(name, broken, found[name], statistics.median(walls[name]), max(peaks[name])) for name, _, broken in cases]
    valid_wall, valid_peak = rows[0][3], rows[0][4]
    print(f"\n{args.outcomes:,} outcome rows; `mmdata validate`, each package as its own process (the median wall time and the "
          f"largest peak of {args.repeat} run{'' if args.repeat == 1 else 's'}):\n")
    print("| package | broken rows | problems | wall s | peak MB | wall / valid | peak / valid |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, broken, problems, wall, peak in rows:
        print(f"| {name} | {broken:,} | {problems:,} | {wall:.2f} | {peak:,.0f} | {wall / valid_wall:.2f} | {peak / valid_peak:.2f} |")
    if args.record:
        packages = [{"package": name, "broken": broken, "problems": problems, "wall": wall, "peak": peak, "walls": walls[name]}
                    for name, broken, problems, wall, peak in rows]
        write(args.record, "failing.py", load_before, {"outcomes": args.outcomes, "packages": packages, "runs": args.repeat})


if __name__ == "__main__":
    main()
