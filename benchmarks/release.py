"""Time `mmdata release` on generated packages of several sizes, to see that it grows linearly (issue 22).

Run:  .venv/bin/python benchmarks/release.py [--sizes 10000 100000 1000000] [--work /tmp/mmdata-release] [--repeat N]
                                              [--record benchmarks/results/release.json]

For each size (outcome rows): a valid package made by benchmarks/generate.py (kept in --work and
reused) is copied into a fresh git repository with the files every release holds (the README, the
licences, the guides in docs/ and CITATION.cff, copied from this repository; `mmdata docs` fills
their generated parts) and a changelog with an Unreleased entry. Then, each as its own process
(wall seconds and peak resident MB, from GNU time):

- the first release, 1.1.0 (no earlier release to compare with);
- after committing and tagging it, one cell corrected and a changelog entry added, the next
  release, 1.1.1, which compares the package with release 1.1.0 (`mmdata diff`) to allow the patch.

With --repeat N, each size's two releases are made N times, each round in a repository made anew, and the table
gives the median time and the largest peak of each. Prints a Markdown table with the archive's size and the time per
100,000 rows. With --record, also writes the figures to a JSON file (benchmarks/record.py), from which
benchmarks/targets.py works out whether the time grows linearly (the target "`release` measured and linear"). Asserts
nothing: a measurement, not a test.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
#: What a release holds besides the tables and seeds (publish/archive.py EXTRA_FILES), copied from this repository.
COPIED = ("README.md", "LICENSE", "LICENSE-DATA.md", "CONTRIBUTING.md", "CITATION.cff", ".gitattributes",
          "docs/curation.md", "docs/references.md", "docs/validation.md", "docs/exports.md", "docs/maintaining.md",
          "docs/performance.md")


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=benchmark", "-c", "user.email=benchmark@localhost", *args],
                   check=True, capture_output=True)


def mmdata(*args: str) -> tuple[float, float]:
    """Wall seconds and peak resident MB of one mmdata command (GNU time); exits when it fails."""
    with tempfile.NamedTemporaryFile("r") as report:
        done = subprocess.run(["/usr/bin/time", "-o", report.name, "-f", "%e %M", str(BIN / "mmdata"), *args], capture_output=True)
        wall, peak_kb = report.read().split()[-2:]
    if done.returncode:
        raise SystemExit(f"mmdata {' '.join(args)} exited {done.returncode}:\n{done.stderr.decode()[-2000:]}")
    return float(wall), int(peak_kb) / 1024


def release_ready(package: Path, repo: Path) -> Path:
    """A git repository holding package and every file a release holds, committed, with an Unreleased changelog entry."""
    if repo.exists():
        shutil.rmtree(repo)
    shutil.copytree(package, repo)
    for name in COPIED:
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, repo / name)
    (repo / "CHANGELOG.md").write_text("# Changelog\n\n## Unreleased\n\n- Generated rows, for the benchmark.\n", encoding="utf-8")
    mmdata("docs", str(repo))
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "A generated package")
    return repo


def corrected(repo: Path) -> None:
    """Commit release 1.1.0 and tag it, then correct one cell (a patch), describe it in the changelog and commit, as a
    contributor would (`mmdata fmt` drops the table's checksums)."""
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Release 1.1.0")
    git(repo, "tag", "v1.1.0")
    path = repo / "data/outcomes.csv"
    path.write_bytes(path.read_bytes().replace(b",about,", b",almost,", 1))
    changelog = (repo / "CHANGELOG.md").read_text(encoding="utf-8")
    (repo / "CHANGELOG.md").write_text(changelog.replace("# Changelog\n", "# Changelog\n\n## Unreleased\n\n- One qualifier corrected.\n", 1),
                                       encoding="utf-8")
    mmdata("fmt", str(repo))  # drops the checksums release 1.1.0 recorded for the table that changed
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "One qualifier corrected")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/mmdata-release"))
    parser.add_argument("--repeat", type=int, default=1, metavar="N", help="make each size's releases N times, each in a "
                        "repository made anew; report the median time and the largest peak")
    parser.add_argument("--record", type=Path, metavar="JSON", help="also write the figures to this file "
                        "(benchmarks/results/release.json)")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be 1 or more")
    sys.path.insert(0, str(HERE))
    from generate import generated
    from record import load_average, summarised, write

    load_before = load_average()
    rows = []
    for size in args.sizes:
        package = generated(args.work, size)
        firsts, nexts = [], []
        for round_ in range(1, args.repeat + 1):
            repo = release_ready(package, args.work / f"release-{size}")
            print(f"[{size:>9,}] round {round_}: first release ...", end=" ", flush=True)
            firsts.append(mmdata("release", "1.1.0", str(repo)))
            print(f"{firsts[-1][0]:.1f} s, {firsts[-1][1]:,.0f} MB", flush=True)
            corrected(repo)
            print(f"[{size:>9,}] round {round_}: next release ...", end=" ", flush=True)
            nexts.append(mmdata("release", "1.1.1", str(repo)))
            print(f"{nexts[-1][0]:.1f} s, {nexts[-1][1]:,.0f} MB", flush=True)
        archive = (repo / "dist/mmdata-data-1.1.1.zip").stat().st_size / 1e6
        csv_mb = sum(p.stat().st_size for p in (package / "data").iterdir()) / 1e6
        rows.append({"size": size, "csv_mb": csv_mb, "first": summarised(firsts), "next": summarised(nexts), "archive_mb": archive})
    print("\n| outcome rows | first release s | peak MB | next release s | peak MB | archive MB | next s per 100,000 rows |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        (w1, m1), (w2, m2) = row["first"], row["next"]
        print(f"| {row['size']:,} | {w1:.1f} | {m1:,.0f} | {w2:.1f} | {m2:,.0f} | {row['archive_mb']:.0f} | "
              f"{w2 / row['size'] * 100_000:.1f} |")
    if args.record:
        write(args.record, "release.py", load_before, {"runs": args.repeat, "sizes": rows})


if __name__ == "__main__":
    main()
