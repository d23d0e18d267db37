"""The rows of the study and source pages, written by site.py instead of Jinja2 (#22): the same bytes as the template
loops they replaced, kept here as the reference, for any text a cell may hold."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("jinja2")
from jinja2 import Environment, StrictUndefined  # noqa: E402

from mmdata.publish.columnhtml import joined  # noqa: E402
from mmdata.publish.columnhtml import texts as column_texts  # noqa: E402
from mmdata.publish.passages import RowRef, row_links  # noqa: E402
from mmdata.publish.plot import words  # noqa: E402
from mmdata.publish.site import ROW_CELLS, finding_html, quoting_rows  # noqa: E402

#: The loops of study.html and source.html before #22, in the site's Jinja2 settings.
FINDINGS = """{% for row in rows %}
<tr id="{{ row["anchor"] }}">
<th scope="row">{% if row["finding"] %}{{ row["finding"] }}<br>{% endif %}<q>{{ row["quote"] }}</q><br><span class="key">{{ row["finding_id"] }}</span></th>
<td>{{ row["arm_name"] or "whole study" }}{% if row["comparator_arm_name"] %} vs {{ row["comparator_arm_name"] }}{% endif %}</td>
<td>{{ row["population"]|words }}</td>
<td><span class="statistic">{{ row["statistic"]|words }}</span><br><span class="result{% if row["qualifier"] %} hedged{% endif %}">{{ row["result"] }}</span>{% if row["time_value"] is not none %}<br>at {{ row["time_text"] }}{% endif %}</td>
<td class="caveat">{{ row["caveat"] or "" }}</td>
<td>{% if row["passage"] %}<a href="{{ row["passage"]["href"] }}">{{ row["passage"]["text"] }}</a>{% endif %}</td>
</tr>
{% endfor %}
"""
QUOTING = """{% for row in rows %}
<tr><th scope="row"><a href="{{ row.href }}">{{ row.table }}: {{ row.key }}</a></th><td>{{ row.quote }}</td><td>{% if row.anchor %}<a href="#{{ row.anchor }}">{{ row.anchor }}</a>{% else %}not found{% endif %}</td></tr>
{% endfor %}
"""


def template(text: str) -> Any:
    env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["words"] = words
    return env.from_string(text)


# Text a cell may hold: what HTML escapes, words with hyphens, non-ASCII, and empty.
texts = st.text(alphabet=st.sampled_from(list("&<>\"'-a1 é\u00a0")), max_size=8)
maybe = st.one_of(st.none(), texts)
passages = st.one_of(st.none(), st.fixed_dictionaries({"href": texts, "text": texts}))
times = st.one_of(st.just((None, None)), st.tuples(st.one_of(st.floats(allow_nan=False), st.integers()), texts))  # time_text with a time
findings = st.builds(lambda row, time: {**row, "time_value": time[0], "time_text": time[1]}, st.fixed_dictionaries({
    "anchor": texts, "finding": maybe, "quote": maybe, "finding_id": maybe, "arm_name": maybe, "comparator_arm_name": maybe,
    "population": maybe, "statistic": texts, "qualifier": maybe, "result": texts, "caveat": maybe, "passage": passages,
}), times)


def cells(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """What finding_html reads of rows: the template's values, the passage's link as two columns."""
    links = {"href": "href", "passage_text": "text"}
    return {name: [(row["passage"] or {}).get(links[name]) if name in links else row[name] for row in rows] for name in ROW_CELLS}


@settings(max_examples=300, deadline=None)
@given(st.lists(findings, max_size=4))
def test_finding_rows_are_the_templates_rows_issue_22(rows: list[dict[str, Any]]) -> None:
    got = finding_html(cells(rows))
    assert len(got) == len(rows)
    assert "".join(got) == template(FINDINGS).render(rows=rows)
    assert got == [template(FINDINGS).render(rows=[row]) for row in rows]  # each row's own


#: The columns as the findings view holds them: categories (the terms), pandas' texts, pandas' missing value; and
#: Python objects, a missing one NaN, as pandas reads a column of no declared type.
KINDS = {"population": "category", "statistic": "category", "qualifier": "category", "finding": "string", "quote": "string",
         "arm_name": "string", "caveat": "object", "comparator_arm_name": "str"}


@settings(max_examples=150, deadline=None)
@given(st.lists(findings, max_size=5))
def test_finding_rows_read_the_views_columns_as_its_records_hold_them_issue_22(rows: list[dict[str, Any]]) -> None:
    given = {name: pd.Series([float("nan") if v is None and KINDS[name] == "object" else v for v in values], dtype=KINDS[name])
             if name in KINDS else values for name, values in cells(rows).items()}
    assert "".join(finding_html(given)) == template(FINDINGS).render(rows=rows)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.builds(RowRef, texts, texts, texts, texts, st.one_of(st.none(), texts)), max_size=4))
def test_quoting_rows_are_the_templates_rows_issue_22(rows: list[RowRef]) -> None:
    expected = template(QUOTING).render(rows=rows)
    assert quoting_rows(rows) == expected
    assert quoting_rows(rows, row_links(rows)) == expected  # the links a source page's passages wrote already


def test_a_column_of_anything_but_texts_is_refused_not_written_as_arrow_writes_it_issue_22() -> None:
    """Arrow writes 1.0 as "1" and True as "true", where Jinja2 writes "1.0" and "True": the rows take texts only, and a
    column of nothing but missing values, which pandas holds as numbers, is missing throughout."""
    import pyarrow as pa

    for column in ([1, None], pd.Series([1.0, None], dtype=object), pd.Series([True]), pd.Series([1, 2], dtype="Int64")):
        with pytest.raises(TypeError):
            column_texts(column)
    assert column_texts(pd.Series([float("nan"), None], dtype=object)).to_pylist() == [None, None]
    assert column_texts(pd.Series(["a", None], dtype="category")).to_pylist() == ["a", None]
    # Large texts (64-bit offsets): a batch of rows of long quotes may hold more than 2 GiB.
    assert {column_texts(c).type for c in (["a"], pd.Series(["a"], dtype="string"), pd.Series([None], dtype=object))} == {pa.large_string()}
    assert joined("<", column_texts(["a", "b"]), pa.array([">", ">>"])).type == pa.large_string()
