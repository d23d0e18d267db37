"""The mmdata command line: thin wrappers over the library.

Only this module imports click, and it imports nothing from pandas, pandera or frictionless
at start-up, so that ``mmdata --help`` and ``mmdata --version`` answer at once.

Every command goes through one error path, :func:`reports_errors`: an expected failure (an
``MmdataError``, or a file that cannot be read or written) prints ``Error: ...`` and exits with
its documented status; anything else is a bug in mmdata and exits 3.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import click

from .about import DISTRIBUTION, __version__, allowed_values
from .terminal import count, printable

FORMATS = ("text", "json", "github")
#: Set to 1 to see the traceback of an internal error.
DEBUG_VARIABLE = "MMDATA_DEBUG"


PACKAGE_DIR = click.argument("package_dir", default=".", type=click.Path(exists=True, file_okay=False))
F = TypeVar("F", bound=Callable[..., Any])
DEPRECATED_PACKAGE_DIR = "--package-dir"


def package_argument(command: F) -> F:
    """PACKAGE_DIR as the last argument (default: here), as in every command, and --package-dir, the
    old way, as a hidden alias that still works and warns on stderr (#19)."""

    @functools.wraps(command)
    def run(*args: Any, package_dir: str | None, old_package_dir: str | None, **kwargs: Any) -> Any:
        if old_package_dir is not None:
            name = click.get_current_context().info_name
            click.echo(f"Warning: {DEPRECATED_PACKAGE_DIR} is deprecated; give the package as the last argument: mmdata {name} ... "
                       f"{printable(old_package_dir)}", err=True)
            if package_dir is not None and os.path.realpath(package_dir) != os.path.realpath(old_package_dir):
                raise click.UsageError(f"the package is given twice, as {package_dir} and {DEPRECATED_PACKAGE_DIR} {old_package_dir}; give it once")
        return command(*args, package_dir=old_package_dir or package_dir or ".", **kwargs)

    run = click.option(DEPRECATED_PACKAGE_DIR, "old_package_dir", default=None, hidden=True, type=click.Path(exists=True, file_okay=False),
                       help="Deprecated: give the package as the last argument.")(run)
    return click.argument("package_dir", required=False, default=None, type=click.Path(exists=True, file_okay=False))(run)  # type: ignore[return-value]


def in_existing_folder(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """An output folder whose parent exists: a mistyped path is refused, never created whole (#19)."""
    parent = os.path.dirname(os.path.abspath(value))
    if os.path.lexists(parent) and not os.path.isdir(parent):
        raise click.BadParameter(f"{printable(parent)} is a file, not a folder; give a folder inside a folder", ctx, param)
    if not os.path.isdir(parent):
        raise click.BadParameter(f"{printable(parent)} does not exist; create it first, or give a folder inside one that exists", ctx, param)
    return value


class AllowedValues(click.Option):
    """An option whose help lists the values the shipped Table Schema allows for a field, read only when help is shown."""

    def __init__(self, *args: Any, allowed: tuple[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.allowed = allowed

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        record = super().get_help_record(ctx)
        values = allowed_values(*self.allowed)
        if record is None or not values:
            return record
        return f"{', '.join(self.opts)} [{'|'.join(values)}]", record[1]


class Failure(click.ClickException):
    """An expected failure: ``Error: ...`` on stderr and the exit status the error declares."""

    def __init__(self, message: str, exit_code: int, multiline: bool = False) -> None:  # errors.multiline: one item a line
        super().__init__("\n".join(map(printable, message.split("\n") if multiline else [message])))
        self.exit_code = exit_code  # type: ignore[misc]  # click declares it on the class


def echo(text: str, err: bool = False) -> None:
    """Print one line for a person, its control characters escaped (text.printable): a cell or name never breaks it in two."""
    click.echo(printable(text), err=err)


#: Lines echo_lines writes at once.
ECHO_LINES = 1000


def echo_lines(lines: Iterable[str], err: bool = False) -> None:
    """echo of each line, the same text written ECHO_LINES lines at a time: a line at a time, click took 1.5 s to print the
    266,667 problems of a million-row package with 100,000 broken foreign keys (#22)."""
    chunk: list[str] = []
    for line in lines:
        chunk.append(printable(line))
        if len(chunk) == ECHO_LINES:
            click.echo("\n".join(chunk), err=err)
            chunk = []
    if chunk:
        click.echo("\n".join(chunk), err=err)


def reports_errors(command: F) -> F:
    """Turn what stops a command into ``Error: ...`` and its exit status, never a bare traceback.

    MmdataError: its message and its exit_code (1 invalid or refused, 2 unreadable). OSError: the
    file and the reason, exit 2. Anything else is a bug: "internal error", exit 3, and the
    traceback on stderr when MMDATA_DEBUG=1.
    """

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        from .errors import EXIT_INTERNAL, EXIT_UNREADABLE, MmdataError  # here, not at start-up: `mmdata --help` needs none

        try:
            return command(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except MmdataError as exc:
            raise Failure(str(exc), exc.exit_code, exc.multiline) from None
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            raise Failure(f"{where}{exc.strerror or exc}", EXIT_UNREADABLE) from None
        except Exception as exc:
            if os.environ.get(DEBUG_VARIABLE) == "1":
                import traceback

                click.echo(traceback.format_exc().rstrip("\n"), err=True)
            hint = "" if os.environ.get(DEBUG_VARIABLE) == "1" else f" (run again with {DEBUG_VARIABLE}=1 to see the traceback)"
            raise Failure(f"internal error, please report it: {type(exc).__name__}: {exc}{hint}", EXIT_INTERNAL) from None

    return run  # type: ignore[return-value]


#: The commands by who uses them, in the order the top-level help lists them (#19).
GROUPS = (
    ("Read and check", ("validate", "diff", "export", "cite")),
    ("Contribute", ("quote", "add-source", "add-row", "fmt", "merge-table")),
    ("Publish", ("docs", "site", "release")),
)


class Grouped(click.Group):
    """A group whose help lists its commands by who uses them (GROUPS), each with its one-line summary."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        grouped = [name for _, names in GROUPS for name in names if name in self.commands]
        return grouped + sorted(set(self.commands) - set(grouped))

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        for title, names in (*GROUPS, ("Other", tuple(sorted(set(self.commands) - {n for _, g in GROUPS for n in g})))):
            rows = [(name, self.commands[name].get_short_help_str()) for name in names if name in self.commands and not self.commands[name].hidden]
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


@click.group(cls=Grouped, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mmdata", package_name=DISTRIBUTION)
def cli() -> None:
    """Read, check, contribute to and publish mmdata, curated findings on lenalidomide maintenance
    in multiple myeloma. PACKAGE_DIR is the package folder; by default, here.

    Run `mmdata COMMAND --help` for a command's arguments and examples.

    Example:

    \b
        mmdata validate
        mmdata export --to build
    """
    from .io.arrow import command_memory_pool

    command_memory_pool(os.environ, sys.platform)


@cli.command(short_help="Check a package and report every problem.")
@click.argument("package", default=".", type=click.Path(exists=True))
@click.option("--rev", metavar="REVISION", default=None,
              help="Check the package as committed at this git revision (a tag, branch or commit) of the repository PACKAGE.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text: one problem a line on stderr, a summary on stdout; json: the list of problems on stdout; "
                   "github: workflow annotations on stdout, so problems show on a pull request's lines.")
@reports_errors
def validate(package: str, rev: str | None, fmt: str) -> None:
    """Check the package PACKAGE (default: here) and report every problem.

    PACKAGE is a package folder or a release archive (.zip); with --rev, the package as committed
    at that git revision of the repository PACKAGE.

    Layers, in order: the descriptor and its schemas; every cell against its Table Schema;
    primary and foreign keys; cross-field rules; quotes and numbers against the seeds.
    Exit 0 when valid, 1 when invalid, 2 when the package cannot be read.

    Example:

    \b
        mmdata validate --format json path/to/package
        mmdata validate dist/mmdata-data-1.2.0.zip
        mmdata validate --rev v1.2.0
    """
    from .rules.render import as_github, as_json, summary
    from .rules.validate import validate_source

    report = validate_source(package, rev)
    if fmt == "json":
        click.echo(as_json(report.problems))
    elif fmt == "github":
        echo_lines(as_github(report.problems, package))
        echo(summary(report))
    else:
        echo_lines((problem.to_line() for problem in report.problems), err=True)
        echo(summary(report))
    sys.exit(0 if report.valid else 1)


@cli.command(short_help="Rewrite the tables in canonical form.")
@PACKAGE_DIR
@click.option("--check", is_flag=True, help="Change nothing; list the files that would change and exit 1 if any.")
@reports_errors
def fmt(package_dir: str, check: bool) -> None:
    """Rewrite every table of PACKAGE_DIR in canonical form, losslessly.

    Canonical: UTF-8 without BOM, LF endings, columns in schema order, rows sorted by primary
    key, minimal quoting; every cell keeps its exact text. A file that cannot be parsed is
    reported and left untouched.

    Example:

    \b
        mmdata fmt --check
    """
    from .edit.fmt import format_package

    result = format_package(package_dir, check=check)
    for line in result.problem_lines():
        echo(line, err=True)
    for line in result.lines(check):
        echo(line)
    sys.exit(1 if result.problems or (check and result.changed) else 0)


@cli.command(short_help="Regenerate the data dictionary and other derived texts.")
@PACKAGE_DIR
@click.option("--check", is_flag=True, help="Change nothing; exit 1 if any generated file is not current.")
@reports_errors
def docs(package_dir: str, check: bool) -> None:
    """Generate every derived text of PACKAGE_DIR: docs/data-dictionary.md from the schemas; the
    README's and LICENSE-DATA.md's seed lists (between <!-- generated: NAME --> and <!-- end -->)
    and datapackage.json's sources, from the tables. The README's rows per source are written
    only by `mmdata release`.

    Example:

    \b
        mmdata docs --check
    """
    from .edit.generated import write_generated

    result = write_generated(package_dir, check=check)
    for name in result.current:
        echo(f"{name} is current")
    for name in result.stale:
        echo(f"{name} is stale; run `mmdata docs` and commit the result" if check else f"wrote {name}", err=check)
    sys.exit(1 if check and result.stale else 0)


@cli.command(short_help="Release a version: checksums, changelog, archive.")
@click.argument("version")
@package_argument
@click.option("--previous", metavar="REF|ARCHIVE", default=None,
              help="The last release, when its git tag or commit is not in this repository: its archive, folder or git revision.")
@click.option("--rebuild", is_flag=True, help="Rebuild the archive of release VERSION, the one checked out, and check it against "
              "the sha256 the release recorded in releases/; change no other file.")
@reports_errors
def release(version: str, package_dir: str, previous: str | None, rebuild: bool) -> None:
    """Release VERSION: write it and the files' checksums into datapackage.json, the rows per
    source into the README, date the changelog entry, and build the reproducible archive dist/mmdata-data-VERSION.zip.

    The changes since the last release (its git tag vX.Y.Z, or the commit that set its version,
    or --previous) decide the smallest allowed VERSION: major for a breaking schema change,
    minor for rows or columns added or rows removed, patch for corrected values.

    Refuses, changing nothing, when the package does not validate, VERSION is not semantic or
    not greater than the current one, the archive or git tag exists, the changelog has no
    Unreleased entry, files are not canonical, docs are stale, the last release cannot be
    found, or VERSION is a smaller bump than the changes need.

    Example:

    \b
        mmdata release 0.2.0
    """
    from .publish.rebuild import rebuild as remake
    from .publish.release import release as make_release

    result = remake(package_dir, version) if rebuild else make_release(package_dir, version, previous=previous)
    for line in result.lines(rebuilt=rebuild):
        echo(line)


@cli.command(short_help="Show what changed between two versions, and the bump it needs.")
@click.argument("old")
@click.argument("new")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True)
@click.option("--repo", default=".", show_default=True, type=click.Path(exists=True, file_okay=False),
              help="The git repository in which OLD and NEW are looked up when they are revisions.")
@reports_errors
def diff(old: str, new: str, fmt: str, repo: str) -> None:
    """Rows added, removed and changed per table between OLD and NEW, schema changes, and the
    smallest version bump they allow (major, minor or patch) with the change that needs it.

    OLD and NEW are each a package folder, a release archive (.zip) or a git revision.
    Rows are matched by primary key; a changed row lists each changed cell, old and new.

    Example:

    \b
        mmdata diff 1.0.0 .
    """
    from .edit.diff import as_dict, diff_packages, render_text
    from .io.snapshot import open_snapshot
    from .model.package import open_package

    diffs = diff_packages(open_package(open_snapshot(old, repo)), open_package(open_snapshot(new, repo)))
    if fmt == "json":
        import json

        click.echo(json.dumps(as_dict(diffs), indent=2, ensure_ascii=False, allow_nan=False))
    else:
        for line in render_text(diffs):
            echo(line)


@cli.command(short_help="Write SQLite, Parquet and CSV files for analysts.")
@PACKAGE_DIR
@click.option("--to", default="build", show_default=True, type=click.Path(file_okay=False), callback=in_existing_folder,
              help="The folder to write the files into; its parent folder must exist.")
@click.option("--format", "formats", type=click.Choice(("sqlite", "parquet", "csv", "fhir")), multiple=True,
              help="sqlite: data.sqlite and Datasette's metadata.json; parquet: parquet/<table>.parquet; csv: findings.csv; "
                   "fhir: fhir.json, the findings as a FHIR R5 Bundle. Repeat to choose several; sqlite, parquet and csv by default.")
@reports_errors
def export(package_dir: str, to: str, formats: tuple[str, ...]) -> None:
    """Write typed SQLite, Parquet and CSV files of PACKAGE_DIR, generated from its Table Schemas.

    data.sqlite holds one typed table per resource with its keys and constraints, the findings
    view (every outcome and adverse event with its study, arms and source) and a _columns table
    of column descriptions; with metadata.json and plugins/, for `datasette DIR` (the folder --to).
    Parquet files carry Arrow types and the descriptions; findings.csv is the findings view.
    The same package gives the same bytes.

    Example:

    \b
        mmdata export --to build --format sqlite
        mmdata export --to build --format fhir
    """
    from .publish.export import DEFAULT_FORMATS
    from .publish.export import export as write_export

    written = write_export(package_dir, to, formats or DEFAULT_FORMATS)
    for path in written:
        echo(f"wrote {path}")
    echo(f"{count(len(written), 'file')} written to {to}")


@cli.command(short_help="Build the static website.")
@PACKAGE_DIR
@click.option("--out", default="site", show_default=True, type=click.Path(file_okay=False), callback=in_existing_folder,
              help="The folder to build the site in; its parent folder must exist; a folder an earlier build made is replaced.")
@click.option("--base-url", default=None, help="The address the site is published at, for absolute download links in its JSON-LD.")
@click.option("--release-url", default=None,
              help="The address the release archive of this version is published under (for example a GitHub release's download folder); "
                   "the home page links the archive and its .sha256 there.")
@reports_errors
def site(package_dir: str, out: str, base_url: str | None, release_url: str | None) -> None:
    """Build a static website of PACKAGE_DIR in --out: plain HTML that works offline.

    A home page (studies, downloads, how to cite, schema.org JSON-LD), a page per study with
    its findings and a plot, a page per source document with every quoted passage highlighted
    and linked to its rows, and the data dictionary.

    Example:

    \b
        mmdata site --out site && python3 -m webbrowser site/index.html
    """
    from .publish.site import build_site

    result = build_site(package_dir, out, base_url, release_url)
    echo(f"built {count(len(result.pages), 'page')} ({count(result.files, 'file')}) in {out}; open {out}/index.html")


@cli.command(short_help="Print how to cite the dataset (APA, BibTeX).")
@PACKAGE_DIR
@click.option("--format", "fmt", type=click.Choice(("apa", "bibtex")), default=None,
              help="Print only this form, with no heading (for a .bib file); both by default.")
@reports_errors
def cite(package_dir: str, fmt: str | None) -> None:
    """Print how to cite the dataset, in APA and BibTeX, from PACKAGE_DIR's CITATION.cff.

    Example:

    \b
        mmdata cite --format bibtex >> references.bib
    """
    from .model.publishing import package_citations

    forms = package_citations(package_dir)
    if fmt is not None:
        click.echo(forms[fmt])
        return
    click.echo(f"APA:\n{forms['apa']}\n\nBibTeX:\n{forms['bibtex']}")


@cli.command("add-source", short_help="Add a source document and its sources row.")
@click.argument("document", type=click.Path(exists=True, dir_okay=False))
@package_argument
@click.option("--id", "source_id", required=True, help="The new source_id: lowercase words joined by hyphens.")
@click.option("--type", "document_type", required=True, cls=AllowedValues, allowed=("sources", "document_type"),
              help="The document_type, as sources.schema.json allows it.")
@click.option("--title", default=None, help="The document's own title, only when it states one.")
@click.option("--outlet", default=None, help="Where the document was published, only when it states it as its own.")
@click.option("--author", default=None, help="The document's author, only when it states one.")
@click.option("--date", "published_date", default=None, help="published_date (YYYY, YYYY-MM or YYYY-MM-DD), only when the document states it.")
@click.option("--url", default=None, help="Where the document was retrieved.")
@click.option("--summarises", default=None, help="The citation of the publication the document is about.")
@click.option("--note", default=None, help="The note; by default, that the text is third-party and not covered by the licence.")
@reports_errors
def add_source(document: str, source_id: str, document_type: str, package_dir: str, **columns: str | None) -> None:
    """Add DOCUMENT (UTF-8 text) as a source: copy it to seeds/NNN_<16 hex>.txt (the next number,
    the start of its sha256), add its sources row, regenerate every list of the seeds. Refuses,
    changing nothing, a document or id already there, a binary or non-UTF-8 file, an invalid row.

    Example:

    \b
        mmdata add-source summary.txt --id nejm-2012-summary --type lay-summary --title "Lenalidomide after transplant"
    """
    from .edit.add import add_source as add

    result = add(package_dir, document, source_id, document_type, **columns)
    echo(f"copied {document} to {result.seed_file} (sha256 {result.sha256})")
    echo(f"added {result.row.path}:{result.row.line}: {result.row.text}")
    for name in [n for n in result.written if n not in (result.seed_file, result.row.path)]:
        echo(f"wrote {name}")


@cli.command(short_help="Find the passages of a source that hold some words.")
@click.argument("source_id")
@click.argument("words", nargs=-1, required=True)
@click.option("--package-dir", default=".", show_default=True, type=click.Path(exists=True, file_okay=False), help="The package to search.")
@reports_errors
def quote(source_id: str, words: tuple[str, ...], package_dir: str) -> None:
    """Print the passages of SOURCE_ID's document that hold WORDS (exactly, then ignoring case, then
    fuzzily), each as the quote column must hold it, with the numbers the validator reads from it.

    Example:

    \b
        mmdata quote hughes-myeloma-xi-summary almost 2,000 patients
    """
    from .edit.quote import find_passages

    result = find_passages(package_dir, source_id, " ".join(words))
    echo(f"{result.seed_file}: {count(len(result.passages), result.kind + ' match')}")
    for passage in result.passages:
        echo(passage.text)
        echo(f"  numbers: {', '.join(passage.numbers) or 'none'}")


def _assignment(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, str]:
    pairs = {}
    for value in values:
        column, sep, cell = value.partition("=")
        if not sep or not column or column in pairs:
            raise click.BadParameter(f"'{value}' is not COLUMN=VALUE" if not sep or not column else f"column '{column}' is set twice", ctx, param)
        pairs[column] = cell
    return pairs


@cli.command("add-row", short_help="Add one row to a table.")
@click.argument("table")
@package_argument
@click.option("--set", "values", multiple=True, metavar="COLUMN=VALUE", callback=_assignment,
              help="A cell of the new row; repeat for each column. Columns not set are empty.")
@reports_errors
def add_row(table: str, values: dict[str, str], package_dir: str) -> None:
    """Add one row to TABLE in schema order at its place in key order, the key made from the row
    when not set; nothing is written, and each problem is listed, when the package would have a
    problem with it (the row's own, or one it causes through its links).

    Example:

    \b
        mmdata add-row arms --set study_id=myeloma-xi --set name=Lenalidomide --set role=experimental
    """
    from .edit.add import add_row as add

    result = add(package_dir, table, values)
    echo(f"added {result.path}:{result.line}: {result.text}")
    for name in [n for n in result.written if n != result.path]:
        echo(f"wrote {name}")


@cli.command("merge-table", short_help="Merge a table by key (git's merge driver).")
@click.argument("base", type=click.Path(exists=True, dir_okay=False))
@click.argument("ours", type=click.Path(exists=True, dir_okay=False))
@click.argument("theirs", type=click.Path(exists=True, dir_okay=False))
@reports_errors
def merge_table(base: str, ours: str, theirs: str) -> None:
    """Merge a table by key into OURS (git's merge driver for data/*.csv); a row changed
    differently on both sides is a conflict, left with git's conflict markers (exit 1).

    Example:

    \b
        git config merge.mmdata-table.driver ".venv/bin/mmdata merge-table %O %A %B"
    """
    from .edit.merge import merge_files

    merge_files(base, ours, theirs)
