"""Hostile files (#13): symbolic links, FIFOs, devices, folders, unreadable and oversized files, lying
archives. No command follows a link, reads anything but a regular file of bounded size, or writes
through a link; an archive is checked against its SHA256SUMS."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import mmdata
from mmdata.cli import cli
from mmdata.io import files

from ..conftest import ROOT, copy_package, read_rows, set_cell, without_checksums
from ..releases import FIRST, Released, repo_copy


def validate(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["validate", *args])
    return result.exit_code, result.stdout, result.stderr


def problem_lines(pkg: Path) -> list[str]:
    return [p.to_line() for p in mmdata.validate(pkg)]


def seed_line(pkg: Path, seed: str) -> int:
    _, rows = read_rows(pkg / "data/sources.csv")
    return next(i + 2 for i, row in enumerate(rows) if row[1] == seed)


SEED = "seeds/000_22f2e97155c1493f.txt"
LINK = "is reached through a symbolic link; mmdata follows no link: put the file itself there"


# ---------------------------------------------------------------- item 1: a seed is a regular file of seeds/
def test_a_seed_linked_to_a_table_is_refused_not_searched_issue_13(package: Path) -> None:
    """A seed linked to data/outcomes.csv, its sha256 recorded, would make every quote 'found'."""
    (package / SEED).unlink()
    (package / SEED).symlink_to(package / "data/outcomes.csv")
    set_cell(package / "data/sources.csv", "cancer-net-ifm-summary", "sha256",
             hashlib.sha256((package / "data/outcomes.csv").read_bytes()).hexdigest())
    assert problem_lines(package) == [f"data/sources.csv:{seed_line(package, SEED)}:seed_file: {SEED} {LINK} [path-error]"]


def test_a_seed_that_is_a_file_of_the_data_is_refused_issue_13(package: Path) -> None:
    line = set_cell(package / "data/sources.csv", "cancer-net-ifm-summary", "seed_file", "data/outcomes.csv")
    set_cell(package / "data/sources.csv", "cancer-net-ifm-summary", "sha256",
             hashlib.sha256((package / "data/outcomes.csv").read_bytes()).hexdigest())
    lines = problem_lines(package)
    assert f"data/sources.csv:{line}:seed_file: data/outcomes.csv is not a file of seeds/; a seed is a document kept in seeds/ itself [path-error]" in lines
    assert not any("quote" in line for line in lines if "[quote-not-in-seed]" not in line)


def test_a_seed_that_is_a_declared_file_inside_the_seed_folder_is_refused_issue_13(package: Path) -> None:
    descriptor = json.loads((package / "datapackage.json").read_text())
    arms = next(r for r in descriptor["resources"] if r["name"] == "arms")
    (package / "data/arms.csv").rename(package / "seeds/arms.csv")
    arms["path"] = "seeds/arms.csv"
    (package / "datapackage.json").write_text(json.dumps(descriptor, indent=2))
    line = set_cell(package / "data/sources.csv", "cancer-net-ifm-summary", "seed_file", "seeds/arms.csv")
    assert f"data/sources.csv:{line}:seed_file: seeds/arms.csv is a file of the package's data, not a source document [path-error]" \
        in problem_lines(package)


# ---------------------------------------------------------------- item 2: an archive is checked against its SHA256SUMS
@pytest.fixture
def released(released_template: Released) -> Path:
    """The archive of a release, shared by the tests: read, never changed."""
    return released_template.result.archive


def rewritten(archive: Path, target: Path, change: dict[str, bytes | None], add: dict[str, bytes] | None = None) -> Path:
    """A copy of archive with some entries replaced (None: removed) and some added, SHA256SUMS left as it was."""
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(target, "w") as dst:
        prefix = src.namelist()[0].split("/")[0] + "/"
        for info in src.infolist():
            rel = info.filename.removeprefix(prefix)
            data = change.get(rel, src.read(info)) if rel in change else src.read(info)
            if data is not None:
                dst.writestr(info, data)
        for rel, data in (add or {}).items():
            dst.writestr(prefix + rel, data)
    return target


def sums_line(archive: Path, rel: str) -> int:
    with zipfile.ZipFile(archive) as src:
        sums = next(n for n in src.namelist() if n.endswith("SHA256SUMS"))
        names = [line.split("  ", 1)[1] for line in src.read(sums).decode().splitlines()]
    return names.index(rel) + 1


def test_a_tampered_schema_in_an_archive_is_found_issue_13(released: Path, tmp_path: Path) -> None:
    """55.3 turned into a missing value by a schema edit: SHA256SUMS no longer matches, validate and load say so."""
    with zipfile.ZipFile(released) as src:
        name = next(n for n in src.namelist() if n.endswith("schemas/outcomes.schema.json"))
        schema = src.read(name).replace(b'"missingValues"', b'"x-missingValues"', 1)
        schema = schema.replace(b'"fields"', b'"missingValues": ["", "55.3"],\n  "fields"', 1)
    tampered = rewritten(released, tmp_path / "t.zip", {"schemas/outcomes.schema.json": schema})
    digest = hashlib.sha256(schema).hexdigest()
    line = sums_line(released, "schemas/outcomes.schema.json")
    expected = f"SHA256SUMS:{line}: schemas/outcomes.schema.json has sha256 {digest}, not "
    code, _, stderr = validate(str(tampered))
    first = stderr.splitlines()[0]  # then the problems the changed schema causes
    assert code == 1 and first.startswith(expected) and first.endswith(
        " as listed: it was changed after the release; use the archive as published [hash-mismatch]")
    with pytest.raises(mmdata.IntegrityError) as caught:
        mmdata.load("outcomes", path=tampered)
    assert str(caught.value).splitlines() == [f"{tampered}: does not match its SHA256SUMS:", first]
    assert validate(str(released))[0] == 0 and len(mmdata.load("outcomes", path=released)) > 0


def test_an_archive_missing_a_listed_file_or_holding_an_unlisted_one_is_found_issue_13(released: Path, tmp_path: Path) -> None:
    line = sums_line(released, "docs/curation.md")
    tampered = rewritten(released, tmp_path / "t.zip", {"docs/curation.md": None}, add={"data/extra.csv": b"a\n1\n"})
    code, _, stderr = validate(str(tampered))
    assert (code, stderr.splitlines()) == (1, [
        f"SHA256SUMS:{line}: docs/curation.md is listed but not in the archive; use the archive as published [file-missing]",
        "data/extra.csv: in the archive but not in SHA256SUMS, so nothing vouches for it; use the archive as published [file-unlisted]",
        "data/extra.csv: not declared in datapackage.json, so no release holds it; declare it as a resource or move it out of the "
        "folder [file-unlisted]",
    ])
    with pytest.raises(mmdata.IntegrityError, match="docs/curation.md is listed but not in the archive"):
        mmdata.load(path=tampered)


# ---------------------------------------------------------------- item 3: load() names what it cannot read
def set_json(path: Path, change) -> None:
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document, indent=2))


@pytest.mark.parametrize(("change", "line"), [
    (lambda p: set_json(p / "datapackage.json", lambda d: d["resources"][2].pop("path")),
     "datapackage.json:resources/2/path: must be a relative path written as a string [path-error]"),
    (lambda p: set_json(p / "datapackage.json", lambda d: d["resources"][2].pop("schema")),
     "datapackage.json:resources/2/schema: must be a relative path written as a string [path-error]"),
    (lambda p: set_json(p / "schemas/arms.schema.json", lambda s: s["fields"][0].pop("name")),
     "schemas/arms.schema.json: every field of a Table Schema is a JSON object with a name [schema-error]"),
    (lambda p: set_json(p / "schemas/arms.schema.json", lambda s: s.pop("fields")),
     "schemas/arms.schema.json: a Table Schema is a JSON object with a list of fields [schema-error]"),
    (lambda p: set_json(p / "schemas/arms.schema.json", lambda s: s["fields"][4].update(constraints={"enum": 3})),
     "schemas/arms.schema.json: field 'role': 'constraints/enum' has the wrong JSON type; see the Table Schema specification [schema-error]"),
])
def test_a_broken_descriptor_or_schema_is_a_load_error_not_a_key_error_issue_13(change, line: str, package: Path) -> None:
    change(package)
    with pytest.raises(mmdata.LoadError) as caught:
        mmdata.load("arms", path=package)
    assert str(caught.value).splitlines()[1].startswith(line)
    assert [p.to_line() for p in caught.value.problems][0].startswith(line)


# ---------------------------------------------------------------- item 4: files no resource declares
def test_a_release_refuses_a_table_nobody_declared_issue_13(tmp_path: Path) -> None:
    root = repo_copy(tmp_path / "pkg")
    (root / "data/draft.csv").write_text("a\n1\n")
    result = CliRunner().invoke(cli, ["release", FIRST, str(root)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[1:] == ["data/draft.csv: not declared in datapackage.json, so no release holds it; declare it "
                                              "as a resource or move it out of the folder [file-unlisted]"]
    assert not (root / "dist").exists()


# ---------------------------------------------------------------- item 5: no command follows a link out of the package
def outside_file(tmp_path: Path, content: bytes) -> Path:
    target = tmp_path / "outside.txt"
    target.write_bytes(content)
    return target


def test_load_refuses_a_table_linked_outside_as_validate_does_issue_13(package: Path, tmp_path: Path) -> None:
    (package / "data/arms.csv").rename(tmp_path / "arms.csv")
    (package / "data/arms.csv").symlink_to(tmp_path / "arms.csv")
    line = f"datapackage.json:resources/2/path: 'data/arms.csv' {LINK} [path-error]"
    assert problem_lines(package) == [line]
    with pytest.raises(mmdata.LoadError) as caught:
        mmdata.load("arms", path=package)
    assert str(caught.value).splitlines()[1] == line
    assert len(mmdata.load("outcomes", path=package)) > 0  # the other tables are fine


def test_a_table_inside_a_linked_folder_is_refused_issue_13(package: Path, tmp_path: Path) -> None:
    (package / "data").rename(tmp_path / "data")
    (package / "data").symlink_to(tmp_path / "data")
    assert problem_lines(package)[0] == ("datapackage.json:resources/0/path: 'data/sources.csv' is reached through a symbolic link "
                                         "(its folder data is one); mmdata follows no link: put the file itself there [path-error]")


def test_docs_never_writes_through_a_link_issue_13(package: Path, tmp_path: Path) -> None:
    target = outside_file(tmp_path, b"precious\n")
    (package / "docs").mkdir(exist_ok=True)  # the package holds docs/references.md
    (package / "docs/data-dictionary.md").symlink_to(target)
    for args in (["docs", str(package)], ["docs", "--check", str(package)]):
        result = CliRunner().invoke(cli, args)
        assert (result.exit_code, result.stderr) == (1, f"Error: docs/data-dictionary.md: not written: it {LINK}\n")
    assert target.read_bytes() == b"precious\n" and (package / "docs/data-dictionary.md").is_symlink()


def test_docs_never_writes_into_a_linked_folder_issue_13(package: Path, tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    shutil.rmtree(package / "docs")  # its references.md: docs/ is the link here
    (package / "docs").symlink_to(tmp_path / "elsewhere")
    result = CliRunner().invoke(cli, ["docs", str(package)])
    assert (result.exit_code, result.stderr) == (1, "Error: docs/data-dictionary.md: not written: it is reached through a symbolic "
                                                    "link (its folder docs is one); mmdata follows no link: put the file itself there\n")
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_write_file_refuses_a_link_and_a_fifo(tmp_path: Path) -> None:
    target = outside_file(tmp_path, b"precious\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg/a.md").symlink_to(target)
    with pytest.raises(mmdata.WriteRefused, match=r"^a.md: not written: a.md is a symbolic link"):
        files.write_file(tmp_path / "pkg", "a.md", b"new")
    os.mkfifo(tmp_path / "pkg/f.md")
    with pytest.raises(mmdata.WriteRefused, match=r"^f.md: not written: f.md is not a regular file$"):
        files.write_file(tmp_path / "pkg", "f.md", b"new")
    files.write_file(tmp_path / "pkg", "new/b.md", b"new")
    assert (target.read_bytes(), (tmp_path / "pkg/new/b.md").read_bytes()) == (b"precious\n", b"new")


@pytest.mark.parametrize("across", [False, True])
def test_move_file_puts_a_file_in_place_as_write_file_writes_it_issue_22(across: bool, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # The export's SQLite file and findings.csv are moved into the folder, not read back into memory: renamed on one
    # filesystem, copied then removed across two (os.replace fails with EXDEV there), with write_file's mode.
    (tmp_path / "scratch").mkdir()
    source = tmp_path / "scratch/data.sqlite"
    source.write_bytes(b"rows\n" * 1000)
    source.chmod(0o600)
    renamed = []
    rename = os.replace

    def replace(a: str | Path, b: str | Path) -> None:
        if across and Path(a) == source:
            raise OSError(18, "Invalid cross-device link")
        renamed.append((Path(a).name, Path(b).parent))
        rename(a, b)

    monkeypatch.setattr(os, "replace", replace)
    files.move_file(tmp_path / "out", "sub/data.sqlite", source)
    moved = tmp_path / "out/sub/data.sqlite"
    assert (moved.read_bytes(), moved.stat().st_mode & 0o777, source.exists()) == (b"rows\n" * 1000, 0o644, False)
    assert os.listdir(tmp_path / "out/sub") == ["data.sqlite"]  # no temporary file left beside it
    assert [name for name, _ in renamed][-1].startswith(".data.sqlite.") and len(renamed) == (1 if across else 2)
    (tmp_path / "out/sub/data.sqlite").chmod(0o640)  # a file there keeps its mode, as write_file keeps it
    source.write_bytes(b"new\n")
    files.move_file(tmp_path / "out", "sub/data.sqlite", source)
    assert (moved.read_bytes(), moved.stat().st_mode & 0o777) == (b"new\n", 0o640)


def test_move_file_refuses_a_link_and_keeps_both_files(tmp_path: Path) -> None:
    target = outside_file(tmp_path, b"precious\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg/data.sqlite").symlink_to(target)
    (tmp_path / "made").write_bytes(b"made\n")
    with pytest.raises(mmdata.WriteRefused, match=r"^data.sqlite: not written: data.sqlite is a symbolic link"):
        files.move_file(tmp_path / "pkg", "data.sqlite", tmp_path / "made")
    assert (target.read_bytes(), (tmp_path / "made").read_bytes()) == (b"precious\n", b"made\n")
    assert sorted(os.listdir(tmp_path / "pkg")) == ["data.sqlite"]


def test_move_file_that_fails_leaves_no_temporary_file(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    with pytest.raises(FileNotFoundError):
        files.move_file(tmp_path / "out", "data.sqlite", tmp_path / "no-such-file")
    assert os.listdir(tmp_path / "out") == []


@pytest.mark.parametrize("name", ["README.md", "docs/curation.md"])
def test_release_refuses_a_linked_document_issue_13(name: str, tmp_path: Path) -> None:
    root = repo_copy(tmp_path / "pkg")
    target = outside_file(tmp_path, (root / name).read_bytes())
    (root / name).unlink()
    (root / name).symlink_to(target)
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    result = CliRunner().invoke(cli, ["release", FIRST, str(root)])
    because = f"not written: it {LINK}" if name == "README.md" else f"{LINK}; a release holds only regular files from inside the package"
    assert (result.exit_code, result.stderr) == (1, f"Error: {name}: {because}\n")
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before and not (root / "dist").exists()


def test_fmt_leaves_a_linked_table_alone_issue_13(package: Path, tmp_path: Path) -> None:
    target = outside_file(tmp_path, b"arm_id,study_id\nz,1\na,2\n")
    (package / "data/arms.csv").unlink()
    (package / "data/arms.csv").symlink_to(target)
    result = CliRunner().invoke(cli, ["fmt", str(package)])
    assert result.exit_code == 1
    assert f"datapackage.json:resources/2/path: 'data/arms.csv' {LINK} [path-error]" in result.stderr
    assert target.read_bytes() == b"arm_id,study_id\nz,1\na,2\n"


# ---------------------------------------------------------------- item 6: zip bombs
def bomb(path: Path, size: int, declared: int | None = None) -> Path:
    """A zip with the shipped package and outcomes.csv padded to size bytes; declared rewrites the size its headers state."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for part in sorted(p for p in without_checksums(copy_package(ROOT, path.parent / "src")).rglob("*") if p.is_file()):
            rel = part.relative_to(path.parent / "src").as_posix()
            data = part.read_bytes()
            assert len(data) < size, f"{rel} is larger than the bomb: choose a larger size"
            out.writestr(rel, data + b"\n" * (size - len(data)) if rel == "data/outcomes.csv" else data)
    content = buffer.getvalue()
    if declared is not None:  # both the local header and the central directory lie about the size
        real = size.to_bytes(4, "little")
        assert content.count(real) == 2
        content = content.replace(real, declared.to_bytes(4, "little"))
    path.write_bytes(content)
    return path


def test_an_archive_entry_expanding_past_its_bound_is_refused_issue_13(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    size = 100_001  # larger than every file of the package; small, since the load at the bound parses each blank line
    archive = bomb(tmp_path / "bomb.zip", size)
    monkeypatch.setattr(files, "MAX_ENTRY_BYTES", size)
    assert len(mmdata.load("arms", path=archive)) > 0  # exactly at the bound: read
    with pytest.raises(mmdata.LoadError):  # the padding is blank lines
        mmdata.load("outcomes", path=archive)
    monkeypatch.setattr(files, "MAX_ENTRY_BYTES", size - 1)
    line = (f"datapackage.json:resources/3/path: 'data/outcomes.csv' is {size} bytes, more than the {size - 1} bytes mmdata reads "
            "from one table file [file-error]")
    with pytest.raises(mmdata.LoadError) as caught:
        mmdata.load("outcomes", path=archive)
    assert str(caught.value).splitlines()[1:] == [line]
    code, _, stderr = validate(str(archive))
    assert code == 1 and line in stderr.splitlines()
    result = CliRunner().invoke(cli, ["diff", str(archive), str(archive)])
    assert (result.exit_code, result.stderr) == (2, f"Error: data/outcomes.csv: is {size} bytes, more than the {size - 1} bytes mmdata "
                                                    "reads from one table file\n")


def test_an_archive_whose_header_lies_about_a_size_is_refused_issue_13(tmp_path: Path) -> None:
    size = 3_000_001
    archive = bomb(tmp_path / "liar.zip", size, declared=1000)
    with pytest.raises(mmdata.UnsafeFile, match=r"^data/outcomes.csv: is damaged in the archive .*liar.zip: Bad CRC-32"):
        mmdata.load("outcomes", path=archive)


def test_an_archive_counted_past_its_bound_while_decompressing_is_refused_issue_13(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bound is also counted on the bytes decompressed, not only taken from the header."""
    size = 3_000_001
    archive = bomb(tmp_path / "liar.zip", size, declared=1000)
    snap = mmdata.io.snapshot.open_snapshot(archive)
    snap.infos["data/outcomes.csv"].file_size = size  # so that zipfile decompresses it all
    monkeypatch.setattr(snap, "_has", lambda rel: True)  # as if the header had claimed a size within the bound
    monkeypatch.setattr(files, "MAX_ENTRY_BYTES", 2 << 20)
    with pytest.raises(mmdata.UnsafeFile, match=r"^data/outcomes.csv: is more than 2097152 bytes, more than the 2 MiB mmdata reads"):
        snap.read("data/outcomes.csv")


def test_an_archive_expanding_past_the_total_bound_is_refused_issue_13(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = bomb(tmp_path / "bomb.zip", 3_000_001)
    monkeypatch.setattr(files, "MAX_ARCHIVE_BYTES", 3_000_000)
    with pytest.raises(mmdata.SnapshotError, match=r"bomb.zip: its entries expand to [0-9]+ bytes, more than the 3000000 bytes mmdata"):
        mmdata.load(path=archive)


# ---------------------------------------------------------------- item 7: only regular files of bounded size are read
def test_a_fifo_table_does_not_hang_validate_issue_13(package: Path) -> None:
    (package / "data/arms.csv").unlink()
    os.mkfifo(package / "data/arms.csv")
    assert problem_lines(package)[0] == ("datapackage.json:resources/2/path: 'data/arms.csv' is not a regular file (a FIFO, a socket "
                                         "or a device); mmdata reads only regular files [file-error]")


def test_a_fifo_seed_does_not_hang_validate_issue_13(package: Path) -> None:
    (package / SEED).unlink()
    os.mkfifo(package / SEED)
    assert problem_lines(package) == [f"data/sources.csv:{seed_line(package, SEED)}:seed_file: {SEED} is not a regular file (a FIFO, "
                                      "a socket or a device); mmdata reads only regular files [file-error]"]


@pytest.mark.parametrize("make", [lambda p: p.symlink_to("/dev/zero"), os.mkfifo, lambda p: p.symlink_to(p.name), Path.mkdir])
def test_a_descriptor_that_is_no_regular_file_is_an_error_not_a_hang_issue_13(make, package: Path) -> None:
    (package / "datapackage.json").unlink()
    make(package / "datapackage.json")
    code, stdout, stderr = validate(str(package))
    assert (code, stdout) == (2, "")
    assert re.fullmatch(rf"Error: {re.escape(str(package))}/datapackage.json: (is reached through a symbolic link|is not a regular file"
                        r"|is a folder, not a file).*\n", stderr)
    with pytest.raises(mmdata.SnapshotError):
        mmdata.load(path=package)


def test_a_table_linked_to_itself_is_a_located_problem_issue_13(package: Path) -> None:
    (package / "data/arms.csv").unlink()
    (package / "data/arms.csv").symlink_to("arms.csv")
    assert problem_lines(package) == [f"datapackage.json:resources/2/path: 'data/arms.csv' {LINK} [path-error]"]


def problem_lines_bound_by_modes(pkg: Path) -> list[str]:
    """problem_lines(pkg) in a process that file modes bind. Root (CI runs as root) opens any file, so there the
    validation runs in a child process without the capabilities that allow it (setpriv, of util-linux)."""
    if os.geteuid() != 0:
        return problem_lines(pkg)
    setpriv = shutil.which("setpriv")
    assert setpriv, "setpriv (util-linux) is needed to check, as root, what a user who cannot read a file is told"
    code = "import sys\nimport mmdata\nprint('\\n'.join(p.to_line() for p in mmdata.validate(sys.argv[1])))"
    done = subprocess.run([setpriv, "--bounding-set=-dac_override,-dac_read_search", sys.executable, "-c", code, str(pkg)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_an_unreadable_table_and_seed_are_located_problems_issue_13(package: Path) -> None:
    (package / "data/arms.csv").chmod(0)
    (package / SEED).chmod(0)
    assert problem_lines_bound_by_modes(package) == [  # sorted by file: "data/" before "datapackage.json"
        f"data/sources.csv:{seed_line(package, SEED)}:seed_file: {SEED} cannot be opened: Permission denied [file-error]",
        "datapackage.json:resources/2/path: 'data/arms.csv' cannot be opened: Permission denied [file-error]"]


def test_a_file_over_its_bound_is_refused_and_one_at_it_is_read_issue_13(package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    size = (package / "data/arms.csv").stat().st_size
    monkeypatch.setitem(files.MAX_FILE_BYTES, "table", size)
    assert len(mmdata.load("arms", path=package)) > 0
    monkeypatch.setitem(files.MAX_FILE_BYTES, "table", size - 1)
    expected = f"'data/arms.csv' is {size} bytes, more than the {size - 1} bytes mmdata reads from one table file"
    with pytest.raises(mmdata.LoadError, match=re.escape(expected)):
        mmdata.load("arms", path=package)
    assert f"datapackage.json:resources/2/path: {expected} [file-error]" in problem_lines(package)


def test_an_empty_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "empty.md").write_bytes(b"")
    assert files.read_file(tmp_path, "empty.md") == b""


@pytest.mark.parametrize(("before", "grown", "bound", "read"), [
    (100, 100, None, 100), (10, 100, None, 100), (0, 100, None, 100), (10, 100, 100, 100), (10, 100, 99, None), (98, 100, 99, None),
    (99, 100, 99, None), (10, 10_000, 99, None)])
@pytest.mark.parametrize("when", ["after fstat", "before fstat"])
def test_a_file_that_grows_while_it_is_opened_is_read_whole_up_to_its_bound(
        before: int, grown: int, bound: int | None, read: int | None, when: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # read_file asks for the size the file has once opened, and one byte more: a file that grows from `before` bytes
    # right before or after that is read on, whole, and one that grows past the bound is refused, as a larger file is;
    # never are more bytes than the bound and one asked for, however large the file has grown
    path = tmp_path / "grown.md"
    path.write_bytes(b"x" * before)
    real_fstat, real_fdopen, asked = os.fstat, os.fdopen, []

    def grows(fd: int) -> os.stat_result:
        if when == "before fstat":
            path.write_bytes(b"x" * grown)  # the same file, rewritten in place: the handle reads what it holds now
        status = real_fstat(fd)
        path.write_bytes(b"x" * grown)
        return status

    class Counted:  # the handle read_file reads through, counting the bytes asked for
        def __init__(self, fh: io.BufferedReader) -> None:
            self.fh = fh

        def __enter__(self) -> Counted:
            return self

        def __exit__(self, *exc: object) -> None:
            self.fh.close()

        def fileno(self) -> int:
            return self.fh.fileno()

        def read(self, size: int = -1) -> bytes:
            asked.append(size)
            return self.fh.read(size)

    monkeypatch.setattr(files.os, "fstat", grows)
    monkeypatch.setattr(files.os, "fdopen", lambda fd, mode: Counted(real_fdopen(fd, mode)))
    limit = files.limit("grown.md") if bound is None else bound
    if read is not None:
        assert files.read_file(tmp_path, "grown.md", bound) == b"x" * read
    else:
        with pytest.raises(files.UnsafeFile, match=f"is more than {bound} bytes, more than the {bound} bytes"):
            files.read_file(tmp_path, "grown.md", bound)
    assert asked and all(0 <= size for size in asked) and sum(asked) <= limit + 1


def test_a_linked_file_in_a_git_revision_is_not_followed_issue_13(package: Path) -> None:
    git = ["git", "-C", str(package), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    (package / "data/arms.csv").unlink()
    (package / "data/arms.csv").symlink_to("/etc/passwd")
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "x"], check=True)
    assert validate(str(package), "--rev", "HEAD") == validate(str(package))
    code, _, stderr = validate(str(package), "--rev", "HEAD")
    assert (code, stderr) == (1, f"datapackage.json:resources/2/path: 'data/arms.csv' {LINK} [path-error]\n")


def test_merge_table_reads_no_link_issue_13(tmp_path: Path) -> None:
    from mmdata.edit.merge import merge_files

    for name in ("base", "theirs", "target"):
        (tmp_path / name).write_bytes(b"arm_id,size\na,1\n")
    (tmp_path / "ours").symlink_to(tmp_path / "target")
    with pytest.raises(mmdata.UnsafeFile, match=f"^ours: {re.escape(LINK)}$"):
        merge_files(tmp_path / "base", tmp_path / "ours", tmp_path / "theirs")
    assert (tmp_path / "target").read_bytes() == b"arm_id,size\na,1\n"


# ---------------------------------------------------------------- the maintainers' guide states the limits the code applies
def test_the_maintainers_guide_states_the_limits_issue_13() -> None:
    text = (ROOT / "docs/maintaining.md").read_text(encoding="utf-8")
    section = text[text.index("\n## Limits\n"):text.index("\n## ", text.index("\n## Limits\n") + 1)]
    words = " ".join(section.split())
    size = {kind: files.human(files.MAX_FILE_BYTES[kind]) for kind in files.MAX_FILE_BYTES}
    assert (f"at most {size['table']} for a table (`.csv`), {size['json']} for a JSON file (`datapackage.json`, a schema), "
            f"{size['other']} for any other file") in words
    assert (f"one entry may expand to at most {files.human(files.MAX_ENTRY_BYTES)} and all entries together to "
            f"{files.human(files.MAX_ARCHIVE_BYTES)}") in words
    assert sorted(files.MAX_FILE_BYTES) == ["json", "other", "table"]


def test_a_schema_changed_in_an_archive_is_an_integrity_error_for_the_findings_view_too(released: Path, tmp_path: Path) -> None:
    """load("findings") checks an archive against its SHA256SUMS before it asks the schemas what the view needs: a column
    dropped from a released schema is a changed archive, not a schema to mend."""
    with zipfile.ZipFile(released) as src:
        name = next(n for n in src.namelist() if n.endswith("schemas/sources.schema.json"))
        schema = json.loads(src.read(name))
    schema["fields"] = [f for f in schema["fields"] if f["name"] != "title"]
    tampered = rewritten(released, tmp_path / "t.zip", {"schemas/sources.schema.json": json.dumps(schema).encode()})
    with pytest.raises(mmdata.IntegrityError) as caught:
        mmdata.load("findings", path=tampered)
    with pytest.raises(mmdata.IntegrityError) as table:
        mmdata.load("sources", path=tampered)
    assert str(caught.value) == str(table.value)
    assert str(caught.value).splitlines()[1].startswith(f"SHA256SUMS:{sums_line(released, 'schemas/sources.schema.json')}: ")
