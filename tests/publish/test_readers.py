"""The README's Readers examples run as written, on a fresh export (#11)."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import mmdata
from mmdata.publish.export import export

from ..conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
BIN = Path(sys.executable).parent


def snippet(name: str, language: str) -> str:
    match = re.search(rf"<!-- snippet: {name} -->\n```{language}\n(.*?)```", README, re.S)
    assert match, name
    return match.group(1)


def analyst_commands() -> list[str]:
    match = re.search(r"<!-- commands: analysts -->\n```sh\n(.*?)```", README, re.S)
    assert match
    return match.group(1).splitlines()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder like a clone after the README's analyst command: the package, build/ exported."""
    work = tmp_path_factory.mktemp("readers")
    for part in ("data", "schemas", "seeds", "datapackage.json"):
        (work / part).symlink_to(ROOT / part)
    export(ROOT, work / "build")
    return work


def above_30() -> int:
    outcomes = mmdata.load("outcomes")
    return int((outcomes["value"] > 30).sum())


def test_pandas_example(workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(workdir)
    scope: dict = {}
    exec(snippet("reader-pandas", "python"), scope)  # noqa: S102 - the README's own example
    assert str(scope["outcomes"]["value"].dtype) == "Float64" and str(scope["outcomes"]["endpoint"].dtype) == "category"
    pfs = scope["pfs"]
    assert len(pfs) > 0 and set(pfs["statistic"]) == {"median"}
    assert "study_name" in capsys.readouterr().out


def test_sqlite_example(workdir: Path) -> None:
    statements = [s.strip() for s in snippet("reader-sqlite", "sql").split(";") if s.strip()]
    conn = sqlite3.connect(workdir / "build/data.sqlite")
    results = [conn.execute(s).fetchall() for s in statements]
    assert results[0] == [(above_30(),)]
    assert results[1] and all(row[2] is not None or row[3] == "not-reached" for row in results[1])
    assert [r[0] for r in results[2]] == [f["name"] for f in json.loads((ROOT / "schemas/arms.schema.json").read_text())["fields"]]
    if shutil.which("sqlite3"):  # the command-line shell the README names, when installed
        done = subprocess.run(["sqlite3", "build/data.sqlite", statements[0]], cwd=workdir, capture_output=True, text=True, check=True)
        assert done.stdout == f"{above_30()}\n"


def test_datasette_example_links_tables(workdir: Path) -> None:
    command = analyst_commands()[1]
    assert command == ".venv/bin/datasette build"
    args = [str(BIN / "datasette"), *command.split()[1:]]

    def get(path: str) -> str:
        return subprocess.run([*args, "--get", path], cwd=workdir, capture_output=True, text=True, check=True).stdout

    rows = json.loads(get("/data/arms.json?_labels=on&_shape=array&_size=max"))
    studies = mmdata.load("studies").set_index("study_id")
    assert len(rows) == len(mmdata.load("arms"))
    for row in rows:
        assert row["study_id"]["label"] == studies.loc[row["study_id"]["value"], "name"]
    page = get("/data/outcomes")
    assert 'href="/data/arms/' in page and 'href="/data/studies/' in page and 'href="/data/sources/' in page
    assert "CC-BY-4.0" in page  # the licence, from metadata.json
    metadata = json.loads(get("/-/metadata.json"))
    assert metadata["license"] == json.loads((ROOT / "datapackage.json").read_text())["licenses"][0]["name"]
    arms_page = get("/data/arms")
    assert json.loads((ROOT / "schemas/arms.schema.json").read_text())["fields"][2]["description"] in arms_page
    assert "patients" in arms_page  # the unit of size


def test_duckdb_example(workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(workdir)
    exec(snippet("reader-duckdb", "python"), {})  # noqa: S102
    out = capsys.readouterr().out
    findings = mmdata.load("findings")
    pfs = findings[(findings["endpoint"] == "progression-free-survival") & (findings["statistic"] == "median") & findings["comparator_arm_id"].isna()]
    for name in pfs["study_name"]:
        assert name in out
    for role in ("experimental", "control"):
        assert out.count(role) == int((pfs["arm_role"] == role).sum())


def test_r_example(workdir: Path) -> None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        message = "R is not installed (apt-get install r-base-core); the R example runs where Rscript is"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}: CI must run it")  # .ci/run installs it
        pytest.skip(message)
    done = subprocess.run([rscript, "-e", snippet("reader-r", "r")], cwd=workdir, capture_output=True, text=True, check=True)
    assert done.stdout == f"{above_30()} outcomes above 30\n"


def datasette(workdir: Path, path: str) -> str:
    """One request to the pinned Datasette, serving the export as the README's command does."""
    args = [str(BIN / "datasette"), *analyst_commands()[1].split()[1:], "--get", path]
    return subprocess.run(args, cwd=workdir, capture_output=True, text=True, check=True).stdout


def test_datasette_shows_sizes_as_counts_and_words_them_with_their_hedge_issue_19(workdir: Path) -> None:
    for page in (datasette(workdir, "/data/studies"), datasette(workdir, "/data/arms/myeloma-xi-lenalidomide")):
        assert "kpatients" not in page and 'class="col-size type-Quantity"' not in page
    studies = datasette(workdir, "/data/studies")
    for size in ("575 patients", "about 1,200 patients", "almost 2,000 patients"):
        assert f'<td class="col-size type-int">{size}</td>' in studies
    row = datasette(workdir, "/data/arms/myeloma-xi-lenalidomide")
    assert '<td class="col-size type-int">more than 1,000 patients</td>' in row
    sizes = json.loads(datasette(workdir, "/data/sizes_as_stated.json?_shape=array"))
    assert [(r["kind"], r["arm_id"] or r["study_id"], r["size_as_stated"]) for r in sizes if r["size_as_stated"]] == [
        ("study", "cmrg-retrospective", "575 patients"), ("arm", "cmrg-retrospective-group-1", "136 patients"),
        ("arm", "cmrg-retrospective-group-2", "161 patients"), ("arm", "cmrg-retrospective-group-3", "209 patients"),
        ("arm", "cmrg-retrospective-group-4", "69 patients"), ("study", "mccarthy-2017-meta-analysis", "about 1,200 patients"),
        ("study", "myeloma-xi", "almost 2,000 patients"), ("arm", "myeloma-xi-lenalidomide", "more than 1,000 patients")]


def test_datasette_links_foreign_keys_on_row_pages_too_issue_19(workdir: Path) -> None:
    row = datasette(workdir, "/data/outcomes/myeloma-xi-pfs-median-lenalidomide")
    for column, table, key in (("study_id", "studies", "myeloma-xi"), ("arm_id", "arms", "myeloma-xi-lenalidomide"),
                               ("source_id", "sources", "hughes-myeloma-xi-summary")):
        assert f'<td class="col-{column} type-str"><a href="/data/{table}/{key}">{key}</a></td>' in row
    assert '<td class="col-comparator_arm_id type-none">&nbsp;</td>' in row  # an empty key links nowhere
    finding = datasette(workdir, "/data/findings?finding_id=ifm-2005-02-relapse-3y-relative")
    assert '<a href="/data/studies/ifm-2005-02">ifm-2005-02</a>' in finding


def test_datasette_searches_quote_finding_and_caveat_issue_19(workdir: Path) -> None:
    for table, key in (("outcomes", "outcome_id"), ("adverse_events", "adverse_event_id"), ("studies", "study_id"), ("arms", "arm_id")):
        frame = mmdata.load(table)
        columns = [c for c in ("quote", "finding", "caveat") if c in frame.columns]
        wanted = sorted(k for k, *texts in zip(frame[key], *(frame[c] for c in columns), strict=True)
                        if any(isinstance(t, str) and re.search(r"\bplacebo\b", t, re.I) for t in texts))
        found = json.loads(datasette(workdir, f"/data/{table}.json?_search=placebo&_shape=array&_col={key}&_size=max"))
        assert sorted(r[key] for r in found) == wanted
    assert len(wanted) > 0  # the last table, studies: IFM 2005-02's caveat names its placebo
    page = datasette(workdir, "/data/outcomes")
    assert 'name="_search"' in page  # the search box Datasette shows for a table it finds an FTS index for


def test_datasette_offers_the_first_questions_as_saved_queries_issue_19(workdir: Path) -> None:
    rows = json.loads(datasette(workdir, "/data/median_pfs_per_arm.json?_shape=array"))
    assert [(r["study_name"], r["arm_role"], r["value"], r["unit"]) for r in rows] == [
        ("McCarthy 2017 meta-analysis (CALGB 100104, GIMEMA RV-MM-PI-209, IFM 2005-02)", "experimental", 52.8, "months"),
        ("McCarthy 2017 meta-analysis (CALGB 100104, GIMEMA RV-MM-PI-209, IFM 2005-02)", "control", 23.5, "months"),
        ("Myeloma XI (maintenance randomisation)", "experimental", 39.0, "months"),
        ("Myeloma XI (maintenance randomisation)", "control", 20.0, "months")]
    hedged = json.loads(datasette(workdir, "/data/hedged_values.json?_shape=array"))
    assert [(r["finding_id"], r["value_hedge"]) for r in hedged] == [
        ("ifm-2005-02-relapse-3y-relative", "about"), ("mccarthy-2017-meta-analysis-follow-up-median", "about"), ("myeloma-xi-pfs-median-ratio", "almost")]
    pooled = json.loads(datasette(workdir, "/data/do_not_pool.json?_shape=array"))
    assert [(r["study_id"], r["pooled_in"]) for r in pooled] == [("ifm-2005-02", "mccarthy-2017-meta-analysis")]
    home = datasette(workdir, "/data")
    for title in ("Median progression-free survival per arm, IFM 2005-02 counted once", "Study and arm sizes as the sources word them",
                  "Values the source hedges (about, almost, more than)", "Studies whose patients are counted elsewhere"):
        assert title in home
