"""Compare `mmdata validate --format json` of two versions of the validator, byte for byte (issue 21).

Run:  .venv/bin/python benchmarks/compare.py --base REV [--head REV-or-folder] [--rows N] [--mutated N]
                                              [--ignore-codes CODE,...] [--only PATTERN] [--work DIR] [--fresh]

The base is a git revision, checked out as a temporary `git worktree`; the head is the current
work tree (default, uncommitted changes included), another work tree (a folder) or a revision.
Both versions run on the SAME inputs, all taken from the head: its shipped package (validated in
place), every golden fixture tests/fixtures/<case>/ (built by its tests/conftest.py build_fixture)
and --mutated packages of --rows outcome rows (made by its benchmarks/generate.py, each with its
own seeded set of mutations, so that many codes fire at many file lines). Each version runs with
PYTHONPATH=<tree>/src in this interpreter's environment (the dependencies are the same); its
standard output, standard error and exit code are compared as bytes.

By default each version's interpreter imports mmdata (and what a first validation imports) once,
then runs `python -m mmdata validate --format json PACKAGE` for every case in a forked copy of
itself: no state passes from one case to the next, and the seconds shown leave out start-up and
imports. --fresh starts a new interpreter for every case instead (slower by a second or more per
run; the outputs are the same).

--ignore-codes removes the named codes from both outputs before comparing (the exit code then
follows from the problems that remain): for a comparison across a deliberate new rule.

Prints one line per case and a summary; keeps every output under --work (out/<case>/, with a
diff.txt for each case that differs) and exits 1 when any case differs.
"""

from __future__ import annotations

import argparse
import csv
import difflib
import fnmatch
import importlib.util
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TABLES = ("sources", "studies", "arms", "outcomes", "adverse_events")

#: Runs in each version's interpreter: imports every module of mmdata, and the modules a first
#: validation imports on its way (found by a throwaway run in a forked child), once; then for each
#: job read from stdin forks, runs `python -m mmdata ARGS` in the child with its output sent to
#: files, and answers with the exit code and the seconds. Nothing runs in the worker itself, so
#: no state passes from one case to the next.
WORKER = r"""
import importlib, json, os, pkgutil, runpy, sys, time, traceback
import mmdata
for info in pkgutil.walk_packages(mmdata.__path__, "mmdata.", onerror=lambda name: None):
    if info.name != "mmdata.__main__":
        try:
            importlib.import_module(info.name)
        except Exception:  # an optional extra not installed: the command imports what it needs itself
            pass
reply = os.fdopen(os.dup(1), "w")


def run(job, pipe=None):
    sys.stdout.flush()
    sys.stderr.flush()
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        code, before = 1, set(sys.modules)
        try:
            os.chdir(job["cwd"])
            os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
            for fd, path in ((1, job["stdout"]), (2, job["stderr"])):
                os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), fd)
            sys.argv = ["mmdata", *job["args"]]
            try:
                runpy.run_module("mmdata", run_name="__main__", alter_sys=True)
                code = 0
            except SystemExit as stop:
                if stop.code is None or isinstance(stop.code, int):
                    code = stop.code or 0
                else:
                    print(stop.code, file=sys.stderr)
            except BaseException:
                traceback.print_exc()
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
                if pipe is not None:
                    os.write(pipe[1], json.dumps([m for m in sys.modules if m not in before]).encode())
            finally:
                os._exit(code)
    names = b""
    if pipe is not None:
        os.close(pipe[1])
        while chunk := os.read(pipe[0], 1 << 16):
            names += chunk
        os.close(pipe[0])
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), time.perf_counter() - start, names


reply.write(json.dumps({"mmdata": mmdata.__file__, "codes": list(mmdata.CODES)}) + "\n")
reply.flush()
warm = False
for line in sys.stdin:
    job = json.loads(line)
    if not warm:  # import once, in their natural order, the modules a first run imports on its way
        _, _, names = run({**job, "stdout": os.devnull, "stderr": os.devnull}, os.pipe())
        for name in json.loads(names or b"[]"):
            if not name.startswith("__"):
                try:
                    importlib.import_module(name)
                except Exception:
                    pass
        warm = True
    code, seconds, _ = run(job)
    reply.write(json.dumps({"exit": code, "seconds": seconds}) + "\n")
    reply.flush()
"""
WHERE = "import json, mmdata; print(json.dumps({'mmdata': mmdata.__file__, 'codes': list(mmdata.CODES)}))"
BUILD_FIXTURES = r"""
import importlib.util, sys
from pathlib import Path
spec = importlib.util.spec_from_file_location("compare_fixtures_conftest", sys.argv[1])
conftest = importlib.util.module_from_spec(spec)
spec.loader.exec_module(conftest)
for case in sys.argv[3:]:
    conftest.build_fixture(case, Path(sys.argv[2]) / case)
"""


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"git {' '.join(args)} failed in {repo}:\n{done.stderr.strip()}")
    return done.stdout.strip()


def add_worktree(repo: Path, rev: str, path: Path) -> Path:
    """A detached worktree of rev at path (a leftover of an interrupted run is replaced)."""
    sha = git(repo, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    if path.exists():
        subprocess.run(["git", "-C", str(repo), "worktree", "remove", "--force", str(path)], capture_output=True)
        shutil.rmtree(path, ignore_errors=True)
    git(repo, "worktree", "prune")
    git(repo, "worktree", "add", "--quiet", "--detach", str(path), sha)
    return path


def describe(tree: Path) -> str:
    sha = git(tree, "rev-parse", "--short", "HEAD")
    dirty = git(tree, "status", "--porcelain", "--untracked-files=no")
    return f"{sha}{' + uncommitted changes' if dirty else ''} ({tree})"


@dataclass
class Run:
    exit: int
    seconds: float
    stdout: bytes
    stderr: bytes


class Validator:
    """One version of mmdata (the src/ of a tree), run in this interpreter's environment."""

    def __init__(self, name: str, tree: Path, fresh: bool, log: Path) -> None:
        self.name, self.tree, self.log = name, tree, log
        self.env = {**os.environ, "PYTHONPATH": str(tree / "src")}
        self.worker: subprocess.Popen[str] | None = None
        with log.open("w") as errors:  # the worker's own messages (each run's go to its files)
            if fresh:
                done = subprocess.run([sys.executable, "-c", WHERE], env=self.env, stdout=subprocess.PIPE, stderr=errors, text=True)
                first = done.stdout if done.returncode == 0 else ""
            else:
                self.worker = subprocess.Popen([sys.executable, "-c", WORKER], env=self.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                               stderr=errors, text=True)
                first = self.worker.stdout.readline() if self.worker.stdout else ""
        if not first:
            raise SystemExit(f"the {name} version (PYTHONPATH={tree / 'src'}) cannot import mmdata:\n{log.read_text()[-3000:]}")
        facts = json.loads(first)
        if not Path(facts["mmdata"]).resolve().is_relative_to((tree / "src").resolve()):
            raise SystemExit(f"the {name} version imported mmdata from {facts['mmdata']}, not from {tree / 'src'}")
        self.codes: list[str] = facts["codes"]

    def validate(self, package: Path, out: Path) -> Run:
        args = ["validate", "--format", "json", str(package)]
        stdout, stderr = out / f"{self.name}.stdout", out / f"{self.name}.stderr"
        if self.worker is None:
            start = time.perf_counter()
            with stdout.open("wb") as o, stderr.open("wb") as e:
                code = subprocess.run([sys.executable, "-m", "mmdata", *args], cwd=out, env=self.env, stdin=subprocess.DEVNULL, stdout=o, stderr=e).returncode
            seconds = time.perf_counter() - start
        else:
            assert self.worker.stdin is not None and self.worker.stdout is not None
            self.worker.stdin.write(json.dumps({"args": args, "cwd": str(out), "stdout": str(stdout), "stderr": str(stderr)}) + "\n")
            self.worker.stdin.flush()
            answer = self.worker.stdout.readline()
            if not answer:
                raise SystemExit(f"the {self.name} version's worker stopped:\n{self.log.read_text()[-3000:]}")
            reply = json.loads(answer)
            code, seconds = reply["exit"], reply["seconds"]
        return Run(code, seconds, stdout.read_bytes(), stderr.read_bytes())

    def close(self) -> None:
        if self.worker is not None:
            for stream in (self.worker.stdin, self.worker.stdout):
                if stream is not None:
                    stream.close()
            self.worker.wait()


# ---- the inputs -------------------------------------------------------------------------------

def fixtures(head: Path, target: Path, wanted: Callable[[str], bool]) -> list[tuple[str, Path]]:
    """Every golden fixture of the head that is wanted, built by the head's own build_fixture into target."""
    cases = sorted(p.name for p in (head / "tests/fixtures").iterdir() if p.is_dir() and not p.name.startswith("_") and wanted(f"fixture/{p.name}"))
    if not cases:
        return []
    env = {**os.environ, "PYTHONPATH": str(head / "src")}
    done = subprocess.run([sys.executable, "-c", BUILD_FIXTURES, str(head / "tests/conftest.py"), str(target), *cases],
                          env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"building the fixtures of {head} failed:\n{done.stderr[-3000:]}")
    return [(f"fixture/{case}", target / case) for case in cases]


def load_generator(head: Path) -> Callable[..., Path]:
    """benchmarks/generate.py of the head (it copies the head's schemas and descriptor)."""
    spec = importlib.util.spec_from_file_location("compare_head_generate", head / "benchmarks/generate.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"{head / 'benchmarks/generate.py'} cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate


class Tables:
    """The five CSV tables of a generated package as lists of cells, written back as the generator writes them."""

    def __init__(self, package: Path) -> None:
        self.package = package
        self.rows: dict[str, list[list[str]]] = {}
        self.header: dict[str, list[str]] = {}
        for table in TABLES:
            with (package / f"data/{table}.csv").open(encoding="utf-8", newline="") as fh:
                self.header[table], *self.rows[table] = list(csv.reader(fh))

    def col(self, table: str, name: str) -> int:
        return self.header[table].index(name)

    def pick(self, rng: random.Random, table: str, **needs: str | Callable[[str], bool]) -> int:
        """The index of a random whole row whose cells meet needs (a value, or a test of the cell)."""
        tests = [(self.col(table, name), want) for name, want in needs.items()]
        rows, width = self.rows[table], len(self.header[table])

        def fits(row: list[str]) -> bool:
            return len(row) == width and all(want(row[c]) if callable(want) else row[c] == want for c, want in tests)

        for _ in range(1000):  # a few draws find one in a large table; the scan below is for rare needs
            i = rng.randrange(len(rows))
            if fits(rows[i]):
                return i
        return rng.choice([i for i, row in enumerate(rows) if fits(row)])

    def set(self, table: str, i: int, name: str, value: str) -> str:
        row = self.rows[table][i]
        key, before = row[0], row[self.col(table, name)]
        row[self.col(table, name)] = value
        return f"{table} {key}: {name} {before!r} -> {value!r}"

    def write(self) -> None:
        for table in TABLES:
            with (self.package / f"data/{table}.csv").open("w", encoding="utf-8", newline="") as fh:
                csv.writer(fh, lineterminator="\n").writerows([self.header[table], *self.rows[table]])


def filled(cell: str) -> bool:
    return cell != ""


def _enum(rng: random.Random, t: Tables) -> str:
    table, column, value = rng.choice((("outcomes", "population", "transplnated"), ("outcomes", "endpoint", "overall survival"),
                                       ("adverse_events", "population", "Over-65"), ("arms", "role", "Experimental"),
                                       ("studies", "blinding", "single-blind")))
    return t.set(table, t.pick(rng, table), column, value)


def _foreign_key(rng: random.Random, t: Tables) -> str:
    table, column = rng.choice((("outcomes", "study_id"), ("outcomes", "arm_id"), ("adverse_events", "comparator_arm_id"),
                                ("arms", "study_id"), ("studies", "source_id")))
    i = t.pick(rng, table, **{column: filled})
    return t.set(table, i, column, t.rows[table][i][t.col(table, column)] + "-gone")


def _quote_not_in_seed(rng: random.Random, t: Tables) -> str:
    table = rng.choice(("outcomes", "adverse_events", "arms"))
    i = t.pick(rng, table)
    words = t.rows[table][i][t.col(table, "quote")].split(" ")
    words[rng.randrange(len(words))] = "xylophone"
    return t.set(table, i, "quote", " ".join(words))


def _number_not_in_quote(rng: random.Random, t: Tables) -> str:
    i = t.pick(rng, "outcomes", statistic=lambda s: s in ("median", "percentage"), value=filled)
    return t.set("outcomes", i, "value", t.rows["outcomes"][i][t.col("outcomes", "value")] + "7")


def _blank_required(rng: random.Random, t: Tables) -> str:
    table, column = rng.choice((("outcomes", "population"), ("outcomes", "quote"), ("arms", "name"), ("studies", "design"),
                                ("adverse_events", "event")))
    return t.set(table, t.pick(rng, table), column, "")


def _caveat_then_broken_row(rng: random.Random, t: Tables) -> str:
    i = t.pick(rng, "outcomes")
    while i + 1 == len(t.rows["outcomes"]) or len(t.rows["outcomes"][i + 1]) != len(t.header["outcomes"]):
        i = t.pick(rng, "outcomes")
    first = t.set("outcomes", i, "caveat", "A caveat over lines.\nIts second line, \"quoted\".\n\nIts fourth, after a blank line.")
    return f"{first}; then {t.set('outcomes', i + 1, 'population', 'over 65')}"


def _duplicate_key(rng: random.Random, t: Tables) -> str:
    table = rng.choice(("outcomes", "arms", "adverse_events"))
    i, j = t.pick(rng, table), t.pick(rng, table)
    return t.set(table, i, t.header[table][0], t.rows[table][j][0])


def _seed_byte(rng: random.Random, t: Tables) -> str:
    seeds = sorted((t.package / "seeds").glob("*.txt"))
    path = rng.choice(seeds)
    content = bytearray(path.read_bytes())
    at = rng.choice([k for k in range(len(content)) if chr(content[k]).isalpha()])
    before = chr(content[at])
    content[at] = ord("q" if before != "q" else "z")
    path.write_bytes(bytes(content))
    return f"{path.relative_to(t.package)} byte {at}: {before!r} -> {chr(content[at])!r}"


def _type_error(rng: random.Random, t: Tables) -> str:
    table, column, value = rng.choice((("outcomes", "value", "12,5"), ("outcomes", "time_value", "about 12"), ("studies", "size", "n/a"),
                                       ("arms", "size", "1e2")))
    return t.set(table, t.pick(rng, table), column, value)


def _ci_order(rng: random.Random, t: Tables) -> str:
    i = t.pick(rng, "outcomes", statistic="hazard-ratio", ci_lower=filled, ci_upper=filled)
    row = t.rows["outcomes"][i]
    low, high = row[t.col("outcomes", "ci_lower")], row[t.col("outcomes", "ci_upper")]
    return f"{t.set('outcomes', i, 'ci_lower', high)}; {t.set('outcomes', i, 'ci_upper', low)}"


def _percentage_range(rng: random.Random, t: Tables) -> str:
    table = rng.choice(("outcomes", "adverse_events"))
    return t.set(table, t.pick(rng, table, unit="percent", value=filled), "value", "140")


def _unit_missing(rng: random.Random, t: Tables) -> str:
    return t.set("outcomes", t.pick(rng, "outcomes", unit=filled, value=filled), "unit", "")


def _time_unit_missing(rng: random.Random, t: Tables) -> str:
    return t.set("outcomes", t.pick(rng, "outcomes", time_unit=filled), "time_unit", "")


def _finding_missing(rng: random.Random, t: Tables) -> str:
    return t.set("outcomes", t.pick(rng, "outcomes", statistic="qualitative"), "finding", "")


def _invisible_or_formula(rng: random.Random, t: Tables) -> str:
    i = t.pick(rng, "outcomes", statistic="qualitative")
    finding = t.rows["outcomes"][i][t.col("outcomes", "finding")]
    return t.set("outcomes", i, "finding", rng.choice(("=" + finding, finding.replace(" ", " \u200b", 1))))


def _arm_of_another_study(rng: random.Random, t: Tables) -> str:
    i = t.pick(rng, "outcomes", arm_id=filled)
    study = t.rows["outcomes"][i][t.col("outcomes", "study_id")]
    other = t.pick(rng, "arms", study_id=lambda s: s != study)
    return t.set("outcomes", i, "arm_id", t.rows["arms"][other][0])


def _arm_larger_than_study(rng: random.Random, t: Tables) -> str:
    i = t.pick(rng, "arms", size=str.isdigit)
    return t.set("arms", i, "size", str(int(t.rows["arms"][i][t.col("arms", "size")]) + 5000))


def _row_shape(rng: random.Random, t: Tables) -> str:
    table = rng.choice(("outcomes", "adverse_events"))
    i = t.pick(rng, table)
    shape = rng.choice(("blank", "extra", "short"))
    if shape == "blank":
        t.rows[table].insert(i, [])
        return f"{table}: a blank row before {t.rows[table][i + 1][0]}"
    row = t.rows[table][i]
    t.rows[table][i] = [*row, "surplus"] if shape == "extra" else row[:-2]
    return f"{table} {row[0]}: {'one cell more' if shape == 'extra' else 'two cells fewer'}"


def _cross_field_rule(rng: random.Random, t: Tables) -> str:
    rule = rng.choice(("unit", "self-comparison", "no result", "value and not-reached", "qualifier without size", "pooled in itself"))
    if rule == "unit":
        return t.set("outcomes", t.pick(rng, "outcomes", statistic="median", unit="months"), "unit", "percent")
    if rule == "self-comparison":
        i = t.pick(rng, "outcomes", comparator_arm_id=filled)
        return t.set("outcomes", i, "comparator_arm_id", t.rows["outcomes"][i][t.col("outcomes", "arm_id")])
    if rule == "no result":
        i = t.pick(rng, "outcomes", statistic="median", value=filled)
        return f"{t.set('outcomes', i, 'value', '')}; {t.set('outcomes', i, 'unit', '')}"
    if rule == "value and not-reached":
        return t.set("outcomes", t.pick(rng, "outcomes", statistic="median", value=filled, qualifier=""), "qualifier", "not-reached")
    if rule == "qualifier without size":
        i = t.pick(rng, "studies")
        return f"{t.set('studies', i, 'size', '')}; {t.set('studies', i, 'size_qualifier', 'about')}"
    i = t.pick(rng, "studies")
    return t.set("studies", i, "pooled_in", t.rows["studies"][i][0])


def _out_of_range(rng: random.Random, t: Tables) -> str:
    return t.set("outcomes", t.pick(rng, "outcomes", p_value=filled), "p_value", rng.choice(("-0.001", "1.001")))


def _quote_too_short(rng: random.Random, t: Tables) -> str:
    i = t.pick(rng, "outcomes", statistic="median", value=filled)
    return t.set("outcomes", i, "quote", f"{t.rows['outcomes'][i][t.col('outcomes', 'value')]} months")


def _seed_unlisted(rng: random.Random, t: Tables) -> str:
    path = t.package / f"seeds/zz_{rng.randrange(10**6):06d}_unlisted.txt"
    path.write_text("A document no source lists.\n", encoding="utf-8")
    return f"{path.relative_to(t.package)}: a seed no source lists"


MUTATIONS: dict[str, Callable[[random.Random, Tables], str]] = {
    "bad enum value": _enum, "broken foreign key": _foreign_key, "quote not in its seed": _quote_not_in_seed,
    "number not in its quote": _number_not_in_quote, "blank required cell": _blank_required,
    "multi-line caveat before a broken row": _caveat_then_broken_row, "duplicate key": _duplicate_key,
    "changed seed byte": _seed_byte, "not a number": _type_error, "confidence interval reversed": _ci_order,
    "percentage above 100": _percentage_range, "unit missing": _unit_missing, "time unit missing": _time_unit_missing,
    "finding missing": _finding_missing, "invisible or formula-like text": _invisible_or_formula,
    "arm of another study": _arm_of_another_study, "arm larger than its study": _arm_larger_than_study,
    "blank, long or short row": _row_shape, "unlisted seed": _seed_unlisted, "cross-field rule broken": _cross_field_rule,
    "p value out of range": _out_of_range, "quote too short": _quote_too_short,
}


def mutate(package: Path, rng: random.Random) -> list[str]:
    """Break the package in a seeded random set of ways, and say where: each kind with chance 3/4 (the
    multi-line caveat always), one to four times per 20,000 outcome rows."""
    tables = Tables(package)
    scale = max(1, len(tables.rows["outcomes"]) // 20_000)
    done = []
    for kind, change in MUTATIONS.items():
        if kind == "multi-line caveat before a broken row" or rng.random() < 0.75:
            done += [f"{kind}: {change(rng, tables)}" for _ in range(rng.randint(1, 4) * scale)]
    tables.write()
    return done


def mutated_packages(head: Path, work: Path, count: int, rows: int, wanted: Callable[[str], bool]) -> list[tuple[str, Path]]:
    numbers = [n for n in range(1, count + 1) if wanted(f"mutated-{n}")]
    if not numbers:
        return []
    generate = load_generator(head)
    cases = []
    for n in numbers:
        package = work / f"mutated-{n}"
        print(f"generating {package} ...", flush=True)
        generate(package, rows, seed=n)
        changes = mutate(package, random.Random(f"mmdata-compare-{n}"))
        (work / f"mutated-{n}.changes.txt").write_text("\n".join(changes) + "\n", encoding="utf-8")
        cases.append((f"mutated-{n}", package))
    return cases


# ---- the comparison ---------------------------------------------------------------------------

def comparable(run: Run, ignore: set[str]) -> tuple[int, bytes, bytes]:
    """What is compared: exit code, standard output, standard error (the ignored codes taken out)."""
    if not ignore:
        return run.exit, run.stdout, run.stderr
    try:
        problems = json.loads(run.stdout)
    except ValueError:
        return run.exit, run.stdout, run.stderr
    if not isinstance(problems, list):
        return run.exit, run.stdout, run.stderr
    kept = [p for p in problems if p.get("code") not in ignore]
    code = (1 if kept else 0) if run.exit in (0, 1) and len(kept) < len(problems) else run.exit
    return code, (json.dumps(kept, indent=2, ensure_ascii=False) + "\n").encode("utf-8"), run.stderr


def problems_of(run: Run) -> list[dict]:
    try:
        problems = json.loads(run.stdout)
    except ValueError:
        return []
    return problems if isinstance(problems, list) else []


def difference(name: str, base: Run, head: Run, ignore: set[str]) -> str:
    out = [f"{name}: exit {base.exit} (base), {head.exit} (head)" + (f"; codes ignored: {', '.join(sorted(ignore))}" if ignore else "")]
    for part, a, b in (("stdout", comparable(base, ignore)[1], comparable(head, ignore)[1]), ("stderr", base.stderr, head.stderr)):
        out += difflib.unified_diff(a.decode("utf-8", "replace").splitlines(), b.decode("utf-8", "replace").splitlines(),
                                    f"base {part}", f"head {part}", lineterm="")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the git revision to compare against")
    parser.add_argument("--head", default=str(ROOT), help="a work tree (folder) or a git revision (default: this work tree)")
    parser.add_argument("--rows", type=int, default=10_000, help="outcome rows of each mutated package")
    parser.add_argument("--mutated", type=int, default=3, help="how many mutated packages to generate")
    parser.add_argument("--ignore-codes", default="", help="codes (comma-separated) taken out of both outputs before comparing")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "mmdata-compare", help="where trees, inputs and outputs go")
    parser.add_argument("--fresh", action="store_true", help="a new interpreter for every run (slower), not a fork of a warm one")
    parser.add_argument("--only", metavar="PATTERN", help="only the cases whose name matches (fnmatch: 'fixture/enum-*', 'mutated-2')")
    args = parser.parse_args(argv)
    ignore = {c.strip() for c in args.ignore_codes.split(",") if c.strip()}
    work = args.work.resolve()
    for part in ("cases", "out"):
        shutil.rmtree(work / part, ignore_errors=True)
    (work / "cases").mkdir(parents=True)

    head_is_tree = Path(args.head).is_dir()
    repo = Path(args.head).resolve() if head_is_tree else ROOT
    trees = []
    try:
        base_tree = add_worktree(repo, args.base, work / "trees/base")
        trees.append(base_tree)
        if head_is_tree:
            head_tree = repo
        else:
            head_tree = add_worktree(repo, args.head, work / "trees/head")
            trees.append(head_tree)
        print(f"base: {describe(base_tree)}\nhead: {describe(head_tree)}", flush=True)
        print(f"inputs (the head's): the shipped package, its golden fixtures, {args.mutated} mutated package(s) of {args.rows:,} outcome rows", flush=True)
        def wanted(name: str) -> bool:  # only what --only selects is built
            return args.only is None or fnmatch.fnmatchcase(name, args.only)

        cases = [("shipped", head_tree)] if wanted("shipped") else []
        cases += [*fixtures(head_tree, work / "cases/fixtures", wanted), *mutated_packages(head_tree, work / "cases", args.mutated, args.rows, wanted)]
        if not cases:
            raise SystemExit(f"no case matches --only {args.only}")
        return compare(cases, base_tree, head_tree, work, ignore, args.fresh)
    finally:
        for tree in trees:
            subprocess.run(["git", "-C", str(repo), "worktree", "remove", "--force", str(tree)], capture_output=True)
        subprocess.run(["git", "-C", str(repo), "worktree", "prune"], capture_output=True)


def compare(cases: list[tuple[str, Path]], base_tree: Path, head_tree: Path, work: Path, ignore: set[str], fresh: bool) -> int:
    (work / "out").mkdir(parents=True)
    base = Validator("base", base_tree, fresh, work / "out/base-worker.log")
    try:
        head = Validator("head", head_tree, fresh, work / "out/head-worker.log")
    except BaseException:
        base.close()
        raise
    try:
        print(f"runs: {'a new interpreter per run' if fresh else 'a forked copy of a warm interpreter per run (seconds leave out start-up)'}"
              + (f"; codes ignored: {', '.join(sorted(ignore))}" if ignore else ""), flush=True)
        width = max(len(name) for name, _ in cases)
        different, seen, total = [], set(), {"base": 0.0, "head": 0.0}
        for name, package in cases:
            out = work / "out" / name.replace("/", "-")
            out.mkdir(parents=True)
            a, b = base.validate(package, out), head.validate(package, out)
            total["base"] += a.seconds
            total["head"] += b.seconds
            problems = problems_of(b)
            seen |= {p.get("code") for p in problems}
            same = comparable(a, ignore) == comparable(b, ignore)
            exits = str(a.exit) if a.exit == b.exit else f"{a.exit}/{b.exit}"
            counts = str(len(problems)) if len(problems_of(a)) == len(problems) else f"{len(problems_of(a))}/{len(problems)}"
            note = ""
            if not same:
                different.append(name)
                (out / "diff.txt").write_text(difference(name, a, b, ignore), encoding="utf-8")
                note = f"  -> {out / 'diff.txt'}"
            print(f"{'same' if same else 'DIFFERENT':<9}  {name:<{width}}  exit {exits}, "
                  f"problems {counts}, codes {len({p.get('code') for p in problems})}  base {a.seconds:6.2f} s  head {b.seconds:6.2f} s{note}",
                  flush=True)
        unseen = [c for c in head.codes if c not in seen]
        print(f"\n{len(cases)} case{'' if len(cases) == 1 else 's'}: {len(cases) - len(different)} same, {len(different)} DIFFERENT"
              f"{' (' + ', '.join(different) + ')' if different else ''}; base {total['base']:.1f} s, head {total['head']:.1f} s in all")
        print(f"codes seen (head): {len(seen & set(head.codes))} of {len(head.codes)}; never seen: {', '.join(unseen) or 'none'}")
        print(f"outputs: {work / 'out'}")
        return 1 if different else 0
    finally:
        base.close()
        head.close()


if __name__ == "__main__":
    sys.exit(main())
