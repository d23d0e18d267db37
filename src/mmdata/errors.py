"""Problems found in a package (values) and the few failures that stop work (exceptions).

A :class:`Problem` is one thing wrong with the data or its description. Validation collects
them all and returns them; nothing is raised for bad data. An :class:`MmdataError` is raised
only when work cannot start at all, for example when ``datapackage.json`` is missing.

This module is imported by the command line at start-up, so it must stay free of heavy
imports (pandas, pandera, frictionless).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from .terminal import printable

# Layers, in the order a run reports them.
DESCRIPTOR = 1  # datapackage.json, its schemas, files and their structure
CELLS = 2  # every cell against its Table Schema
KEYS = 3  # primary keys, unique constraints, foreign keys
RULES = 4  # cross-field rules a Table Schema cannot state
PROVENANCE = 5  # quotes in seeds, numbers in quotes, seed checksums

#: Every problem code mmdata emits, with the layer it belongs to and what it means.
#: Codes are API: downstream tools may filter on them, so they are never renamed.
CODES: dict[str, tuple[int, str]] = {
    # layer 1
    "package-error": (DESCRIPTOR, "datapackage.json breaks the Data Package standard"),
    "resource-error": (DESCRIPTOR, "a resource entry in datapackage.json is invalid"),
    "schema-error": (DESCRIPTOR, "a Table Schema is invalid or cannot be read"),
    "field-error": (DESCRIPTOR, "a field of a Table Schema is invalid"),
    "resource-missing": (DESCRIPTOR, "one of the five tables is not declared"),
    "path-error": (DESCRIPTOR, "a path is absolute, a URL, leaves the package, or passes through a symbolic link"),
    "file-missing": (DESCRIPTOR, "a file named by datapackage.json does not exist"),
    "file-error": (DESCRIPTOR, "a file is not a regular file (a folder, a FIFO, a device), is too large, or cannot be opened"),
    "file-unlisted": (DESCRIPTOR, "a file beside the tables or schemas that datapackage.json does not declare (no release holds it), "
                                  "or a file of an archive that its SHA256SUMS does not list"),
    "encoding-error": (DESCRIPTOR, "a file is not valid UTF-8 or its encoding is not declared"),
    "source-error": (DESCRIPTOR, "a CSV file cannot be parsed"),
    "cell-too-long": (DESCRIPTOR, "a cell or column name is longer than mmdata reads (csvfile.MAX_CELL_CHARS)"),
    "header-error": (DESCRIPTOR, "a CSV header differs from the schema's field names"),
    "hash-mismatch": (DESCRIPTOR, "a file's size or sha256 differs from what datapackage.json or an archive's SHA256SUMS records"),
    # layer 2
    "blank-row": (CELLS, "an empty line inside a CSV file"),
    "missing-cell": (CELLS, "a row has fewer cells than the header"),
    "extra-cell": (CELLS, "a row has more cells than the header"),
    "type-error": (CELLS, "a cell cannot be read as its field's type"),
    "required-error": (CELLS, "a required cell is empty"),
    "enum-error": (CELLS, "a cell is not one of the field's allowed values"),
    "minimum-error": (CELLS, "a number is below the field's minimum"),
    "maximum-error": (CELLS, "a number is above the field's maximum"),
    "pattern-error": (CELLS, "a text does not match the field's pattern"),
    "length-error": (CELLS, "a text is shorter or longer than the field allows"),
    "invisible-character": (CELLS, "a text holds a character that does not show (a zero-width space, a soft hyphen)"),
    "formula-like": (CELLS, "a free-text cell starts with = + - @, a tab or a carriage return, which a spreadsheet may run"),
    # layer 3
    "primary-key": (KEYS, "two rows share a primary key"),
    "unique-error": (KEYS, "two rows share a value of a unique field"),
    "foreign-key": (KEYS, "a key points to no row of the table it references"),
    # layer 4
    "missing-result": (RULES, "a row has no number, no not-reached and no qualitative result"),
    "value-conflict": (RULES, "a row's result columns contradict each other"),
    "unit-missing": (RULES, "a value has no unit, or a unit has no value"),
    "unit-mismatch": (RULES, "the unit does not fit the statistic"),
    "percentage-range": (RULES, "a percentage is outside 0 to 100"),
    "time-unit-missing": (RULES, "a time point has no unit, or a unit has no time point"),
    "finding-missing": (RULES, "a qualitative row does not say its finding"),
    "comparison-error": (RULES, "a comparator or direction is incomplete or compares an arm with itself"),
    "arm-study-mismatch": (RULES, "an arm belongs to another study than the row"),
    "ci-order": (RULES, "confidence bounds are missing one side or do not enclose the value"),
    "size-error": (RULES, "a size qualifier without a size, or a size without its quote"),
    "arm-larger-than-study": (RULES, "an arm has more patients than its study"),
    "arms-exceed-study": (RULES, "the arms of a study add up to more patients than the study"),
    "pooled-in-error": (RULES, "pooled_in names the study itself or a study that is not a meta-analysis"),
    # layer 5
    "seed-missing": (PROVENANCE, "a seed file named in sources.csv does not exist"),
    "seed-hash": (PROVENANCE, "a seed file's sha256 differs from sources.csv"),
    "seed-unlisted": (PROVENANCE, "a file in seeds/ is not listed in sources.csv"),
    "quote-not-in-seed": (PROVENANCE, "a quote does not occur in its source document"),
    "quote-too-short": (PROVENANCE, "a quote has too few words to prove its row"),
    "number-not-in-quote": (PROVENANCE, "a number in the row does not occur in its quote"),
}


@dataclass(frozen=True)
class Problem:
    """One problem: where it is, what is wrong, and its stable code."""

    path: str  # relative to the package, for example "data/outcomes.csv"
    row: int | None  # line in the file (header = 1), None for file-level problems
    column: str | None  # field name, or None
    code: str  # key of CODES
    message: str  # says what is wrong and how to fix it
    value: str | None = None  # the offending cell as written, when there is one

    @property
    def layer(self) -> int:
        return CODES[self.code][0]

    def sort_key(self) -> tuple[Any, ...]:
        return (self.layer, self.path, self.row or 0, self.column or "", self.code, self.message)

    def to_line(self) -> str:
        """``data/outcomes.csv:14:ci_upper: 0.41 is below value 0.48 [ci-order]``, control characters escaped (text.printable)."""
        where = [self.path]
        if self.row is not None:
            where.append(str(self.row))
        if self.column is not None:
            where.append(self.column)
        return printable(f"{':'.join(where)}: {self.message} [{self.code}]")  # one problem, one line, whatever the data holds

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def sort_problems(problems: list[Problem]) -> list[Problem]:
    """Order problems by layer, then file, line and column, dropping exact duplicates."""
    return sorted(set(problems), key=Problem.sort_key)


def did_you_mean(value: str, choices: Iterable[str], n: int = 1, cutoff: float = 0.6) -> str:
    """' (did you mean 'x'?)' for the closest choices, or '' when none is close."""
    import difflib  # only when a message needs it: errors.py is on the command line's start-up path

    close = difflib.get_close_matches(value, list(choices), n=n, cutoff=cutoff)
    if not close:
        return ""
    return " (did you mean " + " or ".join(f"'{c}'" for c in close) + "?)"


# Exit statuses of the command line, documented in the README. Click itself exits 2 on misuse.
EXIT_INVALID = 1  # the package is invalid, or a release was refused
EXIT_UNREADABLE = 2  # the package or another input cannot be read at all
EXIT_INTERNAL = 3  # a bug in mmdata: please report it


class MmdataError(Exception):
    """Work cannot start: the package or a command's input cannot be read at all."""

    exit_code = EXIT_UNREADABLE
    #: The message is a sentence and then one item a line, each escaped (text.printable): the command
    #: line prints its line breaks as they are. Any other message is printed as one line, with a line
    #: break in it escaped, so that a file name or a cell can never start a line of its own.
    multiline = False


E = TypeVar("E", bound=MmdataError)


def multiline(error: E) -> E:
    """error, marked as a sentence and then one escaped item a line (MmdataError.multiline)."""
    error.multiline = True
    return error


class PackageReadError(MmdataError):
    """datapackage.json is missing, unreadable or not JSON."""


class SnapshotError(MmdataError):
    """A folder, archive or git revision cannot be read as a package."""


class UnsafeFile(MmdataError):
    """A file of the package is reached through a symbolic link, is not a regular file, is too large, or cannot be opened."""

    def __init__(self, rel: str, reason: str, code: str = "file-error") -> None:
        super().__init__(f"{rel}: {reason}")
        self.rel, self.reason, self.code = rel, reason, code  # code: path-error (a link) or file-error


class WriteRefused(MmdataError):
    """A file of the package cannot be written safely (a symbolic link or not a regular file); nothing was changed."""

    exit_code = EXIT_INVALID


class IntegrityError(MmdataError):
    """A file does not match the size or sha256 that datapackage.json records for it."""


class LoadError(MmdataError):
    """A table cannot be loaded as declared: a cell cannot be typed, or the file is not a clean CSV."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems: list[Problem] = problems or []  # every problem found, with file, line and column


class DiffRefused(MmdataError):
    """Two packages cannot be compared row by row: a table has two rows with one key, or a column twice."""

    exit_code = EXIT_INVALID


class DocsError(MmdataError):
    """The data dictionary cannot be generated: a schema or table cannot be read."""


class ReleaseRefused(MmdataError):
    """The release cannot be made as asked; nothing was changed."""

    exit_code = EXIT_INVALID


class WriteFailed(MmdataError):
    """A file cannot be written (a full disk, no permission); what was written is put back."""


class PackageBusy(MmdataError):
    """Another mmdata command is writing the package; nothing was changed."""

    exit_code = EXIT_INVALID


class AddRefused(MmdataError):
    """A source or row cannot be added as asked (a duplicate, a binary file, an invalid row); nothing was changed."""

    exit_code = EXIT_INVALID


class MergeConflict(MmdataError):
    """Two branches changed the same row of a table differently; git's conflict markers are left to resolve."""

    exit_code = EXIT_INVALID


class QuoteError(MmdataError):
    """No passage can be shown: the source is unknown, its seed cannot be read, or no passage matches."""

    exit_code = EXIT_INVALID


class ExportError(MmdataError):
    """The package cannot be exported as asked (an optional library is missing, a folder cannot be written)."""


class InvalidPackage(ExportError):
    """The package does not validate, so nothing is exported or built from it."""

    exit_code = EXIT_INVALID


class SiteError(ExportError):
    """The site cannot be built where asked."""
