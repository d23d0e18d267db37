"""The site in a real browser: headless Chromium loads every page from the file system (#11).

Uses the system's Chromium (Debian's `chromium`, or `MMDATA_CHROMIUM`), driven by Playwright;
no browser is downloaded. Without a browser the tests skip, except in CI (CI=true), where they
fail. Screenshots of the home page and of one source page are kept in test-artifacts/.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from ..conftest import ROOT, read_rows

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
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"script error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed to load {r.url}"))

    def only_files(route: Any) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            problems.append(f"network request at view time: {route.request.url}")
            route.abort()

    page.route("**/*", only_files)
    yield page, problems
    page.close()


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


def test_screenshots_of_the_home_page_and_a_source_page(site: Path, page: tuple[Any, list[str]]) -> None:
    browser_page, problems = page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    source = read_rows(ROOT / "data/sources.csv")[1][0][0]
    shots = {"home.png": site / "index.html", "source.png": site / f"sources/{source}.html"}
    for name, html in shots.items():
        browser_page.goto(html.as_uri() + ("#passage-1" if "sources" in html.parts else ""))
        browser_page.screenshot(path=str(ARTIFACTS / name), full_page=name == "home.png")
        assert (ARTIFACTS / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert browser_page.evaluate("document.querySelector(':target') !== null")
    assert problems == []
