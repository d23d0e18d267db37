"""A resource may not declare another reading of its file than mmdata's: frictionless and other tools would follow it.
With ``"dialect": {"delimiter": ";"}`` `mmdata validate` passed a package that `frictionless validate` failed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mmdata.cli import cli
from mmdata.model.reading import (
    CSV_READING,
    DIALECT_READING,
    NUMBER_READING,
    OTHER_READING,
    READING_VALUES,
    WHY,
    field_reading_problems,
    reading_problems,
)

from ..conftest import apply_patch

#: A resource entry as the shipped descriptor writes one: nothing in it is another reading.
ENTRY = {"name": "arms", "profile": "tabular-data-resource", "path": "data/arms.csv", "format": "csv", "mediatype": "text/csv",
         "encoding": "utf-8", "schema": "schemas/arms.schema.json"}


def keys(declared: dict) -> list[str]:
    return [key for key, _ in reading_problems(declared)]


def test_an_entry_as_shipped_declares_mmdatas_reading() -> None:
    assert reading_problems(ENTRY) == []
    assert reading_problems({}) == []


@pytest.mark.parametrize("key", sorted(READING_VALUES))
def test_each_named_reading_is_mmdatas_or_refused(key: str) -> None:
    value = READING_VALUES[key]
    # A media type is compared in lower case; the others as written, as frictionless reads "CSV" or " csv " as no format
    assert keys({**ENTRY, key: value.upper()}) == ([] if key == "mediatype" else [key])
    assert keys({**ENTRY, key: f" {value} "}) == ([] if key == "mediatype" else [key])
    assert reading_problems({**ENTRY, key: "other"}) == [(key, f"'{key}' is \"other\": {WHY}; write \"{value}\" or remove it")]
    assert keys({**ENTRY, key: None}) == [key]
    assert keys({**ENTRY, key: [value]}) == [key]


def test_a_media_type_may_carry_parameters() -> None:
    assert keys({"mediatype": "text/csv; charset=utf-8"}) == []
    assert keys({"mediatype": "text/tab-separated-values"}) == ["mediatype"]
    assert keys({"format": "tsv"}) == ["format"]  # format's value is not split at ';'
    assert keys({"format": "csv;x"}) == ["format"]


@pytest.mark.parametrize("key", OTHER_READING)
def test_a_compression_further_files_or_a_layout_are_refused_whatever_their_value(key: str) -> None:
    for value in ("no", {}, [], None, 0):
        assert reading_problems({**ENTRY, key: value}) == [(key, f"'{key}' is {json.dumps(value)}: {WHY}; remove it")]


def test_a_dialect_of_mmdatas_reading_is_allowed() -> None:
    dialect = {**DIALECT_READING, "lineTerminator": "\n", "caseSensitiveHeader": True, "headerJoin": "-", "csvddfVersion": 1.2,
               "title": "CSV", "csv": {**CSV_READING, "lineTerminator": "\r\n"}}
    assert reading_problems({**ENTRY, "dialect": dialect}) == []
    assert reading_problems({**ENTRY, "dialect": {}}) == []
    assert reading_problems({**ENTRY, "dialect": {"escapeChar": None, "csv": {}}}) == []  # null: not declared


@pytest.mark.parametrize("key", sorted(DIALECT_READING))
def test_each_property_of_a_dialect_other_than_mmdatas_is_refused(key: str) -> None:
    value = DIALECT_READING[key]
    other = {",": ";", '"': "'", True: False, False: True}.get(value, 1) if not isinstance(value, list) else [0]
    fix = "remove it" if value is None else f"write {json.dumps(value)} or remove it"
    assert reading_problems({**ENTRY, "dialect": {key: other}}) == [(f"dialect/{key}", f"'{key}' is {json.dumps(other)}: {WHY}; {fix}")]
    if key in CSV_READING:  # frictionless 5 writes them under "csv" too
        assert keys({**ENTRY, "dialect": {"csv": {key: other}}}) == [f"dialect/csv/{key}"]


def test_a_dialects_value_is_compared_as_json() -> None:
    """1 is not true, [1.0] is not [1]: frictionless refuses both, mmdata says which property to correct."""
    assert keys({"dialect": {"doubleQuote": 1}}) == ["dialect/doubleQuote"]
    assert keys({"dialect": {"header": 1}}) == ["dialect/header"]
    assert keys({"dialect": {"headerRows": [1.0]}}) == ["dialect/headerRows"]
    assert keys({"dialect": {"headerRows": [1, 2]}}) == ["dialect/headerRows"]
    assert keys({"dialect": {"skipBlankRows": 0}}) == ["dialect/skipBlankRows"]


@pytest.mark.parametrize("dialect", [5, "delimiter", [","], None, True])
def test_a_dialect_that_is_not_an_object_is_one_problem(dialect: object) -> None:
    assert reading_problems({"dialect": dialect}) == [("dialect", f"'dialect' is {json.dumps(dialect)}, not an object: {WHY}; remove it")]


def test_a_dialect_or_its_csv_that_is_not_an_object_is_refused_once() -> None:
    assert reading_problems({"format": "tsv", "dialect": [","]}) == [
        ("format", f"'format' is \"tsv\": {WHY}; write \"csv\" or remove it"),
        ("dialect", f"'dialect' is [\",\"], not an object: {WHY}; remove it")]
    assert reading_problems({"dialect": {"delimiter": ";", "csv": 5}}) == [
        ("dialect/delimiter", f"'delimiter' is \";\": {WHY}; write \",\" or remove it"),
        ("dialect/csv", f"'dialect/csv' is 5, not an object: {WHY}; remove it")]


def test_mmdatas_reading_is_frictionless_default() -> None:
    """What a resource may declare is what frictionless reads when nothing is declared: its defaults, named as the standard does."""
    from frictionless import Dialect
    from frictionless.formats import CsvControl

    dialect, csv = Dialect(), CsvControl()
    assert {key: DIALECT_READING[key] for key in DIALECT_READING if key not in CSV_READING} == {
        "header": dialect.header, "headerRows": dialect.header_rows, "headerCase": dialect.header_case,
        "commentChar": dialect.comment_char, "commentRows": dialect.comment_rows, "skipBlankRows": dialect.skip_blank_rows}
    assert CSV_READING == {"delimiter": csv.delimiter, "quoteChar": csv.quote_char, "doubleQuote": csv.double_quote,
                           "escapeChar": csv.escape_char, "nullSequence": csv.null_sequence, "skipInitialSpace": csv.skip_initial_space}


def test_validate_refuses_a_dialect_that_frictionless_would_read_otherwise(package: Path) -> None:
    apply_patch(package, [{"file": "datapackage.json", "pointer": "/resources/outcomes/dialect", "value": {"delimiter": ";", "skipInitialSpace": True}},
                          {"file": "datapackage.json", "pointer": "/resources/arms/compression", "value": "gz"}])
    result = CliRunner().invoke(cli, ["validate", str(package)])
    assert result.exit_code == 1
    assert result.stdout.startswith("invalid: 3 problems (5 tables, ")
    assert result.stderr.splitlines() == [
        f"datapackage.json:resources/2/compression: 'compression' is \"gz\": {WHY}; remove it [resource-error]",
        f"datapackage.json:resources/3/dialect/delimiter: 'delimiter' is \";\": {WHY}; write \",\" or remove it [resource-error]",
        f"datapackage.json:resources/3/dialect/skipInitialSpace: 'skipInitialSpace' is true: {WHY}; write false or remove it [resource-error]"]


@pytest.mark.parametrize(("key", "value"), [
    ("compression", "zip"), ("layout", {"header": False}), ("innerpath", "outcomes.csv"), ("extrapaths", ["data/more.csv"]),
    ("format", "tsv"), ("mediatype", "text/tab-separated-values"), ("scheme", "https"), ("type", "json"),
])
def test_each_other_reading_docs_validation_names_is_refused(key: str, value: object) -> None:
    """Named here as docs/validation.md names them, not read from the module's own lists."""
    assert keys({**ENTRY, key: value}) == [key]


@pytest.mark.parametrize(("path", "declared", "refused"), [
    ("data/arms.csv", {}, False), ("data/arms.tsv", {}, True), ("data/arms", {}, True), ("data/arms.CSV", {}, True),
    ("data/arms.tsv", {"format": "csv"}, False), ("data/arms.csv.txt", {}, True),
])
def test_a_path_that_names_no_csv_file_needs_a_format(path: str, declared: dict, refused: bool) -> None:
    """With no format, frictionless takes it from the file's name: data/arms.tsv was read as tab-separated, and failed."""
    found = reading_problems({"path": path, **declared})
    assert found == ([("path", f"'{path}' does not end in .csv, and with no 'format' other tools take the format from the file's "
                              f"name: {WHY}; declare \"format\": \"csv\" or name the file .csv")] if refused else [])


def test_a_number_field_reads_as_mmdata_reads_it_or_is_refused() -> None:
    """With "decimalChar": "," frictionless read the cell 55.3 as 553 (and said the package was valid), where mmdata reads 55.3."""
    from frictionless import fields

    number = fields.NumberField(name="n")
    assert NUMBER_READING == {"decimalChar": number.decimal_char, "groupChar": number.group_char, "bareNumber": number.bare_number}
    assert field_reading_problems({"name": "v", "type": "number", **NUMBER_READING}) == []
    words = "mmdata reads a number's cells as written, with '.' for the decimal point and no grouping, and other tools follow what is declared"
    assert field_reading_problems({"name": "v", "decimalChar": ",", "groupChar": ".", "bareNumber": False}) == [
        f"'decimalChar' is \",\": {words}; write \".\" or remove it", f"'groupChar' is \".\": {words}; remove it",
        f"'bareNumber' is false: {words}; write true or remove it"]
    assert field_reading_problems({"name": "v", "bareNumber": 1}) == [f"'bareNumber' is 1: {words}; write true or remove it"]


def test_validate_names_a_number_field_read_otherwise_and_a_path_that_is_no_csv(package: Path) -> None:
    (package / "data/arms.csv").rename(package / "data/arms.tsv")
    apply_patch(package, [{"file": "schemas/outcomes.schema.json", "pointer": "/fields/value/decimalChar", "value": ","},
                          {"file": "datapackage.json", "pointer": "/resources/arms/path", "value": "data/arms.tsv"},
                          {"file": "datapackage.json", "pointer": "/resources/arms/format", "remove": True}])
    result = CliRunner().invoke(cli, ["validate", str(package)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"datapackage.json:resources/2/path: 'data/arms.tsv' does not end in .csv, and with no 'format' other tools take the format from "
        f"the file's name: {WHY}; declare \"format\": \"csv\" or name the file .csv [resource-error]",
        "schemas/outcomes.schema.json:value: 'decimalChar' is \",\": mmdata reads a number's cells as written, with '.' for the decimal "
        "point and no grouping, and other tools follow what is declared; write \".\" or remove it [field-error]"]
