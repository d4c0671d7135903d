"""A metric's verdict: fold each measurement into Argo Rollouts' counters, then apply the limits.

Counters (Argo's ``runMeasurements``): Successful, Failed and Inconclusive
count toward ``count`` and reset ``consecutiveError``; an Error does not count
toward ``count`` (errors never use up the measurements) and increments
``consecutiveError``.

Limits, checked after every measurement in Argo's order, a later match
overriding an earlier one:

1. ``failed > failureLimit`` (unless it is -1) → **Failed**
2. ``inconclusive > inconclusiveLimit`` → **Inconclusive**
3. ``consecutiveError > consecutiveErrorLimit`` → **Error** (the 5th error in a row by default)

A comparison metric (`analysis.comparisons`) also records **Running**
measurements: a look at which its judge decided nothing yet. Such a look
counts toward ``count`` (``count`` is the number of looks, the test's window)
and resets ``consecutiveError``, but is neither a success nor a failure. Its
judge tests all the data of the run at every look, so its **last** look
decides: at ``count`` (or when its run is cut short, without ``count``) it is
Successful only if that look was — non-inferiority shown on everything seen —
and Inconclusive otherwise, however many earlier looks were Successful.

When no limit trips and ``count`` is reached, the metric is **Successful** —
if at least one measurement was. Argo would also call a metric Successful
whose every measurement was tolerated as Inconclusive or (with
``failureLimit: -1``) Failed; we call that Inconclusive: a verdict of success
needs evidence of success. Hence, for a Successful metric,
``successful ≥ max(1, count − failureLimit − inconclusiveLimit)``.

A metric cut short (its run terminated, or stopped by another metric's
verdict) is Successful only if its criteria were already met: a bounded
metric never is (it had not reached ``count``); an unbounded one (``interval``
without ``count``) is, when it has at least one Successful measurement and its
latest measurement is not an Error (a comparison: when its latest look was
Successful). Anything else is Inconclusive — never the
fall-through to Successful of Argo's AR#4479.
"""

from __future__ import annotations

from typing import Final

from analysis.spec import CompiledMetric
from rollout_engine.api.analysisrun import AnalysisPhase, Measurement, MetricResult

__all__ = ["TERMINAL", "cut_short", "fold", "required_successes"]

TERMINAL: Final = frozenset({"Successful", "Failed", "Inconclusive", "Error"})


def fold(
    metric: CompiledMetric, result: MetricResult, *, measurement: Measurement, state: str | None
) -> MetricResult:
    """`result` after `measurement`: counters, retention, carried state, phase."""
    counters = _count(result, measurement.phase)
    kept = [*result.measurements, measurement][-metric.retention :]
    updated = result.model_copy(
        update={
            **counters,
            "measurements": kept,
            "state": state if state is not None else result.state,
        }
    )
    phase, message = _assess(metric, updated, last=measurement)
    return updated.model_copy(update={"phase": phase, "message": message})


def cut_short(metric: CompiledMetric, result: MetricResult, *, why: str) -> MetricResult:
    """`result` of a metric whose run ended before it did (see module docstring)."""
    if result.phase in TERMINAL:
        return result
    done = f"{result.count} measurement(s)"
    if metric.count is not None:
        message = f"{why} after {done} of {metric.count}: its criteria were not met"
        return result.model_copy(update={"phase": "Inconclusive", "message": message})
    if _criteria_met(metric, result):
        message = f"{why} after {done} ({result.successful} successful), no limit tripped"
        return result.model_copy(update={"phase": "Successful", "message": message})
    if metric.comparison is not None:
        message = f"{why} after {done}: its latest look did not show non-inferiority"
        return result.model_copy(update={"phase": "Inconclusive", "message": message})
    message = f"{why} after {done}: no successful measurement to stand on" + (
        f" (the last {result.consecutive_error} errored)" if result.consecutive_error else ""
    )
    return result.model_copy(update={"phase": "Inconclusive", "message": message})


def required_successes(metric: CompiledMetric) -> int:
    """The fewest Successful measurements a bounded metric can be Successful with."""
    count = metric.count or 1
    failures = metric.failure_limit if metric.failure_limit >= 0 else count
    return max(1, count - failures - metric.inconclusive_limit)


def _count(result: MetricResult, phase: str) -> dict[str, int]:
    if phase == "Error":
        return {"error": result.error + 1, "consecutive_error": result.consecutive_error + 1}
    looked = {"count": result.count + 1, "consecutive_error": 0}
    field = {"Successful": "successful", "Failed": "failed", "Inconclusive": "inconclusive"}.get(
        phase
    )
    if field is None:  # Running: a comparison look that decided nothing yet
        return looked
    return {field: getattr(result, field) + 1, **looked}


def _criteria_met(metric: CompiledMetric, result: MetricResult) -> bool:
    """Whether an unbounded metric may end Successful now (see the module docstring)."""
    if metric.comparison is not None:
        last = result.measurements[-1] if result.measurements else None
        return last is not None and last.phase == "Successful"
    return result.successful >= 1 and result.consecutive_error == 0


def _at_count(
    metric: CompiledMetric, result: MetricResult, *, last: Measurement
) -> tuple[AnalysisPhase, str]:
    """The verdict of a metric that reached ``count`` without tripping a limit."""
    if metric.comparison is not None:
        if last.phase == "Successful":
            return "Successful", f"the final look (of {metric.count}) showed non-inferiority"
        return "Inconclusive", f"the final look (of {metric.count}) did not show non-inferiority"
    if result.successful >= 1:
        return "Successful", f"{result.successful} of {result.count} measurements successful"
    return "Inconclusive", f"count {metric.count} reached without a successful measurement"


def _assess(
    metric: CompiledMetric, result: MetricResult, *, last: Measurement
) -> tuple[AnalysisPhase, str | None]:
    phase: AnalysisPhase | None = None
    message = None
    if metric.failure_limit >= 0 and result.failed > metric.failure_limit:
        phase = "Failed"
        message = f"{result.failed} failed > failureLimit {metric.failure_limit}"
    if result.inconclusive > metric.inconclusive_limit:
        phase = "Inconclusive"
        message = (
            f"{result.inconclusive} inconclusive > inconclusiveLimit {metric.inconclusive_limit}"
        )
    if result.consecutive_error > metric.consecutive_error_limit:
        phase = "Error"
        message = (
            f"{result.consecutive_error} errors in a row > consecutiveErrorLimit "
            f"{metric.consecutive_error_limit}"
        )
    if phase is None and metric.count is not None and result.count >= metric.count:
        phase, message = _at_count(metric, result, last=last)
    if phase is None:
        return "Running", last.message
    return phase, f"{message}; last: {last.message}" if last.message else message
