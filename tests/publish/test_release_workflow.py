"""The release workflow (#14): on a tag v*, rebuild and check the archive, export, build the site and
attach them to the GitHub release; every `mmdata` command and option it runs exists."""

from __future__ import annotations

import re
import shlex

import click
import pytest
import yaml

from mmdata.cli import cli

from ..conftest import ROOT

WORKFLOW = yaml.safe_load((ROOT / ".github/workflows/release.yml").read_text(encoding="utf-8"))
STEPS = WORKFLOW["jobs"]["release"]["steps"]
RUNS = "\n".join(step.get("run", "") for step in STEPS)


def invocations(script: str) -> list[list[str]]:
    """Every `mmdata ...` command of a script, as its words, up to the next `&&`, `|` or line end."""
    found = []
    for line in script.replace("\\\n", " ").splitlines():
        for part in re.split(r"&&|\|\||\|", line):
            words = shlex.split(part)
            if words and words[0].endswith("/mmdata"):
                found.append(words[1:])
    return found


def test_runs_on_release_tags_with_write_access_only_to_contents() -> None:
    assert WORKFLOW[True] == {"push": {"tags": ["v*"]}}  # YAML 1.1 reads the key `on` as True
    assert WORKFLOW["permissions"] == {"contents": "write"}
    assert [s["uses"].split("@")[0] for s in STEPS if "uses" in s] == ["actions/checkout", "actions/setup-python"]
    assert STEPS[1]["with"] == {"python-version": "3.11"}


def test_installs_pinned_then_validates_rebuilds_exports_and_builds_the_site_in_that_order() -> None:
    assert "pip install -q -c constraints.txt -e '.[export]'" in STEPS[2]["run"]
    assert [words[0] for words in invocations(RUNS)] == ["validate", "release", "export", "site"]
    release = next(words for words in invocations(RUNS) if words[0] == "release")
    assert release == ["release", "${GITHUB_REF_NAME#v}", "--rebuild"]


def test_attaches_the_archive_its_checksum_the_exports_and_the_site() -> None:
    last = STEPS[-1]
    assert last["env"] == {"GH_TOKEN": "${{ secrets.GITHUB_TOKEN }}"}
    create = shlex.split(last["run"].replace("\\\n", " ").splitlines()[-1])
    assert create[:5] == ["gh", "release", "create", "$GITHUB_REF_NAME", "--verify-tag"]
    assert {"dist/mmdata-data-$version.zip", "dist/mmdata-data-$version.zip.sha256", "build/data.sqlite", "build/parquet/*.parquet",
            "mmdata-site-$version.zip"} <= set(create)


@pytest.mark.parametrize("words", invocations(RUNS), ids=lambda words: words[0])
def test_every_mmdata_command_and_option_it_runs_exists(words: list[str]) -> None:
    command = cli.commands.get(words[0])
    assert isinstance(command, click.Command), f"mmdata has no command {words[0]}"
    options = {opt for param in command.params for opt in param.opts}
    assert [w for w in words if w.startswith("--") and w.split("=")[0] not in options] == []
    for word, value in zip(words, words[1:], strict=False):
        param = next((p for p in command.params if word in p.opts), None)
        if isinstance(param, click.Option) and isinstance(param.type, click.Choice):
            assert value in param.type.choices
