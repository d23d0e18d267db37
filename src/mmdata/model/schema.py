"""The package model's types: a Table Schema read once into a :class:`Resource` of :class:`Field` s (#21).

Every other module asks these objects, never the JSON they come from (STYLE.md §1b, after PUDL's
``metadata/classes.py``): a field knows its type and the dtype, SQL, Python and Arrow type it
becomes (one type map, TYPES), its effective ``required`` (declared required, or part of the
primary key: stated here once), its allowed values, its unit and the facts mmdata's rules read
from it (see rulefacts.py for what each means); a resource knows its path, fields, primary key,
foreign keys, missing-value markers, its role and key parts, and the one way rows are keyed,
sorted and matched (:meth:`Resource.row_key`). :class:`Table` is a resource with its cells.

Standard library only, so that `mmdata fmt`, `docs` and `diff` import no pandas (pandas and numpy
are named only for type checking). The builder is lenient: it is only asked for schemas that
passed the shape checks of package.py (or frictionless), and never fails on a value of the wrong
JSON type (it reads it as absent).
"""

from __future__ import annotations

import dataclasses
import json
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import did_you_mean

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

#: Table Schema field types mmdata understands, and what each becomes: the nullable pandas dtype
#: (mmdata.load, validation), the SQLite type (exports), the Python type of a value (SQLite rows)
#: and the name of the pyarrow type (Parquet). The one type map (PUDL's FIELD_DTYPES_*).
TYPES: dict[str, dict[str, Any]] = {
    "string": {"pandas": "string", "sql": "TEXT", "python": str, "arrow": "string"},
    "integer": {"pandas": "Int64", "sql": "INTEGER", "python": int, "arrow": "int64"},
    "number": {"pandas": "Float64", "sql": "REAL", "python": float, "arrow": "float64"},
}
#: The nullable pandas dtype of each type mmdata understands.
DTYPES = {kind: facts["pandas"] for kind, facts in TYPES.items()}
SUPPORTED_TYPES = tuple(TYPES)

# Custom properties of mmdata's Table Schemas (the standard allows them; frictionless accepts them).
IN_QUOTE = "mmdata:inQuote"  # a number field whose value must occur in the row's quote
UNITS = "mmdata:unitsOfStatistic"  # on a unit field: the units each statistic may carry
UPPER_BOUND = "mmdata:upperBound"  # on a size qualifier: the qualifiers under which a size bounds the true number
FOLDER = "mmdata:folder"  # on seed_file: the folder of the seed documents
DATE = "mmdata:date"  # a text field holding a calendar date YYYY, YYYY-MM or YYYY-MM-DD
ROLE = "mmdata:role"  # on a schema: what its table's rows are (ROLES)
KEY_PARTS = "mmdata:keyParts"  # on a schema: the columns a new row's key is made of (mmdata add-row)
RETIRED = "mmdata:retired"  # on a key field: the keys retired from its table
DIRECTION_WORDS = "mmdata:directionWords"  # on direction: the words that state each direction
DIRECTION_OF_VALUE = "mmdata:directionOfValue"  # on direction: the statistics whose value states the direction
COMPARING_WORDS = "mmdata:comparingWords"  # on comparator_arm_id: the words that set one arm against another
CONFIRMED_IN = "mmdata:confirmedIn"  # on an identifier field: the file of reference facts that confirms its values
CONFIRMED_AS = "mmdata:confirmedAs"  # on an identifier field: how that file marks a value confirmed ("{}" for the value)
FIGURES_CONFIRMED_IN = "mmdata:figuresConfirmedIn"  # on caveat: the file of reference facts that confirms its figures
#: On a text field: its cells hold codes of the package's warning vocabulary, separated by one space (#20).
#: On datapackage.json: that vocabulary, a list of {"name", "description"} objects.
WARNINGS = "mmdata:warnings"
#: How the codes of a warnings cell are separated.
WARNING_SEPARATOR = " "
#: The roles of tables: source documents, studies, arms of studies, and findings (a result a source
#: states about a study or its arms: outcomes and adverse events).
ROLES = ("source", "study", "arm", "finding")
#: The most columns an SQLite table or view holds (SQLITE_MAX_COLUMN's default): a table, and the findings view.
MAX_COLUMNS = 2_000
#: The role of the tables the findings view stacks, each keyed by one column (the view names a finding by its table and key).
FINDING = "finding"
#: Names the exports give objects of their own (publish/findings.py and warningview.py name their views from here): no
#: table may take one (validation reports it, #22).
FINDINGS_VIEW, WARNINGS_VIEW = "findings", "row_warnings"
VIEWS = {FINDINGS_VIEW: "the findings view", WARNINGS_VIEW: "the warnings view"}
#: The full-text index the exports make of a table: <table>_fts, and the tables SQLite's FTS5 keeps for it. No table may
#: be named so (validation reports it: the export stopped with an internal error, #22).
FTS_SUFFIX = "_fts"
FTS_TABLES = ("", "_data", "_idx", "_content", "_docsize", "_config")
#: What a package lacks when no schema marks a table as findings: validation reports it, and an export refuses it in these words.
NO_FINDINGS = (f'no table is marked as findings ("{ROLE}": "{FINDING}" in its schema), so there is no findings view to build; '
               "mark each table of findings, as schemas/outcomes.schema.json is")


def a_type(kind: str) -> str:
    """A type name with its article: "a string", "an integer"."""
    return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"


def role_problem(schema: Mapping[str, Any]) -> str | None:
    """What is wrong with a Table Schema's mmdata:role, in words, or None: a role that is not one of ROLES would be ignored
    (the table's rows left out of the rules and outputs of its role), and a table of findings keyed by other than one
    column would be left out of the findings view."""
    if ROLE not in schema:
        return None
    role = schema[ROLE]
    if role not in ROLES:
        return (f"{ROLE} {json.dumps(role)} is not one of {', '.join(ROLES)}; write one of them, or drop it "
                "(a table without a role takes part in no rule or output of one)")
    key = field_names(schema.get("primaryKey"))
    if role == FINDING and len(key) != 1:
        return (f"a table of findings is keyed by one column, not {len(key)}: the findings view names each finding by its "
                f"table and key; key the table by one column, or drop its {ROLE}")
    return None


def key_problem(schema: Mapping[str, Any]) -> str | None:
    """What is wrong with a readable Table Schema's primaryKey for mmdata's tools, in words, or None. Every table is keyed,
    by a key that starts with its first field: `mmdata diff` matches rows by key, `mmdata fmt` sorts them by it, and
    `mmdata merge-table`, a git merge driver that sees three versions of a file and no schema, matches them by their
    first column. A finding table with no key is role_problem's."""
    declared = schema.get("fields")
    fields = [f.get("name") for f in declared if isinstance(f, dict)] if isinstance(declared, list) else []
    written = schema.get("primaryKey")
    key = field_names(written)
    if not fields or (not key and schema.get(ROLE) == FINDING):
        return None
    if written is not None and not (isinstance(written, str) or (isinstance(written, list) and all(isinstance(k, str) for k in written))):
        return None  # not a key as Table Schema writes one: the standard's problem alone
    if any(k not in fields for k in key):
        return None  # a key naming no field: likewise
    if not key:
        return ("the table declares no primaryKey: `mmdata diff` matches rows by their key and `mmdata merge-table` by "
                "their first column; add the field that names each row as the table's first field and declare it primaryKey")
    if key[0] != fields[0]:
        return (f"primaryKey {json.dumps(written)} does not start with the table's first field {json.dumps(fields[0])}: "
                f"`mmdata merge-table` matches rows by their first column; move {json.dumps(key[0])} to the front of fields, or key "
                f"the table by {json.dumps(fields[0])}")
    return None


#: Where seeds are when the sources schema does not say.
DEFAULT_FOLDER = "seeds"


@dataclass(frozen=True)
class Constraints:
    """A field's constraints as its schema declares them (None: not declared)."""

    required: bool = False  # as declared; see Field.required for the effective one
    unique: bool = False
    enum: tuple[Any, ...] | None = None
    minimum: Any = None
    maximum: Any = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None


@dataclass(frozen=True)
class Field:
    """One column of a table, as its Table Schema declares it."""

    name: str
    type: str = "string"
    format: str = "default"
    description: str | None = None  # None when the schema gives none
    unit: str | None = None
    constraints: Constraints = Constraints()
    #: Effective: declared required, or part of the primary key (a key cell is never empty).
    required: bool = False
    # The facts mmdata's rules read (rulefacts.py says what each means).
    in_quote: bool = False
    date: bool = False
    units_of_statistic: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict, hash=False)
    upper_bound: tuple[str, ...] = ()
    folder: str | None = None
    retired: tuple[Mapping[str, Any], ...] = dataclasses.field(default=(), hash=False)  # {"key", "replacedBy", "why"} each
    direction_words: Mapping[str, tuple[str, ...]] | None = dataclasses.field(default=None, hash=False)  # None: none declared
    direction_of_value: tuple[str, ...] = ()
    comparing_words: tuple[str, ...] = ()
    confirmed_in: str | None = None
    confirmed_as: str = "{} **confirmed**"
    figures_confirmed_in: str | None = None
    warnings: bool = False  # its cells are codes of the package's warning vocabulary (WARNINGS)

    @property
    def supported(self) -> bool:
        """Whether mmdata can read this field's type."""
        return self.type in TYPES

    @property
    def dtype(self) -> str:
        """The nullable pandas dtype of the field (KeyError for a type mmdata cannot read: see supported)."""
        return str(TYPES[self.type]["pandas"])

    @property
    def sql_type(self) -> str:
        return str(TYPES[self.type]["sql"])

    @property
    def python_type(self) -> Callable[[Any], Any]:
        """What turns a value of the field into the Python value an SQLite row holds (str, int, float)."""
        return TYPES[self.type]["python"]  # type: ignore[no-any-return]

    @property
    def arrow_type(self) -> str:
        return str(TYPES[self.type]["arrow"])

    @property
    def enum(self) -> tuple[Any, ...] | None:
        """The allowed values, or None when any value is allowed."""
        return self.constraints.enum

    @property
    def categorical(self) -> bool:
        """A text field with allowed values: loaded as a pandas category, stored dictionary-encoded."""
        return self.enum is not None and self.type == "string"

    @property
    def free_text(self) -> bool:
        """A text field whose cells are free text: no allowed values and no pattern constrain them."""
        return self.type == "string" and self.enum is None and self.constraints.pattern is None


@dataclass(frozen=True)
class ForeignKey:
    """Columns of a table whose values are keys of another table (or of the same one)."""

    fields: tuple[str, ...]
    resource: str  # the table referenced; "" for the table itself
    reference: tuple[str, ...]  # its key columns
    #: The foreign key as its schema writes it (a JSON object), for outputs that carry the schema's own words (Parquet metadata).
    written: Mapping[str, Any] = dataclasses.field(default_factory=dict, hash=False, compare=False)

    def target(self, table: str) -> str:
        """The name of the table referenced, table itself when the key points to its own rows."""
        return self.resource or table


@dataclass(frozen=True)
class Resource:
    """A table of the package: its entry in datapackage.json and its Table Schema, read into fields.

    Rows are keyed, sorted and matched one way (row_key): by the texts of their primary-key cells,
    in the key's order. `mmdata fmt` writes tables in that order, `docs` takes examples in it, the
    exports sort by it, `diff` and `add-row` match rows by it.
    """

    name: str
    path: str  # as declared, for example "data/outcomes.csv"
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    missing_values: tuple[str, ...] = ("",)
    description: str = ""  # the schema's own
    title: str = ""  # the resource entry's title, or else its name
    entry_description: str = ""  # the resource entry's description
    role: str | None = None  # one of ROLES, from the schema's mmdata:role
    key_parts: tuple[str, ...] = ()  # the columns a new row's key is made of, from mmdata:keyParts
    schema_path: str | None = None  # the schema as the descriptor names it (None for an inline schema)
    where: str = ""  # "resources/3": the entry in datapackage.json, to name it in problems
    checksums: Mapping[str, Any] = dataclasses.field(default_factory=dict, hash=False)  # `bytes` and `hash` a release recorded

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field | None:
        """The field called name, or None."""
        return next((f for f in self.fields if f.name == name), None)

    def keyed_by(self, names: Sequence[str]) -> bool:
        """Whether the fields called names name one row each: the primary key (in any order, each once) or one unique field. A foreign
        key must reference one of these: the exports' SQLite database refuses any other."""
        if names and sorted(names) == sorted(self.primary_key):  # a name twice is not the key (SQLite refuses it)
            return True
        field = self.field(names[0]) if len(names) == 1 else None
        return field is not None and bool(field.constraints.unique)

    def fact(self, name: str) -> Field:
        """The field called name, or an empty field of that name (its facts all unset): what a rule reads when the schema says nothing."""
        return self.field(name) or Field(name)

    def key_positions(self, header: Sequence[str]) -> list[int]:
        """Where the primary key's columns are in header (those it has), in key order."""
        return [header.index(k) for k in self.primary_key if k in header]

    def row_key(self, header: Sequence[str]) -> Any:
        """A function giving a row (a sequence of cells in header's order) its key: the texts of its primary-key
        cells, in key order, a missing value as "". Rows sort by it and match by it (key_text names it)."""
        positions = self.key_positions(header)
        return lambda row: tuple("" if row[i] is None else str(row[i]) for i in positions)

    def sorted_rows(self, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[Any]:
        """rows in key order (a stable sort: rows with one key keep their order)."""
        return sorted(rows, key=self.row_key(header))

    def sorted_texts(self, header: Sequence[str], rows: Iterable[list[str]]) -> list[list[str]]:
        """Rows whose cells are all texts (as parsed from a file) in key order: sorted_rows, by the key cells as they
        are (no conversion per cell, which was most of sorting a million rows)."""
        positions = self.key_positions(header)
        return sorted(rows, key=operator.itemgetter(*positions)) if positions else list(rows)

    def text_keys(self, header: Sequence[str], rows: Iterable[list[str]]) -> list[str]:
        """The key of each row whose cells are all texts (as parsed from a file), as key_text names it: key_text of
        row_key, read from the key cells directly."""
        positions = self.key_positions(header)
        if len(positions) == 1:
            return [row[positions[0]] for row in rows]
        return [self.key_text(key) for key in map(operator.itemgetter(*positions), rows)] if positions else ["" for _ in rows]

    @staticmethod
    def key_text(key: Sequence[str]) -> str:
        """A key as people read it and as problems name it: its parts joined by '+'."""
        return "+".join(key)


def warning_codes(cell: str) -> list[str]:
    """The codes a warnings cell holds, as written (an empty cell holds none)."""
    return cell.split(WARNING_SEPARATOR) if cell else []


def seed_folder(sources: Resource | None) -> str:
    """The folder of the seed documents, relative to the package (the default when the sources table cannot be read)."""
    folder = sources.fact("seed_file").folder if sources is not None else None
    return DEFAULT_FOLDER if folder is None else folder


def enum_message(value: str, allowed: Iterable[Any], suggest: Callable[[str], str] | None = None) -> str:
    """Why value is not one of allowed, with the closest allowed value (as suggest gives it, when given: errors.Suggester)."""
    allowed = list(allowed)
    hint = suggest(value) if suggest is not None else did_you_mean(value, map(str, allowed))
    return f"'{value}' is not an allowed value{hint}; use one of: {', '.join(map(str, allowed))}"


def field_names(value: object) -> list[str]:
    """Field names written as one string or as a list, which Table Schema allows for keys: always a list."""
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value] if isinstance(value, list) else []


def quote_name(name: str) -> str:
    """An SQL identifier, quoted (the exports' tables and views, and their columns)."""
    return '"' + name.replace('"', '""') + '"'


def resource_of(schema: Mapping[str, Any], name: str, path: str = "", entry: Mapping[str, Any] | None = None,
                where: str = "") -> Resource:
    """The Resource of a Table Schema (a JSON object with a list of field objects, each with a name) and its descriptor entry."""
    entry = entry or {}
    pk = tuple(field_names(schema.get("primaryKey")))
    fields = tuple(_field(f, pk) for f in schema.get("fields", []) if isinstance(f, dict))
    foreign = []
    for fk in schema.get("foreignKeys", []) if isinstance(schema.get("foreignKeys"), list) else []:
        reference = fk.get("reference") if isinstance(fk, dict) else None
        if isinstance(reference, dict):
            foreign.append(ForeignKey(tuple(field_names(fk.get("fields"))), _text(reference.get("resource")),
                                      tuple(field_names(reference.get("fields"))), fk))
    missing = schema.get("missingValues", [""])
    ref = entry.get("schema")
    role = schema.get(ROLE)
    return Resource(
        name=name, path=path, fields=fields, primary_key=pk, foreign_keys=tuple(foreign),
        missing_values=tuple(str(v) for v in missing) if isinstance(missing, list) else ("",),
        description=_text(schema.get("description")), entry_description=str(entry.get("description", "")),
        title=str(entry.get("title", name)),
        role=role if role in ROLES else None,
        key_parts=tuple(field_names(schema.get(KEY_PARTS))),
        schema_path=ref if isinstance(ref, str) else None, where=where,
        checksums={k: entry[k] for k in ("bytes", "hash") if k in entry},
    )


def _field(f: Mapping[str, Any], pk: tuple[str, ...]) -> Field:
    cons: Mapping[str, Any] = f["constraints"] if isinstance(f.get("constraints"), dict) else {}
    enum = cons.get("enum")
    constraints = Constraints(
        required=cons.get("required") is True, unique=cons.get("unique") is True,
        enum=tuple(enum) if isinstance(enum, list) else None,
        minimum=cons.get("minimum"), maximum=cons.get("maximum"),
        min_length=cons.get("minLength"), max_length=cons.get("maxLength"),
        pattern=cons.get("pattern") if isinstance(cons.get("pattern"), str) else None,
    )
    name = str(f.get("name"))
    units = f.get(UNITS)
    upper = f.get(UPPER_BOUND)
    folder = f.get(FOLDER)
    retired, words = f.get(RETIRED), f.get(DIRECTION_WORDS)
    return Field(
        name=name, type=_text(f.get("type")) or "string", format=_text(f.get("format")) or "default",
        description=f["description"] if isinstance(f.get("description"), str) else None, unit=None if f.get("unit") is None else str(f.get("unit")),
        constraints=constraints, required=constraints.required or name in pk,
        in_quote=f.get(IN_QUOTE) is True, date=f.get(DATE) is True,
        units_of_statistic={str(s): tuple(map(str, us)) for s, us in units.items() if isinstance(us, list)} if isinstance(units, dict) else {},
        upper_bound=tuple(map(str, upper)) if isinstance(upper, list) else (),
        folder=None if folder is None else str(folder),
        retired=tuple(e for e in retired if isinstance(e, dict)) if isinstance(retired, list) else (),
        direction_words={str(d): tuple(map(str, w)) for d, w in words.items() if isinstance(w, list)} if isinstance(words, dict) else None,
        direction_of_value=_texts(f.get(DIRECTION_OF_VALUE)), comparing_words=_texts(f.get(COMPARING_WORDS)),
        confirmed_in=None if f.get(CONFIRMED_IN) is None else str(f.get(CONFIRMED_IN)),
        confirmed_as=str(f.get(CONFIRMED_AS, "{} **confirmed**")),
        figures_confirmed_in=None if f.get(FIGURES_CONFIRMED_IN) is None else str(f.get(FIGURES_CONFIRMED_IN)),
        warnings=f.get(WARNINGS) is True,
    )


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _texts(value: object) -> tuple[str, ...]:
    return tuple(map(str, value)) if isinstance(value, list) else ()


@dataclass
class Table:
    """A table's cells as written (missing values as NA), with its resource: what validation checks."""

    resource: Resource
    frame: pd.DataFrame  # string dtype, columns in schema order
    lines: np.ndarray  # file line (header = 1) of each row of frame
    broken: np.ndarray  # rows whose cell count differs from the header (padded or cut to fit)
    #: The file's bytes, when small enough that the checks of its cells are kept for the next time (io/memo.py).
    content: bytes | None = dataclasses.field(default=None, repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.resource.name

    @property
    def path(self) -> str:
        return self.resource.path


__all__ = ["DTYPES", "SUPPORTED_TYPES", "TYPES", "Constraints", "Field", "ForeignKey", "Resource", "Table", "enum_message",
           "field_names", "key_problem", "quote_name", "resource_of", "seed_folder", "warning_codes"]
