"""CEL conditions: compiled once, Argo's helper functions, and what `result` is."""

from __future__ import annotations

import math

import pytest

from analysis.conditions import ConditionError, compile_condition, evaluate
from rollout_engine.errors import SpecError


def test_argo_idioms_compile_and_macros_may_bind_variables() -> None:
    for expr in (
        "result[0] >= 0.95",
        "len(result) == 0 || result[0] >= 0.95",
        "isNaN(result) || result >= 0.95",
        "default(result, 0.0) <= 0.3",
        "result.all(x, x < 1000.0)",
        "result.exists(series, series > 0.5)",
        "asInt(result) >= 3 && asFloat(result) < 5.0 && !isInf(result) && !isNil(result)",
    ):
        compile_condition(expr)


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("result >=", "does not compile"),
        ("results[0] > 1", "unknown variable 'results'"),
        ("all(result, x < 1)", "unknown variable 'x'"),
    ],
)
def test_bad_conditions_are_spec_errors_with_the_field_path(expr: str, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        compile_condition(expr, path="spec.metrics[0].successCondition")
    assert message in str(caught.value)
    assert caught.value.path == "spec.metrics[0].successCondition"


@pytest.mark.parametrize(
    ("expr", "wants_list"),
    [
        ("result >= 0.95", False),
        ("default(result, 1.0) < 2.0", False),
        ("isNaN(result)", False),
        ("result[0] >= 0.95", True),
        ("len(result) == 0 || result >= 1.0", True),
        ("size(result) > 1", True),
        ("0.5 in result", True),
        ("result.all(x, x > 0.0)", True),
    ],
)
def test_the_form_of_result_follows_the_expression(expr: str, wants_list: bool) -> None:
    assert compile_condition(expr).wants_list is wants_list


def test_argo_helper_functions_behave_like_argo() -> None:
    nan = math.nan

    def ev(expr: str, result: object) -> bool:
        return evaluate(compile_condition(expr), result)

    assert ev("isNaN(result)", nan)
    assert not ev("isNaN(result)", 0.5)
    assert ev("isInf(result) && result > 0.0", math.inf)
    assert ev("isNil(result)", None)
    assert ev("default(result, 0.0) == 0.0", None)
    assert ev("default(result, 0.0) == 0.7", 0.7)
    assert ev("asInt(result) == 3", "3")
    assert ev("asFloat(result) == 0.5", "0.5")
    assert ev("len(result) == 2", [1.0, 2.0])
    assert ev("result[0] >= 3", [3.0])  # a double compares with an int literal


@pytest.mark.parametrize(
    ("expr", "result"),
    [
        ("result[0] > 1.0", []),  # index out of range on no data
        ("result > 1.0", [1.0, 2.0]),  # a list is not a number
        ("result * 100 > 95", 0.97),  # CEL does not coerce double * int
        ("result >= 0.9", math.nan),  # ordering comparisons with NaN raise in CEL
        ("isNaN(result)", [1.0]),  # Argo's helpers take numbers
        ("result[0]", [1.0]),  # not a boolean
    ],
)
def test_evaluation_failures_are_condition_errors(expr: str, result: object) -> None:
    with pytest.raises(ConditionError):
        evaluate(compile_condition(expr), result)
