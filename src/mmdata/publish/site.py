"""`mmdata site`: a static website of the data that works offline, from the file system or GitHub Pages.

Plain HTML and one stylesheet (and, on a source page, the one rule that highlights the passage a link
points at), no script but the JSON-LD, no network access when viewed. Pages:
the home page (what the data is, its version and date, the studies, downloads, how to cite,
schema.org Dataset JSON-LD), one page per study (its findings grouped by endpoint, with a plot),
one page per source document (its full text with every quoted passage highlighted, anchored and
linked to the rows it supports; each row links back to its passage), and the data dictionary.
Templates are Jinja2 with autoescaping; every value is escaped.
"""

from __future__ import annotations

import collections
import hashlib
import html as html_text
import itertools
import json
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup

from ..errors import SiteError
from ..io.arrow import arrow_pool
from ..io.csvfile import without_collection
from ..io.files import decoded, read_file
from ..io.snapshot import safe_relative_path
from ..model.load import typed_tables
from ..model.package import Package, dataset_authors
from ..model.publishing import archive_name, citations, safe_link
from ..model.rulefacts import NOT_REACHED
from ..model.scope import scope_items, scope_of
from ..rules.validate import validated
from . import feed
from . import findings as view
from .columnhtml import filled, joined, shown, texts
from .columnhtml import words as words_of
from .croissant import FILE as CROISSANT
from .croissant import known_links
from .export import FINDINGS_CSV, SQLITE_FILE, croissant_bytes, files_and_findings, require, study_rows
from .passages import Passages, RowRef, all_passages, row_links
from .plot import Plot, draw, number, plot_rows, records, rows_of, study_names, value_label, words
from .sqlite import described

Frames = dict[str, pd.DataFrame]

#: The most rows the home page's overview plot draws (one per study, endpoint, population and time); past it, each
#: study's plot is on its page only. Tens of thousands of rows would make a drawing no browser opens in a second (#22).
OVERVIEW_ROWS = 60
MARKER = ".mmdata-site"  # marks a folder that `mmdata site` built, and may therefore empty
DEFAULT_OUT = "site"
#: The specification a package whose profile is tabular-data-package conforms to.
TABULAR_DATA_PACKAGE = "https://specs.frictionlessdata.io/tabular-data-package/"
FORMATS = {"data.sqlite": "application/vnd.sqlite3", "metadata.json": "application/json", "croissant.json": "application/ld+json",
           ".parquet": "application/vnd.apache.parquet",
           ".csv": "text/csv", ".zip": "application/zip"}




@dataclass
class SiteResult:
    out: Path
    pages: list[str]  # relative paths of the HTML pages written
    files: int  # every file written, pages included


def build_site(package: str | Path | Package = ".", out: str | Path = DEFAULT_OUT, base_url: str | None = None,
               release_url: str | None = None) -> SiteResult:
    """Build the site of the package folder at package (or a Package of one, already opened) into out, replacing an
    earlier build only once the new one is complete. The package is validated first, once (InvalidPackage).

    release_url is the address the release archive of this version is published under (a
    folder URL, such as a GitHub release's download address); without it the archive is linked
    only when dist/ holds it.
    """
    out = Path(out)
    _check_out(out)
    for module in ("jinja2", "pyarrow"):
        require(module, "The site")
    with arrow_pool(), without_collection():
        pkg = validated(package)
        if pkg.root is None:
            raise SiteError(f"{pkg.label}: the site is built from a package folder")
        staging = _Staging(out)
        try:
            pages = _build(pkg, pkg.root, staging, base_url, release_url, owned=not isinstance(package, Package))
            staging.commit()
        except BaseException:
            staging.discard()
            raise
    return SiteResult(out, sorted(pages), len(staging.sizes))


def _build(pkg: Package, root: Path, staging: _Staging, base_url: str | None, release_url: str | None, owned: bool = False) -> list[str]:
    """Write every file of the site into staging, each as soon as it is made (the site of a million rows is gigabytes,
    never held in memory at once); the relative paths of the pages written. owned: pkg was opened for the site alone,
    so the finding tables it holds may be let go once read (_let_go)."""
    tables = typed_tables(pkg)
    # The tables' copies, and their checksums in croissant.json, read each file whole: before the export, which holds
    # the most (after it, a million outcomes' 386 MB were the site's peak, #22).
    for resource in pkg.usable:
        staging.write(f"downloads/csv/{resource.name}.csv", pkg.file(resource.path))
    staging.write(f"downloads/{CROISSANT}", croissant_bytes(pkg, lambda resource: f"csv/{resource.name}.csv"))  # beside the copies it describes (#20)
    placed = {rel: f"downloads/{_download_path(rel)}" for rel in (SQLITE_FILE, FINDINGS_CSV)}  # put in place, not held (#22)
    # The SQLite file's full-text index is made while the passages and the study pages are, and the file is put in place
    # before the home page, which gives its size (#22).
    with files_and_findings(pkg, {rel: staging.path(path) for rel, path in placed.items()},
                            lambda exc: _cannot_write(staging.out, exc)) as (exported, findings):
        for rel in list(exported):  # each let go once written: none is held while the pages are made
            staging.write(f"downloads/{_download_path(rel)}", exported.pop(rel))
        del exported
        archive = root / "dist" / archive_name(pkg.version)
        links: dict[str, str] = {}
        if release_url:
            base = release_url.rstrip("/") + "/"
            links = {"archive": base + archive.name, "checksum": base + archive.name + ".sha256"}
        elif (published := read_file(root, f"dist/{archive.name}")) is not None:
            staging.write(f"downloads/{archive.name}", published)
            staging.write(f"downloads/{archive.name}.sha256", f"{hashlib.sha256(published).hexdigest()}  {archive.name}\n".encode())
        finding_tables = [name for name, _ in view.parts(pkg.resources)]
        # Each finding table let go as soon as its quotes are taken, before they are placed: held beside the rows they
        # became, a million outcomes were the site's peak (#22).
        passages = all_passages(pkg, tables, (lambda name: _let_go(pkg, tables, [name]) if name in finding_tables else None) if owned else None)
        if owned:
            _let_go(pkg, tables, finding_tables)
        sources = _sources(tables)
        labels = {source["source_id"]: source["label"] for source in sources}
        passage_links = PassageLinks(passages, labels)
        studies = _studies(tables, findings)
        context = dict(_common(pkg, root), release_links=links)
        env = _environment()
        pages: list[str] = []

        def page(name: str, template: str, **values: Any) -> None:
            text = env.get_template(template).render(context, **values)
            _refuse_unsafe_links(name, text)
            staging.write(name, text.encode("utf-8"))
            pages.append(name)

        names, pooled = study_names(tables["studies"])
        arms = _arms(tables, passage_links)
        plotted = 0  # rows of every study's plot: what the overview would draw
        terms = term_order(findings)
        absent = [name for name in (*READ, *WRITTEN) if name not in findings.columns]  # no finding table has them
        if absent:  # (a package whose outcomes are not findings): blank on every page, as a finding without them is
            findings = findings.assign(**dict.fromkeys(absent, None))

        def written(batch: pd.DataFrame) -> list[tuple[dict[str, Any], str]]:  # each finding's record and its row of the page
            rows = records(batch[list(READ)])
            return list(zip(rows, finding_rows(rows, batch, passage_links), strict=True))

        for study, pairs in zip(studies, _by_study(findings[list(READ + WRITTEN)], [study["study_id"] for study in studies], made=written),
                                strict=True):
            rows = [row for row, _ in pairs]
            plot = draw(*rows_of(rows, names, pooled), f"{study['name']}: lenalidomide against its control")
            if plot is not None:
                plotted += len(plot.rows)
                _write_plot(staging, plot, STUDY_PLOTS, study["study_id"])
            page(f"studies/{study['study_id']}.html", "study.html", root="../", study=study, arms=arms.get(study["study_id"], []),
                 groups=_groups(pairs, terms), plot=_figure(plot, STUDY_PLOTS, study["study_id"], "../"),
                 study_link=passage_links.get(("studies", study["study_id"])))
        # The overview only while it stays readable: past OVERVIEW_ROWS rows the home page says where the plots are.
        overview = draw(*plot_rows(findings, tables["studies"]), "Lenalidomide against its control, by study") if plotted <= OVERVIEW_ROWS else None
        if overview is not None:
            _write_plot(staging, overview, PLOTS, "overview")
    del findings  # the source pages read the passages
    for path in placed.values():
        staging.placed(path)
    listing = study_pages(len(studies))
    page("index.html", "index.html", root="", studies=studies[:STUDIES_PER_PAGE], sources=sources,
         plot=_figure(overview, PLOTS, "overview", ""), plotted=plotted, overview_rows=OVERVIEW_ROWS, downloads=_downloads(staging.sizes),
         jsonld=_jsonld(pkg, context, staging.sizes, base_url), citation=context["citation"],
         study_pages=listing, shown=listing[0], per_page=STUDIES_PER_PAGE)
    for more in listing[1:]:  # the studies past the home page's, STUDIES_PER_PAGE a page
        page(more.href, "studies.html", root="", studies=studies[more.first - 1:more.last], study_pages=listing, shown=more,
             per_page=STUDIES_PER_PAGE)
    for source in sources:
        found = passages[source["source_id"]]
        page(f"sources/{source['source_id']}.html", "source.html", root="../", source=source, text=found.html(), highlight=found.css(),
             rows=quoting_rows(found.rows, found.links), missing=found.missing)
    page("dictionary.html", "dictionary.html", root="", tables=_dictionary(pkg))
    staging.write(feed.FILE, feed.feed_xml(pkg, root, (base_url.rstrip("/") + "/") if base_url else ""))  # the change feed (#20)
    page("scope.html", "scope.html", root="", warnings=pkg.warnings, scope=_scope(pkg, tables))
    staging.write("style.css", (Path(__file__).parent / "templates" / "style.css").read_bytes())
    staging.write(".nojekyll", b"")
    staging.write(MARKER, b"built by mmdata site; the whole folder is replaced by the next build\n")
    return pages


#: Every address a page links or loads.
LINKS = re.compile(r'\b(?:href|src|action|formaction)\s*=\s*"([^"]*)"')
#: LINKS for one of its names: re searches a pattern that starts with a literal text many times faster than one that
#: starts with alternatives (0.8 s against 5.4 s for the pages of a million rows, #22). A match of formaction holds one of
#: action, four characters on.
_NAMED = {name: re.compile(name + LINKS.pattern.split(")", 1)[1]) for name in ("href", "src", "action")}
_WORD = re.compile(r"\w")


def links(page: str) -> list[str]:
    """The addresses LINKS finds in page (LINKS.findall), found by a search for each of href and src on its own. The
    matches of the two, in page order, are LINKS' own when none overlaps another and none follows a word character
    (where LINKS' \\b fails): a match LINKS would find between them would lie inside one of them. Any other page (one with
    an action, which no template writes) is searched with LINKS itself (#22)."""
    if _NAMED["action"].search(page):
        return LINKS.findall(page)
    found = [(m.start(), m.end(), m.group(1)) for name in ("href", "src") for m in _NAMED[name].finditer(page)]
    found.sort()
    end = 0
    for start, stop, _ in found:
        if start < end or (start and _WORD.match(page, start - 1)):
            return LINKS.findall(page)
        end = stop
    return [link for _, _, link in found]


#: The characters that may still make a link unsafe when it is not empty, does not start with // and is all printable but
#: for spaces (a scheme, an entity, a backslash): plainly_safe checks a link holding one of them with safe_link.
_MARKS = ":&\\"


def plainly_safe(page: str) -> bool:
    """True when every link LINKS finds in page is safe (safe_link of its unescaped text), told from what the searches for
    href and for src each find (their values, not where they are: links places every match, 8.2 s for the pages of a
    million rows, #22); False when one may not be, for links to tell exactly (a page with an action, with a link that
    holds its own name, or with an unsafe link).

    A link LINKS finds is one that the search for its name finds, with the same value (the search is LINKS' pattern
    after its names, and reads the same text from the same place), unless an earlier match of that search reaches over
    it: then the link's name is inside that match's value, so that value holds the name. It cannot start inside that
    match's name (neither name overlaps itself), nor in the whitespace, equals sign and quote after it (none of them is
    a name's first letter), nor at its closing quote; and a value ends at the first quote.

    A value that is not empty, does not start with //, holds only printable characters but spaces and none of _MARKS
    has no scheme, and unescaping leaves it as it is: safe_link takes it (safe_link's whitespace and control characters
    are spaces or not printable: a test checks every code point). Each value with a mark is checked by safe_link, once."""
    if _NAMED["action"].search(page):
        return False
    for name in ("href", "src"):
        values = dict.fromkeys(_NAMED[name].findall(page))  # in page order: the same values checked in the same order every time
        if not values:
            continue
        joined = '"' + '"'.join(values) + '"'  # a quote ends a value, so none holds one: each stands between two quotes
        if name in joined or '""' in joined or '"//' in joined or " " in joined or not joined.isprintable():
            return False
        marked: dict[int, int] = {}  # where each value holding a mark starts and ends: checked once, in page order
        for mark in _MARKS:
            at = joined.find(mark)
            while at >= 0:
                end = joined.find('"', at)
                marked[joined.rfind('"', 0, at) + 1] = end
                at = joined.find(mark, end)
        if not all(safe_link(html_text.unescape(joined[start:end])) for start, end in sorted(marked.items())):
            return False
    return True


def _refuse_unsafe_links(name: str, page: str) -> None:
    """SiteError when a page would link or load anything but an http(s) address or a relative path (#23): validation
    refuses the cells and paths that would make one, so this only guards the templates. Most pages are told safe by
    plainly_safe; the others have each distinct link checked once: a passage is linked from every row that quotes it
    (#22)."""
    if plainly_safe(page):
        return
    for found in dict.fromkeys(links(page)):  # each once, in page order: the first unsafe one is named
        if not safe_link(html_text.unescape(found)):
            raise SiteError(f"{name} would link {found!r}, which is not an http(s) address or a relative path; nothing was written")


def _check_out(out: Path) -> None:
    """Refuse, before any work, an out that is a link, a file or a folder mmdata site did not build."""
    if out.is_symlink():  # the swap would replace the link, and leave its folder behind as .NAME.old (#23)
        raise SiteError(f"{out} is a symbolic link; give the folder itself: mmdata site replaces the whole folder and follows no link")
    if out.exists() and not out.is_dir():
        raise SiteError(f"{out} is a file; give a folder for the site")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise SiteError(f"{out} is not empty and was not built by mmdata site; give an empty or new folder")


def _cannot_write(out: Path, exc: OSError) -> SiteError:
    """What stops the site being written in out: the folder and the reason."""
    return SiteError(f"{out}: cannot write: {exc.strerror or exc}; give a folder you can write to")


class _Staging:
    """The new site, written beside out file by file as it is made, then swapped in whole (commit); a build that fails
    is discarded, and leaves the previous site as it was.

    The files are written by a thread of their own while the next page is made (a write lets go of the GIL): a site of a
    million rows is 30,000 files, seconds of system calls (#22). The files waiting hold at most PENDING bytes (a larger
    file waits for its own write), so that the export files, gigabytes at a million rows, are let go as before; the
    first write that fails stops the build with its SiteError, at the next write or at commit."""

    PENDING = 1 << 26

    def __init__(self, out: Path) -> None:
        self.out = out
        self.sizes: dict[str, int] = {}  # every file written: its path in the site, its size in bytes
        self._folders: set[Path] = set()  # made already (by the writer thread only)
        self._pending: collections.deque[tuple[Future[None], int]] = collections.deque()
        self._waiting = 0  # bytes of the files in _pending
        self._writer = ThreadPoolExecutor(max_workers=1)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            self.folder = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
        except OSError as exc:
            raise _cannot_write(out, exc) from None

    def write(self, rel: str, data: bytes) -> None:
        self._claim(rel, len(data))
        self._pending.append((self._writer.submit(self._put, self.folder / rel, data), len(data)))
        self._waiting += len(data)
        while self._waiting > self.PENDING:
            self._wait()

    def path(self, rel: str) -> Path:
        """Where a file that is put in place rather than written goes (its folder made); placed records it once it is."""
        self._claim(rel, 0)
        target = self.folder / rel
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _cannot_write(self.out, exc) from None
        return target

    def placed(self, rel: str) -> None:
        self.sizes[rel] = (self.folder / rel).stat().st_size

    def _claim(self, rel: str, size: int) -> None:
        if safe_relative_path(rel) is not None:  # validation refuses the names that make one (#23)
            raise SiteError(f"{rel}: not a path inside {self.out}; nothing was written")
        if rel in self.sizes:  # two files of one path: the second would replace the first, and a page would show the wrong one
            raise SiteError(f"{rel}: two files of the site have this path; nothing was written")
        self.sizes[rel] = size

    def _wait(self) -> None:
        """Wait for the oldest write; it raises if it failed."""
        done, size = self._pending.popleft()
        self._waiting -= size
        done.result()

    def _put(self, target: Path, data: bytes) -> None:
        try:
            if target.parent not in self._folders:
                target.parent.mkdir(parents=True, exist_ok=True)
                self._folders.add(target.parent)
            target.write_bytes(data)
        except OSError as exc:
            raise _cannot_write(self.out, exc) from None

    def _finish(self) -> None:
        """Wait for every write; the first that failed raises."""
        try:
            while self._pending:
                self._wait()
        finally:
            self._writer.shutdown(wait=True, cancel_futures=True)

    def commit(self) -> None:
        self._finish()
        out = self.out
        try:
            self.folder.chmod(0o755)
            if out.is_dir():
                old = out.with_name(f".{out.name}.old")
                shutil.rmtree(old, ignore_errors=True)
                out.rename(old)
                self.folder.rename(out)
                shutil.rmtree(old, ignore_errors=True)
            else:
                self.folder.rename(out)
        except OSError as exc:
            raise _cannot_write(out, exc) from None

    def discard(self) -> None:
        self._pending.clear()
        self._writer.shutdown(wait=True, cancel_futures=True)  # no write left to land in the folder removed
        shutil.rmtree(self.folder, ignore_errors=True)


def _environment() -> Any:
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(loader=PackageLoader("mmdata.publish", "templates"), autoescape=select_autoescape(["html"], default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["words"] = words
    return env


def _download_path(rel: str) -> str:
    return f"csv/{rel}" if rel.endswith(".csv") else rel


def _common(pkg: Package, root: Path) -> dict[str, Any]:
    citation = decoded("CITATION.cff", read_file(root, "CITATION.cff") or b"")  # never through a link (#13), UTF-8 (#23)
    released = re.search(r'^date-released: "?([0-9-]+)"?', citation, re.M)
    licence = dict((pkg.descriptor.get("licenses") or [{}])[0])
    licence["href"] = licence.get("path") if safe_link(licence.get("path")) else None  # never javascript: (#23)
    licence["name"] = licence.get("name") or licence.get("title") or licence.get("path") or "no licence declared"  # none is required
    described = {"title": pkg.title, "description": str(pkg.descriptor.get("description") or "")}  # neither is required
    return {"package": {**pkg.descriptor, **described}, "version": pkg.version, "date": released.group(1) if released else None,
            "licence": licence, "citation": citations(citation) if citation else None, "archive": archive_name(pkg.version)}


#: The columns of the findings view a study page reads as records (plot.rows_of, _groups, result_text, finding_rows, each
#: by its name: a column left out raises KeyError), 21 values a row instead of the view's 38 (#22); and those that
#: finding_html reads as columns, never as records (a finding's long texts).
READ = (view.KIND, view.KEY, "study_id", "arm_name", "arm_role", "comparator_arm_id", "comparator_arm_name", "population",
        "event", "endpoint", "statistic", "value", "unit", "qualifier", "direction", "significance", "time_value", "time_unit",
        "ci_lower", "ci_upper", "p_value")
WRITTEN = ("finding", "quote", "caveat")


def _let_go(pkg: Package, tables: dict[str, pd.DataFrame], names: list[str]) -> None:
    """Let go of the tables names, as typed and as read, which the pages do not read once the passages have taken their
    quotes: they read the findings view instead. At a million rows, the site's peak was in its pages, with the finding
    tables held beside the view, and then in the passages (#22)."""
    for name in names:
        tables.pop(name, None)
        for held in (pkg.frames, pkg.typed):
            if held is not None:
                held.pop(name, None)


def _by_study(findings: pd.DataFrame, study_ids: list[str], batch: int = 50_000,
              made: Callable[[pd.DataFrame], list[Any]] = records) -> Iterator[list[Any]]:
    """The findings of each study of study_ids in turn, in the findings' order, each as made makes it of its row (made
    is given batch rows at a time, and gives one item per row: records unless told), so that the records of the whole
    view are never in memory at once."""
    codes = pd.Index(study_ids).get_indexer(findings["study_id"])  # -1: a study not listed, or none
    counts = np.bincount(codes[codes >= 0], minlength=len(study_ids))
    order = np.argsort(codes, kind="stable")
    order = order[codes[order] >= 0]
    stream = (row for start in range(0, len(order), batch) for row in made(findings.take(order[start:start + batch])))
    for count in counts.tolist():
        yield list(itertools.islice(stream, count))


#: Studies listed on one page. The home page lists the first ones and links the pages of the others (studies-2.html, ...):
#: 10,000 studies in one table made it 2.4 MB, and it took 1.1 s to open (#22).
STUDIES_PER_PAGE = 1_000


@dataclass(frozen=True)
class StudyPage:
    """A page of the list of studies: its number (1 is the home page), its address, and its first and last study (from 1)."""

    number: int
    href: str
    first: int
    last: int
    total: int

    @property
    def words(self) -> str:
        """What the page lists, as its title says it: 'Studies 1,001 to 2,000', or 'Study 1,001' alone on its page."""
        return f"Study {self.first:,}" if self.first == self.last else f"Studies {self.first:,} to {self.last:,}"


def study_pages(count: int) -> list[StudyPage]:
    """The pages that list count studies, STUDIES_PER_PAGE a page: the home page, then studies-2.html, studies-3.html, ...
    (at the site's top, beside index.html: a study's own page is studies/<study_id>.html, whatever its id)."""
    return [StudyPage(n, "index.html#studies" if n == 1 else f"studies-{n}.html", start + 1, min(start + STUDIES_PER_PAGE, count), count)
            for n, start in enumerate(range(0, max(count, 1), STUDIES_PER_PAGE), start=1)]


def _studies(tables: Frames, findings: pd.DataFrame) -> list[dict[str, Any]]:
    studies = tables["studies"]
    names = dict(zip(studies["study_id"], studies["name"], strict=True))
    pools: dict[str, list[dict[str, str]]] = {}
    for s, p in zip(studies["study_id"], studies["pooled_in"], strict=True):
        if not pd.isna(p):
            pools.setdefault(p, []).append({"study_id": s, "name": names[s]})
    arm_counts = tables["arms"]["study_id"].value_counts(dropna=True).to_dict()
    finding_counts = findings["study_id"].value_counts(dropna=True).to_dict()
    first: dict[str, dict[str, Any]] = {}
    for study in records(studies):
        first.setdefault(study["study_id"], study)
    out = []
    for study_id in sorted(studies["study_id"]):
        study = dict(first[study_id])
        study["size_text"] = None if study["size"] is None else value_label(study["size"], study["size_qualifier"], "patients")
        study["pooled_in_name"] = names.get(study["pooled_in"]) if study["pooled_in"] else None
        study["pools"] = pools.get(study_id, [])
        study["arm_count"] = int(arm_counts.get(study_id, 0))
        study["finding_count"] = int(finding_counts.get(study_id, 0))
        out.append(study)
    return out


def _sources(tables: Frames) -> list[dict[str, Any]]:
    sources = tables["sources"]
    first: dict[str, dict[str, Any]] = {}
    for source in records(sources):
        first.setdefault(source["source_id"], source)
    out = []
    for source_id in sorted(sources["source_id"]):
        source = dict(first[source_id])
        source["label"] = source["title"] or f"Untitled {words(source['document_type'])} ({source['seed_file']})"
        out.append(source)
    return out


class PassageLinks:
    """The link from each row to the passage it quotes, by (table, key), named by the passage and its document
    ("passage 3 of ..."); a row quoted in two documents links to the first of passages that has it. Each row's document
    and anchor are kept, and its link is worded when asked for (get): the words of a million rows' links, held at once,
    were 500 MB of the site's peak (#22)."""

    def __init__(self, passages: dict[str, Passages], labels: dict[str, str]) -> None:
        self._labels = labels
        self._at: dict[tuple[str, str], tuple[str, str]] = {}  # (table, key): (source_id, anchor)
        for found in passages.values():
            for row in found.rows:
                if row.anchor and (row.table, row.key) not in self._at:
                    self._at[(row.table, row.key)] = (found.source_id, row.anchor)

    def get(self, row: tuple[str, str]) -> dict[str, str] | None:
        """The link of a row by (table, key): its href and text; None when its quote has no passage."""
        at = self._at.get(row)
        if at is None:
            return None
        source_id, anchor = at
        return {"href": f"../sources/{source_id}.html#{anchor}", "text": f"passage {anchor.removeprefix('passage-')} of {self._labels[source_id]}"}


def _arms(tables: Frames, passage_links: PassageLinks) -> dict[str, list[dict[str, Any]]]:
    """The arms of each study, by study, each study's in the order of their keys."""
    first: dict[str, dict[str, Any]] = {}
    for arm in records(tables["arms"]):
        first.setdefault(arm["arm_id"], arm)
    out: dict[str, list[dict[str, Any]]] = {}
    for arm_id in sorted(first):
        arm = dict(first[arm_id])
        arm["size_text"] = None if arm["size"] is None else value_label(arm["size"], arm["size_qualifier"], "patients")
        arm["passage"] = passage_links.get(("arms", arm_id))
        out.setdefault(arm["study_id"], []).append(arm)
    return out


def result_text(row: dict[str, Any]) -> str:
    """What a finding states, in words: hedges, "not reached", directions and intervals kept as such."""
    parts = []
    if row["qualifier"] == NOT_REACHED:
        parts.append("not reached")
    elif row["value"] is not None:
        parts.append(value_label(row["value"], row["qualifier"], row["unit"]))
    if row["direction"]:
        against = f" than in {row['comparator_arm_name']}" if row["comparator_arm_name"] and row["direction"] != "no-difference" else ""
        where = f" in {row['arm_name']}" if row["arm_name"] and row["direction"] != "no-difference" else ""
        parts.append(f"{words(row['direction']).replace(' in arm', '')}{where}{against}")
    if row["significance"]:
        parts.append(words(row["significance"]))
    lower, upper = row["ci_lower"], row["ci_upper"]
    if lower is not None and upper is not None:
        parts.append(f"CI {number(lower)} to {number(upper)}")
    if row["p_value"] is not None:
        parts.append(f"p = {number(row['p_value'])}")
    return "; ".join(parts) or "no number: see the finding"


def term_order(findings: pd.DataFrame) -> dict[str, int]:
    """Each endpoint and event term of the findings view by its place among them (allowed values, in their order):
    the order of a study page's groups, made once for every page (#22)."""
    terms = [term for name in ("endpoint", "event") if name in findings.columns for term in _terms(findings[name])]
    return {term: i for i, term in enumerate(terms)}


def _terms(column: pd.Series) -> list[str]:
    """A column's terms in order: its allowed values, or, when its schema allows any text, the texts it holds, sorted."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return [str(term) for term in column.cat.categories]
    return sorted(str(term) for term in column.dropna().unique())


def _groups(found: list[tuple[dict[str, Any], str]], order: dict[str, int]) -> list[dict[str, Any]]:
    """The findings of one study (found: each as a record of the findings view and its row of the table, finding_rows'),
    grouped by endpoint or event, in the order of their terms (term_order), each group with its rows written."""
    groups: dict[str, list[tuple[dict[str, Any], str]]] = {}
    for row, html in found:
        groups.setdefault(str(row["endpoint"] or row["event"]), []).append((row, html))
    return [{"name": name, "table": rows[0][0][view.KIND], "rows": rows, "html": Markup("".join(html for _, html in rows))}
            for name, rows in sorted(groups.items(), key=lambda g: order.get(g[0], 99))]


#: What finding_html reads of each row: a column of texts each, as long as the others (a list of str, or a pandas Series
#: of texts or categories; None, or pandas' missing value, where a row has none: see columnhtml.texts). result and
#: time_text are written by result_text and _time_text (None exactly when the row has no time), href and passage_text by
#: PassageLinks.get (None for a row whose quote has no passage).
ROW_CELLS = ("anchor", "finding", "quote", "finding_id", "arm_name", "comparator_arm_name", "population", "statistic", "qualifier",
             "result", "time_text", "caveat", "href", "passage_text")


def finding_html(cells: dict[str, Any]) -> list[str]:
    """The row of a study page's findings table for each finding (cells: a column for each of ROW_CELLS), as the
    template wrote it before #22 (a test checks against it, for any text): its finding and quote, arm, population,
    result and passage. Written a column at a time (columnhtml), for every finding of a batch at once: row by row,
    escaping each cell and joining the row took 16 s of the 130 s site of a million rows (#22)."""
    import pyarrow.compute as pc

    finding, arm, comparator = texts(cells["finding"]), texts(cells["arm_name"]), texts(cells["comparator_arm_name"])
    time_text, caveat, href = texts(cells["time_text"]), texts(cells["caveat"]), texts(cells["href"])
    rows = joined(
        '<tr id="', shown(texts(cells["anchor"])), '">\n<th scope="row">',
        pc.if_else(filled(finding), joined(shown(finding), "<br>"), ""),
        "<q>", shown(texts(cells["quote"])), '</q><br><span class="key">', shown(texts(cells["finding_id"])), "</span></th>\n<td>",
        shown(pc.if_else(filled(arm), arm, "whole study")), pc.if_else(filled(comparator), joined(" vs ", shown(comparator)), ""),
        "</td>\n<td>", shown(words_of(texts(cells["population"]))), '</td>\n<td><span class="statistic">',
        shown(words_of(texts(cells["statistic"]))), '</span><br><span class="result', pc.if_else(filled(texts(cells["qualifier"])), " hedged", ""),
        '">', shown(texts(cells["result"])), "</span>", pc.if_else(pc.is_valid(time_text), joined("<br>at ", shown(time_text)), ""),
        '</td>\n<td class="caveat">', shown(pc.if_else(filled(caveat), caveat, "")), "</td>\n<td>",
        pc.if_else(pc.is_valid(href), joined('<a href="', shown(href), '">', shown(texts(cells["passage_text"])), "</a>"), ""),
        "</td>\n</tr>\n")
    return rows.to_pylist()


def _time_text(row: dict[str, Any]) -> str | None:
    """A finding's time in words (12 months), or None when it has none."""
    return None if row["time_value"] is None else f"{number(row['time_value'])} {row['time_unit']}"


def finding_rows(rows: list[dict[str, Any]], findings: pd.DataFrame, passage_links: PassageLinks) -> list[str]:
    """The row of the findings table of each of rows (records of findings, rows of the findings view: the same rows in
    the same order):
    finding_html, given the texts that only Python writes (result_text, the time, the link to the passage)."""
    passages = [passage_links.get((row[view.KIND], row[view.KEY])) for row in rows]
    return finding_html({
        "anchor": [f"{row[view.KIND]}-{row[view.KEY]}" for row in rows], "finding": findings["finding"], "quote": findings["quote"],
        "finding_id": [row[view.KEY] for row in rows], "arm_name": findings["arm_name"],
        "comparator_arm_name": findings["comparator_arm_name"], "population": findings["population"],
        "statistic": findings["statistic"], "qualifier": findings["qualifier"], "result": [result_text(row) for row in rows],
        "time_text": [_time_text(row) for row in rows], "caveat": findings["caveat"],
        "href": [None if passage is None else passage["href"] for passage in passages],
        "passage_text": [None if passage is None else passage["text"] for passage in passages]})


def quoting_rows(rows: list[RowRef], links: list[str] | None = None) -> Markup:
    """The rows of a source page's table of the rows quoting it: each row's link (links, row_links's of rows when given),
    its quote and its passage, written a column at a time (columnhtml), as the template wrote them before #22 (a test
    checks)."""
    import pyarrow.compute as pc

    anchor = texts([row.anchor for row in rows])
    linked = texts(row_links(rows) if links is None else links)
    written = joined('<tr><th scope="row">', linked, "</th><td>", shown(texts([row.quote for row in rows])), "</td><td>",
                     pc.if_else(filled(anchor), joined('<a href="#', shown(anchor), '">', shown(anchor), "</a>"), "not found"),
                     "</td></tr>\n")
    return Markup("".join(written.to_pylist()))


#: The folder of the overview plot, and of each study's plot (named after its study_id, which may be any id, overview
#: too): the narrow drawings are in narrow/ below each, so that no two plots can have one path.
PLOTS = "plots"
STUDY_PLOTS = "plots/studies"


def plot_paths(folder: str, name: str) -> tuple[str, str]:
    """The paths in the site of a plot's wide drawing and of its drawing for narrow screens."""
    return f"{folder}/{name}.svg", f"{folder}/narrow/{name}.svg"


def _write_plot(staging: _Staging, plot: Plot, folder: str, name: str) -> None:
    wide, narrow = plot_paths(folder, name)
    staging.write(wide, plot.svg.encode("utf-8"))
    staging.write(narrow, plot.narrow_svg.encode("utf-8"))


def _figure(plot: Plot | None, folder: str, name: str, root: str) -> dict[str, Any] | None:
    """The plot for a page: its drawing, and the one for narrow screens, picked by screen width."""
    if plot is None:
        return None
    wide, narrow = plot_paths(folder, name)
    return {"src": root + wide, "narrow": root + narrow, "alt": plot.alt, "rows": plot.rows, "notes": plot.notes}


def _downloads(sizes: dict[str, int]) -> list[dict[str, Any]]:
    """The files under downloads/ of the site (sizes: each file written and its size), but checksums, by name."""
    out = []
    for rel, size in sorted(sizes.items()):
        if rel.startswith("downloads/") and not rel.endswith(".sha256"):
            kind = next((v for k, v in FORMATS.items() if rel.endswith(k)), "application/octet-stream")
            out.append({"href": rel, "name": rel.removeprefix("downloads/"), "bytes": size, "format": kind})
    return out


def _jsonld(pkg: Package, context: dict[str, Any], sizes: dict[str, int], base_url: str | None) -> str:
    base = (base_url.rstrip("/") + "/") if base_url else ""
    creators = [{"@type": "Organization", "name": author} for author in dataset_authors(pkg.descriptor)]
    variables = [{"@type": "PropertyValue", "name": f"{table}.{f.name}", "description": f.description or "",
                  **({"unitText": f.unit} if f.unit is not None else {})}
                 for table, resource in described(pkg.resources).items() for f in resource.fields]
    data = {
        "@context": "https://schema.org/", "@type": "Dataset",
        "name": context["package"]["title"], "description": context["package"]["description"],
        "version": pkg.version, "license": context["licence"]["href"] or "", "creator": creators,
        "keywords": pkg.descriptor.get("keywords", []), "isAccessibleForFree": True,
        **_known(pkg, base),
        **({"datePublished": context["date"]} if context["date"] else {}),
        "distribution": [{"@type": "DataDownload", "name": d["name"], "encodingFormat": d["format"], "contentUrl": base + d["href"]}
                         for d in _downloads(sizes)],
        "variableMeasured": variables,
    }
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False).replace("<", "\\u003c")


def _scope(pkg: Package, tables: Frames) -> list[tuple[str, str, list[str]]]:
    """The scope record as shown (#20); empty without one (validation refuses that)."""
    scope = scope_of(pkg.descriptor)
    return [] if scope is None else scope_items(scope, pkg.resources, [str(s) for s in tables["sources"]["source_id"]])


def _known(pkg: Package, base: str) -> dict[str, Any]:
    """url, identifier, conformsTo and isBasedOn, each only where known (#20): the site's address when --base-url gives
    it (else datapackage.json's homepage), datapackage.json's id, the Data Package profile it conforms to, the
    confirmed PubMed records of its studies."""
    links = known_links(pkg, study_rows(pkg))
    if base:
        links["url"] = base
    if pkg.descriptor.get("profile") == "tabular-data-package":
        links["conformsTo"] = TABULAR_DATA_PACKAGE
    return links


def _dictionary(pkg: Package) -> list[dict[str, Any]]:
    out = []
    for name, resource in described(pkg.resources).items():
        fks = [(resource.key_text(fk.fields), fk.target(name), resource.key_text(fk.reference)) for fk in resource.foreign_keys]
        out.append({"name": name, "title": resource.title, "description": resource.description, "path": resource.path,
                    "primary_key": list(resource.primary_key), "foreign_keys": fks, "fields": resource.fields})
    return out


__all__ = ["DEFAULT_OUT", "SiteError", "SiteResult", "build_site", "result_text"]
