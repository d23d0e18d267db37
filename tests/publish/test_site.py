"""`mmdata site`: pages, links, provenance you can click, JSON-LD, escaping (#11)."""

from __future__ import annotations

import hashlib
import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

import mmdata
from mmdata.cli import cli
from mmdata.publish import findings as view
from mmdata.publish.passages import RowRef, place
from mmdata.publish.site import build_site
from mmdata.rules.seedsearch import Seed, normalise

from ..conftest import ROOT, copy_package, read_rows, set_cell

TABLES = ["sources", "studies", "arms", "outcomes", "adverse_events"]


class Page(HTMLParser):
    """The ids, links, headings and JSON-LD of one HTML page."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.headings: list[int] = []
        self.scripts: list[str] = []
        self.images: list[dict[str, str | None]] = []
        self.anchors: list[tuple[str, str]] = []  # (href, text) of every link
        self._script = False
        self._link: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(str(found["id"]))
        for attr in ("href", "src"):
            if found.get(attr):
                self.links.append(str(found[attr]))
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "img":
            self.images.append(found)
        if tag == "a" and found.get("href"):
            self._link = [str(found["href"])]
        self._script = tag == "script"

    def handle_data(self, data: str) -> None:
        if self._script:
            self.scripts.append(data)
        if self._link is not None:
            self._link.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._script = False
        if tag == "a" and self._link is not None:
            self.anchors.append((self._link[0], " ".join("".join(self._link[1:]).split())))
            self._link = None


@pytest.fixture
def site(shipped_site: Path) -> Path:
    return shipped_site


def pages(site: Path) -> dict[str, Page]:
    return {p.relative_to(site).as_posix(): Page(p.read_text(encoding="utf-8")) for p in sorted(site.rglob("*.html"))}


def test_one_page_per_study_and_source(site: Path) -> None:
    studies = [r[0] for r in read_rows(ROOT / "data/studies.csv")[1]]
    sources = [r[0] for r in read_rows(ROOT / "data/sources.csv")[1]]
    assert sorted(pages(site)) == sorted(["index.html", "dictionary.html", "scope.html"] + [f"studies/{s}.html" for s in studies]
                                         + [f"sources/{s}.html" for s in sources])


def test_a_study_page_groups_its_findings_in_the_order_of_the_allowed_terms(site: Path) -> None:
    # Endpoints first, in the order outcomes.endpoint allows them, then adverse events in adverse_events.event's order:
    # the order is made once for every page (term_order, #22).
    from mmdata.model.package import open_package

    resources = open_package(ROOT).resources
    terms = [*map(str, resources["outcomes"].fact("endpoint").enum), *map(str, resources["adverse_events"].fact("event").enum)]
    shown = {p.stem: re.findall(r'<h3 id="group-([^"]+)">', p.read_text(encoding="utf-8")) for p in (site / "studies").glob("*.html")}
    assert max(len(groups) for groups in shown.values()) > 2  # pages with several groups, whose order is told
    for study, groups in shown.items():
        assert groups == sorted(groups, key=terms.index), study


def test_every_link_resolves_to_a_file_and_an_anchor(site: Path) -> None:
    found = pages(site)
    for name, page in found.items():
        for link in page.links:
            parts = urlsplit(link)
            assert not parts.scheme or parts.scheme == "https" and "creativecommons.org" in parts.netloc, (name, link)
            if parts.scheme:
                continue
            target = (site / name).parent / unquote(parts.path) if parts.path else site / name
            assert target.resolve().is_file(), (name, link)
            assert target.resolve().is_relative_to(site.resolve()), (name, link)
            if parts.fragment:
                assert parts.fragment in found[target.resolve().relative_to(site.resolve()).as_posix()].ids, (name, link)


def test_headings_in_order_and_images_described(site: Path) -> None:
    for name, page in pages(site).items():
        assert page.headings[0] == 1 and page.headings.count(1) == 1, name
        assert all(b - a <= 1 for a, b in zip(page.headings, page.headings[1:], strict=False)), name
        assert all(img.get("alt") for img in page.images), name


def test_every_quoted_row_links_to_its_highlighted_passage_and_back(site: Path) -> None:
    found = pages(site)
    rows = 0
    for table in ("studies", "arms", "outcomes", "adverse_events"):
        header, records = read_rows(ROOT / f"data/{table}.csv")
        for record in records:
            row = dict(zip(header, record, strict=True))
            if not row["quote"]:
                continue
            rows += 1
            study = row.get("study_id") or row["study_id"]
            study_page = found[f"studies/{study}.html"]
            assert f"{table}-{record[0]}" in study_page.ids
            back = [link for link in study_page.links if link.startswith(f"../sources/{row['source_id']}.html#passage-")]
            assert back, (table, record[0])
            source_page = found[f"sources/{row['source_id']}.html"]
            assert f"../studies/{study}.html#{table}-{record[0]}" in source_page.links
    text = "".join((site / f"sources/{s}.html").read_text() for s in [r[0] for r in read_rows(ROOT / "data/sources.csv")[1]])
    assert text.count('<mark class="in-passage-') >= 1 and "not found" not in text
    assert rows > 0


def test_hedges_and_not_reached_shown_as_such(site: Path) -> None:
    findings = mmdata.load("findings")
    for _, row in findings[findings["qualifier"].notna()].iterrows():
        html = (site / f"studies/{row['study_id']}.html").read_text()
        word = {"not-reached": "not reached", "more-than": "more than"}.get(row["qualifier"], row["qualifier"])
        cell = re.search(rf'id="{row["finding_table"]}-{row["finding_id"]}".*?<span class="result hedged">(.*?)</span>.*?</tr>', html, re.S)
        assert cell and word in cell.group(1), row["finding_id"]


def test_each_finding_row_shows_its_own_caveat_and_time_issue_22(site: Path) -> None:
    """The cells a study page's row takes from its finding (written a column at a time, #22): the caveat, escaped, and
    the time point, as a number and its unit; a finding without one shows none."""
    findings = mmdata.load("findings")
    timed = 0
    for _, row in findings.iterrows():
        page = (site / f"studies/{row['study_id']}.html").read_text()
        cells = re.search(rf'<tr id="{row["finding_table"]}-{row["finding_id"]}">(.*?)</tr>', page, re.S)
        assert cells, row["finding_id"]
        caveat = "" if pd.isna(row["caveat"]) else html.escape(row["caveat"]).replace("&#x27;", "&#39;").replace("&quot;", "&#34;")
        assert f'<td class="caveat">{caveat}</td>' in cells.group(1), row["finding_id"]
        time = re.findall(r"<br>at ([0-9.]+) ([a-z]+)</td>", cells.group(1))
        if pd.isna(row["time_value"]):
            assert time == [], row["finding_id"]
        else:
            timed += 1
            assert [(float(time[0][0]), time[0][1])] == [(float(row["time_value"]), row["time_unit"])], row["finding_id"]
    assert timed and findings["caveat"].notna().any()


def test_overlap_marked_wherever_a_study_is_pooled(site: Path) -> None:
    studies = mmdata.load("studies")
    pooled = studies[studies["pooled_in"].notna()]
    assert len(pooled) > 0
    for _, study in pooled.iterrows():
        assert "do not pool" in (site / f"studies/{study['study_id']}.html").read_text().lower()
        assert "do not pool" in (site / f"studies/{study['pooled_in']}.html").read_text().lower()


def test_json_ld_describes_the_dataset(site: Path) -> None:
    page = pages(site)["index.html"]
    data = json.loads(page.scripts[0])
    descriptor = json.loads((ROOT / "datapackage.json").read_text())
    assert (data["@type"], data["version"], data["name"]) == ("Dataset", descriptor["version"], descriptor["title"])
    assert data["license"] == descriptor["licenses"][0]["path"]
    assert data["creator"] == [{"@type": "Organization", "name": "mmdata maintainers"}]
    fields = sum(len(json.loads((ROOT / f"schemas/{t}.schema.json").read_text())["fields"]) for t in TABLES)
    derived = len(view.findings_schema(mmdata.open_package(ROOT).resources)["fields"])
    assert len(data["variableMeasured"]) == fields + derived
    for download in data["distribution"]:
        assert (site / download["contentUrl"]).is_file()
    assert {"data.sqlite", "parquet/findings.parquet", "csv/outcomes.csv", "csv/findings.csv"} <= {d["name"] for d in data["distribution"]}


def test_the_downloads_are_the_export_files_and_the_index_gives_their_sizes_issue_22(site: Path) -> None:
    # The SQLite file is moved into the site rather than read and written again (#22): the same bytes as the export's,
    # and its size on the home page as the file's own.
    from mmdata.publish.export import export_files

    page = (site / "index.html").read_text(encoding="utf-8")
    for rel, data in export_files(ROOT).items():
        name = f"csv/{rel}" if rel.endswith(".csv") else rel
        assert (site / "downloads" / name).read_bytes() == data, rel
        assert f'<a href="downloads/{name}">{name}</a> (' in page and f", {len(data)} bytes)</li>" in page, rel
    assert f'<a href="downloads/data.sqlite">data.sqlite</a> (application/vnd.sqlite3, {(site / "downloads/data.sqlite").stat().st_size} bytes)' in page


def test_base_url_makes_download_links_absolute(tmp_path: Path) -> None:
    build_site(ROOT, tmp_path / "s", base_url="https://example.org/mmdata")
    data = json.loads(Page((tmp_path / "s/index.html").read_text()).scripts[0])
    assert all(d["contentUrl"].startswith("https://example.org/mmdata/downloads/") for d in data["distribution"])


def test_every_value_is_escaped(package: Path, tmp_path: Path) -> None:
    set_cell(package / "data/arms.csv", "myeloma-xi-lenalidomide", "caveat", "<script>alert(1)</script> =1+2")
    build_site(package, tmp_path / "s")
    html = (tmp_path / "s/studies/myeloma-xi.html").read_text()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; =1+2" in html


# ---------------------------------------------------------------- valid packages the site stopped on (found by mutating the package at random)
def test_a_descriptor_without_title_or_description_names_the_dataset_by_its_name(package: Path, tmp_path: Path) -> None:
    """Neither is required by the standard, and the package was valid; the pages stopped with an internal error."""
    from ..conftest import apply_patch

    apply_patch(package, [{"file": "datapackage.json", "pointer": "/title", "remove": True},
                          {"file": "datapackage.json", "pointer": "/description", "remove": True}])
    assert mmdata.validate(package) == []
    name = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))["name"]
    build_site(package, tmp_path / "s")
    index = (tmp_path / "s/index.html").read_text(encoding="utf-8")
    assert f"<h1>{name}</h1>\n<p></p>" in index
    assert f"<p>{name}, version " in (tmp_path / "s/dictionary.html").read_text(encoding="utf-8")
    assert json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', index, re.S).group(1))["name"] == name


def test_an_author_without_a_title_and_no_licence_stop_no_page(package: Path, tmp_path: Path) -> None:
    """Both valid; the Croissant citation read the author's title (KeyError) and the footer the licence's name."""
    from ..conftest import apply_patch

    apply_patch(package, [{"file": "datapackage.json", "pointer": "/contributors", "value": [{"role": "author"}, {"title": "B", "role": "author"}]},
                          {"file": "datapackage.json", "pointer": "/licenses", "remove": True}])
    assert mmdata.validate(package) == []
    build_site(package, tmp_path / "s")
    index = (tmp_path / "s/index.html").read_text(encoding="utf-8")
    assert "Tables and schemas: no licence declared." in index
    assert json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', index, re.S).group(1))["creator"] == [
        {"@type": "Organization", "name": "B"}]


def test_a_licence_with_only_a_path_is_named_by_its_path(package: Path, tmp_path: Path) -> None:
    from ..conftest import apply_patch

    licence = "https://opendatacommons.org/licenses/odbl/1-0/"
    apply_patch(package, [{"file": "datapackage.json", "pointer": "/licenses", "value": [{"path": licence}]}])
    assert mmdata.validate(package) == []
    build_site(package, tmp_path / "s")
    assert f'Tables and schemas: <a href="{licence}">{licence}</a>.' in (tmp_path / "s/index.html").read_text(encoding="utf-8")


def test_dataset_authors_are_the_titled_contributors_whose_role_is_author() -> None:
    from mmdata.model.package import dataset_authors

    assert dataset_authors({"contributors": [{"title": "A", "role": "author"}, {"title": "C", "role": "contributor"}, {"role": "author"},
                                             {"title": 5, "role": "author"}, "x", {"title": "B", "role": "author"}]}) == ["A", "B"]
    assert dataset_authors({"contributors": 5}) == dataset_authors({}) == []


def test_dataset_title_falls_back_to_the_name_then_to_mmdata() -> None:
    from mmdata.model.package import dataset_title

    assert dataset_title({"title": "T", "name": "n"}) == "T"
    assert dataset_title({"title": " ", "name": "n"}) == "n"
    assert dataset_title({"title": 5, "name": "n"}) == "n"
    assert dataset_title({"name": ""}) == "mmdata"
    assert dataset_title({}) == "mmdata"


def test_terms_without_allowed_values_group_a_study_page_in_the_order_of_their_texts(package: Path, tmp_path: Path) -> None:
    """outcomes.endpoint with its allowed values removed: a valid package, and the site stopped where it ordered the
    groups of a study page by the allowed values."""
    from ..conftest import apply_patch

    apply_patch(package, [{"file": "schemas/outcomes.schema.json", "pointer": "/fields/endpoint/constraints/enum", "remove": True}])
    assert mmdata.validate(package) == []
    build_site(package, tmp_path / "s")
    header, rows = read_rows(package / "data/outcomes.csv")
    study = rows[0][header.index("study_id")]
    endpoints = sorted({r[header.index("endpoint")] for r in rows if r[header.index("study_id")] == study and r[header.index("endpoint")]})
    page = (tmp_path / f"s/studies/{study}.html").read_text(encoding="utf-8")
    groups = re.findall(r'<h3 id="group-([^"]*)">', page)
    assert len(endpoints) >= 2 and groups[:len(endpoints)] == endpoints  # the endpoints' groups first, as their texts sort


def test_a_package_whose_outcomes_are_not_findings_gets_its_pages(package: Path, tmp_path: Path) -> None:
    """Without mmdata:role on outcomes the findings view is the adverse events' alone, and lacks the outcomes' columns the
    pages read (endpoint, statistic...): the site stopped with a KeyError."""
    from ..conftest import apply_patch

    apply_patch(package, [{"file": "schemas/outcomes.schema.json", "pointer": "/mmdata:role", "remove": True}])
    assert not [p for p in mmdata.validate(package) if p.code in ("schema-error", "field-error")]
    result = CliRunner().invoke(cli, ["site", str(package), "--out", str(tmp_path / "s")])
    assert result.exit_code == 0, result.output
    header, rows = read_rows(package / "data/adverse_events.csv")
    event = rows[0][header.index("adverse_event_id")]
    assert any(event in p.read_text(encoding="utf-8") for p in (tmp_path / "s/studies").glob("*.html"))


def test_site_command_output_and_refusal(tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = CliRunner().invoke(cli, ["site", str(ROOT), "--out", str(out)])
    assert result.exit_code == 0, result.output
    count = len(list(out.rglob("*.html")))
    files = len([p for p in out.rglob("*") if p.is_file()])
    assert result.stdout == f"built {count} pages ({files} files) in {out}; open {out}/index.html\n"
    again = CliRunner().invoke(cli, ["site", str(ROOT), "--out", str(out)])
    assert again.exit_code == 0  # a folder the site built is replaced
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine/notes.txt").write_text("keep me")
    refused = CliRunner().invoke(cli, ["site", str(ROOT), "--out", str(tmp_path / "mine")])
    assert refused.exit_code == 2
    assert refused.stderr == f"Error: {tmp_path / 'mine'} is not empty and was not built by mmdata site; give an empty or new folder\n"
    assert (tmp_path / "mine/notes.txt").read_text() == "keep me"


def test_a_full_disk_while_the_database_is_moved_into_the_site_is_the_sites_error_issue_22(tmp_path: Path,
                                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # From another file system the SQLite file is copied into the site: a full disk there is said as any failed write of
    # the site, and leaves no site, no staging folder and no temporary folder.
    import errno
    import shutil
    import tempfile

    def full(source: str, target: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    monkeypatch.setattr(shutil, "move", full)
    out = tmp_path / "site"
    result = CliRunner().invoke(cli, ["site", str(ROOT), "--out", str(out)])
    assert result.exit_code == 2
    assert result.output == f"Error: {out}: cannot write: No space left on device; give a folder you can write to\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tmp"] and list((tmp_path / "tmp").iterdir()) == []


def test_the_sqlite_download_has_the_permissions_of_the_sites_other_files_issue_22(tmp_path: Path) -> None:
    # SQLite makes its files without the group's write under umask 002; the file is made by mmdata first (#22).
    import os
    import stat

    before = os.umask(0o002)
    try:
        result = CliRunner().invoke(cli, ["site", str(ROOT), "--out", str(tmp_path / "site")])
    finally:
        os.umask(before)
    assert result.exit_code == 0, result.output
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "site/downloads").iterdir() if p.is_file()}
    assert modes["data.sqlite"] == modes["metadata.json"] == 0o664


def test_the_site_lets_go_of_the_finding_tables_only_of_a_package_it_opened_issue_22(tmp_path: Path,
                                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # The pages read the findings view, not the finding tables: a site built from a folder lets go of each once its
    # quotes are taken, before any is placed in its seed (its peak at a million rows, #22); a Package handed in by a
    # program is left as it was.
    from mmdata.publish import passages as passages_module
    from mmdata.publish import site as site_module

    let_go: list[object] = []
    real, real_place = site_module._let_go, passages_module.place
    monkeypatch.setattr(site_module, "_let_go", lambda pkg, tables, names: (let_go.append(names), real(pkg, tables, names))[1])
    monkeypatch.setattr(passages_module, "place", lambda *args: (let_go.append("place"), real_place(*args))[1])
    build_site(ROOT, tmp_path / "from-folder")
    sources = len(read_rows(ROOT / "data/sources.csv")[1])
    assert let_go == [["outcomes"], ["adverse_events"], *["place"] * sources, ["outcomes", "adverse_events"]]
    let_go.clear()
    pkg = mmdata.open_package(ROOT)
    build_site(pkg, tmp_path / "from-package")
    assert let_go == ["place"] * sources
    assert pkg.frames is not None and pkg.typed is not None and {"outcomes", "adverse_events"} <= set(pkg.frames) & set(pkg.typed)
    assert (tmp_path / "from-folder/index.html").read_bytes() == (tmp_path / "from-package/index.html").read_bytes()


def test_letting_go_of_tables_drops_them_as_typed_and_as_read_issue_22() -> None:
    from mmdata.model.load import typed_tables
    from mmdata.publish.site import _let_go
    from mmdata.rules.validate import validated

    pkg = validated(ROOT)
    tables = typed_tables(pkg)
    _let_go(pkg, tables, ["outcomes", "adverse_events"])
    kept = ["sources", "studies", "arms"]
    assert sorted(tables) == sorted(pkg.frames or {}) == sorted(pkg.typed or {}) == sorted(kept)


def test_plot_is_the_same_svg_each_build(site: Path, tmp_path: Path) -> None:
    build_site(ROOT, tmp_path / "again")
    plots = sorted(str(p.relative_to(site)) for p in (site / "plots").rglob("*.svg"))
    assert "plots/overview.svg" in plots and "plots/narrow/overview.svg" in plots
    for name in plots:
        assert (site / name).read_bytes() == (tmp_path / "again" / name).read_bytes()
    svg = (site / "plots/overview.svg").read_text()
    assert "<script" not in svg
    assert re.findall(r'(?:href|src)="https?:', svg) == []  # namespaces only: nothing is fetched


def test_a_build_that_fails_half_written_leaves_the_previous_site_and_no_staging_folder_issue_22(
        package: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The site is written file by file as it is made (#22): a failure after hundreds of files leaves nothing of them."""
    from mmdata.errors import SiteError
    from mmdata.publish import feed
    from mmdata.publish.site import _Staging

    out = tmp_path / "site"
    build_site(package, out)
    before = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    monkeypatch.setattr(_Staging, "PENDING", 0)  # each file on disk before the next is made, whatever the writer's pace

    def fail(*args: object, **kwargs: object) -> bytes:
        written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.glob(".site.*/**/*.html"))
        assert len(written) > 3  # the study and source pages are written by now, in the staging folder
        raise SiteError("the feed failed")

    monkeypatch.setattr(feed, "feed_xml", fail)
    with pytest.raises(SiteError, match="the feed failed"):
        build_site(package, out)
    assert {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pkg", "site"]  # no staging folder left behind


def test_a_failed_build_leaves_the_previous_site(package: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site(package, out)
    before = (out / "index.html").read_bytes()
    set_cell(package / "data/outcomes.csv", "ifm-2005-02-relapse-3y-relative", "qualifier", "roughly")
    result = CliRunner().invoke(cli, ["site", str(package), "--out", str(out)])
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {package}: the package is not valid (1 problem); nothing was written. "
                             "Run `mmdata validate` to see them\n")
    assert (out / "index.html").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pkg", "site"]  # no staging folder left behind


def test_release_url_links_the_published_archive(tmp_path: Path) -> None:
    version = json.loads((ROOT / "datapackage.json").read_text())["version"]
    build_site(ROOT, tmp_path / "site", release_url="https://example.org/releases/download/v1/")
    links = Page((tmp_path / "site/index.html").read_text()).links
    archive = f"mmdata-data-{version}.zip"
    assert f"https://example.org/releases/download/v1/{archive}" in links
    assert f"https://example.org/releases/download/v1/{archive}.sha256" in links
    build_site(copy_package(ROOT, tmp_path / "pkg"), tmp_path / "plain")  # a package without dist/ (a clone)
    assert not [link for link in Page((tmp_path / "plain/index.html").read_text()).links if link.endswith(".zip")]


def test_site_out_that_is_a_link_is_refused_issue_23(tmp_path: Path) -> None:
    """`site --out` onto a link worked once (the link replaced by the site), then failed and left a .old folder behind."""
    (tmp_path / "real").mkdir()
    (tmp_path / "out").symlink_to(tmp_path / "real")
    for _ in range(2):
        result = CliRunner().invoke(cli, ["site", str(ROOT), "--out", str(tmp_path / "out")])
        assert (result.exit_code, result.stdout) == (2, "")
        assert result.stderr == (f"Error: {tmp_path / 'out'} is a symbolic link; give the folder itself: mmdata site replaces the whole "
                                 "folder and follows no link\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "real"]
    assert (tmp_path / "out").is_symlink() and not any((tmp_path / "real").iterdir())


@pytest.mark.parametrize(("value", "relative", "safe"), [
    ("https://creativecommons.org/licenses/by/4.0/", False, True), ("HTTP://example.org/a", False, True),
    ("LICENSE-DATA.md", True, True), ("LICENSE-DATA.md", False, False), ("downloads/csv/arms.csv", True, True),
    ("javascript:alert(1)", True, False), ("JavaScript:alert(1)", True, False), ("java\tscript:alert(1)", True, False),
    (" javascript:alert(1)", True, False), ("data:text/html,<script>alert(1)</script>", True, False),
    ("vbscript:msgbox", True, False), ("https:alert(1)", True, False), ("//evil.example/x", True, False), ("", True, False),
])


def test_only_http_addresses_and_relative_paths_are_links_issue_23(value: str, relative: bool, safe: bool) -> None:
    from mmdata.model.publishing import safe_link

    assert safe_link(value, relative=relative) is safe


def test_a_link_holding_any_whitespace_or_control_character_is_refused_whatever_the_character_issue_22() -> None:
    """safe_link searches for them with one pattern (#22); it refuses exactly the characters it tested one by one
    (str.isspace(), below 0x20, 0x7F), over every code point, inside a link that is otherwise safe."""
    from mmdata.model.publishing import safe_link

    refused = [c for c in range(0x110000) if not safe_link(f"../a{chr(c)}b.html")]
    assert refused == [c for c in range(0x110000) if chr(c).isspace() or c < 0x20 or c == 0x7F]
    assert 0xA0 in refused and 0x2028 in refused and 0x3000 in refused  # Unicode's spaces, not only ASCII's


def test_every_link_and_source_of_the_site_is_http_or_relative_issue_23(site: Path) -> None:
    """A licence path of javascript:alert(1) was a link on every page; validate refuses it (unsafe-link), and no page links one."""
    import html

    from mmdata.model.publishing import safe_link
    from mmdata.publish.site import LINKS

    found = [html.unescape(link) for page in site.rglob("*.html") for link in LINKS.findall(page.read_text(encoding="utf-8"))]
    assert len(found) > 100
    assert [link for link in found if not safe_link(link)] == []


def test_a_javascript_licence_is_refused_before_the_site_is_built_issue_23(package: Path, tmp_path: Path) -> None:
    descriptor = package / "datapackage.json"
    data = json.loads(descriptor.read_text(encoding="utf-8"))
    data["licenses"][0]["path"] = "javascript:alert(1)"
    descriptor.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    validated = CliRunner().invoke(cli, ["validate", str(package)])
    assert (validated.exit_code, validated.stderr) == (1, (
        "datapackage.json:licenses/0/path: 'javascript:alert(1)' is not an http or https address or a relative path; a page would "
        "make it a link that runs or opens something else: write the address, starting with https:// [unsafe-link]\n"))
    result = CliRunner().invoke(cli, ["site", str(package), "--out", str(tmp_path / "site")])
    assert result.exit_code == 1
    assert not (tmp_path / "site").exists()


def test_a_study_name_with_dollar_signs_is_text_in_the_plot_issue_23(package: Path, tmp_path: Path) -> None:
    """A study named with `$\\cmd$` stopped the site with an internal error (exit 3): matplotlib, which drew the plots then, read it as mathtext."""
    set_cell(package / "data/studies.csv", "ifm-2005-02", "name", r"IFM $\cmd$ 2005-02")
    result = CliRunner().invoke(cli, ["site", str(package), "--out", str(tmp_path / "site")])
    assert (result.exit_code, result.stderr) == (0, ""), result.output
    svg = (tmp_path / "site/plots/overview.svg").read_text(encoding="utf-8")
    assert r"IFM $\cmd$" in svg  # as written, not typeset


def test_the_text_of_a_source_page_is_escaped_issue_23(package: Path, tmp_path: Path) -> None:
    header, rows = read_rows(package / "data/sources.csv")
    source = dict(zip(header, next(r for r in rows if r[0] == "hughes-myeloma-xi-summary"), strict=True))
    seed = package / source["seed_file"]
    seed.write_bytes(seed.read_bytes() + b"\n<script>alert(1)</script> & <b>bold</b>\n")
    set_cell(package / "data/sources.csv", source["source_id"], "sha256", hashlib.sha256(seed.read_bytes()).hexdigest())
    build_site(package, tmp_path / "s")
    html = (tmp_path / "s/sources/hughes-myeloma-xi-summary.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html
    assert "<b>bold" not in html
    assert "\n&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;\n</div>" in html
    assert all("alert" not in script for script in Page(html).scripts)  # no script element holds the seed's


class SeedText(HTMLParser):
    """The full text of a source page as a reader sees it, and where its passages are marked, anchored and linked to their rows."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.text, self.anchors, self.marked, self.links, self.labels, self._label = "", [], set(), [], [], ""
        self._mark: int | None = None
        self._rows: list[str] | None = None
        self._number: str | None = None
        self.feed(page.split('<div class="seed">', 1)[1].split("</div>", 1)[0])

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "span" and found.get("class") == "anchor":
            self.anchors.append((found["id"], len(self.text)))
        elif tag == "span" and found.get("class") == "rows":
            self._rows, self._label = [], ""
        elif tag == "mark":
            self._mark = len(self.text)
        elif tag == "a" and self._rows is not None:
            if found.get("class") == "passage-number":
                self._number = str(found["href"])
            else:
                self._rows.append(str(found["href"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "mark" and self._mark is not None:
            self.marked |= set(range(self._mark, len(self.text)))
            self._mark = None
        elif tag == "span" and self._rows is not None:
            self.links.append((len(self.text), self._number, sorted(self._rows)))
            self.labels.append(self._label)
            self._rows = None

    def handle_data(self, data: str) -> None:
        if self._rows is None:
            self.text += data
        else:
            self._label += data


def test_a_source_page_shows_its_whole_text_and_marks_exactly_each_quoted_passage_issue_23(site: Path) -> None:
    header, sources = read_rows(ROOT / "data/sources.csv")
    for source in (dict(zip(header, record, strict=True)) for record in sources):
        text = (ROOT / source["seed_file"]).read_bytes().decode("utf-8")
        rows: dict[str, list[str]] = {}  # quote (whitespace-normalised): links to the rows that quote it
        labels: dict[str, list[str]] = {}  # quote: the rows, as the links name them
        for table in ("studies", "arms", "outcomes", "adverse_events"):
            columns, records = read_rows(ROOT / f"data/{table}.csv")
            for row in (dict(zip(columns, record, strict=True)) for record in records):
                if row["source_id"] == source["source_id"] and row["quote"]:
                    href = f"../studies/{row.get('study_id') or row[columns[0]]}.html#{table}-{row[columns[0]]}"
                    rows.setdefault(normalise(row["quote"]), []).append(href)
                    labels.setdefault(normalise(row["quote"]), []).append(f"{table}: {row[columns[0]]}")
        spans, named = {}, {}
        for quote, found in zip(rows, Seed(text).find(list(rows)), strict=True):
            spans.setdefault((found.start, found.end), []).extend(rows[quote])
            named.setdefault((found.start, found.end), []).extend(labels[quote])
        ordered = sorted(spans)
        page = SeedText((site / f"sources/{source['source_id']}.html").read_text(encoding="utf-8"))
        assert page.text == text, source["source_id"]
        assert page.anchors == [(f"passage-{n}", start) for n, (start, _) in enumerate(ordered, start=1)]
        assert page.marked == {i for start, end in ordered for i in range(start, end)}
        assert sorted(page.links) == sorted((end, f"#passage-{n}", sorted(spans[(start, end)]))
                                            for n, (start, end) in enumerate(ordered, start=1))
        assert sorted(page.labels) == sorted(f" [passage-{n} supports {', '.join(named[span])}]" for n, span in enumerate(ordered, start=1))


def test_a_quote_not_in_the_seed_is_listed_missing_never_placed_issue_23() -> None:
    found = place("s", "The trial enrolled 460 patients.", [RowRef("arms", "a", "t", "enrolled  460"),
                                                             RowRef("arms", "b", "t", "enrolled 461")])
    assert [(p.anchor, p.start, p.end, [r.key for r in p.rows]) for p in found.passages] == [("passage-1", 10, 22, ["a"])]
    assert [(r.key, r.anchor) for r in found.missing] == [("b", None)]
    assert [(r.key, r.anchor) for r in found.rows] == [("a", "passage-1"), ("b", None)]


@pytest.mark.parametrize("epoch", ["1e9", "0", "abc"])


def test_the_plots_do_not_read_source_date_epoch_issue_23(epoch: str, site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)  # matplotlib, which drew the plots until #22, dated an SVG from it and failed on one that is no whole number
    result = CliRunner().invoke(cli, ["site", str(ROOT), "--out", str(tmp_path / "s")])
    assert (result.exit_code, result.stderr) == (0, "")
    assert {p.relative_to(tmp_path / "s"): p.read_bytes() for p in (tmp_path / "s/plots").rglob("*.svg")} == \
        {p.relative_to(site): p.read_bytes() for p in (site / "plots").rglob("*.svg")}


def test_links_to_passages_name_the_passage_and_its_source_issue_19(site: Path) -> None:
    """A study page's links to source passages say which passage of which document, not just "passage"."""
    labels = {r[0]: r[3] or None for r in read_rows(ROOT / "data/sources.csv")[1]}
    found = 0
    for name, page in pages(site).items():
        if not name.startswith("studies/"):
            continue
        named: dict[str, set[str]] = {}
        for href, text in page.anchors:
            parts = urlsplit(href)
            if not parts.path.startswith("../sources/"):
                continue
            source = parts.path.removeprefix("../sources/").removesuffix(".html")
            number = parts.fragment.removeprefix("passage-")
            label = labels[source] or "Untitled"
            assert text.startswith(f"passage {number} of ") and label in text, (name, href, text)
            named.setdefault(text, set()).add(href)
            found += 1
        assert all(len(hrefs) == 1 for hrefs in named.values()), name  # one name, one place
    quoted = 0
    for table in ("studies", "arms", "outcomes", "adverse_events"):
        header, records = read_rows(ROOT / f"data/{table}.csv")
        quoted += sum(1 for r in records if r[header.index("quote")])
    assert found == quoted


def test_overlapping_and_nested_quotes_are_marked_piece_by_piece_issue_19() -> None:
    """Each passage's pieces, and only they, carry its class, after its anchor: its page's rule highlights exactly its words."""
    text = "Intro. One two\n three. Four  five six. Outro."
    quotes = ["One two three.", "One two three. Four five", "two three. Four five six.", "three", "Four five six."]
    found = place("s", text, [RowRef("outcomes", f"row-{n}", "x", q) for n, q in enumerate(quotes)])
    html = str(found.html())
    pieces = re.findall(r'<span class="anchor" id="([^"]+)"></span>|<mark class="([^"]+)">([^<]*)</mark>', html)
    for passage in found.passages:
        start = pieces.index((passage.anchor, "", ""))
        marked = "".join(piece for _, classes, piece in pieces if f"in-{passage.anchor}" in classes.split())
        after = "".join(piece for _, classes, piece in pieces[start:] if f"in-{passage.anchor}" in classes.split())
        assert marked == after == text[passage.start:passage.end]
        assert f"#{passage.anchor}:target ~ .in-{passage.anchor}" in found.css()
    assert {" ".join(q.split()) for q in quotes} == {" ".join(text[p.start:p.end].split()) for p in found.passages}
    assert re.sub(r"<[^>]+>", "", re.sub(r'<span class="rows">.*?\]</span>', "", html)) == text  # the text itself, whole


def test_the_scope_page_shows_the_scope_record_and_every_warning_issue_20(site: Path) -> None:
    text = (site / "scope.html").read_text(encoding="utf-8")
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    for value in descriptor["mmdata:scope"].values():
        if isinstance(value, str):
            assert escaped(value) in text
    for warning in descriptor["mmdata:warnings"]:
        assert f'id="warning-{warning["name"]}"' in text and escaped(warning["description"]) in text
    assert f"<dd>Not recorded for any of the {len(read_rows(ROOT / 'data/sources.csv')[1])} sources.</dd>" in text
    assert '<a href="scope.html">Scope</a>' in (site / "index.html").read_text(encoding="utf-8")


def escaped(text: str) -> str:
    """text as Jinja's autoescape writes it (an apostrophe as &#39;, a double quote as &#34;)."""
    return html.escape(text).replace("&#x27;", "&#39;").replace("&quot;", "&#34;")


def test_how_to_cite_gives_apa_and_bibtex_not_the_yaml_issue_19(site: Path) -> None:
    from ..test_cli import CITE_APA, CITE_BIBTEX

    page = (site / "index.html").read_text(encoding="utf-8")
    cite = page[page.index('<h2 id="cite">'):page.index('<h2 id="dictionary">')]
    assert f'<p class="citation">{CITE_APA}</p>' in cite
    assert f"<pre>{CITE_BIBTEX}</pre>" in cite
    assert "cff-version" not in page


def test_the_home_page_serves_datasette_as_the_readme_does_and_the_site_holds_no_code_issue_19(site: Path) -> None:
    from .test_readers import analyst_commands

    page = " ".join((site / "index.html").read_text(encoding="utf-8").split())
    serve = analyst_commands()[1]  # the README's: .venv/bin/datasette build, after mmdata export --to build
    assert "<code>.venv/bin/mmdata export --to build</code>" in page and f"<code>{serve}</code>" in page
    assert "<code>datasette data.sqlite -m metadata.json</code>" in page  # the downloads alone, without the plugin
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.suffix in (".py", ".pyc") or p.name == "plugins") == []


@pytest.mark.parametrize("spare", [0, -1])
def test_the_overview_plot_is_drawn_up_to_its_bound_and_past_it_the_home_page_says_where_the_plots_are_issue_22(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spare: int) -> None:
    """At a million rows the overview would be tens of thousands of lines, a drawing no browser opens in a second."""
    from mmdata.publish import site as site_module

    page = (site / "index.html").read_text(encoding="utf-8")
    plotted = page[page.index('<table class="plotted">'):].split("</table>")[0].count('<tr><th scope="row">')
    assert plotted > 1
    monkeypatch.setattr(site_module, "OVERVIEW_ROWS", plotted + spare)
    build_site(ROOT, tmp_path / "s")
    again = (tmp_path / "s/index.html").read_text(encoding="utf-8")
    drawn = (tmp_path / "s/plots/overview.svg").is_file()
    said = (f"<p>The studies give {plotted} lines to plot (an endpoint of a study at one time point, lenalidomide against its "
            f"control), too many for one drawing: this page draws at most {plotted + spare}.") in again
    assert (drawn, said) == ((True, False) if spare == 0 else (False, True))
    if said:
        assert "Each study's plot is on its own page, linked from the table above.</p>" in again
    assert again.count('<h2 id="plot">') == 1
    assert sorted(p.relative_to(tmp_path / "s") for p in (tmp_path / "s/plots/studies").rglob("*.svg")) == \
        sorted(p.relative_to(site) for p in (site / "plots/studies").rglob("*.svg"))  # every study's plot, either way


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(['href', 'src', 'action', 'formaction', 'x', '-', ' ', '\n', '=', '"', 'a', 'é', '_', '1']), max_size=30))
def test_links_are_what_the_link_pattern_finds_issue_22(pieces: list[str]) -> None:
    # The page check searches for href and for src on its own, each a literal text, many times faster than LINKS (#22):
    # the same links as LINKS.findall, a match after a word character passed over and the search gone on from the next
    # character, matches that overlap, and an action or formaction among them.
    from mmdata.publish.site import LINKS, links

    page = "".join(pieces)
    assert list(links(page)) == LINKS.findall(page)


@pytest.mark.parametrize(("page", "found"), [
    ('<a href="x">', ["x"]), ('xhref="a" href="b"', ["b"]), ('xsrc="a href="b"', ["b"]), ('é_src="a" src = "c"', ["c"]),
    ('href="a"src="b"', ["a", "b"]), ('-href="a"', ["a"]), ('formaction="f" action="g"', ["f", "g"]), ('', []),
    ('src="a href="b" href="c"', ["a href=", "c"]), ('href="src="a"', ["src="]), ('href="a" action="b" src="c"', ["a", "b", "c"]),
])
def test_links_pass_over_a_match_inside_a_word_issue_22(page: str, found: list[str]) -> None:
    from mmdata.publish.site import LINKS, links

    assert list(links(page)) == LINKS.findall(page) == found


PIECES = ['href', 'src', 'action', 'formaction', 'x', '-', ' ', '\n', '\t', '\xa0', '\u2028', '\u200b', '=', '"', 'a', 'é', '_',
          '1', ':', '/', '//', '\\', '&', '&#106;', '&#58;', 'javascript', 'https://x.org/', 'data', '#q']


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30))
def test_a_page_told_plainly_safe_links_nothing_unsafe_issue_22(pieces: list[str]) -> None:
    # plainly_safe tells most pages safe from the values of href and src alone (#22): it must never pass a page that
    # links, by LINKS, anything safe_link refuses (a link hidden behind another's value, an entity, a space, a scheme).
    from mmdata.model.publishing import safe_link
    from mmdata.publish.site import LINKS, plainly_safe

    page = "".join(pieces)
    if plainly_safe(page):
        assert all(safe_link(html.unescape(link)) for link in LINKS.findall(page))


@pytest.mark.parametrize(("page", "told"), [
    ('<a href="x.html">1</a><img src="p.svg" srcset="n.svg">', True), ('', True), ('<p>no links</p>', True),
    ('<a href="https://x.org/a?b=1&amp;c=2">', True), ('<a href="../sources/s.html#q-1">', True), ('href="a/b:c"', True), ('href="a:b"', False),
    ('<a href="https://x.org/"><a href="https:x.org">', False),  # a scheme without //
    ('xhref="a/href="javascript:1"', False), ('xsrc="a/src="javascript:1"', False),  # a link inside a value LINKS passes over
    ('xhref="a/href="b"', False), ('<a href="a/src.html">', True),  # a value holding its own name is left to links
    ('<a href="">', False), ('<a href="//x.org/">', False), ('<a href="a\\b">', True), ('<a href="\\x.org">', False), ('<a href="a b">', False),
    ('<a href="a\u2028b">', False), ('<a href="a\u200bb">', False), ('<a href="&#106;avascript:1">', False),
    ('<a href="javascript&#58;1">', False), ('<a href="&#47;/x.org/">', False), ('<a href="a&#32;b">', False),  # entities alone
    ('<img src="data:0">', False), ('<form action="x.html">', False), ('<button formaction="x.html">', False),
])
def test_plainly_safe_says_safe_only_when_it_can_tell_issue_22(page: str, told: bool) -> None:
    from mmdata.publish.site import plainly_safe

    assert plainly_safe(page) is told


def test_every_unsafe_character_is_a_space_or_not_printable_issue_22() -> None:
    # plainly_safe passes a link whose text is printable and holds no space without reading it by character: so every
    # character safe_link refuses must be a space or not printable, over every code point.
    from mmdata.model.publishing import safe_link

    refused = [chr(c) for c in range(0x110000) if not safe_link(f"../a{chr(c)}b.html")]
    assert refused and all(c == " " or not c.isprintable() for c in refused)


def test_every_page_of_the_site_is_told_safe_by_its_values_issue_22(site: Path) -> None:
    # The templates write no page the quick check must leave to links: a page it cannot tell costs twice the time (#22).
    from mmdata.publish.site import plainly_safe

    pages = list(site.rglob("*.html"))
    assert len(pages) > 10 and [p.name for p in pages if not plainly_safe(p.read_text(encoding="utf-8"))] == []


@pytest.mark.parametrize("study_id", ["overview", "narrow", "{other}-narrow"])
def test_a_study_named_like_a_plot_keeps_its_own_plot_issue_22(study_id: str, package: Path, tmp_path: Path, site: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # A study's plot was plots/<id>.svg, its narrow one plots/<id>-narrow.svg: a study "overview" got the overview's
    # drawing, a study "x-narrow" overwrote study x's. Each plot now has a path no id can give another (#22).
    import csv

    import mmdata.publish.export
    import mmdata.publish.site
    from mmdata.model.package import open_package
    from mmdata.publish.site import PLOTS, STUDY_PLOTS, plot_paths

    other = next(p.stem for p in sorted((site / "studies").glob("*.html")) if p.stem != "myeloma-xi" and "<picture>" in p.read_text("utf-8"))
    study_id = study_id.format(other=other)  # another plotted study's narrow drawing was plots/<other>-narrow.svg
    for table in ("studies", "arms", "outcomes", "adverse_events"):  # the study's id wherever it stands (ids keep their old prefix)
        path = package / f"data/{table}.csv"
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        at = [i for i, name in enumerate(rows[0]) if name in ("study_id", "pooled_in")]
        rows[1:] = [[study_id if i in at and cell == "myeloma-xi" else cell for i, cell in enumerate(row)] for row in rows[1:]]
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows(rows)
    for module in (mmdata.publish.export, mmdata.publish.site):  # the curation rules want ids to start with their study's
        monkeypatch.setattr(module, "validated", open_package)
    build_site(package, tmp_path / "s")
    svgs = {p.relative_to(tmp_path / "s").as_posix() for p in (tmp_path / "s/plots").rglob("*.svg")}
    assert set(plot_paths(STUDY_PLOTS, study_id)) <= svgs and set(plot_paths(PLOTS, "overview")) <= svgs
    assert len(svgs) == 2 * (1 + sum(1 for p in (tmp_path / "s/studies").glob("*.html") if "<picture>" in p.read_text(encoding="utf-8")))
    page = (tmp_path / f"s/studies/{study_id}.html").read_text(encoding="utf-8")
    assert f'srcset="../plots/studies/narrow/{study_id}.svg"' in page and f'src="../plots/studies/{study_id}.svg"' in page


def test_two_files_of_one_path_stop_the_site_issue_22(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mmdata.publish import site as site_module

    monkeypatch.setattr(site_module, "plot_paths", lambda folder, name: ("plots/same.svg", f"{folder}/narrow/{name}.svg"))
    with pytest.raises(site_module.SiteError, match=r"^plots/same.svg: two files of the site have this path; nothing was written$"):
        build_site(ROOT, tmp_path / "s")
    assert not (tmp_path / "s").exists()


def test_an_unsafe_link_is_refused_and_each_link_of_a_page_checked_once_issue_22(monkeypatch: pytest.MonkeyPatch) -> None:
    import mmdata.publish.site as site
    from mmdata.errors import SiteError

    checked: list[str] = []
    real = site.safe_link
    monkeypatch.setattr(site, "safe_link", lambda value: checked.append(value) or real(value))
    site._refuse_unsafe_links("a.html", '<a href="https://x.org/">1</a> <a href="https://x.org/">2</a> <img src="p.svg">')
    site._refuse_unsafe_links("b.html", '<a href="https://x.org/">3</a>')
    assert checked == ["https://x.org/", "https://x.org/"]  # once per page: the pages of a large site hold a million links
    checked.clear()  # a link with a colon, an ampersand and a backslash: checked once
    site._refuse_unsafe_links("f.html", '<a href="https://x.org/a?b=1&amp;c=2\\d">1</a><a href="../a:b.html">2</a>')
    assert checked == ["https://x.org/a?b=1&c=2\\d", "../a:b.html"]
    checked.clear()  # a page plainly_safe cannot tell: each distinct link once, in page order
    site._refuse_unsafe_links("e.html", '<a href="https://x.org/">1</a> <a href="https://x.org/">2</a> <img src="p.svg"> <form action="f">')
    assert checked == ["https://x.org/", "p.svg", "f"]
    with pytest.raises(SiteError, match="^c.html would link '&#106;avascript:alert\\(1\\)', which is not an http"):
        site._refuse_unsafe_links("c.html", '<a href="x.html">4</a><a href="&#106;avascript:alert(1)">x</a>')
    unsafe = '<img src="data:0">' + "".join(f'<a href="data:{n}">{n}</a><a href="data:0">' for n in range(99, 0, -1))
    with pytest.raises(SiteError, match="^d.html would link 'data:0', which"):  # the first in the page is named
        site._refuse_unsafe_links("d.html", unsafe)


@pytest.mark.parametrize("failing", ["index.html", "style.css", "studies/"])  # early, the last files, a page among many
def test_a_write_that_fails_stops_the_build_and_leaves_the_old_site_issue_22(failing: str, site: Path, tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # The files are written by a thread of their own: a failed write still stops the build with its message, the
    # previous site stays as it was, and no staging folder is left.
    import errno
    import shutil

    out = tmp_path / "site"
    shutil.copytree(site, out)
    before = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    real = Path.write_bytes

    def write_bytes(path: Path, data: bytes) -> int:
        if failing in path.as_posix():
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, data)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)
    with pytest.raises(mmdata.errors.SiteError) as raised:
        build_site(ROOT, out)
    assert str(raised.value) == f"{out}: cannot write: No space left on device; give a folder you can write to"
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_at_most_pending_bytes_wait_for_the_writer_issue_22(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The pages made ahead of the writer are bounded: a slow disk slows the build, it does not fill the memory.
    import threading

    from mmdata.publish.site import _Staging

    monkeypatch.setattr(_Staging, "PENDING", 5)  # bytes
    gate = threading.Event()
    real = _Staging._put
    monkeypatch.setattr(_Staging, "_put", lambda self, target, data: gate.wait(10) and real(self, target, data))
    staging = _Staging(tmp_path / "out")
    opened = threading.Timer(0.2, gate.set)
    opened.start()
    waiting = []
    for n in (1, 2, 2, 3, 9, 1):
        staging.write(f"pages/{len(waiting)}.html", b"x" * n)
        waiting.append([size for _, size in staging._pending])
    staging.commit()
    assert waiting == [[1], [1, 2], [1, 2, 2], [2, 3], [], [1]]  # at most 5 bytes wait; a larger file waits for itself
    assert sorted(p.read_bytes() for p in (tmp_path / "out/pages").iterdir()) == sorted(b"x" * n for n in (1, 2, 2, 3, 9, 1))


def test_the_site_is_built_in_the_readers_pool_and_leaves_the_programs_issue_22(program_pool: Any, tmp_path: Path,
                                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # From validation to the last page, in jemalloc (io.arrow.arrow_pool), for a program that names no pool; its own after.
    from mmdata.publish import site as site_module

    seen = []
    for name in ("validated", "_build"):
        def spy(*args: object, _real: object = getattr(site_module, name), **kwargs: object) -> object:
            seen.append(program_pool.default_memory_pool().backend_name)
            return _real(*args, **kwargs)  # type: ignore[operator]
        monkeypatch.setattr(site_module, name, spy)
    build_site(ROOT, tmp_path / "s")
    assert seen == ["jemalloc", "jemalloc"]
    assert program_pool.default_memory_pool().backend_name == "system"


@pytest.mark.parametrize("enabled", [True, False])
def test_the_site_is_built_with_the_collector_paused_and_leaves_it_as_it_was_issue_22(enabled: bool, tmp_path: Path,
                                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # Python's cyclic garbage collector scanned every record of the findings again and again: 11 of the 86 s of a
    # million rows' site. It is paused from validation to the last page, and left as the caller had it.
    import gc

    from mmdata.publish import site as site_module

    seen = []
    for name in ("validated", "_build"):
        def spy(*args: object, _real: object = getattr(site_module, name), **kwargs: object) -> object:
            seen.append(gc.isenabled())
            return _real(*args, **kwargs)  # type: ignore[operator]
        monkeypatch.setattr(site_module, name, spy)
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        build_site(ROOT, tmp_path / "s")
        assert seen == [False, False]
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


@pytest.mark.parametrize(("count", "bounds"), [
    (0, [(1, "index.html#studies", 1, 0)]),  # no study: the home page's empty table, no other page
    (1, [(1, "index.html#studies", 1, 1)]),
    (3, [(1, "index.html#studies", 1, 3)]),  # exactly a page
    (4, [(1, "index.html#studies", 1, 3), (2, "studies-2.html", 4, 4)]),  # one more
    (9, [(1, "index.html#studies", 1, 3), (2, "studies-2.html", 4, 6), (3, "studies-3.html", 7, 9)]),
])
def test_the_studies_are_listed_a_page_at_a_time_issue_22(count: int, bounds: list[tuple[int, str, int, int]],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from mmdata.publish import site as site_module

    monkeypatch.setattr(site_module, "STUDIES_PER_PAGE", 3)
    listing = site_module.study_pages(count)
    assert [(p.number, p.href, p.first, p.last) for p in listing] == bounds
    assert {p.total for p in listing} == {count}


def test_past_a_page_of_studies_the_home_page_links_the_pages_of_the_others_issue_22(tmp_path: Path,
                                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from mmdata.publish import site as site_module

    studies = sorted(r[0] for r in read_rows(ROOT / "data/studies.csv")[1])
    assert len(studies) >= 3  # two a page: three pages at least
    monkeypatch.setattr(site_module, "STUDIES_PER_PAGE", 2)
    out = tmp_path / "s"
    build_site(ROOT, out)
    count = -(-len(studies) // 2)
    names = ["index.html", *(f"studies-{n}.html" for n in range(2, count + 1))]
    listed = {}
    for number, name in enumerate(names, start=1):
        text = (out / name).read_text(encoding="utf-8")
        page = Page(text)
        listed[name] = [href for href, _ in page.anchors if re.fullmatch(r"studies/[^/]+\.html", href) and href in
                        re.findall(r'<th scope="row"><a href="([^"]+)"', text)]
        pages_nav = re.search(r'<nav class="pages" aria-label="Pages of studies">\n<p>(.*?)</p>\n</nav>', text, re.S)
        assert pages_nav is not None, name
        first, last = 2 * number - 1, min(2 * number, len(studies))
        shown = f"Study {first}" if first == last else f"Studies {first} to {last}"  # the last page may list one
        assert pages_nav[1].split("\n")[0] == f"{shown} of {len(studies)}, 2 a page. Pages:"
        if number > 1:
            assert f"<title>{shown}" in text and f'<h1 id="studies">{shown} of {len(studies)}</h1>' in text
        assert " ".join(str(n) for n in range(1, count + 1)) in re.sub(r"<[^>]+>", "", pages_nav[1])  # read apart, without styles
        links = re.findall(r'<a href="([^"]+)">(\d+)</a>|<strong aria-current="page">(\d+)</strong>', pages_nav[1])
        assert [(href or "", int(n or current)) for href, n, current in links] == [
            ("" if n == number else ("index.html#studies" if n == 1 else f"studies-{n}.html"), n) for n in range(1, count + 1)]
    assert [listed[name] for name in names] == [[f"studies/{s}.html" for s in studies[i:i + 2]] for i in range(0, len(studies), 2)]
    assert "<h1 id=\"studies\">Studies 3 to 4 of" in (out / "studies-2.html").read_text(encoding="utf-8")
    assert not (out / f"studies-{count + 1}.html").exists()


def test_a_page_of_one_study_is_named_for_it_and_the_home_page_says_where_the_plots_are_linked_issue_22(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mmdata.publish import site as site_module

    count = len(read_rows(ROOT / "data/studies.csv")[1])
    monkeypatch.setattr(site_module, "STUDIES_PER_PAGE", count - 1)  # the last study alone on the second page
    monkeypatch.setattr(site_module, "OVERVIEW_ROWS", 0)  # no overview drawn: the home page says where the plots are
    build_site(ROOT, tmp_path / "s")
    last = (tmp_path / "s/studies-2.html").read_text(encoding="utf-8")
    assert f"<title>Study {count} · mmdata" in last and f'<h1 id="studies">Study {count} of {count}</h1>' in last
    assert f"<p>Study {count} of {count}, {count - 1} a page. Pages:" in last
    home = (tmp_path / "s/index.html").read_text(encoding="utf-8")
    assert f"<p>Studies 1 to {count - 1} of {count}, {count - 1} a page. Pages:" in home
    assert "Each study's plot is on its own page, linked from the list of studies above and its other pages.</p>" in home


def test_a_page_of_studies_is_all_the_home_page_shows_and_names_no_other_issue_22(site: Path) -> None:
    text = (site / "index.html").read_text(encoding="utf-8")
    assert 'aria-label="Pages of studies"' not in text and "studies-2.html" not in text
    assert not list(site.glob("studies-*.html"))
