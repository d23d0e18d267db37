"""Problem codes are declared once, beside the code that emits them (errors.Code, #21): CODES, the
fields and values the rules need, and the table of codes in docs/validation.md are derived from those
declarations, so none of them can drift from the rules."""

from __future__ import annotations

import ast
import copy
import importlib
import pickle
import re
import subprocess
import sys

import pytest

import mmdata
from mmdata.errors import LAYER_NAMES, RULES, Code, Problem, declared_codes, sort_problems
from mmdata.rules import validate
from mmdata.rules.crossfield import CI_ORDER

from .conftest import ROOT

SRC = ROOT / "src" / "mmdata"
SOURCES = sorted(SRC.rglob("*.py"))
#: The table of codes in docs/validation.md sits between these marks.
TABLE = re.compile(r"(<!-- codes -->\n)(.*?)(<!-- end -->)", re.S)


def declarations() -> dict[str, list[str]]:
    """Where each code is declared: the source files (relative to src/mmdata) whose Code("...") call names it."""
    found: dict[str, list[str]] = {}
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Code":
                first = node.args[0] if node.args else None
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.setdefault(first.value, []).append(path.relative_to(SRC).as_posix())
    return found


def code_table() -> str:
    """The table of codes of docs/validation.md, rendered from the declarations."""
    where = declarations()
    lines = ["| code | layer | what it means | declared in |", "| --- | --- | --- | --- |"]
    for code in validate.DECLARED:
        meaning = code.meaning.replace("|", "\\|")
        lines.append(f"| `{code}` | {code.layer} {LAYER_NAMES[code.layer]} | {meaning} | `{where[code][0]}` |")
    return "\n".join(lines) + "\n"


def test_every_code_is_declared_once_in_the_source() -> None:
    twice = {code: files for code, files in declarations().items() if len(files) > 1}
    assert twice == {}
    assert sorted(declarations()) == sorted(mmdata.CODES), "every Code(...) in the source is one of mmdata.CODES"


def test_every_declared_code_is_one_validate_knows() -> None:
    """A module that declares a code but that validate does not import would leave it out of CODES:
    import every module, and every declaration must already be among validate's."""
    for path in SOURCES:
        if path.name == "__main__.py":
            continue
        parts = path.relative_to(SRC).with_suffix("").parts
        importlib.import_module(".".join(["mmdata", *parts[:-1]] if parts[-1] == "__init__" else ["mmdata", *parts]))
    where = declarations()
    missed = [f"{code} (declared in {', '.join(where.get(code, ['?']))})" for code in declared_codes() if code not in validate.DECLARED]
    assert missed == []


def test_a_code_is_written_as_a_string_only_in_its_declaration() -> None:
    """Everywhere else the code is emitted or compared through its declaration (UNIT_MISMATCH, not "unit-mismatch")."""
    codes = set(mmdata.CODES)
    stray = []
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        declared = {id(node.args[0]) for node in ast.walk(tree)
                    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Code" and node.args}
        stray += [f"{path.relative_to(SRC)}:{node.lineno}: '{node.value}'; import its declaration instead"
                  for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and node.value in codes and id(node) not in declared]
    assert stray == []


def test_codes_keep_their_layer_and_meaning() -> None:
    """mmdata.CODES is the public registry: each code's (layer, meaning), derived from its declaration."""
    assert mmdata.CODES == {str(code): (code.layer, code.meaning) for code in validate.DECLARED}
    assert mmdata.CODES["ci-order"] == (RULES, "confidence bounds are missing one side or do not enclose the value")
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", code) for code in mmdata.CODES)


def test_the_rule_fields_and_values_are_those_the_codes_declare() -> None:
    assert validate.RULE_FIELDS["outcomes"] == ("arm_id", "ci_lower", "ci_upper", "comparator_arm_id", "direction", "finding", "p_value",
                                                "qualifier", "quote", "source_id", "statistic", "study_id", "time_unit", "time_value",
                                                "unit", "value")
    assert validate.RULE_FIELDS["sources"] == ("seed_file", "sha256", "source_id")
    assert CI_ORDER.reads == {"outcomes": ("value", "ci_lower", "ci_upper")}
    assert CI_ORDER.numbers == {"outcomes": ("value", "ci_lower", "ci_upper")}
    assert validate.RULE_NUMBERS == {"adverse_events": ("at_risk", "time_value", "value"), "arms": ("size",),
                                     "outcomes": ("ci_lower", "ci_upper", "p_value", "time_value", "value"), "studies": ("size",)}
    assert validate.FINDING_NUMBERS == ("time_value", "value")
    assert validate.RULE_VALUES == {
        "adverse_events": {"qualifier": ("not-reached",), "statistic": ("qualitative",), "unit": ("percent",)},
        "outcomes": {"qualifier": ("not-reached",), "statistic": ("qualitative",), "unit": ("percent",)},
        "studies": {"design": ("meta-analysis",)},
    }


def test_a_new_rule_declares_its_code_in_two_lines_and_validation_follows() -> None:
    """The recipe of CONTRIBUTING.md: one import and one declaration, in a module validate imports. Its
    code is in CODES; a field it reads that a schema lacks, and a value it names that a field does not
    allow, are schema-errors. Run in a fresh interpreter: a declaration is made once per process."""
    code = (
        "from mmdata.errors import RULES, Code\n"
        "DOSE_MISSING = Code('dose-missing', RULES, 'a dose has no unit', reads={'outcomes': ('dose',)},"
        " values={'studies': {'design': ('cohort',)}})\n"
        "import mmdata\n"
        "print(mmdata.CODES['dose-missing'])\n"
        f"print(*[p.to_line() for p in mmdata.validate({str(ROOT)!r})], sep='\\n')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == [
        "(4, 'a dose has no unit')",
        "data/outcomes.csv: table outcomes lacks the fields dose that mmdata's rules need [schema-error]",
        "data/studies.csv:design: mmdata's rules name 'cohort', which is not an allowed value of studies.design; "
        "rename it in the schema's mmdata: properties too, or restore the value [schema-error]",
    ]


def test_a_code_declared_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="problem code 'ci-order' is declared twice; declare it once"):
        Code("ci-order", RULES, "confidence bounds again")
    with pytest.raises(ValueError, match="problem code 'x-rule' has layer 6"):
        Code("x-rule", 6, "no such layer")
    assert "x-rule" not in {str(c) for c in declared_codes()}


def test_a_problem_holds_its_code_as_a_plain_string() -> None:
    problem = Problem("data/outcomes.csv", 3, "ci_upper", CI_ORDER, "0.41 is below value 0.48", "0.41")
    assert type(problem.code) is str and problem.code == "ci-order"
    assert problem.layer == RULES
    assert pickle.loads(pickle.dumps(problem)) == problem
    assert copy.deepcopy(CI_ORDER) == "ci-order" and pickle.loads(pickle.dumps(CI_ORDER)) == "ci-order"
    assert type(problem.to_dict()["code"]) is str
    assert Problem("x", None, None, "ci-order", "m").layer == RULES  # a code written as a string is looked up


def test_problems_alike_but_for_the_cell_are_listed_in_one_order_whatever_order_they_were_found_in() -> None:
    """A report's order never depends on the order problems were found in nor on Python's string hashing: two problems
    that differ only in the cell as written are ordered by it, no cell first; exact duplicates are dropped."""
    alike = [Problem("data/sources.csv", 9, None, "number-not-quoted", "6 is in no quote", value)
             for value in ("b", None, "a", "", "b")]
    expected = [None, "", "a", "b"]
    assert [p.value for p in sort_problems(alike)] == expected
    assert [p.value for p in sort_problems(alike[::-1])] == expected
    assert alike[4].sort_key() > alike[2].sort_key() > alike[3].sort_key() > alike[1].sort_key()
    placed = [Problem("data/sources.csv", row, column, "number-not-quoted", "6 is in no quote")
              for row, column in ((0, ""), (None, ""), (0, None), (None, None))]
    expected_places = [(None, None), (None, ""), (0, None), (0, "")]
    assert [(p.row, p.column) for p in sort_problems(placed)] == expected_places
    assert [(p.row, p.column) for p in sorted(placed, key=Problem.sort_key)] == expected_places


def test_import_mmdata_stays_light_and_codes_load_when_asked() -> None:
    code = ("import sys, mmdata\n"
            "heavy = lambda: sorted({m.split('.')[0] for m in sys.modules} & {'pandas', 'pandera', 'numpy', 'frictionless'})\n"
            "print(heavy(), 'mmdata.rules.validate' in sys.modules)\n"
            "print(len(mmdata.CODES), mmdata.CODES['unit-mismatch'])\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == f"[] False\n{len(validate.DECLARED)} (4, 'the unit does not fit the statistic')\n"


def test_the_validation_guide_lists_every_code_as_declared() -> None:
    """The table of codes in docs/validation.md is the declarations, rendered: a new code, or a changed meaning, shows here."""
    readme = (ROOT / "docs/validation.md").read_text(encoding="utf-8")
    match = TABLE.search(readme)
    assert match, "docs/validation.md has no table of codes between <!-- codes --> and <!-- end -->"
    listed = {row.split("`")[1]: row for row in match[2].splitlines()[2:]}
    expected = {row.split("`")[1]: row for row in code_table().splitlines()[2:]}
    assert (sorted(set(expected) - set(listed)), sorted(set(listed) - set(expected))) == ([], []), "codes missing from, or gone but still in, the table"
    changed = [expected[code] for code in expected if listed[code] != expected[code]]
    assert changed == [], "the rows of docs/validation.md for these codes differ from their declarations (codes are API: a meaning is clarified, never changed)"
    assert match[2] == code_table(), f"docs/validation.md's table of codes should read:\n{code_table()}"


def test_the_tables_the_declarations_read_are_the_shipped_tables_of_their_role_issue_21() -> None:
    """The codes' reads= name the finding tables and the quoted tables of the shipped package; which tables a
    rule checks is read from the schemas' mmdata:role: the two must name the same tables."""
    from mmdata.model.package import open_package
    from mmdata.rules.emit import QUOTED_TABLES, RESULT_TABLES

    resources = open_package(ROOT).resources
    assert tuple(r.name for r in resources.values() if r.role == "finding") == RESULT_TABLES
    assert tuple(r.name for r in resources.values() if "quote" in r.field_names) == QUOTED_TABLES


def test_a_code_compares_as_numbers_only_fields_it_reads() -> None:
    with pytest.raises(ValueError, match=r"problem code 'x-never-declared' compares outcomes.ci_lower as numbers but does not read it"):
        Code("x-never-declared", RULES, "never kept", reads={"outcomes": ("value",)}, numbers={"outcomes": ("value", "ci_lower")})
    assert "x-never-declared" not in mmdata.CODES
