"""The README's Readers examples run as written, on a fresh export (#11)."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
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


@pytest.fixture(scope="module")
def served(workdir: Path) -> Iterator[str]:
    """The pinned Datasette, started once by the README's command in the exported folder (on a free port): its address."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    args = [str(BIN / "datasette"), *analyst_commands()[1].split()[1:], "--host", "127.0.0.1", "--port", str(port)]
    log = workdir / "datasette.log"  # a file, not a pipe: a full pipe would stop the server
    with log.open("w") as errors:
        server = subprocess.Popen(args, cwd=workdir, stdin=subprocess.DEVNULL, stdout=errors, stderr=subprocess.STDOUT)
    address = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            if server.poll() is not None:
                pytest.fail(f"datasette stopped: {log.read_text(errors='replace')[-2000:]}")
            try:
                urllib.request.urlopen(f"{address}/-/versions.json", timeout=5).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("datasette did not answer within a minute")
        yield address
    finally:
        server.terminate()
        server.wait(timeout=30)


def datasette(served: str, path: str) -> str:
    """One page of the pinned Datasette, serving the export as the README's command does."""
    with urllib.request.urlopen(served + path, timeout=60) as answer:
        return str(answer.read().decode("utf-8"))


def test_datasette_example_links_tables(served: str) -> None:
    assert analyst_commands()[1] == ".venv/bin/datasette build"

    rows = json.loads(datasette(served, "/data/arms.json?_labels=on&_shape=array&_size=max"))
    studies = mmdata.load("studies").set_index("study_id")
    assert len(rows) == len(mmdata.load("arms"))
    for row in rows:
        assert row["study_id"]["label"] == studies.loc[row["study_id"]["value"], "name"]
    page = datasette(served, "/data/outcomes")
    assert 'href="/data/arms/' in page and 'href="/data/studies/' in page and 'href="/data/sources/' in page
    assert "CC-BY-4.0" in page  # the licence, from metadata.json
    metadata = json.loads(datasette(served, "/-/metadata.json"))
    assert metadata["license"] == json.loads((ROOT / "datapackage.json").read_text())["licenses"][0]["name"]
    arms_page = datasette(served, "/data/arms")
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


def test_the_analyst_set_up_installs_what_every_recipe_imports_issue_19() -> None:
    """Each Python recipe runs after exactly the README's set-up (.ci/readers runs them in a scratch clone):
    every module a recipe imports comes from mmdata itself, its dependencies, or the extras the set-up names.
    DuckDB was once only in the dev group, so its recipe failed after the README's set-up."""
    import ast
    import tomllib
    from importlib.metadata import packages_distributions

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = re.search(r"-e '\.\[([a-z,]+)\]'", analyst_commands()[0])
    assert extras, "the analyst set-up installs the project with its extras"
    requirements = [*project["dependencies"], *(r for extra in extras.group(1).split(",") for r in project["optional-dependencies"][extra])]
    installed = {re.split(r"[<>=!~\[ ;]", r, maxsplit=1)[0].lower().replace("_", "-") for r in requirements} | {project["name"]}
    providers = {module: [d.lower().replace("_", "-") for d in dists] for module, dists in packages_distributions().items()}
    providers["mmdata"] = [project["name"]]  # an editable install maps no module to its distribution
    missing = []
    for name, code in re.findall(r"<!-- snippet: (reader-[a-z]+) -->\n```python\n(.*?)```", README, re.S):
        for node in ast.walk(ast.parse(code)):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for module in (m.split(".")[0] for m in modules):
                if module not in sys.stdlib_module_names and not set(providers.get(module, [module])) & installed:
                    missing.append(f"{name}: {module}")
    assert missing == []
def stated_size(size: object, qualifier: object) -> str:
    """A size as a reader says it: "almost 2,000 patients" (the hedge's words, the count with thousands separated)."""
    hedge = "" if pd.isna(qualifier) else f"{str(qualifier).replace('-', ' ')} "
    return f"{hedge}{int(size):,} patients"


def test_datasette_shows_sizes_as_counts_and_words_them_with_their_hedge_issue_19(served: str) -> None:
    """Every size of the data, as Datasette shows it: counted, never "2.0 kpatients", with its hedge in words."""
    studies, arms = mmdata.load("studies"), mmdata.load("arms")
    for page in (datasette(served, "/data/studies"), datasette(served, "/data/arms")):
        assert "kpatients" not in page and 'class="col-size type-Quantity"' not in page
    shown = datasette(served, "/data/studies?_size=max")
    for _, study in studies[studies["size"].notna()].iterrows():
        assert f'<td class="col-size type-int">{stated_size(study["size"], study["size_qualifier"])}</td>' in shown
    hedged = arms[arms["size"].notna() & arms["size_qualifier"].notna()]
    assert len(hedged) > 0  # a hedged arm size, shown on its row page
    for _, arm in hedged.iterrows():
        row = datasette(served, f"/data/arms/{arm['arm_id']}")
        assert f'<td class="col-size type-int">{stated_size(arm["size"], arm["size_qualifier"])}</td>' in row
    sizes = json.loads(datasette(served, "/data/sizes_as_stated.json?_shape=array&_size=max"))
    expected = sorted([("study", r["study_id"], stated_size(r["size"], r["size_qualifier"])) for _, r in studies[studies["size"].notna()].iterrows()]
                      + [("arm", r["arm_id"], stated_size(r["size"], r["size_qualifier"])) for _, r in arms[arms["size"].notna()].iterrows()])
    assert sorted((r["kind"], r["arm_id"] or r["study_id"], r["size_as_stated"]) for r in sizes if r["size_as_stated"]) == expected


def test_datasette_links_foreign_keys_on_row_pages_too_issue_19(served: str) -> None:
    row = datasette(served, "/data/outcomes/myeloma-xi-pfs-median-lenalidomide")
    for column, table, key in (("study_id", "studies", "myeloma-xi"), ("arm_id", "arms", "myeloma-xi-lenalidomide"),
                               ("source_id", "sources", "hughes-myeloma-xi-summary")):
        assert f'<td class="col-{column} type-str"><a href="/data/{table}/{key}">{key}</a></td>' in row
    assert '<td class="col-comparator_arm_id type-none">&nbsp;</td>' in row  # an empty key links nowhere
    finding = datasette(served, "/data/findings?finding_id=ifm-2005-02-relapse-3y-relative")
    assert '<a href="/data/studies/ifm-2005-02">ifm-2005-02</a>' in finding


def test_datasette_searches_quote_finding_and_caveat_issue_19(served: str) -> None:
    for table, key in (("outcomes", "outcome_id"), ("adverse_events", "adverse_event_id"), ("studies", "study_id"), ("arms", "arm_id")):
        frame = mmdata.load(table)
        columns = [c for c in ("quote", "finding", "caveat") if c in frame.columns]
        wanted = sorted(k for k, *texts in zip(frame[key], *(frame[c] for c in columns), strict=True)
                        if any(isinstance(t, str) and re.search(r"\bplacebo\b", t, re.I) for t in texts))
        found = json.loads(datasette(served, f"/data/{table}.json?_search=placebo&_shape=array&_col={key}&_size=max"))
        assert sorted(r[key] for r in found) == wanted
    assert len(wanted) > 0  # the last table, studies: IFM 2005-02's caveat names its placebo
    page = datasette(served, "/data/outcomes")
    assert 'name="_search"' in page  # the search box Datasette shows for a table it finds an FTS index for


def test_datasette_offers_the_first_questions_as_saved_queries_issue_19(served: str) -> None:
    """Each saved query answers its question, as the findings view and the studies table answer it (nothing typed from the
    shipped rows, so a contributor's new source changes the expected answers with the data)."""
    findings, studies = mmdata.load("findings"), mmdata.load("studies")
    rows = json.loads(datasette(served, "/data/median_pfs_per_arm.json?_shape=array&_size=max"))
    pfs = findings[(findings["endpoint"] == "progression-free-survival") & (findings["statistic"] == "median")
                   & findings["comparator_arm_id"].isna() & findings["study_pooled_in"].isna()]
    pfs = pfs.sort_values(["study_name", "arm_role", "finding_id"], ascending=[True, False, True], key=lambda c: c.astype(str))
    assert len(pfs) > 0 and findings["study_pooled_in"].notna().any()  # some study counted once, some left out
    assert [(r["study_name"], r["arm_role"], r["value"], r["unit"]) for r in rows] == [
        (r.study_name, r.arm_role, float(r.value), r.unit) for r in pfs.itertuples()]
    hedged = json.loads(datasette(served, "/data/hedged_values.json?_shape=array&_size=max"))
    expected = findings[findings["value_hedge"].notna()].sort_values("finding_id")
    assert len(expected) > 0 and [(r["finding_id"], r["value_hedge"]) for r in hedged] == [
        (r.finding_id, r.value_hedge) for r in expected.itertuples()]
    pooled = json.loads(datasette(served, "/data/do_not_pool.json?_shape=array&_size=max"))
    expected = studies[studies["pooled_in"].notna()].sort_values("study_id")
    assert len(expected) > 0 and [(r["study_id"], r["pooled_in"]) for r in pooled] == [(r.study_id, r.pooled_in) for r in expected.itertuples()]
    home = datasette(served, "/data")
    for title in ("Median progression-free survival per arm, IFM 2005-02 counted once", "Study and arm sizes as the sources word them",
                  "Values the source hedges (about, almost, more than)", "Studies whose patients are counted elsewhere"):
        assert title in home
