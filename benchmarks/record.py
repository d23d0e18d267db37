"""What a benchmark measured, written as JSON into benchmarks/results/ (issue 22).

run.py, site.py, failing.py and release.py each write one file with --record: the figures they print, the
date, the machine, its load average before and after, and the commit measured. targets.py makes
the summary at the top of docs/performance.md from these files, so that what it says of each
target is computed from what was measured, never typed by hand.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
#: Where the figures of the last measurement are kept (committed: docs/performance.md's summary is made from them).
RESULTS = HERE / "results"


def load_average() -> list[float]:
    """The machine's load average over 1, 5 and 15 minutes (the benchmarks share it with whatever else runs)."""
    return [round(x, 2) for x in os.getloadavg()]


def summarised(runs: list[tuple[float, float]]) -> list[float]:
    """The median wall time and the largest peak of the runs of one command (each a wall time and a peak), as a
    benchmark run with --repeat records them."""
    return [statistics.median(wall for wall, _ in runs), max(peak for _, peak in runs)]


def warmed(package: Path) -> Path:
    """package, each of its files read once, and the libraries `mmdata validate` loads imported once in a process of their
    own, so that the first command timed finds them in the operating system's cache as the commands timed after it do.
    Timed first, `mmdata validate` of a million rows took 14.4 s and 12.2 s with the cache emptied, 11.0 s and 11.9 s
    right after (2026-12-06)."""
    for path in sorted(package.rglob("*")):
        if path.is_file() and not path.is_symlink():
            with open(path, "rb") as f:
                while f.read(1 << 24):
                    pass
    subprocess.run([sys.executable, "-c", "import mmdata.rules.validate, mmdata.publish.export, frictionless"], check=True)
    return package


def commit() -> str:
    """The commit measured, with a word when the code measured (src/, benchmarks/) was not that commit's."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(HERE), *args], capture_output=True, text=True, check=True).stdout.strip()

    try:
        head = git("rev-parse", "--short=7", "HEAD")
        changed = git("status", "--porcelain", "--", "../src", ".", ":!results")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git repository)"
    return f"{head} with uncommitted changes" if changed else head


def write(path: Path, benchmark: str, load_before: list[float], figures: dict[str, Any]) -> None:
    """Write what benchmark measured to path, as JSON: figures, and when, where and what was measured."""
    data = {"benchmark": benchmark, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "commit": commit(),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()}, Python {platform.python_version()}",
            "load average before": load_before, "load average after": load_average(), "figures": figures}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"recorded in {path}", flush=True)
