"""One threshold measurement: a query result and two conditions → outcome and reason.

Argo Rollouts' table (``EvaluateResult``), kept as is:

=====================================  ============
conditions                             outcome
=====================================  ============
failureCondition true                  Failed (failure takes precedence)
successCondition true                  Successful
both set, neither true                 Inconclusive
only successCondition set, false       Failed
only failureCondition set, false       Successful
none set                               Successful
a condition cannot be evaluated        Error
=====================================  ============

and one rule on top: **no data is never success**. A result with no series
(empty vector), or with any NaN (``0/0``: no traffic), that the table would
call Successful is Inconclusive instead, with a reason that says so. So:

* ``result[0] >= 0.95`` on no series → Error ("no data: the query returned no
  series"), as in Argo, retried after 10 s and counted by ``consecutiveErrorLimit``;
* ``len(result) == 0 || result[0] >= 0.95`` (Argo's "no data passes") on no
  series → Inconclusive, not Successful;
* ``len(result) > 0 && result[0] >= 0.95`` ("no data fails") → Failed;
* NaN: an ordering comparison with NaN is false (IEEE, and Argo), so
  ``result >= 0.95`` alone → Failed, both conditions set → Inconclusive, and
  ``isNaN(result) || …`` or a failure-only condition → Inconclusive.

±Inf is a number, not missing data: it compares normally.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Final, Literal

from analysis.conditions import CompiledCondition, ConditionError, evaluate
from analysis.providers.base import Matrix, QueryResult, Scalar, Vector, format_value

__all__ = ["ThresholdOutcome", "condition_input", "judge_threshold", "show_value"]

Phase = Literal["Successful", "Failed", "Inconclusive", "Error"]

_COMPARISON: Final = re.compile(
    r"result(?:\s*\[\s*0\s*\])?\s*(>=|<=|==|!=|>|<)\s*(-?[0-9]+(?:\.[0-9]+)?)"
)
_NEGATE: Final = {">=": "<", "<=": ">", ">": "<=", "<": ">=", "==": "!=", "!=": "=="}
_SHOWN_VALUES: Final = 10


@dataclass(frozen=True, slots=True)
class ThresholdOutcome:
    """The outcome of one measurement, the value as recorded, and why."""

    phase: Phase
    value: str
    reason: str


def judge_threshold(
    *,
    name: str,
    result: QueryResult,
    success: CompiledCondition | None,
    failure: CompiledCondition | None,
) -> ThresholdOutcome:
    """Apply Argo's outcome table and the no-data rule to one result."""
    value = show_value(result)
    values = result.values
    has_nan = any(math.isnan(v) for v in values)
    try:
        ok = _truth(success, result, has_nan=has_nan)
        bad = _truth(failure, result, has_nan=has_nan)
    except ConditionError as exc:
        return ThresholdOutcome("Error", value, f"{name} {value}: {exc}")
    phase, fired = _table(success=success, failure=failure, ok=ok, bad=bad)
    reason = _reason(name, value, phase=phase, fired=fired, nan=has_nan, both=(success, failure))
    if phase == "Successful" and (has_nan or not values):
        what = "NaN: no traffic?" if has_nan else "no series"
        return ThresholdOutcome(
            "Inconclusive", value, f"{name} {value}: no data ({what}) never counts as success"
        )
    return ThresholdOutcome(phase, value, reason)


def condition_input(condition: CompiledCondition, result: QueryResult) -> Any:
    """What ``result`` is inside this condition (see the table in `analysis.conditions`)."""
    values = result.values
    if condition.wants_list or isinstance(result, Matrix) or len(values) > 1:
        return list(values)
    if isinstance(result, Scalar) or values:
        return values[0]
    return None


def show_value(result: QueryResult) -> str:
    """The value as recorded in a measurement: ``0.97`` for a scalar, ``[0.97, 0.5]`` else."""
    if isinstance(result, Scalar):
        return format_value(result.value)
    values = result.values
    shown = ", ".join(format_value(v) for v in values[:_SHOWN_VALUES])
    more = f", … {len(values)} values" if len(values) > _SHOWN_VALUES else ""
    return f"[{shown}{more}]"


def _truth(condition: CompiledCondition | None, result: QueryResult, *, has_nan: bool) -> bool:
    if condition is None:
        return False
    try:
        return evaluate(condition, condition_input(condition, result))
    except ConditionError as exc:
        if has_nan:
            return False  # an ordering comparison with NaN: false, as in IEEE and Argo
        if isinstance(result, Vector) and not result.samples:
            raise ConditionError(
                f"no data: the query returned no series ({condition.shown})"
            ) from exc
        if isinstance(result, Vector) and len(result.samples) > 1 and not condition.wants_list:
            raise ConditionError(
                f"{len(result.samples)} series: index them (result[0]) or use "
                f"result.all(x, …) in {condition.shown}"
            ) from exc
        raise ConditionError(f"{exc} in {condition.shown}") from exc


def _table(
    *,
    success: CompiledCondition | None,
    failure: CompiledCondition | None,
    ok: bool,
    bad: bool,
) -> tuple[Phase, CompiledCondition | None]:
    if failure is not None and bad:
        return "Failed", failure
    if success is not None and ok:
        return "Successful", success
    if success is not None and failure is not None:
        return "Inconclusive", None
    if success is not None:
        return "Failed", success
    if failure is not None:
        return "Successful", failure
    return "Successful", None


def _one_comparison(source: str, value: str) -> re.Match[str] | None:
    """The comparison that decided a condition, when that is unambiguous.

    True when the condition compares ``result`` (or ``result[0]``) with a number
    exactly once, is not negated or conditional, and the value is one finite
    number: then guards such as ``len(result) == 0 ||`` cannot have decided it,
    so "0.87 < 0.95" is the truth about this measurement.
    """
    found = list(_COMPARISON.finditer(source))
    single = value.strip("[]")
    if len(found) != 1 or "?" in source or re.search(r"!(?!=)", source):
        return None
    if not single or "," in single or single in ("+Inf", "-Inf", "NaN"):
        return None
    return found[0]


def _reason(
    name: str,
    value: str,
    *,
    phase: Phase,
    fired: CompiledCondition | None,
    nan: bool,
    both: tuple[CompiledCondition | None, CompiledCondition | None],
) -> str:
    success, failure = both
    if fired is None and phase == "Inconclusive" and success and failure:
        return (
            f"{name} {value}: neither successCondition {success.shown} "
            f"nor failureCondition {failure.shown} holds"
        )
    if fired is None:
        return f"{name} {value} (no conditions: any value passes)"
    field = "successCondition" if fired is success else "failureCondition"
    holds = (phase == "Successful") == (fired is success)
    if nan and not holds:
        return f"{name} {value}: NaN cannot satisfy {field} {fired.shown}"
    comparison = _one_comparison(fired.shown, value)
    if comparison is not None:
        op = comparison.group(1) if holds else _NEGATE[comparison.group(1)]
        number = value.strip("[]")
        return f"{name} {number} {op} {comparison.group(2)} ({field} {fired.shown})"
    verdict = "holds" if holds else "is false"
    return f"{name} {value}: {field} {fired.shown} {verdict}"
