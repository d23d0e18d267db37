"""The change feed (#20): feed.xml, an Atom feed of what changed per release tag, read back with an XML parser."""

from __future__ import annotations

import os
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mmdata.model.package import open_package
from mmdata.publish.feed import feed_xml

from ..conftest import ROOT, copy_package, read_rows, set_cell

ATOM = "{http://www.w3.org/2005/Atom}"
XHTML = "{http://www.w3.org/1999/xhtml}"
GIT_ENV = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t.invalid", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t.invalid"}


def git(repo: Path, *args: str, date: str | None = None) -> None:
    env = dict(GIT_ENV, **({"GIT_COMMITTER_DATE": date, "GIT_AUTHOR_DATE": date} if date else {}))
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The shipped package in a git repository with two release tags: v1.0.0, then v1.1.0 with one finding changed
    and one added."""
    repo = copy_package(ROOT, tmp_path / "repo")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "first", date="2026-11-23T10:00:00+00:00")
    git(repo, "tag", "v1.0.0")
    set_cell(repo / "data/outcomes.csv", "myeloma-xi-pfs-median-lenalidomide", "finding", "Median progression-free survival")
    outcomes = (repo / "data/outcomes.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    row = next(line for line in outcomes if line.startswith("myeloma-xi-pfs-median-observation,"))
    outcomes.append(row.replace("myeloma-xi-pfs-median-observation,", "myeloma-xi-pfs-median-observation-copy,", 1))
    (repo / "data/outcomes.csv").write_text("".join(outcomes), encoding="utf-8")
    git(repo, "commit", "-q", "-am", "second", date="2026-12-01T09:30:00+00:00")
    git(repo, "tag", "v1.1.0")
    return repo


def parse(raw: bytes) -> ET.Element:
    root = ET.fromstring(raw)  # an XML parser: well-formed, or this raises
    assert root.tag == f"{ATOM}feed"
    for element in (root, *root.findall(f"{ATOM}entry")):  # RFC 4287: every feed and entry has an id, a title and an updated date
        assert [element.find(f"{ATOM}{name}") is not None for name in ("id", "title", "updated")] == [True, True, True]
    assert root.find(f"{ATOM}author/{ATOM}name") is not None
    return root


def test_one_entry_per_release_newest_first_with_the_changes_and_links(repo: Path) -> None:
    root = parse(feed_xml(open_package(repo), repo, "https://example.org/mmdata/"))
    entries = root.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["mmdata 1.1.0", "mmdata 1.0.0"]
    assert [e.findtext(f"{ATOM}updated") for e in entries] == ["2026-12-01T09:30:00+00:00", "2026-11-23T10:00:00+00:00"]
    assert root.findtext(f"{ATOM}updated") == "2026-12-01T09:30:00+00:00"
    assert len({e.findtext(f"{ATOM}id") for e in entries}) == 2
    newest = entries[0]
    assert newest.findtext(f"{ATOM}summary") == "Release 1.1.0: a minor change since 1.0.0."
    items = [li.text for li in newest.iter(f"{XHTML}li") if li.text and not li.text.startswith("Changed")]
    assert items == ["outcomes: 1 added, 0 removed, 1 changed"]
    links = [(link.get("rel"), link.get("href")) for link in newest.findall(f"{ATOM}link")]
    assert links == [("related", "https://example.org/mmdata/studies/myeloma-xi.html#outcomes-myeloma-xi-pfs-median-observation-copy"),
                     ("related", "https://example.org/mmdata/studies/myeloma-xi.html#outcomes-myeloma-xi-pfs-median-lenalidomide")]
    first = [li.text for li in entries[1].iter(f"{XHTML}li")]
    tables = ("sources", "studies", "arms", "outcomes", "adverse_events")  # the repository's first release is the package as shipped
    assert first == [f"{t}: {len(read_rows(ROOT / f'data/{t}.csv')[1])} rows" for t in tables]


def test_without_release_tags_the_feed_is_valid_and_empty(tmp_path: Path) -> None:
    package = copy_package(ROOT, tmp_path / "bare")
    root = parse(feed_xml(open_package(package), package))
    assert root.findall(f"{ATOM}entry") == []
    assert [link.get("href") for link in root.findall(f"{ATOM}link")] == ["feed.xml", "index.html"]


def test_the_site_publishes_the_feed_and_links_it(shipped_site: Path) -> None:
    parse((shipped_site / "feed.xml").read_bytes())
    assert ('<link rel="alternate" type="application/atom+xml" title="Changes per release" href="feed.xml">'
            in (shipped_site / "index.html").read_text(encoding="utf-8"))
    assert 'id="outcomes-myeloma-xi-pfs-median-lenalidomide"' in (shipped_site / "studies/myeloma-xi.html").read_text(encoding="utf-8")
