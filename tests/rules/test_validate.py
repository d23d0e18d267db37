"""validate_package runs layer 2's checks of each table in a second thread, beside layers 3 to 5, in a package with a
table of BESIDE_FROM rows or more (#22): the same problems, and the same error when a step fails, as in one thread."""

from __future__ import annotations

import contextvars
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import mmdata
import mmdata.rules.keys
import mmdata.rules.validate
from mmdata.rules.validate import CELL_CHECKS, TYPED_CELLS

from ..conftest import read_rows, set_cell


@pytest.fixture(params=["one thread", "beside"])
def cold(package: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The package copy, with nothing of it read or checked in this process before (io/memo.py); its cell checks in a
    second thread or not (the shipped tables are far smaller than BESIDE_FROM)."""
    if request.param == "beside":
        monkeypatch.setattr(mmdata.rules.validate, "BESIDE_FROM", 0)
    TYPED_CELLS.clear()
    CELL_CHECKS.clear()
    return package


def checks_that(monkeypatch: pytest.MonkeyPatch, first: Callable[[Any], object]) -> None:
    """Make every table's cell checks call first(table) before they check."""
    check_cells = mmdata.rules.validate.check_cells

    def check(table: Any, typed: Any) -> Any:
        first(table)
        return check_cells(table, typed)

    monkeypatch.setattr(mmdata.rules.validate, "check_cells", check)


def largest(pkg: Path) -> int:
    return max(len(read_rows(path)[1]) for path in (pkg / "data").glob("*.csv"))


def lines(pkg: Path) -> list[str]:
    return [p.to_line() for p in mmdata.validate(pkg)]


def test_the_cell_checks_run_beside_the_keys_and_find_what_they_found_alone_issue_22(package: Path,
                                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    cold = package
    TYPED_CELLS.clear()
    CELL_CHECKS.clear()
    key = read_rows(cold / "data/outcomes.csv")[1][0][0]
    line = set_cell(cold / "data/outcomes.csv", key, "unit", "fortnights")  # a layer-2 problem
    alone = lines(cold)
    assert f"data/outcomes.csv:{line}:unit: 'fortnights' is not an allowed value" in "\n".join(alone)
    TYPED_CELLS.clear()
    CELL_CHECKS.clear()
    keys_begun = threading.Event()
    seen: dict[str, Any] = {}
    check_cells, foreign_keys = mmdata.rules.validate.check_cells, mmdata.rules.keys.foreign_keys

    def waiting_check(table: Any, typed: Any) -> Any:  # the first returns only once the keys layer has begun
        if "waited" not in seen:
            seen["thread"], seen["waited"] = threading.current_thread(), keys_begun.wait(timeout=20)
        return check_cells(table, typed)

    def telling_keys(*args: Any) -> Any:
        keys_begun.set()
        return foreign_keys(*args)

    monkeypatch.setattr(mmdata.rules.validate, "check_cells", waiting_check)
    monkeypatch.setattr(mmdata.rules.keys, "foreign_keys", telling_keys)
    monkeypatch.setattr(mmdata.rules.validate, "BESIDE_FROM", largest(cold))  # the bound itself: beside
    assert lines(cold) == alone
    assert seen["waited"] is True and seen["thread"] is not threading.current_thread()


def test_below_the_bound_the_cell_checks_run_in_the_callers_thread_issue_22(package: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    TYPED_CELLS.clear()
    CELL_CHECKS.clear()
    threads: set[threading.Thread] = set()
    checks_that(monkeypatch, lambda table: threads.add(threading.current_thread()))
    monkeypatch.setattr(mmdata.rules.validate, "BESIDE_FROM", largest(package) + 1)
    assert mmdata.validate(package) == []
    assert threads == {threading.current_thread()}


def test_a_package_validated_twice_in_one_process_gives_the_same_problems_issue_22(cold: Path) -> None:
    key = read_rows(cold / "data/adverse_events.csv")[1][0][0]
    set_cell(cold / "data/adverse_events.csv", key, "value", "many")
    first, checked = lines(cold), CELL_CHECKS.made
    assert any(p.endswith("[type-error]") for p in first)
    assert lines(cold) == first
    assert CELL_CHECKS.made == checked  # the second time from memory


def no_checks_thread_left() -> bool:
    return not [t for t in threading.enumerate() if t.name.startswith("mmdata-cell-checks")]


def raising(message: str, table: str | None = None) -> Any:
    def step(*args: Any) -> Any:
        if table is None or args[0].name == table:
            raise RuntimeError(message)
        return ()
    return step


@pytest.mark.parametrize("table", ["sources", "outcomes"])
def test_an_error_of_a_tables_cell_checks_comes_before_one_of_a_later_step_issue_22(cold: Path, table: str,
                                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mmdata.rules.validate, "check_cells", raising(f"checks of {table}", table))
    monkeypatch.setattr(mmdata.rules.validate.crossfield, "cross_field_rules", raising("cross-field rules"))
    with pytest.raises(RuntimeError, match=f"^checks of {table}$"):
        mmdata.validate(cold)
    assert no_checks_thread_left()


def test_an_error_of_a_tables_cell_checks_alone_is_raised_issue_22(cold: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mmdata.rules.validate, "check_cells", raising("checks of arms", "arms"))
    with pytest.raises(RuntimeError, match="^checks of arms$"):
        mmdata.validate(cold)
    assert no_checks_thread_left()


def test_an_error_of_checks_still_running_comes_before_one_of_a_later_step_issue_22(package: Path,
                                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The later step fails first; the checks of sources fail after it, and their error is raised."""
    rules_failed = threading.Event()

    def late_check(table: Any, typed: Any) -> Any:
        if table.name == "sources":
            rules_failed.wait(timeout=20)
            raise RuntimeError("checks of sources") from ValueError("its cause")
        return ()

    def failing_rules(*args: Any) -> Any:
        rules_failed.set()
        raise RuntimeError("cross-field rules")

    TYPED_CELLS.clear()
    CELL_CHECKS.clear()
    monkeypatch.setattr(mmdata.rules.validate, "BESIDE_FROM", 0)
    monkeypatch.setattr(mmdata.rules.validate, "check_cells", late_check)
    monkeypatch.setattr(mmdata.rules.validate.crossfield, "cross_field_rules", failing_rules)
    with pytest.raises(RuntimeError, match="^checks of sources$") as raised:
        mmdata.validate(package)
    assert str(raised.value.__cause__) == "its cause" and str(raised.value.__context__) == "cross-field rules"
    assert no_checks_thread_left()


def test_with_one_thread_an_error_of_the_cell_checks_stops_validation_at_once_issue_22(package: Path,
                                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    TYPED_CELLS.clear()
    CELL_CHECKS.clear()
    called = []
    monkeypatch.setattr(mmdata.rules.validate, "check_cells", raising("checks of sources", "sources"))
    monkeypatch.setattr(mmdata.rules.keys, "foreign_keys", lambda *args: called.append(args) or [])
    with pytest.raises(RuntimeError, match="^checks of sources$"):
        mmdata.validate(package)
    assert called == []


def test_the_cell_checks_see_the_callers_context_variables_issue_22(cold: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    setting: contextvars.ContextVar[str] = contextvars.ContextVar("setting", default="unset")
    seen: set[str] = set()
    checks_that(monkeypatch, lambda table: seen.add(setting.get()))
    setting.set("the caller's")
    assert mmdata.validate(cold) == []
    assert seen == {"the caller's"}


def test_a_warning_filter_left_by_the_second_thread_is_taken_back_issue_22(package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What catch_warnings blocks of two threads that overlap can do: leave one thread's filter behind."""
    TYPED_CELLS.clear()
    CELL_CHECKS.clear()
    checks_that(monkeypatch, lambda table: warnings.filterwarnings("ignore", message="left behind"))
    monkeypatch.setattr(mmdata.rules.validate, "BESIDE_FROM", 0)
    before = list(warnings.filters)
    assert mmdata.validate(package) == []
    assert list(warnings.filters) == before


def test_an_error_of_a_later_tables_typing_comes_after_the_checks_of_the_tables_before_issue_22(
        cold: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    typed_frame = mmdata.rules.validate.typed_frame

    def typing(table: Any) -> Any:
        if table.resource.name == "outcomes":
            raise RuntimeError("typing of outcomes")
        return typed_frame(table)

    monkeypatch.setattr(mmdata.rules.validate, "typed_frame", typing)
    with pytest.raises(RuntimeError, match="^typing of outcomes$"):
        mmdata.validate(cold)
    TYPED_CELLS.clear()
    CELL_CHECKS.clear()
    monkeypatch.setattr(mmdata.rules.validate, "check_cells", raising("checks of sources", "sources"))
    with pytest.raises(RuntimeError, match="^checks of sources$"):
        mmdata.validate(cold)


def test_an_error_of_a_later_step_is_raised_when_every_check_passed_issue_22(cold: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mmdata.rules.validate.crossfield, "cross_field_rules", raising("cross-field rules"))
    with pytest.raises(RuntimeError, match="^cross-field rules$"):
        mmdata.validate(cold)


def test_the_report_times_the_cell_checks_apart_from_the_typing_issue_22(cold: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    checks_that(monkeypatch, lambda table: time.sleep(0.2))
    timings = mmdata.validate_report(cold).timings
    assert list(timings) == ["read", "cells", "keys", "rules", "provenance", "cell checks"]
    assert all(seconds > 0 for seconds in timings.values())
    assert timings["cell checks"] >= 1.0 > timings["cells"]  # five tables' checks, 0.2 s each: not the typing's


def test_of_two_tables_whose_checks_fail_the_first_tables_error_is_raised_issue_22(cold: Path,
                                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    def every_table(table: Any, typed: Any) -> Any:
        raise RuntimeError(f"checks of {table.name}")

    monkeypatch.setattr(mmdata.rules.validate, "check_cells", every_table)
    monkeypatch.setattr(mmdata.rules.validate.crossfield, "cross_field_rules", raising("cross-field rules"))
    with pytest.raises(RuntimeError, match="^checks of sources$"):
        mmdata.validate(cold)


# ---------------------------------------------------------------- the kinds the rules read fields as
@pytest.mark.parametrize(("table", "field", "kind", "expected"), [
    ("outcomes", "ci_lower", "string", "a number, and its schema types it string; declare it number or integer"),
    ("outcomes", "ci_upper", "string", "a number, and its schema types it string; declare it number or integer"),
    ("outcomes", "value", "string", "a number, and its schema types it string; declare it number or integer"),
    ("adverse_events", "value", "string", "a number, and its schema types it string; declare it number or integer"),
    ("outcomes", "comparator_arm_id", "integer", "text, and its schema types it integer; declare it string"),
    ("outcomes", "comparator_arm_id", "number", "text, and its schema types it number; declare it string"),
])
def test_a_field_the_rules_read_typed_otherwise_is_a_schema_error_not_an_internal_error(package: Path, table: str, field: str,
                                                                                         kind: str, expected: str) -> None:
    """Each of these stopped validation with an internal error where a rule compared the column (found by changing the
    shipped schemas' types one field at a time)."""
    from click.testing import CliRunner

    from mmdata.cli import cli

    from ..conftest import apply_patch

    apply_patch(package, [{"file": f"schemas/{table}.schema.json", "pointer": f"/fields/{field}/type", "value": kind},
                          {"file": f"schemas/{table}.schema.json", "pointer": f"/fields/{field}/constraints", "value": {}}])
    result = CliRunner().invoke(cli, ["validate", str(package)])
    assert result.exit_code == 1
    assert f"schemas/{table}.schema.json:{field}: mmdata's rules read {field} of {table} as {expected} [schema-error]" in result.stderr.splitlines()
    assert "internal error" not in result.output


@pytest.mark.parametrize(("table", "field"), [("studies", "size"), ("outcomes", "value")])
def test_a_number_the_rules_read_may_be_typed_number_or_integer(package: Path, table: str, field: str) -> None:
    """size is an integer and value a number as shipped: the other numeric type is no schema-error (its cells may be)."""
    from ..conftest import apply_patch

    other = {"size": "number", "value": "integer"}[field]
    apply_patch(package, [{"file": f"schemas/{table}.schema.json", "pointer": f"/fields/{field}/type", "value": other}])
    assert [p for p in mmdata.validate(package) if p.code == "schema-error"] == []


def test_a_text_marked_in_quote_is_a_schema_error_not_an_internal_error(package: Path) -> None:
    """Its value is looked for among the numbers of its quote: a text so marked stopped validation (ArrowInvalid)."""
    from ..conftest import apply_patch

    apply_patch(package, [{"file": "schemas/outcomes.schema.json", "pointer": "/fields/finding/mmdata:inQuote", "value": True}])
    assert [p.to_line() for p in mmdata.validate(package)] == [
        "schemas/outcomes.schema.json:finding: finding of outcomes is marked mmdata:inQuote, so its value is looked for among the "
        "numbers of its quote, and its schema types it string; declare it number or integer, or drop the mark [schema-error]"]
