"""Time `mmdata site` at several sizes, against `mmdata validate` of the same package, and say where its time goes (issue 22).

Run:  .venv/bin/python benchmarks/site.py [--sizes 10000 100000] [--work /tmp/mmdata-site]

For each size, generates a valid package of that many outcome rows (benchmarks/generate.py, kept in
--work and reused) and reads each of its files once (as run.py does: no command pays for reading it from the
disk), then, each as its own process under GNU time (wall seconds, peak resident MB):

- `mmdata validate` of the package;
- the site build (`mmdata.publish.site.build_site`, what `mmdata site` runs), with the time spent
  drawing plots (`draw`, two drawings per plot) and making the export files and the findings view
  from the same database (`files_and_findings`) added up on the way, so that the table shows what
  the rest costs. The SQLite file's full-text index is made while the pages are: the wait for it
  once they are made, and the file's move into the site, count as the export's.

Prints a Markdown table: pages, files, the site's size, its time as a multiple of validate's (the
target, #22, is at most 10x at 1M rows) and its memory. With --open, it then opens the largest page
of each kind of the largest size's site (built in this run) in the system's Chromium (Playwright) and prints how long each
took to load (the target: under a second). With --record, also writes the figures to a JSON file
(benchmarks/record.py), from which benchmarks/targets.py makes the summary at the top of
docs/performance.md. Asserts nothing: a measurement, not a test.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent

# Run in its own process: builds the site, timing two of its parts by wrapping them where the site calls them.
DRIVER = """
import contextlib, json, os, sys, time
from mmdata.io.arrow import command_memory_pool
command_memory_pool(os.environ, sys.platform)  # Arrow's memory pool and its settings, as `mmdata site` has them
from mmdata.publish import site

spent = {"draw": 0.0, "exports": 0.0}

def timed(name, function):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[name] += time.perf_counter() - start
    return wrapper

made = site.files_and_findings


@contextlib.contextmanager
def exports(*args, **kwargs):
    # files_and_findings is a block: the files and the view are made before it, the SQLite file's index while it runs
    # (the pages), and the file put in place after it. Counted: the time before it, and the wait for the index after it.
    start = time.perf_counter()
    with made(*args, **kwargs) as got:
        spent["exports"] += time.perf_counter() - start
        yield got
        start = time.perf_counter()
    spent["exports"] += time.perf_counter() - start


site.draw = timed("draw", site.draw)
site.files_and_findings = exports
start = time.perf_counter()
result = site.build_site(sys.argv[1], sys.argv[2])
spent["total"] = time.perf_counter() - start
spent["pages"] = len(result.pages)
spent["files"] = result.files
print(json.dumps(spent))
"""


def timed(command: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak resident MB and standard output of one process (GNU time)."""
    with tempfile.NamedTemporaryFile("r") as timing:
        done = subprocess.run(["/usr/bin/time", "-o", timing.name, "-f", "%e %M", *command], capture_output=True, text=True)
        wall, peak_kb = timing.read().split()[-2:]
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}:\n{done.stderr}")
    return float(wall), int(peak_kb) / 1024, done.stdout


def open_pages(site: Path) -> list[dict[str, object]]:
    """Load the largest page of each kind in Chromium, three times, and print (and return) the best load time of each."""
    from playwright.sync_api import sync_playwright

    kinds: dict[str, Path] = {}
    for page in site.rglob("*.html"):
        kind = page.parent.name if page.parent != site else re.sub(r"-[0-9]+\.html$", "-N.html", page.name)  # studies-2.html, ...
        if kind not in kinds or page.stat().st_size > kinds[kind].stat().st_size:
            kinds[kind] = page
    browser_path = next(p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p)
    print(f"\nThe largest page of each kind, loaded in {browser_path} (best of 3):\n")
    print("| page | KB | load ms |")
    print("| --- | ---: | ---: |")
    loads: list[dict[str, object]] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=browser_path, args=["--no-sandbox"])
        tab = browser.new_page(viewport={"width": 1280, "height": 900})
        for page in (kinds[kind] for kind in sorted(kinds)):
            best = min(_load(tab, page) for _ in range(3))
            print(f"| {page.relative_to(site).as_posix()} | {page.stat().st_size / 1024:,.0f} | {best:,.0f} |", flush=True)
            loads.append({"page": page.relative_to(site).as_posix(), "kb": page.stat().st_size / 1024, "ms": best})
        browser.close()
    return loads


def _load(tab: object, page: Path) -> float:
    tab.goto(page.as_uri(), wait_until="load")  # type: ignore[attr-defined]
    return float(tab.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd"))  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/mmdata-site"))
    parser.add_argument("--open", action="store_true", help="load the largest pages of the largest size's site, built in this run, "
                        "in Chromium")
    parser.add_argument("--keep", action="store_true", help="reuse a site already built at a size instead of building it again")
    parser.add_argument("--record", type=Path, metavar="JSON", help="also write the figures to this file (benchmarks/results/site.json)")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from generate import generated
    from record import load_average, warmed, write

    load_before = load_average()

    rows = []
    for size in args.sizes:
        package = warmed(generated(args.work, size))
        out = args.work / f"site-{size}"
        if args.keep and (out / "index.html").is_file():
            continue
        shutil.rmtree(out, ignore_errors=True)
        print(f"{size:,} rows: validate ...", end=" ", flush=True)
        validate, validate_peak, _ = timed([str(BIN / "mmdata"), "validate", str(package)])
        print(f"{validate:.1f} s; site ...", end=" ", flush=True)
        wall, peak, output = timed([sys.executable, "-c", DRIVER, str(package), str(out)])
        spent = json.loads(output.strip().splitlines()[-1])
        size_mb = sum(f.stat().st_size for f in out.rglob("*") if f.is_file()) / 1e6
        print(f"{wall:.1f} s ({spent['draw']:.1f} s drawing plots, {spent['exports']:.1f} s export files and findings view)", flush=True)
        rows.append((size, spent, size_mb, validate, validate_peak, wall, peak))
    print("\n`mmdata validate` and the site build, each as its own process:\n")
    print("| outcome rows | pages | files | site MB | validate s | site s | site / validate | plots s | exports s | "
          "rest s | site peak MB |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for size, spent, size_mb, validate, _, wall, peak in rows:
        rest = spent["total"] - spent["draw"] - spent["exports"]
        print(f"| {size:,} | {spent['pages']:,} | {spent['files']:,} | {size_mb:,.0f} | {validate:.1f} | {wall:.1f} | "
              f"{wall / validate:.1f} | {spent['draw']:.1f} | {spent['exports']:.1f} | {rest:.1f} | {peak:,.0f} |")
    largest = max(args.sizes)
    built = {size for size, *_ in rows}  # a site kept (--keep) may be another version's: its pages are not timed as this one's
    if args.open and largest not in built:
        print(f"\nThe site of {largest:,} rows was kept (--keep), not built by this run: its pages are not timed.")
    loads = open_pages(args.work / f"site-{largest}") if args.open and largest in built else []
    if args.record:
        sizes = [{"size": size, "pages": spent["pages"], "files": spent["files"], "site_mb": size_mb, "validate": [validate, validate_peak],
                  "site": [wall, peak], "plots": spent["draw"], "exports": spent["exports"]}
                 for size, spent, size_mb, validate, validate_peak, wall, peak in rows]
        write(args.record, "site.py", load_before, {"sizes": sizes, "page loads": loads, "pages of": largest if loads else None})


if __name__ == "__main__":
    main()
