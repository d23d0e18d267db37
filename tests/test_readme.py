"""The README's two commands are the ones CI runs."""

from __future__ import annotations

import re

from .conftest import ROOT, shipped_rows

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
        "",  # the browser tests' screenshots, kept as an artefact
    ]
    assert workflow["jobs"]["checks"]["steps"][-1]["with"]["path"] == "test-artifacts/"
    ci = (ROOT / ".ci/run").read_text(encoding="utf-8").splitlines()
    for check in (".venv/bin/mmdata fmt --check", ".venv/bin/mmdata docs --check", runs[6]):
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


def snippet(name: str) -> str:
    match = re.search(rf"<!-- snippet: {name} -->\n```python\n(.*?)```", README, re.S)
    assert match, name
    return match.group(1)


def test_pip_snippet_runs() -> None:
    scope: dict = {}
    exec(snippet("pip"), scope)  # noqa: S102 - the README's own example
    assert list(scope["tables"]) == ["sources", "studies", "arms", "outcomes", "adverse_events"]
    assert str(scope["outcomes"]["value"].dtype) == "Float64"


def test_git_tag_snippet_runs(tmp_path, monkeypatch) -> None:
    (tmp_path / "mmdata-1.2.0").symlink_to(ROOT)
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(snippet("git-tag"), scope)  # noqa: S102
    assert len(scope["outcomes"]) == shipped_rows("outcomes")


def test_archive_snippet_runs(tmp_path, monkeypatch) -> None:
    import datetime as dt

    from mmdata.release import release

    from .test_release import repo_copy

    root = repo_copy(tmp_path / "pkg")
    result = release(root, "0.2.0", today=dt.date(2026, 11, 21))
    monkeypatch.chdir(result.archive.parent)
    scope: dict = {}
    exec(snippet("archive").replace("1.2.0", "0.2.0"), scope)  # noqa: S102
    assert len(scope["tables"]["outcomes"]) == shipped_rows("outcomes")
