"""Layer 4: cross-field rules a Table Schema cannot state (results, units, comparisons, intervals, sizes, pooling).

Every check is a vectorised mask over whole columns; Python only loops over the rows that fail, to word
their messages."""

from __future__ import annotations

from typing import TypeVar

import pandas as pd

from ..errors import RULES, Code, Problem

# The allowed values these rules name (each code below declares the ones it names: RULE_VALUES).
from ..model.rulefacts import META_ANALYSIS, NOT_REACHED, PERCENT, QUALITATIVE, units_of_statistic, upper_bound_qualifiers
from ..model.schema import Table
from .emit import RESULT_TABLES, Frames, emit, equals

T = TypeVar("T")


def _results(value: T) -> dict[str, T]:
    """value for each table of results (outcomes and adverse events), which these rules read alike."""
    return dict.fromkeys(RESULT_TABLES, value)


MISSING_RESULT = Code("missing-result", RULES, "a row has no number, no not-reached and no qualitative result",
                      reads=_results(("value", "qualifier", "direction", "statistic")), numbers=_results(("value",)),
                      values=_results({"qualifier": (NOT_REACHED,), "statistic": (QUALITATIVE,)}))
VALUE_CONFLICT = Code("value-conflict", RULES, "a row's result columns contradict each other",
                      reads=_results(("value", "qualifier", "statistic")), numbers=_results(("value",)),
                      values=_results({"qualifier": (NOT_REACHED,), "statistic": (QUALITATIVE,)}))
UNIT_MISSING = Code("unit-missing", RULES, "a value has no unit, or a unit has no value", reads=_results(("value", "unit")),
                     numbers=_results(("value",)))
UNIT_MISMATCH = Code("unit-mismatch", RULES, "the unit does not fit the statistic",  # the units: mmdata:unitsOfStatistic
                     reads=_results(("statistic", "unit")))
PERCENTAGE_RANGE = Code("percentage-range", RULES, "a percentage is outside 0 to 100",
                        reads=_results(("value", "unit")), numbers=_results(("value",)), values=_results({"unit": (PERCENT,)}))
TIME_UNIT_MISSING = Code("time-unit-missing", RULES, "a time point has no unit, or a unit has no time point",
                         reads=_results(("time_value", "time_unit")), numbers=_results(("time_value",)))
FINDING_MISSING = Code("finding-missing", RULES, "a qualitative row does not say its finding",
                       reads=_results(("statistic", "finding")), values=_results({"statistic": (QUALITATIVE,)}))
COMPARISON_ERROR = Code("comparison-error", RULES, "a comparator or direction is incomplete or compares an arm with itself",
                        reads=_results(("arm_id", "comparator_arm_id", "direction")))
ARM_STUDY_MISMATCH = Code("arm-study-mismatch", RULES, "an arm belongs to another study than the row",
                          reads={**_results(("study_id", "arm_id", "comparator_arm_id")), "arms": ("arm_id", "study_id")})
CI_ORDER = Code("ci-order", RULES, "confidence bounds are missing one side or do not enclose the value",
                reads={"outcomes": ("value", "ci_lower", "ci_upper")}, numbers={"outcomes": ("value", "ci_lower", "ci_upper")})
SIZE_ERROR = Code("size-error", RULES, "a size qualifier without a size, or a size without its quote",
                  reads={"studies": ("size", "size_qualifier", "quote"), "arms": ("size", "size_qualifier", "quote")},
                  numbers={"studies": ("size",), "arms": ("size",)})
ARM_LARGER_THAN_STUDY = Code("arm-larger-than-study", RULES, "an arm has more patients than its study",  # the bounds: mmdata:upperBound
                             reads={"studies": ("study_id", "size", "size_qualifier"), "arms": ("study_id", "size")},
                             numbers={"studies": ("size",), "arms": ("size",)})
ARMS_EXCEED_STUDY = Code("arms-exceed-study", RULES, "the arms of a study add up to more patients than the study",
                         reads={"studies": ("study_id", "size", "size_qualifier"), "arms": ("study_id", "size", "size_qualifier")},
                         numbers={"studies": ("size",), "arms": ("size",)})
POOLED_IN_ERROR = Code("pooled-in-error", RULES, "pooled_in names the study itself or a study that is not a meta-analysis",
                       reads={"studies": ("study_id", "design", "pooled_in")}, values={"studies": {"design": (META_ANALYSIS,)}})


def cross_field_rules(tables: dict[str, Table], frames: Frames) -> list[Problem]:
    problems: list[Problem] = []
    for name in frames:  # the finding tables (mmdata:role "finding"): their results
        if tables[name].resource.role == "finding":
            problems += _result_rules(tables[name], frames[name], frames.get("arms"))
            if "ci_lower" in frames[name]:
                problems += _interval_rules(tables[name], frames[name])
    for name in ("studies", "arms"):
        if name in frames:
            problems += _size_rules(tables[name], frames[name])
    if "studies" in frames:
        problems += _pooled_rules(tables["studies"], frames["studies"])
        if "arms" in frames:
            problems += _arm_size_rules(tables, frames["studies"], frames["arms"])
    return problems


def _result_rules(table: Table, df: pd.DataFrame, arms: pd.DataFrame | None) -> list[Problem]:
    value, unit, qualifier, stat = df["value"], df["unit"], df["qualifier"], df["statistic"]
    has_value, not_reached, qualitative = value.notna(), equals(qualifier, NOT_REACHED), equals(stat, QUALITATIVE)
    p = emit(table, ~has_value & ~not_reached & df["direction"].isna() & ~qualitative, "value", MISSING_RESULT,
              lambda r: "no result: give a value, qualifier not-reached, a direction, or statistic qualitative with a finding")
    p += emit(table, not_reached & has_value, "value", VALUE_CONFLICT,
               lambda r: f"{r['value']} given, but the qualifier says not-reached; leave value empty")
    p += emit(table, qualifier.notna() & ~not_reached & ~has_value, "qualifier", VALUE_CONFLICT,
               lambda r: f"qualifier {r['qualifier']} has no value to qualify")
    p += emit(table, qualitative & has_value, "value", VALUE_CONFLICT,
               lambda r: f"{r['value']} given in a qualitative row; use a numeric statistic or leave value empty")
    p += emit(table, qualitative & df["finding"].isna(), "finding", FINDING_MISSING,
               lambda r: "a qualitative row must state its finding in plain words")
    p += emit(table, has_value & unit.isna(), "unit", UNIT_MISSING, lambda r: f"value {r['value']} has no unit")
    p += emit(table, ~has_value & unit.notna(), "unit", UNIT_MISSING, lambda r: f"unit {r['unit']} given without a value")
    units_of = units_of_statistic(table.resource)
    pairs = pd.MultiIndex.from_tuples([(s, u) for s, units in units_of.items() for u in units], names=["statistic", "unit"])
    fits = ~stat.isin(list(units_of)) | pd.Series(pd.MultiIndex.from_arrays([stat, unit]).isin(pairs), index=df.index)
    p += emit(table, unit.notna() & ~fits, "unit", UNIT_MISMATCH,
               lambda r: f"unit {r['unit']} does not fit statistic {r['statistic']}; use {' or '.join(units_of[r['statistic']])}")
    p += emit(table, unit.eq(PERCENT) & ((value < 0) | (value > 100)), "value", PERCENTAGE_RANGE,
               lambda r: f"{r['value']} is not a percentage between 0 and 100")
    p += emit(table, df["time_value"].notna() & df["time_unit"].isna(), "time_unit", TIME_UNIT_MISSING,
               lambda r: f"time_value {r['time_value']} has no time_unit")
    p += emit(table, df["time_value"].isna() & df["time_unit"].notna(), "time_value", TIME_UNIT_MISSING,
               lambda r: f"time_unit {r['time_unit']} given without a time_value")
    arm, comparator = df["arm_id"], df["comparator_arm_id"]
    p += emit(table, comparator.notna() & arm.isna(), "arm_id", COMPARISON_ERROR,
               lambda r: f"comparator_arm_id {r['comparator_arm_id']} is set, so arm_id must name the arm compared with it")
    p += emit(table, comparator.notna() & comparator.eq(arm), "comparator_arm_id", COMPARISON_ERROR,
               lambda r: f"{r['comparator_arm_id']} is compared with itself")
    p += emit(table, df["direction"].notna() & comparator.isna(), "comparator_arm_id", COMPARISON_ERROR,
               lambda r: f"direction {r['direction']} needs the comparator_arm_id it compares against")
    if arms is not None:
        study_of_arm = arms.set_index("arm_id")["study_id"]
        # An arm with no arm_id (a required-error of its own) names no arm: a finding's empty arm_id is not its.
        study_of_arm = study_of_arm[study_of_arm.index.notna() & ~study_of_arm.index.duplicated()]
        study_named = study_of_arm.to_dict()  # a failing row's arm looked up in a dict: by the Series, 30 us a row (#22)
        for column in ("arm_id", "comparator_arm_id"):
            other = looked_up(df[column], study_of_arm)
            p += emit(table, other.notna() & other.ne(df["study_id"]), column, ARM_STUDY_MISMATCH,
                       lambda r: f"arm {r[column]} belongs to study {study_named[r[column]]}, not {r['study_id']}")
    return p


def looked_up(values: pd.Series, by: pd.Series) -> pd.Series:
    """values.map(by), by's index unique and never missing: each distinct value looked up once. The arm ids of a million
    findings are some thousands of arms: 0.19 s a column by map, 0.05 s so (#22)."""
    codes, distinct = pd.factorize(values)  # a missing value: code -1, which take fills with by's missing value
    found = pd.Series(distinct).map(by)
    return pd.Series(found.array.take(codes, allow_fill=True), index=values.index, name=values.name)


def _interval_rules(table: Table, df: pd.DataFrame) -> list[Problem]:
    low, high, value = df["ci_lower"], df["ci_upper"], df["value"]
    p = emit(table, low.isna() & high.notna(), "ci_lower", CI_ORDER, lambda r: "missing while ci_upper is given; give both bounds or neither")
    p += emit(table, low.notna() & high.isna(), "ci_upper", CI_ORDER, lambda r: "missing while ci_lower is given; give both bounds or neither")
    p += emit(table, low > high, "ci_upper", CI_ORDER, lambda r: f"{r['ci_upper']} is below ci_lower {r['ci_lower']}")
    p += emit(table, (low <= high) & (low > value), "ci_lower", CI_ORDER, lambda r: f"{r['ci_lower']} is above value {r['value']}")
    p += emit(table, (low <= high) & (high < value), "ci_upper", CI_ORDER, lambda r: f"{r['ci_upper']} is below value {r['value']}")
    return p


def _size_rules(table: Table, df: pd.DataFrame) -> list[Problem]:
    p = emit(table, df["size_qualifier"].notna() & df["size"].isna(), "size_qualifier", SIZE_ERROR,
              lambda r: f"size_qualifier {r['size_qualifier']} has no size to qualify")
    p += emit(table, df["size"].notna() & df["quote"].isna(), "quote", SIZE_ERROR,
               lambda r: f"size {r['size']} needs the quote that states it")
    return p


def _pooled_rules(table: Table, studies: pd.DataFrame) -> list[Problem]:
    design = studies.drop_duplicates("study_id").set_index("study_id")["design"]
    pooled = studies["pooled_in"]
    p = emit(table, pooled.notna() & pooled.eq(studies["study_id"]), "pooled_in", POOLED_IN_ERROR,
              lambda r: "a study cannot be pooled in itself")
    target = pooled.map(design)
    p += emit(table, target.notna() & target.ne(META_ANALYSIS), "pooled_in", POOLED_IN_ERROR,
               lambda r: f"{r['pooled_in']} is a {design[r['pooled_in']]}, not a meta-analysis")
    return p


def _arm_size_rules(tables: dict[str, Table], studies: pd.DataFrame, arms: pd.DataFrame) -> list[Problem]:
    """No arm, and no sum of exact arm sizes, exceeds its study's size when that size is an upper bound."""
    upper = studies["size_qualifier"].isna() | studies["size_qualifier"].isin(upper_bound_qualifiers(tables["studies"].resource))
    bound_of = pd.Series(studies["size"].where(upper).to_numpy(), index=studies["study_id"].to_numpy())
    bound_of = bound_of[~bound_of.index.duplicated()]
    p = emit(tables["arms"], arms["size"] > arms["study_id"].map(bound_of), "size", ARM_LARGER_THAN_STUDY,
              lambda r: f"{r['size']} patients, more than the {int(bound_of[r['study_id']])} of study {r['study_id']}")
    exact = arms["size"].where(arms["size_qualifier"].isna())
    total = exact.groupby(arms["study_id"]).sum(min_count=1)
    p += emit(tables["studies"], studies["study_id"].map(total) > studies["size"].where(upper), "size", ARMS_EXCEED_STUDY,
               lambda r: f"its arms add up to {int(total[r['study_id']])} patients, more than the study's {r['size']}")
    return p
