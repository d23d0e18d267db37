"""The README's two commands are the ones CI runs."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

import mmdata

from .conftest import ROOT, TABLE_NAMES, VERSION, row_count

README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = re.findall(r"```sh\n(python3 -m venv .*)\n```", README)


def test_readme_has_exactly_two_setup_commands() -> None:
    assert len(COMMANDS) == 2
    validate, test = COMMANDS
    assert validate.endswith("&& .venv/bin/mmdata validate")
    assert test.endswith("&& .venv/bin/python -m pytest")


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci/run").read_text(encoding="utf-8").splitlines()
    assert COMMANDS[0] in ci
    assert ci[-1] == COMMANDS[1]


def test_both_commands_install_the_pinned_versions() -> None:
    assert all("-c constraints.txt" in c for c in COMMANDS)


def test_pull_request_workflow_runs_the_same_checks_as_ci() -> None:
    import yaml

    workflow = yaml.safe_load((ROOT / ".github/workflows/checks.yml").read_text(encoding="utf-8"))
    runs = [step.get("run", "") for step in workflow["jobs"]["checks"]["steps"]]
    assert runs[2:] == [
        COMMANDS[1],
        ".venv/bin/mmdata validate --format github",
        ".venv/bin/mmdata fmt --check",
        ".venv/bin/mmdata docs --check",
        ".venv/bin/ruff check src tests benchmarks && .venv/bin/mypy src",
        ".venv/bin/mmdata export --to build && .venv/bin/mmdata site --out site",
        ".ci/rebuild-release",  # every release recorded in releases/ rebuilds bit for bit (#14, #23)
        ".ci/contributor",  # a new source added through CONTRIBUTING.md's commands breaks no test (#21)
        ".ci/readers",  # the README's reader recipes run as written after exactly its set-up, in a scratch clone (#19)
        "",  # the browser tests' screenshots, kept as an artefact
    ]
    assert workflow["jobs"]["checks"]["steps"][0]["with"] == {"fetch-depth": 0}  # the full history, where the release commits are found (#23)
    assert workflow["jobs"]["checks"]["steps"][-1]["with"]["path"] == "test-artifacts/"
    ci = (ROOT / ".ci/run").read_text(encoding="utf-8").splitlines()
    for check in (".venv/bin/mmdata fmt --check", ".venv/bin/mmdata docs --check", runs[6], ".ci/rebuild-release", ".ci/contributor", ".ci/readers"):
        assert check in ci


def test_ci_runs_the_readme_analyst_commands_issue_11() -> None:
    analyst = re.search(r"<!-- commands: analysts -->\n```sh\n(.*?)```", README, re.S)
    assert analyst
    setup, datasette = analyst.group(1).splitlines()
    assert setup.endswith("&& .venv/bin/mmdata export --to build && .venv/bin/mmdata site --out site")
    ci = (ROOT / ".ci/run").read_text(encoding="utf-8").splitlines()
    assert setup in ci
    assert any(line.startswith(f"{datasette} --get ") for line in ci)


def test_pages_workflow_publishes_the_site_from_main_issue_11() -> None:
    import yaml

    workflow = yaml.safe_load((ROOT / ".github/workflows/pages.yml").read_text(encoding="utf-8"))
    assert workflow[True]["push"]["branches"] == ["main"]  # YAML 1.1 reads the key `on` as True
    build = workflow["jobs"]["build"]["steps"]
    assert any("mmdata site --out site" in step.get("run", "") for step in build)
    assert [s["uses"].split("@")[0] for s in build if "uses" in s][-1] == "actions/upload-pages-artifact"
    assert workflow["jobs"]["deploy"]["steps"][0]["uses"].startswith("actions/deploy-pages@")
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}


def snippet_of(text: str, name: str) -> str:
    match = re.search(rf"<!-- snippet: {name} -->\n```python\n(.*?)```", text, re.S)
    assert match, name
    return match.group(1)


def snippet(name: str) -> str:
    return snippet_of(README, name)


def test_pip_snippet_runs() -> None:
    scope: dict = {}
    exec(snippet("pip"), scope)  # noqa: S102 - the README's own example
    assert list(scope["tables"]) == TABLE_NAMES
    assert str(scope["outcomes"]["value"].dtype) == "Float64"


def test_library_snippet_runs_issue_21(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The README's library example, run in the repository: the shipped package, opened once and valid."""
    monkeypatch.chdir(ROOT)
    schema = json.loads((ROOT / "schemas/outcomes.schema.json").read_text(encoding="utf-8"))
    required = [f["name"] for f in schema["fields"] if f.get("constraints", {}).get("required") or f["name"] in schema["primaryKey"]]
    scope: dict = {}
    exec(snippet("library"), scope)  # noqa: S102 - the README's own example
    assert capsys.readouterr().out == f"{VERSION} ('outcome_id',) {required}\n"
    assert scope["report"].valid and scope["package"].report is scope["report"]


def code_blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, re.S)


def released(tmp_path, released_template):
    """A copy of the repository released as FIRST, committed and tagged, at a path a GitHub URL can be mapped to."""
    from .releases import copy_release, result_at

    root = copy_release(released_template, tmp_path / "github" / "owner" / "mmdata.git", tag=True)
    return root, result_at(released_template, root), (root / "README.md").read_text(encoding="utf-8")


def region_of(text: str, name: str) -> str:
    match = re.search(rf"<!-- generated: {name} -->\n(.*?)<!-- end -->", text, re.S)
    assert match, name
    return match.group(1)


def test_readme_pins_the_version_in_datapackage_json_issue_14() -> None:
    from mmdata.model.publishing import PIN_REGIONS, render_pins

    assert {name: region_of(README, name) for name in PIN_REGIONS} == render_pins(mmdata.data_version(path=ROOT), DISTRIBUTION)
    assert "<repository URL>" not in README
    placeholders = [line for block in code_blocks(README, "sh") for line in block.splitlines() if re.search(r"<[A-Za-z][^>]*>", line)]
    assert placeholders == []  # a reader sets REPO; no command holds a placeholder to fill in


def test_git_tag_commands_run_against_a_release_cut_in_a_copy_issue_14(tmp_path, monkeypatch, released_template) -> None:
    """The README of a release clones its tag as written (github.com mapped to the copy) and reads it."""
    import subprocess

    from .releases import FIRST

    root, _, readme = released(tmp_path, released_template)
    (command,) = code_blocks(region_of(readme, "pin-git"), "sh")
    assert f"--branch v{FIRST} " in command
    work = tmp_path / "work"
    work.mkdir()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "REPO": "owner/mmdata", "GIT_CONFIG_COUNT": "1",
           "GIT_CONFIG_KEY_0": f"url.file://{tmp_path}/github/.insteadOf", "GIT_CONFIG_VALUE_0": "https://github.com/"}
    subprocess.run(["bash", "-euc", command], cwd=work, env=env, check=True, capture_output=True)
    monkeypatch.chdir(work)
    scope: dict = {}
    exec(snippet_of(readme, "git-tag"), scope)  # noqa: S102 - the README's own example
    assert len(scope["outcomes"]) == row_count("outcomes", root)


def test_archive_commands_run_against_a_release_cut_in_a_copy_issue_14(tmp_path, monkeypatch, capsys, released_template) -> None:
    """The README of a release downloads the files the release workflow attaches, checks and loads them."""
    import shlex
    import subprocess

    import yaml

    from .releases import FIRST

    root, result, readme = released(tmp_path, released_template)
    *downloads, check = code_blocks(region_of(readme, "pin-archive"), "sh")[0].splitlines()
    workflow = yaml.safe_load((ROOT / ".github/workflows/release.yml").read_text(encoding="utf-8"))
    attached = shlex.split(workflow["jobs"]["release"]["steps"][-1]["run"].replace("\\\n", " ").splitlines()[-1])
    published = {Path(name.replace("$version", FIRST)).name for name in attached if name.startswith("dist/")}
    base = f"https://github.com/$REPO/releases/download/v{FIRST}/"
    assert [shlex.split(line) for line in downloads] == [["curl", "-fLO", base + name] for name in sorted(published)]
    monkeypatch.chdir(result.archive.parent)  # dist/ holds what the workflow attaches
    subprocess.run(["bash", "-euc", check], check=True, capture_output=True)
    scope: dict = {}
    exec(snippet_of(readme, "archive"), scope)  # noqa: S102
    assert capsys.readouterr().out == f"{FIRST}\n"
    assert len(scope["tables"]["outcomes"]) == row_count("outcomes", root)


DISTRIBUTION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["name"]


def test_readme_pip_line_names_the_distribution_issue_9() -> None:
    """The name `mmdata` on the package index is another project's: every pip line names ours."""
    assert re.findall(r"^pip install ([A-Za-z0-9._-]+)==", README, re.M) == [DISTRIBUTION]
    assert DISTRIBUTION != "mmdata"
    assert mmdata.DISTRIBUTION == DISTRIBUTION  # the name __version__ and --version look up


def test_citation_names_the_distribution() -> None:
    citation = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert f'\nrepository-artifact: "https://pypi.org/project/{DISTRIBUTION}/"\n' in citation


def test_readme_describes_the_versioning_rule_as_enforced() -> None:
    text = " ".join(README.split())
    assert "`mmdata release` enforces it: it compares the package with the last release and refuses a smaller bump" in text
    contributing = " ".join((ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8").split())
    assert "`mmdata release` refuses a smaller bump than the changes need" in contributing


def test_the_readme_is_in_reading_order_and_short_issue_19() -> None:
    """Who it is for and what is in it, the two commands, reading the data, then contributing and maintaining
    (which live in docs/): in that order, and under 2,000 words besides the regions `mmdata docs` and
    `mmdata release` generate from the data (the scope, the rows per source, the list of documents)."""
    headings = re.findall(r"^## (.+)$", README, re.M)
    assert headings == ["Quick start", "What is in it", "Reading the data", "From Python: the library", "Pinning a release",
                        "Contributing", "Maintaining", "Licences"]
    prose = re.sub(r"<!-- generated: (scope|contents|seeds) -->.*?<!-- end -->", "", README, flags=re.S)
    assert len(prose.split()) < 2000
    for guide in ("docs/validation.md", "docs/exports.md", "docs/maintaining.md"):
        assert f"]({guide})" in README and (ROOT / guide).is_file()
