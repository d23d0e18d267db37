"""Problems found in a package (values) and the few failures that stop work (exceptions).

A :class:`Problem` is one thing wrong with the data or its description. Validation collects
them all and returns them; nothing is raised for bad data. Its code is a :class:`Code`, declared
once beside the code that emits it; rules.validate derives ``mmdata.CODES`` from the declarations.
An :class:`MmdataError` is raised only when work cannot start at all, for example when
``datapackage.json`` is missing.

Every command imports this module before its work begins (cli.reports_errors), and so do the
commands that must stay light (fmt, docs, diff): it must stay free of heavy imports (pandas,
pandera, frictionless). ``mmdata --help`` and ``import mmdata`` do not import it (#22).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from .terminal import printable

# Layers, in the order a run reports them.
DESCRIPTOR = 1  # datapackage.json, its schemas, files and their structure
CELLS = 2  # every cell against its Table Schema
KEYS = 3  # primary keys, unique constraints, foreign keys
RULES = 4  # cross-field rules a Table Schema cannot state
PROVENANCE = 5  # quotes in seeds, numbers in quotes, seed checksums

#: The name of each layer, as the table of codes in docs/validation.md shows it.
LAYER_NAMES = {DESCRIPTOR: "descriptor", CELLS: "cells", KEYS: "keys", RULES: "rules", PROVENANCE: "provenance"}

_DECLARED: dict[str, Code] = {}


class Code(str):
    """A problem code, declared once beside the code that emits it, with what it means.

    A Code is its kebab-case string (``"unit-mismatch"``), so it goes wherever a code goes
    (Problem.code, comparisons, JSON), and it carries its declaration: its layer, its meaning
    (``mmdata.CODES``), the fields its rule reads by name per table (a table whose schema lacks one
    is a schema-error: rules.validate.RULE_FIELDS), which of them it compares as numbers (a schema that
    types one of those other than number or integer, or one of the others other than string, is a
    schema-error: rules.validate.RULE_NUMBERS) and the allowed values its rule's code names
    literally, per table and field (a value the schema does not allow is a schema-error:
    rules.validate.RULE_VALUES). Declaring a code a second time raises ValueError: the other
    modules that emit it import its declaration. Codes are API: a code is never renamed, and its
    layer and meaning stay.

    Example, at the top of the module whose rule emits it::

        UNIT_MISMATCH = Code("unit-mismatch", RULES, "the unit does not fit the statistic",
                             reads={"outcomes": ("statistic", "unit")})
        ...
        problems += emit(table, mask, "unit", UNIT_MISMATCH, lambda r: f"unit {r['unit']} does not fit ...")
    """

    layer: int
    meaning: str
    reads: Mapping[str, tuple[str, ...]]
    numbers: Mapping[str, tuple[str, ...]]
    values: Mapping[str, Mapping[str, tuple[str, ...]]]

    def __new__(cls, code: str, layer: int, meaning: str, *, reads: Mapping[str, Iterable[str]] | None = None,
                numbers: Mapping[str, Iterable[str]] | None = None, values: Mapping[str, Mapping[str, Iterable[str]]] | None = None) -> Code:
        if code in _DECLARED:
            raise ValueError(f"problem code '{code}' is declared twice; declare it once, beside the code that emits it, "
                             "and import that declaration wherever else it is emitted")
        if layer not in LAYER_NAMES:
            raise ValueError(f"problem code '{code}' has layer {layer}; use one of DESCRIPTOR, CELLS, KEYS, RULES, PROVENANCE")
        self = super().__new__(cls, code)
        self.layer, self.meaning = layer, meaning
        self.reads = {table: tuple(fields) for table, fields in (reads or {}).items()}
        self.numbers = {table: tuple(fields) for table, fields in (numbers or {}).items()}
        unread = [f"{table}.{f}" for table, fields in self.numbers.items() for f in fields if f not in self.reads.get(table, ())]
        if unread:
            raise ValueError(f"problem code '{code}' compares {', '.join(unread)} as numbers but does not read it; add it to reads")
        self.values = {table: {field: tuple(v) for field, v in named.items()} for table, named in (values or {}).items()}
        _DECLARED[code] = self
        return self

    def __reduce__(self) -> tuple[type[str], tuple[str]]:
        return str, (str(self),)  # pickled or copied, a code is its plain string; its declaration stays where it was made


def declared_codes() -> list[Code]:
    """Every code declared by the modules imported so far, by layer and then code (rules.validate imports them all)."""
    return sorted(_DECLARED.values(), key=lambda code: (code.layer, str(code)))


@dataclass(frozen=True)
class Problem:
    """One problem: where it is, what is wrong, and its stable code."""

    path: str  # relative to the package, for example "data/outcomes.csv"
    row: int | None  # line in the file (header = 1), None for file-level problems
    column: str | None  # field name, or None
    code: str  # a declared Code (see Code), kept as its plain string
    message: str  # says what is wrong and how to fix it
    value: str | None = None  # the offending cell as written, when there is one

    def __post_init__(self) -> None:
        if type(self.code) is not str:  # a Code: the problem holds its plain string, as JSON and pickle see it
            object.__setattr__(self, "code", str(self.code))

    @property
    def layer(self) -> int:
        return _DECLARED[self.code].layer

    def sort_key(self) -> tuple[Any, ...]:
        """Layer, file, line, column, code, message and the cell as written, none before any (a line 0, an empty
        column name or cell after none): every field, so that two problems never tie and a report lists them in one
        order, whatever order they were found in."""
        return (self.layer, self.path, self.row is not None, self.row or 0, self.column is not None, self.column or "", self.code,
                self.message, self.value is not None, self.value or "")

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
    """Order problems by layer, then file, line and column (Problem.sort_key), dropping exact duplicates."""
    return sorted(set(problems), key=Problem.sort_key)


def did_you_mean(value: str, choices: Iterable[str], n: int = 1, cutoff: float = 0.6) -> str:
    """' (did you mean 'x'?)' for the closest choices, or '' when none is close."""
    import difflib  # only when a message needs it: every command imports errors.py

    return _worded(difflib.get_close_matches(value, list(choices), n=n, cutoff=cutoff))


def _worded(close: list[str]) -> str:
    return " (did you mean " + " or ".join(f"'{c}'" for c in close) + "?)" if close else ""


#: Distinct values per rule and field that get a did-you-mean (Suggester); the others are reported without one (#23).
SUGGESTIONS = 100


class Suggester:
    """did_you_mean of many values against one list of choices, as one rule reports them: each distinct value is
    worked out once, and only the first SUGGESTIONS distinct values get a suggestion (#23: a foreign key's did-you-mean
    over 13,510 parent keys cost 35 ms a row, so a re-keyed table of a million rows took hours). Deterministic: the
    same problems in the same order get the same words."""

    def __init__(self, choices: Iterable[str], n: int = 1, cutoff: float = 0.6, limit: int = SUGGESTIONS) -> None:
        self.choices, self.n, self.cutoff, self.limit = list(choices), n, cutoff, limit
        self.given: dict[str, str] = {}
        self.compared = 0  # how many choices' ratios were worked out, for all values together (see _closest)
        self._counts: Any = None  # each choice's characters counted, made when the first value is suggested (see _bounds)

    def __call__(self, value: str) -> str:
        if value not in self.given:
            self.given[value] = _worded(self._closest(value)) if len(self.given) < self.limit else ""
        return self.given[value]

    def _closest(self, value: str) -> list[str]:
        """difflib.get_close_matches(value, choices, n, cutoff), worked out with the same floats compared, from fewer
        choices. difflib keeps the n largest (ratio, choice) pairs of the choices whose ratio reaches the cutoff, and a
        choice's ratio is never above the bound _bounds gives it: so the choices are compared from the largest bound
        down, and the comparing stops at the first whose bound is below the n-th ratio kept, since neither it nor any
        after it can be kept. A package of 100,000 broken arm keys (29,940 arm keys that differ from each other in a
        digit or two) took 93.7 s to validate with about 16,000 keys compared for each of the first 100, and 12.4 s
        with 108 (#22)."""
        import difflib  # only when a message needs it
        import heapq

        if self.n <= 0 or not 0.0 <= self.cutoff <= 1.0:
            return difflib.get_close_matches(value, self.choices, n=self.n, cutoff=self.cutoff)  # difflib's own error
        import numpy as np

        rows, bound = self._bounds(value)
        order = np.argsort(-bound, kind="stable")  # the largest bound first, ties in the choices' order
        matcher = difflib.SequenceMatcher()
        matcher.set_seq2(value)
        kept: list[tuple[float, str]] = []  # a heap of the n largest (ratio, choice) pairs so far
        for row, most in zip(rows[order].tolist(), bound[order].tolist(), strict=True):
            if len(kept) == self.n and most < kept[0][0]:
                break
            choice = self.choices[row]
            matcher.set_seq1(choice)
            self.compared += 1
            ratio = matcher.ratio()
            if ratio >= self.cutoff:
                (heapq.heappush if len(kept) < self.n else heapq.heappushpop)(kept, (ratio, choice))
        return [choice for _, choice in heapq.nlargest(self.n, kept)]

    def _bounds(self, value: str) -> tuple[Any, Any]:
        """The rows of the choices whose ratio against value can reach the cutoff, in the choices' order, and for each
        an upper bound of that ratio (numpy arrays). The ratio is 2 M / T, T the two lengths together and M the
        characters of the blocks difflib matches: those blocks, one after the other, are a subsequence of both texts, so
        M is at most the longest common subsequence, and at most the characters both hold (quick_ratio). Both bounds
        are worked out for all choices at once: the characters counted, and the subsequence by Hyyrö's bit-parallel
        algorithm, one step per character of the longest choice still in, for a value of at most 64 characters and
        choices of at most SUBSEQUENCE_AT_MOST (the others keep the first bound). The quotient is difflib's, so a bound
        and a ratio are the same float when M is."""
        import numpy as np  # only when a message needs it, as difflib

        if self._counts is None:
            self._count_choices()
        size = len(self._alphabet)
        wanted = np.zeros(size, dtype=self._counts.dtype)
        masks = np.zeros(size + 1, dtype=np.uint64)  # each character's positions in value, as bits; the last: padding
        for at, c in enumerate(value):
            if c in self._alphabet:  # a character no choice holds matches nothing
                wanted[self._alphabet[c]] += 1
                if at < 64:
                    masks[self._alphabet[c]] |= np.uint64(1 << at)
        length = self._lengths + len(value)
        both = np.maximum(length, 1)  # difflib's ratio of two empty texts is 1.0
        real = np.where(length > 0, 2.0 * np.minimum(self._lengths, len(value)) / both, 1.0)  # real_quick_ratio
        common = np.minimum(self._counts, wanted).sum(axis=1)  # quick_ratio's M
        rows = np.flatnonzero((real >= self.cutoff) & (np.where(length > 0, 2.0 * common / both, 1.0) >= self.cutoff))
        common = common[rows]
        if len(value) > 64 or self._codes is None:
            return self._bounded(rows, 2.0 * common, length, both)
        ruled = np.flatnonzero(self._lengths[rows] <= self._codes.shape[1])  # (of rows) the choices in the matrix
        if len(ruled):
            codes = self._codes[rows[ruled]]
            everywhere = np.uint64((1 << len(value)) - 1)
            v = np.full(len(ruled), everywhere, dtype=np.uint64)
            for column in range(int(self._lengths[rows[ruled]].max())):
                u = v & masks[codes[:, column]]
                v = ((v + u) | (v - u)) & everywhere  # Hyyrö (2004): a bit of value left set is a character not matched
            common[ruled] = len(value) - np.bitwise_count(v).astype(np.int64)  # never above quick_ratio's M
        return self._bounded(rows, 2.0 * common, length, both)

    def _bounded(self, rows: Any, twice: Any, length: Any, both: Any) -> tuple[Any, Any]:
        """The rows whose bound (twice M over both lengths) reaches the cutoff, and their bounds."""
        import numpy as np

        bound = np.where(length[rows] > 0, twice / both[rows], 1.0)
        keep = bound >= self.cutoff
        return rows[keep], bound[keep]

    def _count_choices(self) -> None:
        """Each choice's length, its characters counted, and (where it takes at most CODES_AT_MOST cells) the
        characters of each choice of at most SUBSEQUENCE_AT_MOST as a matrix of numbers, one choice a row, padded with
        the number after the last character's. Made a block of choices at a time (count_blocks): all at once held about
        54 bytes a character for a moment (356 MB for 300,000 keys of 22 characters, #22)."""
        import numpy as np

        self._alphabet = {c: i for i, c in enumerate(sorted({c for choice in self.choices for c in choice}))}
        size = len(self._alphabet)
        known = np.array([ord(c) for c in self._alphabet], dtype=np.uint32)
        self._lengths = np.array([len(choice) for choice in self.choices], dtype=np.int64)
        longest = int(self._lengths.max()) if len(self.choices) else 0
        number = np.int32 if longest < 2**31 else np.int64  # a count is at most a choice's length
        self._counts = np.zeros((len(self.choices), size), dtype=number)
        widest = min(longest, SUBSEQUENCE_AT_MOST)
        self._codes = None
        if len(self.choices) * widest <= CODES_AT_MOST:  # the rows of the choices of at most widest characters
            self._codes = np.full((len(self.choices), widest), size, dtype=np.int32)
        for first, last in count_blocks(self._lengths, size):
            lengths = self._lengths[first:last]
            points = np.frombuffer("".join(self.choices[first:last]).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
            letters = np.searchsorted(known, points).astype(np.int32)
            owner = np.repeat(np.arange(last - first, dtype=np.int64), lengths)
            self._counts[first:last] = np.bincount(owner * size + letters, minlength=(last - first) * size).reshape(last - first, size)
            if self._codes is not None:
                column = np.arange(len(points)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
                kept = lengths[owner] <= widest
                self._codes[first + owner[kept], column[kept]] = letters[kept]


def count_blocks(lengths: Any, size: int) -> list[tuple[int, int]]:
    """The blocks (first, last) in which Suggester._count_choices counts the choices of these lengths (a numpy array)
    over an alphabet of size characters: one after the other, each of at most COUNT_CHARS characters and of at most
    COUNT_CHARS // size choices (the counts of a block are that many 64-bit numbers for a moment), or else of one
    choice. The second cap: 50,000 choices of 4 characters among 1,000 peaked at 606 MB with the first alone, 412 MB all
    at once (the second reviewer, #22)."""
    import numpy as np

    ends = np.cumsum(lengths)
    rows = max(COUNT_CHARS // max(size, 1), 1)
    blocks, first = [], 0
    while first < len(lengths):
        last = int(np.searchsorted(ends, ends[first] - lengths[first] + COUNT_CHARS, side="right"))
        last = max(min(last, first + rows), first + 1)
        blocks.append((first, last))
        first = last
    return blocks


#: The most cells of a Suggester's matrix of its choices' characters (64 MB); past it, only quick_ratio bounds a ratio.
CODES_AT_MOST = 16_000_000
#: Characters, and counts, of a Suggester's choices made at a time (count_blocks): about 50 MB held for a moment.
COUNT_CHARS = 1_000_000
#: The longest choice whose common subsequence with a value bounds its ratio: one numpy step a character, and at the
#: cutoffs mmdata asks (0.6 and 0.8) no choice over 149 characters can be close to a value of 64.
SUBSEQUENCE_AT_MOST = 256


# Exit statuses of the command line, documented in docs/validation.md. Click itself exits 2 on misuse.
EXIT_INVALID = 1  # the package is invalid, or a release was refused
EXIT_UNREADABLE = 2  # the package or another input cannot be read at all
EXIT_INTERNAL = 3  # a bug in mmdata: please report it
EXIT_USAGE = 2  # misuse: an unknown command, option, value, table or source (as click's own misuse)


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


# Declared here, where every layer that emits them reaches them: UnsafeFile carries the first two;
# the JSON reader, the CSV reader and the descriptor's reader emit the third.
ENCODING_ERROR = Code("encoding-error", DESCRIPTOR, "a file is not valid UTF-8 or its encoding is not declared")
PATH_ERROR = Code("path-error", DESCRIPTOR, "a path is absolute, a URL, leaves the package, or passes through a symbolic link")
FILE_ERROR = Code("file-error", DESCRIPTOR,
                  "a file is not a regular file (a folder, a FIFO, a device), is too large, or cannot be opened")


class UnsafeFile(MmdataError):
    """A file of the package is reached through a symbolic link, is not a regular file, is too large, or cannot be opened."""

    def __init__(self, rel: str, reason: str, code: str = FILE_ERROR) -> None:
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


class UnknownName(AddRefused):
    """The command names a table or column the package does not declare: misuse, like an unknown option (#19)."""

    exit_code = EXIT_USAGE


class MergeConflict(MmdataError):
    """Two branches changed the same row of a table differently; git's conflict markers are left to resolve."""

    exit_code = EXIT_INVALID


class QuoteError(MmdataError):
    """No passage can be shown: the source is unknown, its seed cannot be read, or no passage matches."""

    exit_code = EXIT_INVALID


class UnknownSource(QuoteError):
    """The command names a source_id that sources.csv does not hold: misuse, like an unknown option (#19)."""

    exit_code = EXIT_USAGE


class ExportError(MmdataError):
    """The package cannot be exported as asked (an optional library is missing, a folder cannot be written)."""


class InvalidPackage(ExportError):
    """The package does not validate, so nothing is exported or built from it."""

    exit_code = EXIT_INVALID


class SiteError(ExportError):
    """The site cannot be built where asked."""
