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

from ..io.arrow import may_hold

#: markupsafe.escape's replacements, in its order (its pure-Python _escape_inner): & first, so that no entity is escaped twice.
HTML_ESCAPES = (("&", "&amp;"), (">", "&gt;"), ("<", "&lt;"), ("'", "&#39;"), ('"', "&#34;"))
ESCAPED = "".join(character for character, _ in HTML_ESCAPES)


def texts(column: Any) -> Any:
    """A column (a list of texts and None, or a pandas Series: texts or categories, pandas' missing value) as Arrow
    texts, a missing value as null."""
    import pyarrow as pa
    import pyarrow.compute as pc

    array = pa.array(column, from_pandas=True) if isinstance(column, pd.Series) else pa.array(column, type=pa.string())
    return pc.cast(array, pa.string())


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
    """The texts of each row of parts (Arrow texts, or one text for every row) one after the other."""
    import pyarrow.compute as pc

    return pc.binary_join_element_wise(*parts, "")


def words(array: Any) -> Any:
    """plot.words of each text: its hyphens as spaces, a missing value as "None" (str(None))."""
    import pyarrow.compute as pc

    return pc.replace_substring(pc.fill_null(array, "None"), "-", " ")


__all__ = ["ESCAPED", "HTML_ESCAPES", "filled", "joined", "shown", "texts", "words"]
