"""One problem, one line: control characters in a cell, a column name or a file name are printed
escaped by every text output (issue 13)."""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from mmdata.cli import cli
from mmdata.io.csvfile import canonical_csv
from mmdata.terminal import INVISIBLE, INVISIBLE_PATTERN, printable

from .conftest import ROOT

#: Each hostile character and how mmdata prints it.
CHARS = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\x1b", "\x00": "\\x00", "\u2028": "\\u2028", "\x85": "\\x85"}
IDS = ["LF", "CR", "TAB", "ESC", "NUL", "LSEP", "NEL"]
ARMS = "data/arms.csv"


@pytest.mark.parametrize(("char", "escaped"), CHARS.items(), ids=IDS)
def test_printable_escapes_each_hostile_character_issue_13(char: str, escaped: str) -> None:
    assert printable(f"a{char}b") == f"a{escaped}b"


@pytest.mark.parametrize("text", ["plain", "café – 5\u00a0% ≥ 3 μg", "Ωμέγα 日本語 🙂", 'a "quoted" \\n backslash', ""])
def test_printable_leaves_readable_text_alone_issue_13(text: str) -> None:
    assert printable(text) == text


def test_printable_escapes_invisible_format_characters_issue_13() -> None:
    assert printable("a\u202eb\u200bc\ufeffd\u2029e\x7f") == "a\\u202eb\\u200bc\\ufeffd\\u2029e\\x7f"


def test_printable_escapes_a_character_beyond_the_basic_plane_in_full_issue_13() -> None:
    # one \x, \u or \U escape per character, of the width Python writes: never a digit left over or a code cut short
    text = "a\x9f\u0378\ue000\uffff\U000e0001\U0010ffffb"
    assert printable(text) == "a\\x9f\\u0378\\ue000\\uffff\\U000e0001\\U0010ffffb"
    assert printable(text) == repr(text)[1:-1]


def rewrite(path: Path, change) -> None:  # noqa: ANN001
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    change(rows)
    path.write_bytes(canonical_csv(rows[0], rows[1:]))


def raw_in(char: str, text: str) -> bool:
    """Whether char is in text unescaped (a line feed: anywhere but at the end of a line)."""
    return char in (text.replace("\n", "") if char == "\n" else text)


def set_role(rows: list[list[str]], value: str) -> None:
    rows[1][rows[0].index("role")] = value


@pytest.mark.parametrize(("char", "escaped"), CHARS.items(), ids=IDS)
def test_a_cell_value_is_one_line_issue_13(package: Path, char: str, escaped: str) -> None:
    rewrite(package / ARMS, lambda rows: set_role(rows, f"control{char}data/outcomes.csv:99:value: forged [type-error]"))
    result = CliRunner().invoke(cli, ["validate", str(package)])
    assert result.exit_code == 1
    assert result.stderr == (f"{ARMS}:2:role: 'control{escaped}data/outcomes.csv:99:value: forged [type-error]' is not an allowed value; "
                             "use one of: experimental, control, cohort-group [enum-error]\n")
    github = CliRunner().invoke(cli, ["validate", "--format", "github", str(package)])
    assert len(github.stdout.splitlines()) == 2 and not raw_in(char, github.stdout)


@pytest.mark.parametrize(("char", "escaped"), CHARS.items(), ids=IDS)
def test_a_column_name_is_one_line_issue_13(package: Path, char: str, escaped: str) -> None:
    rewrite(package / ARMS, lambda rows: rows[0].__setitem__(rows[0].index("role"), f"ro{char}le"))
    result = CliRunner().invoke(cli, ["validate", str(package)])
    assert result.exit_code == 1
    assert sorted(result.stderr.splitlines()) == sorted([
        f"{ARMS}:1:ro{escaped}le: column 'ro{escaped}le' is not in the schema; remove it or add it to the schema [header-error]",
        f"{ARMS}:1:role: column 'role' is missing from the header [header-error]"])
    fmt = CliRunner().invoke(cli, ["fmt", "--check", str(package)])
    assert len(fmt.stderr.splitlines()) == 2 and not raw_in(char, fmt.stderr)


@pytest.mark.parametrize(("char", "escaped"), CHARS.items(), ids=IDS)
def test_a_file_name_is_one_line_issue_13(package: Path, char: str, escaped: str) -> None:
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    arms = next(r for r in descriptor["resources"] if r["name"] == "arms")
    arms["path"] = f"data/ar{char}ms.csv"
    (package / "datapackage.json").write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(package)])
    why = "holds a NUL character; remove it [path-error]" if char == "\x00" else "does not exist; add the file or fix the path [file-missing]"
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [  # the real arms.csv is now a file no resource declares (#13)
        "data/arms.csv: not declared in datapackage.json, so no release holds it; declare it as a resource or move it out of the folder [file-unlisted]",
        f"datapackage.json:resources/{descriptor['resources'].index(arms)}/path: 'data/ar{escaped}ms.csv' {why}"]
    assert not raw_in(char, result.stderr) and not raw_in(char, result.stdout)
    diff = CliRunner().invoke(cli, ["diff", str(ROOT), str(package)])
    assert diff.exit_code == 2
    assert diff.stderr == f"Error: {package}: has no data/ar{escaped}ms.csv\n"


@pytest.mark.parametrize(("char", "escaped"), CHARS.items(), ids=IDS)
def test_a_key_in_diff_output_is_one_line_issue_13(package: Path, char: str, escaped: str) -> None:
    def rename(rows: list[list[str]]) -> None:
        rows[1][0] = f"new{char}key"
    rewrite(package / ARMS, rename)
    result = CliRunner().invoke(cli, ["diff", str(ROOT), str(package)])
    assert result.exit_code == 0
    assert f"  + new{escaped}key\n" in result.stdout
    assert not raw_in(char, result.stdout)


@pytest.mark.parametrize(("char", "escaped"), CHARS.items(), ids=IDS)
def test_a_passage_printed_by_quote_is_one_line_issue_13(package: Path, char: str, escaped: str) -> None:
    with (package / "data/sources.csv").open(encoding="utf-8", newline="") as fh:
        header, first, *_ = list(csv.reader(fh))
    seed = package / first[header.index("seed_file")]
    seed.write_text(f"Unique{char}marker words here.\n\n" + seed.read_text(encoding="utf-8"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["quote", first[header.index("source_id")], "marker", "words", "--package-dir", str(package)])
    assert result.exit_code == 0
    assert not raw_in(char, result.stdout)
    passage = "Unique marker words here." if char.isspace() else f"Unique{escaped}marker words here."  # quotes normalise whitespace
    assert result.stdout.splitlines()[1:3] == [passage, "  numbers: none"]


@pytest.mark.parametrize(("n", "noun", "expected"), [(1, "fuzzy match", "1 fuzzy match"), (2, "fuzzy match", "2 fuzzy matches"),
                                                     (0, "file", "0 files"), (2, "box", "2 boxes"), (1, "file", "1 file")])
def test_counts_read_as_english(n: int, noun: str, expected: str) -> None:
    from mmdata.terminal import count

    assert count(n, noun) == expected


#: The Unicode Bidi_Control characters (PropList.txt), written out rather than read from the code:
#: ALM, LRM, RLM, LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI. Each can reorder what a reader sees (Trojan Source).
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
#: Format characters (category Cf) that show: the prepended concatenation marks, written before the digits they mark.
VISIBLE_FORMAT = "\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u0890\u0891\u08e2\U000110bd\U000110cd"
#: Default-ignorable characters of other categories than Cf (DerivedCoreProperties.txt): joiners, fillers, variation selectors.
IGNORABLE = "\u034f\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180f\u3164\ufe00\ufe0f\uffa0\U000e0100\U000e01ef"


def test_every_bidirectional_control_is_invisible_issue_23() -> None:
    assert sorted(set(BIDI_CONTROLS) - INVISIBLE) == []


def test_every_format_character_that_does_not_show_is_invisible_issue_23() -> None:
    """Every character of category Cf in this Python's Unicode database but the prepended marks, and the default-ignorable ones."""
    format_characters = {chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf"}
    assert sorted(f"U+{ord(c):04X}" for c in format_characters - set(VISIBLE_FORMAT) - INVISIBLE) == []
    assert sorted(f"U+{ord(c):04X}" for c in set(IGNORABLE) - INVISIBLE) == []
    assert not set(VISIBLE_FORMAT) & INVISIBLE
    assert all(re.fullmatch(INVISIBLE_PATTERN, c) for c in sorted(INVISIBLE))
    assert not re.search(INVISIBLE_PATTERN, "".join(map(chr, range(0x10000))).translate(dict.fromkeys(map(ord, INVISIBLE))))
