"""pandera's pandas backend, which `mmdata validate` runs, against its polars backend with the same checks (issue 22).

Run:  .venv/bin/python benchmarks/backends.py [PACKAGE] [--repeat 3]

Needs polars, which mmdata itself does not: the dev group pins it (`pip install -c constraints.txt
--group dev`). PACKAGE is a package folder (default: the shipped package); a generated one
(benchmarks/generate.py) measures the backends at scale.

For each table, the cells are typed as `mmdata validate` types them (model/typed.py), then checked
--repeat times by each backend: the pandas schema `mmdata validate` generates from the Table Schema
(rules/cells.py, the checks its layer 2 hands to pandera), and a polars schema with the same column
checks made here from the same Table Schema (polars_schema). The frame is handed to polars
(`polars.from_pandas`) and that is timed too: validation reads the cells into pandas, so a polars
backend would either convert each table, or read the cells into polars and type them there, a
second typing of every cell beside the one `mmdata.load` keeps for pandas.

Both backends must find the same failing cells, by column, row and check (see failures); the table
says whether they do, and the script exits 1 when they do not. Only the backends' validation is
timed, not the script's reading of what they found. Prints a Markdown table of median seconds.
Asserts nothing about speed: a measurement.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

#: A failing cell as both backends can name it: column, row (the frame's index, -1 for none) and kind (see failures).
Failure = tuple[str, int, str]


def polars_schema(resource: Any) -> Any:
    """The polars backend's schema with the column checks rules/cells.py generates for resource's Table Schema, in its
    order: allowed values, bounds, pattern (matched whole, as cells.py's fullmatch), lengths; then a unique field or
    one-column primary key, whose empty cells are not repeats of each other (the polars backend's own `unique` counts
    them, the pandas backend's does not); a longer key unique across its columns, by the polars backend's own
    `unique` (which counts rows whose key cells are all empty as repeats, where the pandas backend does not: no
    table of mmdata's has a longer key, and its cells are required). Every column is nullable (check_cells finds the
    empty required cells itself)."""
    import pandera.polars as pap
    import polars as pl

    kinds = {"string": pl.String, "integer": pl.Int64, "number": pl.Float64}
    key = list(resource.primary_key)
    columns = {}
    for f in resource.fields:
        c = f.constraints
        checks = []
        if c.enum is not None:
            checks.append(pap.Check.isin(list(c.enum)))
        if c.minimum is not None:
            checks.append(pap.Check.ge(c.minimum))
        if c.maximum is not None:
            checks.append(pap.Check.le(c.maximum))
        if c.pattern is not None:
            checks.append(pap.Check.str_matches(f"^(?:{c.pattern})$"))
        if c.min_length is not None or c.max_length is not None:
            checks.append(pap.Check.str_length(c.min_length, c.max_length))
        if c.unique or key == [f.name]:
            checks.append(pap.Check(lambda data: data.lazyframe.select(~(pl.col(data.key).is_duplicated() & pl.col(data.key).is_not_null())),
                                    name=UNIQUE_CHECK))
        columns[f.name] = pap.Column(kinds[f.type], checks=checks, nullable=True)
    return pap.DataFrameSchema(columns, unique=key if len(key) > 1 else None)


#: The name both backends give a failure of a unique field (the polars schema's own check is named so too).
UNIQUE_CHECK = "field_uniqueness"
#: The name both backends give a failure of a longer key.
KEY_CHECK = "multiple_fields_uniqueness"


def failures(cases: Any) -> set[Failure]:
    """The failing cells of a backend's failure cases (a frame of either library), each as (column, row, kind): the kind
    "unique" for a repeated value of a unique field, "check N" for the field's Nth check (both schemas list them in the
    same order), and a repeat of a longer key as the column "(key)" (the pandas backend names each of its columns, the
    polars backend none). A failure of no row (a check that could not run, a column not of its type) is kept with its
    check's own words, at row -1: the two backends agree on it only when both fail that check of that column so."""
    found = set()
    for r in cases.to_dicts() if hasattr(cases, "to_dicts") else cases.to_dict("records"):
        if not _has_row(r["index"]):
            found.add((str(r["column"]), -1, str(r["check"])))
        elif r["check"] == KEY_CHECK:
            found.add(("(key)", int(r["index"]), "unique"))
        else:
            found.add((str(r["column"]), int(r["index"]), "unique" if r["check"] == UNIQUE_CHECK else f"check {int(r['check_number'])}"))
    return found


def _has_row(index: Any) -> bool:
    """Whether a failure is of a row: its index is neither None nor NaN (pandas holds a column of rows and Nones as floats)."""
    return index is not None and index == index


def validated(schema: Any, frame: Any) -> Any:
    """What a schema of either backend finds in a frame of its library: its failure cases, None when there are none.
    Only this is timed; reading the cases (failures) is the script's own work."""
    import pandera.errors

    try:
        schema.validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        return exc.failure_cases
    return None


def timed(call: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """The median seconds of repeat calls, and what the last one gave."""
    seconds, given = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        given = call()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), given


def measure(package: Path, repeat: int) -> tuple[list[str], bool]:
    """The Markdown table's lines, and whether both backends found the same failing cells in every table."""
    import polars as pl

    from mmdata.model.package import open_package
    from mmdata.model.typed import typed_frame
    from mmdata.rules.cells import pandera_schema

    pkg = open_package(package)
    lines = ["| table | rows | pandas s | to polars s | polars s | (to polars + polars) / pandas | failing cells (pandas / polars when not the same) | same |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    same = True
    for resource in pkg.usable:
        table = pkg.table(resource, pkg.file(resource.path), [])
        if table is None:
            lines.append(f"| {resource.name} | cannot be read | | | | | | |")
            continue
        typed = typed_frame(table)[0]
        schemas = pandera_schema(resource)[0], polars_schema(resource)
        validated(schemas[0], typed.head(0)), validated(schemas[1], pl.from_pandas(typed.head(0)))  # each backend's first use, untimed
        pandas_s, cases = timed(partial(validated, schemas[0], typed), repeat)
        convert_s, frame = timed(partial(pl.from_pandas, typed), repeat)
        polars_s, polars_cases = timed(partial(validated, schemas[1], frame), repeat)
        found, polars_found = (set() if c is None else failures(c) for c in (cases, polars_cases))
        same &= found == polars_found
        counts = f"{len(found):,}" if found == polars_found else f"{len(found):,} / {len(polars_found):,}"
        lines.append(f"| {resource.name} | {len(typed):,} | {pandas_s:.3f} | {convert_s:.3f} | {polars_s:.3f} | "
                     f"{(convert_s + polars_s) / pandas_s:.2f} | {counts} | {'yes' if found == polars_found else '**no**'} |")
    return lines, same


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", nargs="?", type=Path, default=ROOT)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be 1 or more")
    lines, same = measure(args.package, args.repeat)
    print("\n".join(lines))
    if not same:
        print("the backends found different failing cells", file=sys.stderr)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
