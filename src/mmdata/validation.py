"""Validate a package in five layers and return every problem found."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import checks
from .errors import Problem, sort_problems
from .package import load_package
from .rulefacts import fact_problems
from .schemas import check_cells, typed_frame

#: Fields the cross-field and provenance rules read, per table. A schema without them is an error.
RULE_FIELDS = {
    "sources": ("source_id", "seed_file", "sha256"),
    "studies": ("study_id", "design", "size", "size_qualifier", "source_id", "quote", "pooled_in"),
    "arms": ("arm_id", "study_id", "size", "size_qualifier", "source_id", "quote"),
    "outcomes": ("study_id", "arm_id", "comparator_arm_id", "statistic", "value", "unit", "qualifier", "direction",
                 "time_value", "time_unit", "ci_lower", "ci_upper", "p_value", "finding", "source_id", "quote"),
    "adverse_events": ("study_id", "arm_id", "comparator_arm_id", "statistic", "value", "unit", "qualifier",
                       "direction", "time_value", "time_unit", "at_risk", "finding", "source_id", "quote"),
}


@dataclass
class Report:
    """The problems of one validation run, in reporting order, and what was checked."""

    problems: list[Problem] = field(default_factory=list)
    tables: int = 0
    rows: int = 0
    seeds: int = 0

    @property
    def valid(self) -> bool:
        return not self.problems


def validate_package(root: str | Path = ".") -> Report:
    """Check the package at root; raise PackageReadError only when datapackage.json cannot be read."""
    root = Path(root)
    pkg = load_package(root)
    problems = list(pkg.problems)
    frames, readable = {}, {}
    for name, table in pkg.tables.items():
        typed, type_problems, unreadable = typed_frame(table)
        problems += type_problems
        problems += check_cells(table, typed)
        frames[name], readable[name] = typed, typed[~unreadable]
    problems += checks.foreign_keys(pkg.tables, frames)
    ruled = {}
    for name, frame in readable.items():
        lacking = [f for f in RULE_FIELDS.get(name, ()) if f not in frame.columns]
        if lacking:
            schema_path = pkg.tables[name].path
            problems.append(Problem(schema_path, None, None, "schema-error",
                                    f"table {name} lacks the fields {', '.join(lacking)} that mmdata's rules need"))
        else:
            ruled[name] = frame
    tables = {name: pkg.tables[name] for name in ruled}
    problems += fact_problems(tables)  # a value the rules name must be allowed (#12)
    problems += checks.cross_field_rules(tables, ruled)
    seed_problems, texts = checks.seed_checks(root, tables, ruled)
    problems += seed_problems
    problems += checks.quote_checks(tables, ruled, texts)
    return Report(sort_problems(problems), len(pkg.tables), sum(len(t.frame) for t in pkg.tables.values()), len(texts))
