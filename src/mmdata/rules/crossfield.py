"""Layer 4: cross-field rules a Table Schema cannot state (results, units, comparisons, intervals, sizes, pooling).

Every check is a vectorised mask over whole columns; Python only loops over the rows that fail, to word
their messages."""

from __future__ import annotations

import pandas as pd

from ..errors import Problem
from ..model.rulefacts import units_of_statistic, upper_bound_qualifiers
from ..model.schema import Table
from .emit import Frames, emit, equals


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
    has_value, not_reached, qualitative = value.notna(), equals(qualifier, "not-reached"), equals(stat, "qualitative")
    p = emit(table, ~has_value & ~not_reached & df["direction"].isna() & ~qualitative, "value", "missing-result",
              lambda r: "no result: give a value, qualifier not-reached, a direction, or statistic qualitative with a finding")
    p += emit(table, not_reached & has_value, "value", "value-conflict",
               lambda r: f"{r['value']} given, but the qualifier says not-reached; leave value empty")
    p += emit(table, qualifier.notna() & ~not_reached & ~has_value, "qualifier", "value-conflict",
               lambda r: f"qualifier {r['qualifier']} has no value to qualify")
    p += emit(table, qualitative & has_value, "value", "value-conflict",
               lambda r: f"{r['value']} given in a qualitative row; use a numeric statistic or leave value empty")
    p += emit(table, qualitative & df["finding"].isna(), "finding", "finding-missing",
               lambda r: "a qualitative row must state its finding in plain words")
    p += emit(table, has_value & unit.isna(), "unit", "unit-missing", lambda r: f"value {r['value']} has no unit")
    p += emit(table, ~has_value & unit.notna(), "unit", "unit-missing", lambda r: f"unit {r['unit']} given without a value")
    units_of = units_of_statistic(table.resource)
    pairs = pd.MultiIndex.from_tuples([(s, u) for s, units in units_of.items() for u in units], names=["statistic", "unit"])
    fits = ~stat.isin(list(units_of)) | pd.Series(pd.MultiIndex.from_arrays([stat, unit]).isin(pairs), index=df.index)
    p += emit(table, unit.notna() & ~fits, "unit", "unit-mismatch",
               lambda r: f"unit {r['unit']} does not fit statistic {r['statistic']}; use {' or '.join(units_of[r['statistic']])}")
    p += emit(table, unit.eq("percent") & ((value < 0) | (value > 100)), "value", "percentage-range",
               lambda r: f"{r['value']} is not a percentage between 0 and 100")
    p += emit(table, df["time_value"].notna() & df["time_unit"].isna(), "time_unit", "time-unit-missing",
               lambda r: f"time_value {r['time_value']} has no time_unit")
    p += emit(table, df["time_value"].isna() & df["time_unit"].notna(), "time_value", "time-unit-missing",
               lambda r: f"time_unit {r['time_unit']} given without a time_value")
    arm, comparator = df["arm_id"], df["comparator_arm_id"]
    p += emit(table, comparator.notna() & arm.isna(), "arm_id", "comparison-error",
               lambda r: f"comparator_arm_id {r['comparator_arm_id']} is set, so arm_id must name the arm compared with it")
    p += emit(table, comparator.notna() & comparator.eq(arm), "comparator_arm_id", "comparison-error",
               lambda r: f"{r['comparator_arm_id']} is compared with itself")
    p += emit(table, df["direction"].notna() & comparator.isna(), "comparator_arm_id", "comparison-error",
               lambda r: f"direction {r['direction']} needs the comparator_arm_id it compares against")
    if arms is not None:
        study_of_arm = arms.set_index("arm_id")["study_id"]
        study_of_arm = study_of_arm[~study_of_arm.index.duplicated()]
        for column in ("arm_id", "comparator_arm_id"):
            other = df[column].map(study_of_arm)
            p += emit(table, other.notna() & other.ne(df["study_id"]), column, "arm-study-mismatch",
                       lambda r: f"arm {r[column]} belongs to study {study_of_arm[r[column]]}, not {r['study_id']}")
    return p


def _interval_rules(table: Table, df: pd.DataFrame) -> list[Problem]:
    low, high, value = df["ci_lower"], df["ci_upper"], df["value"]
    p = emit(table, low.isna() & high.notna(), "ci_lower", "ci-order", lambda r: "missing while ci_upper is given; give both bounds or neither")
    p += emit(table, low.notna() & high.isna(), "ci_upper", "ci-order", lambda r: "missing while ci_lower is given; give both bounds or neither")
    p += emit(table, low > high, "ci_upper", "ci-order", lambda r: f"{r['ci_upper']} is below ci_lower {r['ci_lower']}")
    p += emit(table, (low <= high) & (low > value), "ci_lower", "ci-order", lambda r: f"{r['ci_lower']} is above value {r['value']}")
    p += emit(table, (low <= high) & (high < value), "ci_upper", "ci-order", lambda r: f"{r['ci_upper']} is below value {r['value']}")
    return p


def _size_rules(table: Table, df: pd.DataFrame) -> list[Problem]:
    p = emit(table, df["size_qualifier"].notna() & df["size"].isna(), "size_qualifier", "size-error",
              lambda r: f"size_qualifier {r['size_qualifier']} has no size to qualify")
    p += emit(table, df["size"].notna() & df["quote"].isna(), "quote", "size-error",
               lambda r: f"size {r['size']} needs the quote that states it")
    return p


def _pooled_rules(table: Table, studies: pd.DataFrame) -> list[Problem]:
    design = studies.drop_duplicates("study_id").set_index("study_id")["design"]
    pooled = studies["pooled_in"]
    p = emit(table, pooled.notna() & pooled.eq(studies["study_id"]), "pooled_in", "pooled-in-error",
              lambda r: "a study cannot be pooled in itself")
    target = pooled.map(design)
    p += emit(table, target.notna() & target.ne("meta-analysis"), "pooled_in", "pooled-in-error",
               lambda r: f"{r['pooled_in']} is a {design[r['pooled_in']]}, not a meta-analysis")
    return p


def _arm_size_rules(tables: dict[str, Table], studies: pd.DataFrame, arms: pd.DataFrame) -> list[Problem]:
    """No arm, and no sum of exact arm sizes, exceeds its study's size when that size is an upper bound."""
    upper = studies["size_qualifier"].isna() | studies["size_qualifier"].isin(upper_bound_qualifiers(tables["studies"].resource))
    bound_of = pd.Series(studies["size"].where(upper).to_numpy(), index=studies["study_id"].to_numpy())
    bound_of = bound_of[~bound_of.index.duplicated()]
    p = emit(tables["arms"], arms["size"] > arms["study_id"].map(bound_of), "size", "arm-larger-than-study",
              lambda r: f"{r['size']} patients, more than the {int(bound_of[r['study_id']])} of study {r['study_id']}")
    exact = arms["size"].where(arms["size_qualifier"].isna())
    total = exact.groupby(arms["study_id"]).sum(min_count=1)
    p += emit(tables["studies"], studies["study_id"].map(total) > studies["size"].where(upper), "size", "arms-exceed-study",
               lambda r: f"its arms add up to {int(total[r['study_id']])} patients, more than the study's {r['size']}")
    return p
