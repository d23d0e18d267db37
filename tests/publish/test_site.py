"""`mmdata site`: pages, links, provenance you can click, JSON-LD, escaping (#11)."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner

import mmdata
from mmdata.cli import cli
from mmdata.publish import findings as view
from mmdata.publish.site import build_site

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
        self._script = False
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
        self._script = tag == "script"

    def handle_data(self, data: str) -> None:
        if self._script:
            self.scripts.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._script = False


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
    assert text.count("<mark>") >= 1 and "not found" not in text
    assert rows > 0


def test_hedges_and_not_reached_shown_as_such(site: Path) -> None:
    findings = mmdata.load("findings")
    for _, row in findings[findings["qualifier"].notna()].iterrows():
        html = (site / f"studies/{row['study_id']}.html").read_text()
        word = {"not-reached": "not reached", "more-than": "more than"}.get(row["qualifier"], row["qualifier"])
        cell = re.search(rf'id="{row["finding_table"]}-{row["finding_id"]}".*?<span class="result hedged">(.*?)</span>.*?</tr>', html, re.S)
        assert cell and word in cell.group(1), row["finding_id"]


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


def test_plot_is_the_same_svg_each_build(site: Path, tmp_path: Path) -> None:
    build_site(ROOT, tmp_path / "again")
    plots = sorted(p.name for p in (site / "plots").iterdir())
    assert "overview.svg" in plots
    for name in plots:
        assert (site / "plots" / name).read_bytes() == (tmp_path / "again/plots" / name).read_bytes()
    svg = (site / "plots/overview.svg").read_text()
    assert "<script" not in svg
    assert re.findall(r'(?:href|src)="https?:', svg) == []  # namespaces only: nothing is fetched


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


def test_the_scope_page_shows_the_scope_record_and_every_warning_issue_20(site: Path) -> None:
    text = (site / "scope.html").read_text(encoding="utf-8")
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    for value in descriptor["mmdata:scope"].values():
        if isinstance(value, str):
            assert escaped(value) in text
    for warning in descriptor["mmdata:warnings"]:
        assert f'id="warning-{warning["name"]}"' in text and escaped(warning["description"]) in text
    assert "<dd>Not recorded for any of the 5 sources.</dd>" in text
    assert '<a href="scope.html">Scope</a>' in (site / "index.html").read_text(encoding="utf-8")


def escaped(text: str) -> str:
    """text as Jinja's autoescape writes it (an apostrophe as &#39;, a double quote as &#34;)."""
    return html.escape(text).replace("&#x27;", "&#39;").replace("&quot;", "&#34;")
