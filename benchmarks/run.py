"""Measure mmdata against frictionless and a raw pandas read of the same files, side by side.

Run:  .venv/bin/python benchmarks/run.py [--sizes 10000 100000 1000000] [--work /tmp/mmdata-bench] [--repeat 3]

For each size (outcome rows), in one run: generate a valid package (benchmarks/generate.py, kept
in --work and reused), read each of its files once (so that no command pays for reading it from the disk), then
time each command as its own process, with its peak memory (the
largest resident set of the process, from GNU time):

- `mmdata validate` (all five layers), and the time of each step inside it;
- `frictionless validate datapackage.json` (Frictionless checks layers 1 to 3 only);
- `pandas.read_csv` of the five CSV files with pandas' default engine (nothing checked);
- `mmdata fmt --check`, `mmdata docs --check` (it exits 1: a generated package has no data dictionary
  yet, but every text is made and compared all the same), and `mmdata diff` of the package and a copy
  with one changed cell;
- `mmdata export` (SQLite, Parquet and findings.csv, the default formats) into a folder of --work, emptied first;
- `mmdata.load("outcomes")` against `pandas.read_csv` of outcomes.csv, each timed inside its own process
  after `import pandas`;
- `mmdata --help` and `python -c "import mmdata"` (start-up): best of 5 starts, each timed by the clock around it (GNU
  time counts hundredths of a second), after one start that is not counted, with Python's bytecode cache on: pip
  compiles a wheel's modules when it installs them, and an editable install's first start writes them, unless
  PYTHONDONTWRITEBYTECODE is set; with it set, every start compiles the command line's modules anew (about 10 ms).

With --repeat N, every command (and the steps of validate) runs N times, in N rounds, and the
table gives the median time and the largest peak of each (start-up is the best of 5 whatever N).
Prints progress while it runs and a Markdown table at the end. With --record, also writes the
figures to a JSON file (benchmarks/record.py), from which benchmarks/targets.py makes the summary at
the top of docs/performance.md. Asserts nothing: it is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
RAW_READ = ("import sys, pandas\n"
            "for table in ('sources', 'studies', 'arms', 'outcomes', 'adverse_events'):\n"
            "    pandas.read_csv(f'{sys.argv[1]}/data/{table}.csv')\n")
LAYERS = "import json, sys, mmdata\nprint(json.dumps(mmdata.validate_report(sys.argv[1]).timings))\n"
#: mmdata.load of the largest table against pandas.read_csv of its file, each timed inside its own process (the imports
#: left out), with the process's peak memory (#22's target: load at most 2x the raw read). pandas is imported before
#: both calls, as it is in any program that reads a table with it: mmdata imports it only when load is called, and
#: that import had been timed as load's own (0.14 to 0.32 s of load's 2.3 to 2.5 s at a million rows).
TIMED_CALL = "import sys, time, {module}\nstart = time.perf_counter()\n{call}\nprint(time.perf_counter() - start)\n"
LOADS = {"read_csv outcomes": ("pandas", "pandas.read_csv(f'{sys.argv[1]}/data/outcomes.csv')"),
         "load outcomes": ("pandas, mmdata", "mmdata.load('outcomes', path=sys.argv[1])")}


def run(command: list[str], expect: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """Wall seconds and peak resident MB of one process, measured by /usr/bin/time (GNU time)."""
    with tempfile.NamedTemporaryFile("r") as report:
        done = subprocess.run(["/usr/bin/time", "-o", report.name, "-f", "%e %M", *command], capture_output=True)
        wall, peak_kb = report.read().split()[-2:]
    if done.returncode not in expect:
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}:\n{done.stderr.decode()[-2000:]}")
    return float(wall), int(peak_kb) / 1024


def started(command: list[str], environ: dict[str, str]) -> float:
    """Wall seconds of one start of command, by the clock around the process."""
    start = time.perf_counter()
    subprocess.run(command, capture_output=True, check=True, env=environ)
    return time.perf_counter() - start


def start_up(command: list[str]) -> float:
    """Best of 5 starts of command after one not counted, with the bytecode cache on (the module's docstring)."""
    environ = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    started(command, environ)
    return min(started(command, environ) for _ in range(5))


def timed_call(module: str, call: str, package: Path) -> tuple[float, float]:
    """Seconds of one call inside its own process (its imports left out), and the process's peak resident MB."""
    with tempfile.NamedTemporaryFile("r") as report:
        done = subprocess.run(["/usr/bin/time", "-o", report.name, "-f", "%M", sys.executable, "-c",
                               TIMED_CALL.format(module=module, call=call), str(package)], capture_output=True, text=True)
        peak_kb = report.read().split()[-1]
    if done.returncode:
        raise SystemExit(f"{call} exited {done.returncode}:\n{done.stderr[-2000:]}")
    return float(done.stdout.split()[-1]), int(peak_kb) / 1024


def changed_copy(package: Path, target: Path) -> Path:
    """A copy of package (hard links) with one cell of outcomes.csv changed."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(package, target, copy_function=os.link)
    path = target / "data/outcomes.csv"
    content = path.read_bytes()
    path.unlink()  # do not write through the hard link
    path.write_bytes(content.replace(b",about,", b",almost,", 1))
    return target


def emptied(folder: Path) -> Path:
    """folder, made empty: the export writes into it."""
    if folder.exists():
        shutil.rmtree(folder)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/mmdata-bench"))
    parser.add_argument("--record", type=Path, metavar="JSON", help="also write the figures to this file (benchmarks/results/run.json)")
    parser.add_argument("--repeat", type=int, default=1, metavar="N", help="run every command N times, in N rounds; report the "
                        "median time and the largest peak")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be 1 or more")
    sys.path.insert(0, str(HERE))
    from generate import generated
    from record import load_average, summarised, warmed, write

    load_before = load_average()

    mmdata, python = str(BIN / "mmdata"), sys.executable
    results = []
    for size in args.sizes:
        package = warmed(generated(args.work, size))
        megabytes = sum(p.stat().st_size for p in (package / "data").iterdir()) / 1e6
        row: dict[str, object] = {"size": size, "csv_mb": megabytes}
        steps = [("validate", [mmdata, "validate", str(package)]),
                 ("frictionless", [str(BIN / "frictionless"), "validate", str(package / "datapackage.json")]),
                 ("read_csv", [python, "-c", RAW_READ, str(package)]),
                 ("fmt", [mmdata, "fmt", "--check", str(package)]),
                 ("docs", [mmdata, "docs", "--check", str(package)]),
                 ("diff", [mmdata, "diff", str(package), str(changed_copy(package, args.work / f"outcomes-{size}-changed"))]),
                 ("export", [mmdata, "export", str(package), "--to", str(args.work / f"export-{size}")])]
        measured: dict[str, list[tuple[float, float]]] = {}
        layers: list[dict[str, float]] = []
        for round_ in range(1, args.repeat + 1):  # each round runs every command: the machine's slow minutes fall on all
            each = f" ({round_} of {args.repeat})" if args.repeat > 1 else ""
            for name, command in steps:
                if name == "export":  # into an empty folder each time, not over the files of the round before
                    emptied(args.work / f"export-{size}")
                print(f"[{size:>9,}] {name}{each} ...", end=" ", flush=True)
                wall, peak = run(command, expect=(0, 1) if name in ("frictionless", "docs") else (0,))
                measured.setdefault(name, []).append((wall, peak))
                print(f"{wall:.1f} s, {peak:,.0f} MB", flush=True)
            for name, (module, call) in LOADS.items():
                print(f"[{size:>9,}] {name}{each} ...", end=" ", flush=True)
                measured.setdefault(name, []).append(timed_call(module, call, package))
                print(f"{measured[name][-1][0]:.2f} s in-process, {measured[name][-1][1]:,.0f} MB", flush=True)
            done = subprocess.run([python, "-c", LAYERS, str(package)], capture_output=True, text=True, check=True)
            layers.append(json.loads(done.stdout))
            print(f"[{size:>9,}] steps of validate{each}: {layers[-1]}", flush=True)
        for name, runs in measured.items():
            row[name] = summarised(runs)
        row["layers"] = {step: statistics.median(each[step] for each in layers) for step in layers[0]}
        results.append(row)
    startup = {name: start_up(command)
               for name, command in (("mmdata --help", [mmdata, "--help"]), ("import mmdata", [python, "-c", "import mmdata"]))}
    print(table(results, startup, args.repeat))
    if args.record:
        write(args.record, "run.py", load_before, {"sizes": results, "startup": startup, "runs": args.repeat})


def table(results: list[dict], startup: dict[str, float], runs: int = 1) -> str:
    out = [f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
           f"Python {platform.python_version()}; {time.strftime('%Y-%m-%d')}."
           + (f" Each figure: the median time and the largest peak of {runs} runs." if runs > 1 else ""), "",
           "| outcome rows | CSV MB | command | wall s | peak MB | wall / read_csv | peak / read_csv | wall / frictionless |",
           "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in results:
        read_wall, read_peak = r["read_csv"]
        fl_wall = r["frictionless"][0]
        for name in ("validate", "frictionless", "read_csv", "fmt", "docs", "diff", "export"):
            wall, peak = r[name]
            out.append(f"| {r['size']:,} | {r['csv_mb']:.0f} | {name} | {wall:.2f} | {peak:,.0f} | {wall / read_wall:.2f} | "
                       f"{peak / read_peak:.2f} | {wall / fl_wall:.3f} |")
    out += ["", "`mmdata.load` of outcomes against `pandas.read_csv` of its file (seconds inside each process, imports left out):", "",
            "| outcome rows | read_csv s | load s | load / read_csv | read_csv peak MB | load peak MB |", "| ---: | ---: | ---: | ---: | ---: | ---: |"]
    out += [f"| {r['size']:,} | {r['read_csv outcomes'][0]:.2f} | {r['load outcomes'][0]:.2f} | "
            f"{r['load outcomes'][0] / r['read_csv outcomes'][0]:.2f} | {r['read_csv outcomes'][1]:,.0f} | {r['load outcomes'][1]:,.0f} |"
            for r in results]
    out += ["", "Steps of `mmdata validate` (seconds, in-process):", "", "| outcome rows | " + " | ".join(results[0]["layers"]) + " |",
            "| ---: |" + " ---: |" * len(results[0]["layers"])]
    out += [f"| {r['size']:,} | " + " | ".join(f"{v:.2f}" for v in r["layers"].values()) + " |" for r in results]
    if len(results) > 1:
        out += ["", "Scaling of `mmdata validate` (time ratio per 10x rows): " + ", ".join(
            f"{a['size']:,} -> {b['size']:,}: {b['validate'][0] / a['validate'][0]:.1f}x" for a, b in zip(results, results[1:], strict=False))]
    out += ["", "Start-up (best of 5): " + ", ".join(f"`{k}` {v * 1000:.0f} ms" for k, v in startup.items())]
    return "\n".join(out)


if __name__ == "__main__":
    main()
