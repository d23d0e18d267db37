"""HTML written a column at a time: the cells of many rows escaped, tested and joined by Arrow's kernels (#22).

A large site writes a table row for every finding and every quoting row, a million of each at a
million rows; written cell by cell in Python, escaping and joining them took a quarter of the
build. These helpers write what Jinja2 writes for ``{{ value }}`` (markupsafe.escape, a missing
value as "None") and test what ``{% if value %}`` tests, for a whole column at once; the rows they
make are checked against the templates they replaced (tests/publish/test_site_rows.py).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..io.arrow import may_hold, scalar

#: markupsafe.escape's replacements, in its order (its pure-Python _escape_inner): & first, so that no entity is escaped twice.
HTML_ESCAPES = (("&", "&amp;"), (">", "&gt;"), ("<", "&lt;"), ("'", "&#39;"), ('"', "&#34;"))
ESCAPED = "".join(character for character, _ in HTML_ESCAPES)


def texts(column: Any) -> Any:
    """A column of texts (a list of str and None, or a pandas Series of texts or categories of texts, pandas' missing
    value missing) as Arrow's large texts, a missing value as null. Texts only, or nothing but missing values: a number
    would be written as Arrow writes it (1.0 as 1), not as Jinja2 does, so a column of anything else raises TypeError.
    Large texts, so that a batch of rows of long quotes may hold more than 2 GiB."""
    import pyarrow as pa
    import pyarrow.compute as pc

    array = pa.array(column, from_pandas=True) if isinstance(column, pd.Series) else pa.array(column, type=pa.large_string())
    if array.null_count == len(array):  # nothing but missing values (pandas reads a column of them as numbers)
        return pa.nulls(len(array), pa.large_string())
    kind = array.type.value_type if pa.types.is_dictionary(array.type) else array.type
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        raise TypeError(f"a column of texts was expected, not of {kind}")
    return pc.cast(array, pa.large_string())


def shown(array: Any) -> Any:
    """Each text as Jinja2 writes {{ value }}: escaped, a missing value as None."""
    import pyarrow.compute as pc

    array = pc.fill_null(array, "None")
    if not may_hold(array, ESCAPED):  # most columns (keys, terms, links) hold none: one byte search, no replacement (#22)
        return array
    for character, entity in HTML_ESCAPES:
        array = pc.replace_substring(array, character, entity)
    return array


def filled(array: Any) -> Any:
    """Whether each text is what Jinja2's {% if value %} takes as true: present and not empty."""
    import pyarrow.compute as pc

    return pc.fill_null(pc.greater(pc.binary_length(array), 0), False)


def joined(*parts: Any) -> Any:
    """The texts of each row of parts (Arrow texts, or a str for every row) one after the other, as large texts."""
    import pyarrow as pa
    import pyarrow.compute as pc

    large = pa.large_string()
    return pc.binary_join_element_wise(*(scalar(part, large) if isinstance(part, str) else pc.cast(part, large) for part in parts),
                                       scalar("", large))


def words(array: Any) -> Any:
    """plot.words of each text: its hyphens as spaces, a missing value as "None" (str(None))."""
    import pyarrow.compute as pc

    return pc.replace_substring(pc.fill_null(array, "None"), "-", " ")


__all__ = ["ESCAPED", "HTML_ESCAPES", "filled", "joined", "shown", "texts", "words"]
