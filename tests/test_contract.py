"""The exit-code contract of every command, under hostile input (#13).

Hypothesis mutates a copy of the shipped package (bytes spliced into a file, hostile cells,
headers reordered, duplicated or emptied, descriptors and schemas with wrong types, deep nesting,
duplicate keys, NaN, resources missing or added) and runs every command on it. Whatever the
input: exit 0, 1 or 2, never a traceback or an internal error (exit 3); every line on stderr is a
located problem (`path:line:column: message [code]`) or an `Error: ...`; a write command that
exits non-zero changes no file (fmt: none but those it lists as reformatted); a command that only
reads the package (quote, export, site...) changes none of its files; export and site write
nowhere but in the folder they are given (#23).

Two more properties (#23): add-row and add-source, beside cells holding every kind of line break
and with hostile values, either refuse and change nothing, or write exactly the new row at its
place in key order with every other byte of the table unchanged, touch no file but theirs, and
leave validate, docs --check and fmt --check passing when they passed before; and `release
--rebuild` of a release whose files, record or texts were changed refuses or rebuilds the very
archive the release made, writing nothing but that archive.

The normal run tries a few examples, the same ones every time (derandomised), to stay fast. To
search harder, set MMDATA_CONTRACT_EXAMPLES (for example 500): examples are then random.
MMDATA_CONTRACT_LOG=FILE writes every violation found to FILE instead of failing at the first.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import mmdata
from mmdata.cli import cli
from mmdata.edit.add import NOTE
from mmdata.io.journal import JOURNAL

from .conftest import ROOT, shipped_descriptor
from .releases import FIRST, all_bytes, copy_release, repo_copy

EXAMPLES = int(os.environ.get("MMDATA_CONTRACT_EXAMPLES", "0"))
LOG = os.environ.get("MMDATA_CONTRACT_LOG")
TABLES = {r["name"]: (r["path"], r["schema"]) for r in shipped_descriptor()["resources"]}
FILES = ["datapackage.json", *(p for p, _ in TABLES.values()), *(s for _, s in TABLES.values())]

#: Cells near every edge the readers and rules have: quotes, line breaks, NUL and control
#: characters, long text, numbers too large for any type, dates that do not exist.
HOSTILE_CELLS = [
    "", " ", '"', '""', 'a"b', "\r", "\n", "\r\n", "a\rb", "\x00", "a\x00b", "\x1b[31m", "\x7f", "\u2028", "\ufeff", "\ufffd",
    "NaN", "nan", "Infinity", "-Infinity", "inf", "1e309", "-0", "0x10", "1_000", "١٢٣", "9" * 400, "-" + "9" * 40, "1e-400",
    "2026-02-30", "0000-01-01", "99999-12-31", "2026-13-01", "2026-1-1", "=1+1", "@SUM(A1)", "x" * 70_000, "é" * 3000,
]
cells = st.one_of(st.sampled_from(HOSTILE_CELLS), st.text(max_size=20))
#: Raw bytes to splice into a file: CSV and JSON syntax, bytes that are not UTF-8, a byte-order mark.
pieces = st.one_of(st.sampled_from([b'"', b",", b"\n", b"\r", b"\r\n", b"\x00", b"\xff", b"\xef\xbb\xbf", b"{", b"}", b"[", b"]",
                                    b":", b'"x":', b"NaN", b"\\", b"\\u0000", b"\xc3"]), st.binary(max_size=12))
#: JSON values of every type, for a descriptor or schema entry that expects another.
json_values = st.one_of(st.sampled_from([None, True, 0, -1, 1.5, 10**30, "", "x", "../x", "/etc/passwd", "http://x", [], {}, [None],
                                         {"name": None}, [{}], float("nan"), float("inf")]), st.text(max_size=10))


def json_paths(document: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a value of a JSON document (keys and indexes)."""
    paths = [prefix]
    if isinstance(document, dict):
        for key, value in document.items():
            paths += json_paths(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            paths += json_paths(value, (*prefix, index))
    return paths


JSON_PATHS = {name: json_paths(json.loads((ROOT / name).read_text(encoding="utf-8"))) for name in FILES if name.endswith(".json")}

operations = st.one_of(
    st.tuples(st.just("cell"), st.sampled_from(sorted(TABLES)), st.integers(0, 60), st.integers(0, 30), cells),
    st.tuples(st.just("splice"), st.sampled_from(FILES), st.floats(0, 1), pieces),
    st.tuples(st.just("header"), st.sampled_from(sorted(TABLES)), st.sampled_from(["reverse", "duplicate", "empty", "drop", "rename"]),
              st.integers(0, 30)),
    st.sampled_from(sorted(JSON_PATHS)).flatmap(lambda name: st.tuples(st.just("json"), st.just(name), st.sampled_from(JSON_PATHS[name]),
                                                                      json_values)),
    st.tuples(st.just("jsontext"), st.sampled_from(sorted(JSON_PATHS)), st.sampled_from(["deep", "duplicate-key", "nan", "bom"])),
    st.tuples(st.just("resource"), st.sampled_from(sorted(TABLES)), st.sampled_from(["remove", "extra", "same-path"])),
    st.tuples(st.just("dist"), st.sampled_from(["file", "archive", "journal"])),
)
#: SOURCE_DATE_EPOCH for the release: unset, or a value that is not a day a release can have.
epochs = st.one_of(st.none(), st.sampled_from(["", "abc", "-1", "1e9", " 1", "0", "315532799", "253402300800", "9" * 5000]),
                 st.text(max_size=8).filter(lambda text: "\x00" not in text))


def apply(root: Path, operation: tuple) -> None:
    """Change the package at root by one operation (see the strategy `operations`)."""
    kind, name = operation[0], operation[1]
    if kind == "cell":
        path = root / TABLES[name][0]
        row, column, value = operation[2:]
        try:
            records = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8"), newline="")))
        except (UnicodeDecodeError, csv.Error):
            return
        if not records:
            return
        record = records[1 + row % (len(records) - 1)] if len(records) > 1 else records[0]
        record[column % len(record)] = value
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(records)
        path.write_text(out.getvalue(), encoding="utf-8")
    elif kind == "splice":
        path = root / name
        data = path.read_bytes()
        at = int(operation[2] * len(data))
        path.write_bytes(data[:at] + operation[3] + data[at:])
    elif kind == "header":
        path = root / TABLES[name][0]
        head, _, rest = path.read_bytes().partition(b"\n")
        columns = head.split(b",")
        i = operation[3] % len(columns)
        edit = operation[2]
        changed = {"reverse": columns[::-1], "duplicate": [*columns, columns[i]], "empty": [*columns[:i], b"", *columns[i + 1:]],
                   "rename": [*columns[:i], columns[i] + b"_x", *columns[i + 1:]]}.get(edit)
        path.write_bytes(rest if edit == "drop" else b",".join(changed or columns) + b"\n" + rest)
    elif kind == "json":
        path = root / name
        with contextlib.suppress(ValueError, KeyError, IndexError, TypeError, RecursionError):
            document = json.loads(path.read_text(encoding="utf-8"))
            *parents, last = operation[2] or (None,)
            if last is None:
                document = operation[3]
            else:
                node = document
                for key in parents:
                    node = node[key]
                node[last] = operation[3]
            path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    elif kind == "jsontext":
        path = root / name
        text = path.read_text(encoding="utf-8")
        edit = operation[2]
        if edit == "deep":
            text = text.replace("{", '{"deep": ' + "[" * 100_000 + "]" * 100_000 + ",", 1)
        elif edit == "duplicate-key":
            text = text.replace("{", '{"name": "duplicate", "fields": 1, "resources": 2,', 1)
        elif edit == "nan":
            text = text.replace("{", '{"bytes": NaN, "hash": Infinity, "minimum": -Infinity,', 1)
        else:
            text = "\ufeff" + text
        path.write_text(text, encoding="utf-8")
    elif kind == "dist":  # dist/ a file; an archive of the version already there; a journal that is not one
        if name != "file" and not (root / "dist").exists():
            (root / "dist").mkdir()
        target = {"file": "dist", "archive": f"dist/mmdata-data-{FIRST}.zip", "journal": JOURNAL}[name]
        with contextlib.suppress(OSError):  # dist is already a file
            (root / target).write_bytes(b"not what it should be\n")
    elif kind == "resource":
        path = root / "datapackage.json"
        with contextlib.suppress(ValueError, KeyError, IndexError, TypeError, AttributeError, StopIteration, RecursionError):
            document = json.loads(path.read_text(encoding="utf-8"))
            resources = document["resources"]
            index = next(i for i, r in enumerate(resources) if r["name"] == name)
            edit = operation[2]
            if edit == "remove":
                del resources[index]
            elif edit == "extra":
                resources.append(dict(resources[index], name="extra", path="data/extra.csv"))
            else:
                resources.append(dict(resources[index], name="extra"))
            path.write_text(json.dumps(document, indent=2), encoding="utf-8")


#: Every line on stderr: a located problem, or (first line) `Error: ...` whose message may go on over
#: several lines, or what `docs --check` prints of a stale file. A column is named, never empty, and
#: no line holds a control character or a line separator (a value must not forge a line).
LOCATED = re.compile(r"^[^\s:][^:]*(:[0-9]+)?(:[^\s:](?:.*?[^:])?)?: .+ \[[a-z0-9-]+\]( \(left untouched\))?$")  # a column may hold ':'
STALE = re.compile(r"^[^\s:]+ is stale; run `mmdata docs` and commit the result$")
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def violations(command: str, result: Result, changed: list[str], write: bool) -> list[str]:
    """What result breaks of the contract, each with what shows it (empty: nothing)."""
    found = []
    if result.exit_code not in (0, 1, 2):
        found.append(f"exit {result.exit_code}: {result.stderr[-300:]}")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        found.append(f"uncaught {type(result.exception).__name__}: {result.exception}")
    if "Traceback" in result.output or ("internal error" in result.stderr and result.exit_code in (0, 1, 2)):
        found.append(f"traceback or internal error: {result.stderr[-300:]}")
    lines = result.stderr.split("\n")[:-1]
    usage = result.exit_code == 2 and result.stderr.startswith("Usage: ") and "\nError: " in result.stderr  # click's own
    if lines and not lines[0].startswith("Error: ") and not usage:
        found += [f"unlocated line {line}" for line in lines if not (LOCATED.match(line) or STALE.match(line)) or CONTROL.search(line)]
    if command == "validate-json" and result.exit_code in (0, 1):
        json.loads(result.stdout)  # the list of problems, nothing else
    if "report this as a bug" in result.stderr:
        found.append(f"a bug reported as a refusal: {result.stderr[-300:]}")
    if not write:
        found += [f"changed {name}, and it only reads the package" for name in changed]
    if write and result.exit_code != 0:
        listed = {line.split(" ", 1)[1] for line in result.stdout.splitlines() if line.startswith("reformatted ")} if command == "fmt" else set()
        found += [f"changed {name} and exited {result.exit_code}" for name in changed if name not in listed]
    return found


def commands(root: Path, original: Path, value: str) -> list[tuple[str, list[str], bool]]:
    """(name, arguments, writes) of every command, read-only ones first, writers last; value is a hostile
    cell for add-row's size (never a valid one) and the words to quote."""
    r = str(root)
    return [
        ("validate", ["validate", r], False),
        ("validate-json", ["validate", "--format", "json", r], False),
        ("validate-github", ["validate", "--format", "github", r], False),
        ("fmt-check", ["fmt", "--check", r], False),
        ("docs-check", ["docs", "--check", r], False),
        ("diff", ["diff", str(original), r], False),
        ("quote", ["quote", "--package-dir", r, "hughes-myeloma-xi-summary", "--", value or "patients"], False),
        ("export", ["export", r, "--to", str(root.parent / "export")], False),
        ("site", ["site", r, "--out", str(root.parent / "site")], False),
        ("add-source", ["add-source", str(root.parent / "document.txt"), "--id", "zz-hostile", "--type", "lay-summary", "--title", value,
                        r], True),
        ("add-row", ["add-row", "arms", "--set", "study_id=myeloma-xi", "--set", "name=Hostile", "--set", f"size=x{value}",
                     r], True),
        ("release", ["release", FIRST, r], True),
        ("fmt", ["fmt", r], True),
        ("docs", ["docs", r], True),
    ]


#: The commands in three parts, each a test of its own so that the parallel workers share them: those that
#: only read, those that publish into their own folder, and the writers (in this order, on one package).
PARTS = {"read": ("validate", "validate-json", "validate-github", "fmt-check", "docs-check", "diff", "quote"),
         "publish": ("export", "site"), "write": ("add-source", "add-row", "release", "fmt", "docs")}


def check_package(root: Path, original: Path, operations: list, value: str, epoch: str | None, part: str) -> list[str]:
    """Run every command of part on the package at root (the writers: then load() it); return each violation of the contract, described."""
    found = []
    work = root.parent
    (work / "document.txt").write_bytes(value.encode("utf-8", "replace"))  # for add-source: text with the hostile cell
    for name, args, write in [c for c in commands(root, original, value) if c[0] in PARTS[part]]:
        before = all_bytes(work)
        result = CliRunner(env={"SOURCE_DATE_EPOCH": epoch}).invoke(cli, args)
        after = all_bytes(work)
        everywhere = sorted(n for n in before.keys() | after.keys() if before.get(n) != after.get(n))
        changed = [n.removeprefix(f"{root.name}/") for n in everywhere if n.startswith(f"{root.name}/")]
        outside = [n for n in everywhere if not n.startswith((f"{root.name}/", f"{name}/"))]  # export and site write in their folder
        for problem in violations(name, result, changed, write) + [f"wrote {n} outside the package and its output folder" for n in outside]:
            found.append(f"{name}: {problem!r:.400}\n  operations: {operations!r:.600}, value {value!r:.80}, SOURCE_DATE_EPOCH {epoch!r:.20}\n  "
                             f"exit {result.exit_code}, stderr: {result.stderr[-600:]!r}")
    if part != "write":
        return found
    try:
        mmdata.load(path=root)
    except mmdata.MmdataError:
        pass
    except Exception as exc:  # any other exception breaks the contract of load()
        found.append(f"load: {type(exc).__name__}: {str(exc)[:300]}\n  operations: {operations!r:.600}, value {value!r:.80}")
    return found


def test_the_parts_hold_every_command_once() -> None:
    """A command added to commands() and to no part would go untested."""
    names = [name for name, _, _ in commands(Path("pkg"), Path("original"), "")]
    assert sorted(n for part in PARTS.values() for n in part) == sorted(names) and len(set(names)) == len(names)


@settings(max_examples=EXAMPLES or 8, derandomize=not EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@example(operations=[], value="", epoch="1e9")  # a valid package: the release reaches its date, and the commit phase
@example(operations=[("dist", "journal")], value="-1", epoch=None)
@example(operations=[("dist", "file")], value="\x00", epoch="-1")
@given(st.lists(operations, min_size=0, max_size=3), cells, epochs)
@pytest.mark.parametrize("part", list(PARTS))
def test_every_command_keeps_the_exit_code_contract_on_hostile_input_issue_13(part: str, operations: list, value: str, epoch: str | None) -> None:
    """The same examples for each part (derandomised by default): every command sees the same hostile packages."""
    with tempfile.TemporaryDirectory() as work:
        original = repo_copy(Path(work) / "original")
        root = Path(shutil.copytree(original, Path(work) / "pkg"))
        for operation in operations:
            apply(root, operation)
        found = check_package(root, original, operations, value, epoch, part)
    if LOG and found:
        with open(LOG, "a", encoding="utf-8") as log:
            log.write("\n".join(found) + "\n")
        return
    assert found == []


# ---------------------------------------------------------------- a write that succeeds is right (#23)
#: Keys for a new row: ones the pattern allows (landing anywhere in key order) and ones it refuses.
keys = st.one_of(st.from_regex(r"[a-z0-9]{1,4}(-[a-z0-9]{1,4}){0,2}", fullmatch=True),
                 st.sampled_from(["", "A", "a_b", "../x", "a--b", "-a", "a ", "zz\n", "cmrg-retrospective-group-1"]))
#: A neighbour's cell beside which a row is written: every character some reader takes for a line break.
NEIGHBOURS = ["\u2028", "x, \u2028 y", "\u2029", "\x85", '"\x85"', "\x0b", "\x0c", "\x1c\x1d\x1e", "\r", "\n", "\r\n", "a\rb", '"', "x,y", "\ufeff"]
#: Documents for add-source: text with markup and line breaks of every kind, a byte-order mark, bytes that are not UTF-8.
documents = st.one_of(st.sampled_from([b"", b"\xff\xfe", b"a\x00b", b"\xef\xbb\xbfA seed.\n", "Text <b>&</b>\u2028\x85 \r\n".encode(),
                                       b"x" * 70_000]), st.text(min_size=1, max_size=30).map(str.encode), st.binary(max_size=20))


def records_of(data: bytes) -> tuple[list[list[str]], list[int]]:
    """The CSV records of data and the byte offset where each ends (after its line break), as a CSV reader sees them."""
    consumed = 0

    def lines():
        nonlocal consumed
        for line in io.StringIO(data.decode("utf-8"), newline=""):
            consumed += len(line.encode("utf-8"))
            yield line

    records, ends = [], []
    for record in csv.reader(lines()):
        records.append(record)
        ends.append(consumed)
    return records, ends


def insertion_problems(before: bytes, after: bytes, row: list[str], table: str, root: Path) -> list[str]:
    """What is wrong with after as before with row inserted as one record at its place in key order, every other byte unchanged."""
    old, ends = records_of(before)
    new, _ = records_of(after)
    at = next((i for i, record in enumerate(new) if i >= len(old) or record != old[i]), len(new))
    if new[at:at + 1] != [row] or new[:at] + new[at + 1:] != old:
        return [f"{table}: not the rows before with {row!r:.200} inserted once: {new[at:at + 2]!r:.300}"]
    resource = mmdata.open_package(root).resources[table]
    if resource.sorted_rows(new[0], new[1:]) != new[1:]:
        return [f"{table}: the new row {row[:1]!r:.80} is out of key order (at file record {at})"]
    head = ends[at - 1]
    chunk = after[head:len(after) - (len(before) - head)]
    if after[:head] != before[:head] or after[head + len(chunk):] != before[head:] or records_of(chunk)[0] != [row]:
        return [f"{table}: the bytes around the new row changed: {after[head - 40:head + len(chunk) + 40]!r:.300}"]
    return []


def write_problems(result: Result, changed: list[str], allowed: set[str]) -> list[str]:
    """What breaks the contract of a write: a refusal that changes a file, a success that changes one it must not."""
    if result.exit_code != 0:
        return [f"changed {name} and exited {result.exit_code}" for name in changed]
    return [f"changed {name}, which it must not" for name in changed if name not in allowed]


#: The texts `mmdata docs` generates, which a write regenerates when they show what it wrote (the descriptor: also its checksums).
GENERATED = {"datapackage.json", "README.md", "LICENSE-DATA.md", "docs/data-dictionary.md", ".zenodo.json"}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped package with the files a release and `docs` read, built once for the property tests of writes."""
    return repo_copy(tmp_path_factory.mktemp("contract") / "template")


def run(args: list[str]) -> Result:
    return CliRunner().invoke(cli, args)


@settings(max_examples=EXAMPLES or 4, derandomize=not EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@example(neighbour=(8, "x, \u2028 y"), key="myeloma-xi-m", name='Hostile <b> & \u2028 text', caveat="", document=b"A seed.\r\n",
         source_id="aa-hostile", title="T\u2028<b>&", note="=1+1")
@example(neighbour=(52, "\u2028"), key="", name="0000-01-01", caveat="", document="Text <b>&</b>\u2028\x85 \r\n".encode(), source_id="0",
         title="", note="")  # both writes succeed: add-row makes the key, add-source the row of every column
@given(st.tuples(st.integers(0, 60), st.sampled_from(NEIGHBOURS)), keys, cells, cells, documents, keys, cells, cells)
def test_a_write_that_succeeds_is_right_and_a_refused_one_changes_nothing_issue_23(
        template: Path, neighbour: tuple[int, str], key: str, name: str, caveat: str, document: bytes, source_id: str, title: str,
        note: str) -> None:
    found: list[str] = []
    with tempfile.TemporaryDirectory() as work:
        root = Path(shutil.copytree(template, Path(work) / "pkg"))
        apply(root, ("cell", "arms", neighbour[0], 9, neighbour[1]))  # the caveat of a row the new one may land beside
        checks = [["validate", str(root)], ["docs", "--check", str(root)], ["fmt", "--check", str(root)]]
        passed = [check for check in checks if run(check).exit_code == 0]
        arms = TABLES["arms"][0]
        before = all_bytes(root)
        header = records_of(before[arms])[0][0]
        cells_of = {"arm_id": key, "study_id": "cmrg-retrospective", "name": name, "intervention": "Hostile", "role": "cohort-group",
                    "source_id": "cmrg-retrospective-summary", "caveat": caveat,
                    "quote": "Group 2 included 161 patients who received LMT and other chemotherapy at relapse."}
        result = run(["add-row", "arms", *(f for c, v in cells_of.items() for f in ("--set", f"{c}={v}")), str(root)])
        after = all_bytes(root)
        changed = sorted(n for n in before.keys() | after.keys() if before.get(n) != after.get(n))
        found += violations("add-row", result, changed, True) + write_problems(result, changed, {arms, *GENERATED})
        if result.exit_code == 0 and not key:  # add-row made the key: the record it printed names it
            cells_of["arm_id"] = next(csv.reader([result.stdout.splitlines()[0].split(": ", 1)[1]]))[0]
            found += [] if re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", cells_of["arm_id"]) else [f"add-row made the key {cells_of['arm_id']!r}"]
        if result.exit_code == 0 and arms in changed:
            found += insertion_problems(before[arms], after[arms], [cells_of.get(c, "") for c in header], "arms", root)
        (Path(work) / "document.txt").write_bytes(document)
        sources = TABLES["sources"][0]
        before = all_bytes(root)
        seeds = [r[1] for r in records_of(before[sources])[0][1:]]
        digest = hashlib.sha256(document).hexdigest()
        seed = f"seeds/{1 + max(int(s[6:9]) for s in seeds):03d}_{digest[:16]}.txt"
        result = run(["add-source", str(Path(work) / "document.txt"), "--id", source_id, "--type", "lay-summary", "--title", title,
                      "--note", note, str(root)])
        after = all_bytes(root)
        changed = sorted(n for n in before.keys() | after.keys() if before.get(n) != after.get(n))
        found += violations("add-source", result, changed, True)
        found += write_problems(result, changed, {sources, seed, *GENERATED})
        if result.exit_code == 0:
            given = {"source_id": source_id, "seed_file": seed, "sha256": digest, "title": title, "document_type": "lay-summary",
                     "note": note or NOTE.format(licence="CC-BY-4.0")}  # the default note
            row = [given.get(c, "") for c in records_of(before[sources])[0][0]]
            found += insertion_problems(before[sources], after[sources], row, "sources", root)
            found += [] if after.get(seed) == document else [f"add-source: {seed} does not hold the document's bytes"]
        for check in passed:  # a check that passed before the writes passes after them: a write adds no problem
            if (done := run(check)).exit_code != 0:
                found.append(f"{' '.join(check[:-1])} exits {done.exit_code} after the writes: {done.stderr[-400:]!r}")
    assert found == [], f"neighbour {neighbour!r}, key {key!r}, name {name!r:.40}, caveat {caveat!r:.40}, id {source_id!r}, title {title!r:.40}"


# ---------------------------------------------------------------- release --rebuild of a changed release (#23)
#: The files a rebuild reads besides the tables: its record in releases/ and the texts the archive carries.
RECORDS = [f"releases/mmdata-data-{FIRST}.zip.sha256", f"releases/mmdata-data-{FIRST}.zip.SHA256SUMS", "README.md", "CHANGELOG.md",
           "CITATION.cff", "datapackage.json"]
release_operations = st.one_of(operations, st.tuples(st.just("splice"), st.sampled_from(RECORDS), st.floats(0, 1), pieces))


@settings(max_examples=EXAMPLES or 3, derandomize=not EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@example(operations=[])  # the release as made: rebuilt bit for bit
@example(operations=[("cell", "arms", 3, 9, "\u2028")])  # a table that no longer matches its recorded checksum
@example(operations=[("splice", RECORDS[0], 0.0, b"\xff")])  # a record that is not text
@example(operations=[("splice", RECORDS[1], 0.5, b"\n\n")])  # a list of sums with a blank line
@given(st.lists(release_operations, min_size=1, max_size=2))
def test_rebuild_of_a_changed_release_keeps_the_contract_and_writes_only_its_archive_issue_23(released_template, operations: list) -> None:
    with tempfile.TemporaryDirectory() as work:
        root = copy_release(released_template, Path(work) / "pkg", committed=False)
        archive = f"dist/mmdata-data-{FIRST}.zip"
        (root / archive).unlink()
        (root / f"{archive}.sha256").unlink(missing_ok=True)
        for operation in operations:
            apply(root, operation)
        before = all_bytes(root)
        result = run(["release", FIRST, "--rebuild", str(root)])
        after = all_bytes(root)
    changed = sorted(n for n in before.keys() | after.keys() if before.get(n) != after.get(n))
    found = violations("rebuild", result, changed, True) + write_problems(result, changed, {archive, f"{archive}.sha256"})
    if result.exit_code == 0:  # rebuilt: the archive the release made, byte for byte
        found += [] if after.get(archive) == released_template.result.archive.read_bytes() else ["rebuilt an archive that differs"]
    if not operations:
        found += [] if result.exit_code == 0 else [f"the release as made does not rebuild: {result.stderr!r:.300}"]
    assert found == [], f"operations {operations!r:.600}, exit {result.exit_code}, stderr {result.stderr[-600:]!r}"
