"""The site in a real browser: headless Chromium loads every page from the file system (#11, #19).

Uses the system's Chromium (Debian's `chromium`, or `MMDATA_CHROMIUM`), driven by Playwright;
no browser is downloaded. Without a browser the tests skip, except in CI (CI=true), where they
fail. Provenance is checked with scripts disabled, as a reader without JavaScript sees it: what is
highlighted is read from the rendered page (the computed style of every character of the source
text, with and without the URL's target). Screenshots are kept in test-artifacts/.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from ..conftest import ROOT, read_rows

QUOTED = ("studies", "arms", "outcomes", "adverse_events")
PHONE = 390  # CSS pixels: the viewport of a common phone
SMALLEST_TEXT = 11  # CSS pixels: the least height of text in the plot as rendered
NARROWEST_COLUMN = 112  # CSS pixels (7rem): a table of many columns scrolls rather than shrink a column to a word a line

ARTIFACTS = Path(os.environ.get("MMDATA_ARTIFACTS", ROOT / "test-artifacts"))
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def chromium() -> str:
    found = os.environ.get("MMDATA_CHROMIUM") or next((p for p in map(shutil.which, CANDIDATES) if p), None)
    if found is None:
        message = "no Chromium found (apt-get install chromium, or set MMDATA_CHROMIUM)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}: CI must run the browser tests")
        pytest.skip(message)
    return found


@pytest.fixture
def site(shipped_site: Path) -> Path:
    return shipped_site


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    path = chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[tuple[Any, list[str]]]:
    """A page that records console errors and warnings, script errors, failed loads and any request off the file system."""
    yield from _page(browser, javascript=True, width=1280)


@pytest.fixture
def static_page(browser: Any) -> Iterator[tuple[Any, list[str]]]:
    """The same, with scripts disabled: the page as a reader without JavaScript sees it."""
    yield from _page(browser, javascript=False, width=1280)


@pytest.fixture
def phone(browser: Any) -> Iterator[tuple[Any, list[str]]]:
    """A page as wide as a phone's screen (390 CSS pixels), scripts disabled."""
    yield from _page(browser, javascript=False, width=PHONE)


def _page(browser: Any, javascript: bool, width: int) -> Iterator[tuple[Any, list[str]]]:
    context = browser.new_context(viewport={"width": width, "height": 900 if width > PHONE else 844}, java_script_enabled=javascript)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"script error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed to load {r.url}: {r.failure}"))

    def only_files(route: Any) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            problems.append(f"network request at view time: {route.request.url}")
            route.abort()

    page.route("**/*", only_files)
    yield page, problems
    context.close()


def test_every_page_loads_with_no_console_error_and_no_broken_link(site: Path, page: tuple[Any, list[str]]) -> None:
    browser_page, problems = page
    html_pages = sorted(site.rglob("*.html"))
    assert len(html_pages) == 3 + len(read_rows(ROOT / "data/studies.csv")[1]) + len(read_rows(ROOT / "data/sources.csv")[1])  # index, dictionary, scope
    for html in html_pages:
        browser_page.goto(html.as_uri())
        for href in browser_page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            parts = urlsplit(href)
            if parts.scheme != "file":
                assert parts.netloc == "creativecommons.org", (html.name, href)  # the licence: the only outside link
                continue
            target = Path(unquote(parts.path))
            assert target.is_file(), (html.name, href)
            if parts.fragment:
                assert f'id="{parts.fragment}"' in target.read_text(encoding="utf-8"), (html.name, href)
        images = browser_page.eval_on_selector_all("img", "els => els.map(e => [e.src, e.complete && e.naturalWidth > 0, e.alt.length])")
        assert all(loaded and alt for _, loaded, alt in images), (html.name, images)
    assert problems == []


def test_keyboard_reaches_the_content_first(site: Path, page: tuple[Any, list[str]]) -> None:
    browser_page, problems = page
    browser_page.goto((site / "index.html").as_uri())
    browser_page.keyboard.press("Tab")
    assert browser_page.evaluate("document.activeElement.textContent") == "Skip to content"
    browser_page.keyboard.press("Enter")
    assert browser_page.evaluate("document.activeElement.id") == "main"
    for _ in range(3):
        browser_page.keyboard.press("Tab")
    assert browser_page.evaluate("document.activeElement.tagName") == "A"
    assert problems == []


def smallest_text(svg: Path, shown_width: float) -> float:
    """The smallest font size of an SVG drawn shown_width CSS pixels wide, in CSS pixels."""
    text = svg.read_text(encoding="utf-8")
    view_width = float(re.search(r'viewBox="[-0-9.]+ [-0-9.]+ ([0-9.]+) ', text).group(1))
    sizes = [float(size) for size in re.findall(r"font-size: ?([0-9.]+)px", text)]
    assert sizes, svg
    return min(sizes) * shown_width / view_width


@pytest.mark.parametrize("screen", ["phone", "page"])
def test_every_page_fits_the_screen_and_its_plot_is_legible_issue_19(site: Path, screen: str, request: pytest.FixtureRequest) -> None:
    """No page is wider than the screen, at 390 and at 1280 CSS pixels (tables scroll in their own box, and a table
    of many columns scrolls rather than squeeze them), the plot's smallest text is at least 11 CSS pixels high as
    drawn, and a screenshot of each kind of page is kept."""
    browser_page, problems = request.getfixturevalue(screen)
    width = browser_page.viewport_size["width"]
    shots = ARTIFACTS / f"{width}px"
    shots.mkdir(parents=True, exist_ok=True)
    kept = {"index.html", "dictionary.html", "studies/myeloma-xi.html", "sources/hughes-myeloma-xi-summary.html"}
    too_wide, too_small, squeezed, plots = [], [], [], 0
    for html in sorted(site.rglob("*.html")):
        name = html.relative_to(site).as_posix()
        browser_page.goto(html.as_uri())
        if (wide := browser_page.evaluate("document.documentElement.scrollWidth")) > width:
            too_wide.append(f"{name}: {wide} px")
        narrowest = browser_page.eval_on_selector_all("table", """tables => tables.filter(t => t.rows[0].cells.length >= 5)
            .map(t => Math.min(...[...t.querySelectorAll("tbody tr > *")].map(cell => cell.getBoundingClientRect().width)))""")
        squeezed += [f"{name}: a column {round(w)} px wide" for w in narrowest if w < NARROWEST_COLUMN]
        images = browser_page.eval_on_selector_all("figure img", "els => els.map(e => [e.currentSrc, e.clientWidth, e.naturalWidth])")
        for src, shown, loaded in images:
            plots += 1
            assert loaded > 0, (name, src)
            if (smallest := smallest_text(Path(unquote(urlsplit(src).path)), shown)) < SMALLEST_TEXT:
                too_small.append(f"{name}: {src.rsplit('/', 1)[1]} drawn {shown} px wide, text {smallest:.1f} px")
    assert too_wide == [], f"wider than {width} px: {too_wide}"
    assert too_small == [], f"plot text under {SMALLEST_TEXT} px at {width} px: {too_small}"
    assert squeezed == [], f"tables of five columns or more squeezed at {width} px: {squeezed}"
    assert plots > 0
    assert problems == []
    height = browser_page.viewport_size["height"]
    for name in sorted(kept):  # the whole page: the viewport made as tall as the page, as wide as before
        browser_page.goto((site / name).as_uri())
        browser_page.set_viewport_size({"width": width, "height": browser_page.evaluate("document.documentElement.scrollHeight")})
        browser_page.screenshot(path=str(shots / f"{name.replace('/', '-').removesuffix('.html')}.png"))
        browser_page.set_viewport_size({"width": width, "height": height})
    assert len(list(shots.glob("*.png"))) == len(kept)


#: The computed style of every text node under selector: what a reader sees change.
STYLES = """selector => {
  const look = el => { const s = getComputedStyle(el);
    return [s.backgroundColor, s.outlineStyle, s.outlineColor, s.textDecorationLine, s.boxShadow, s.color, s.fontWeight].join("|"); };
  const root = document.querySelector(selector);
  if (root === null) return null;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const out = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) out.push([node.data, look(node.parentElement)]);
  return out;
}"""
#: The computed style of each cell of the element with this id (a table row), or of the element itself (a heading).
CELLS = """id => { const el = document.getElementById(id); if (el === null) return null;
  const look = e => { const s = getComputedStyle(e);
    return [s.backgroundColor, s.outlineStyle, s.outlineColor, s.textDecorationLine, s.boxShadow].join("|"); };
  const cells = [...el.querySelectorAll(":scope > th, :scope > td")];
  return (cells.length ? cells : [el]).map(look); }"""


def normalise(text: str) -> str:
    return " ".join(text.split())


def quoted_rows() -> dict[tuple[str, str], dict[str, str]]:
    """Every row that quotes a source, by (table, key)."""
    out = {}
    for table in QUOTED:
        header, records = read_rows(ROOT / f"data/{table}.csv")
        for record in records:
            row = dict(zip(header, record, strict=True))
            if row["quote"]:
                out[(table, record[0])] = row
    return out


def highlighted(browser_page: Any, url: str, plain: list[list[str]]) -> str:
    """The text of the source document that looks different at url (a passage's anchor) than with no target."""
    browser_page.goto(url)
    shown = browser_page.evaluate(STYLES, ".seed")
    assert [text for text, _ in shown] == [text for text, _ in plain], url
    return normalise("".join(text for (text, look), (_, before) in zip(shown, plain, strict=True) if look != before))


def test_without_a_browser_the_tests_fail_in_ci_and_skip_elsewhere(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MMDATA_CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run the browser tests"):
        chromium()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="no Chromium found"):
        chromium()


def test_every_passage_anchor_highlights_exactly_its_quote_issue_19(site: Path, static_page: tuple[Any, list[str]]) -> None:
    """Every link to a passage (each row's link on its study page, the rows table and the passage numbers of the
    source page), followed with scripts disabled, highlights exactly the characters of the quote: nested, overlapping
    and same-start quotes included."""
    browser_page, problems = static_page
    rows = quoted_rows()
    plain: dict[str, list[list[str]]] = {}
    for source in {row["source_id"] for row in rows.values()}:
        browser_page.goto((site / f"sources/{source}.html").as_uri())
        plain[source] = browser_page.evaluate(STYLES, ".seed")
    links: list[tuple[str, str, set[str]]] = []  # (where the link is, its absolute URL, the quotes its passage must show)
    for (table, key), row in sorted(rows.items(), key=lambda item: (item[1]["study_id"], item[0])):
        study_page = (site / f"studies/{row['study_id']}.html").as_uri()
        if browser_page.url != study_page:
            browser_page.goto(study_page)
        where = ".facts" if table == "studies" else f'[id="{table}-{key}"]'
        hrefs = browser_page.eval_on_selector_all(f'{where} a[href*="/sources/"]', "els => els.map(e => e.href)")
        assert len(hrefs) == 1, (table, key, hrefs)
        links.append((f"studies/{row['study_id']}.html {table}-{key}", hrefs[0], {normalise(row["quote"])}))
    for source in sorted(plain):
        page_url = (site / f"sources/{source}.html").as_uri()
        browser_page.goto(page_url)
        table = browser_page.eval_on_selector_all("#rows + table tbody tr, #rows ~ * tbody tr", """trs => trs.map(tr =>
            [tr.querySelector("th a").href.split("#")[1], tr.querySelector("td:last-child a").href])""")
        spans = browser_page.eval_on_selector_all(".seed .rows", """spans => spans.map(s =>
            [s.querySelector("a.passage-number").href, [...s.querySelectorAll("a:not(.passage-number)")].map(a => a.href.split("#")[1])])""")
        by_key = {f"{t}-{k}": normalise(r["quote"]) for (t, k), r in rows.items() if r["source_id"] == source}
        assert sorted(anchor for anchor, _ in table) == sorted(by_key), source
        links += [(f"{source} rows table {anchor}", href, {by_key[anchor]}) for anchor, href in table]
        links += [(f"{source} passage number", href, {by_key[a] for a in anchors}) for href, anchors in spans]
        anchors = browser_page.eval_on_selector_all(".seed .anchor", "els => els.map(e => e.id)")
        assert sorted(urlsplit(href).fragment for href, _ in spans) == sorted(anchors), source  # every anchor is followed
    wrong = []
    for where, url, quotes in sorted(links, key=lambda link: link[1]):  # page by page: a new fragment only moves the target
        assert len(quotes) == 1, (where, quotes)  # the rows of one passage quote the same words
        source = urlsplit(url).path.rsplit("/", 1)[1].removesuffix(".html")
        shown = highlighted(browser_page, url, plain[source])
        if shown != next(iter(quotes)):
            wrong.append((where, shown, next(iter(quotes))))
        if where == "studies/myeloma-xi.html outcomes-myeloma-xi-pfs-median-lenalidomide":  # the "39 months" of the issue, a passage within another
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            browser_page.screenshot(path=str(ARTIFACTS / "passage.png"))
    assert wrong == [], f"{len(wrong)} of {len(links)} passage links highlight other words"
    assert len(links) >= 2 * len(rows)
    assert problems == []


def test_every_back_link_highlights_its_row_issue_19(site: Path, static_page: tuple[Any, list[str]]) -> None:
    """Every link from a source page to a row of a study page lands on the row and highlights it (every cell)."""
    browser_page, problems = static_page
    followed = 0
    plain: list[str] = []
    links: set[tuple[str, str]] = set()  # (source page, link to a row)
    for source in sorted((site / "sources").glob("*.html")):
        browser_page.goto(source.as_uri())
        links |= {(source.name, url) for url in browser_page.eval_on_selector_all('a[href*="/studies/"]', "els => els.map(e => e.href)")}
    before: dict[str, Any] = {}
    for url in sorted({url for _, url in links}):  # page by page: a new fragment only moves the target
        study, target = url.split("#")
        if study not in before:
            browser_page.goto(study)
            before[study] = {t: browser_page.evaluate(CELLS, t) for t in {u.split("#")[1] for _, u in links if u.startswith(study + "#")}}
        browser_page.goto(url)
        after = browser_page.evaluate(CELLS, target)
        assert browser_page.evaluate("document.querySelector(':target') && document.querySelector(':target').id") == target, url
        assert before[study][target] is not None, url
        if not all(a != b for a, b in zip(after, before[study][target], strict=True)):
            plain.append(url.rsplit("/", 1)[1])
        followed += 1
    assert plain == [], f"{len(plain)} of {followed} rows that source pages link to are not highlighted when followed"
    assert followed == len(quoted_rows())
    assert problems == []


def test_the_pages_of_studies_open_link_each_other_and_are_easy_to_tap_issue_22(tmp_path: Path, phone: tuple[Any, list[str]],
                                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Past a page of studies (two here), the home page and each further page of studies load, every link of theirs reaches
    a file, and each page number is a target of at least 24 by 24 CSS pixels on a phone (WCAG 2.5.8)."""
    from mmdata.publish import site as site_module

    monkeypatch.setattr(site_module, "STUDIES_PER_PAGE", 2)
    site_module.build_site(ROOT, tmp_path / "s")
    browser_page, problems = phone
    listed = [tmp_path / "s/index.html", *sorted((tmp_path / "s").glob("studies-*.html"))]
    assert len(listed) == -(-len(read_rows(ROOT / "data/studies.csv")[1]) // 2)
    for html in listed:
        browser_page.goto(html.as_uri())
        for href in browser_page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            parts = urlsplit(href)
            assert parts.scheme != "file" or Path(unquote(parts.path)).is_file(), (html.name, href)
        sizes = browser_page.eval_on_selector_all("nav.pages a, nav.pages strong",
                                                  "els => els.map(e => [e.getBoundingClientRect().width, e.getBoundingClientRect().height])")
        assert len(sizes) == len(listed), html.name
        assert all(width >= 24 and height >= 24 for width, height in sizes), (html.name, sizes)
    assert problems == []
