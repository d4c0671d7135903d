"""Build a ``RolloutEvent`` from what the controller already holds: the Rollout and its run.

The controller passes the AnalysisRun whose verdict it acts on; every metric
result becomes one evidence row (the last measurement's value or estimate
with its bound, the limit the metric allows, the verdict, a one-line
reason). The query text is never copied: it may carry argument values.
"""

from __future__ import annotations

from datetime import datetime

from rollout_engine.api.analysisrun import AnalysisRun, Measurement, MetricResult
from rollout_engine.api.metric import Metric
from rollout_engine.api.rollout import Rollout
from rollout_engine.api.status import RolloutStatus
from rollout_engine.errors import SpecError
from rollout_engine.notify.events import (
    SEVERITY,
    MetricEvidence,
    RolloutEvent,
    default_next_action,
    title,
)

__all__ = ["MAX_METRIC_ROWS", "build_event", "clip", "evidence_row"]

MAX_METRIC_ROWS = 25
_ORDER = {"Failed": 0, "Error": 1, "Inconclusive": 2, "Running": 3, "Pending": 4, "Successful": 5}


def clip(text: str, limit: int) -> str:
    """``text`` on one line, cut to ``limit`` characters with a visible ``…``."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def build_event(
    rollout: Rollout,
    *,
    event_type: str,
    now: datetime,
    run: AnalysisRun | None = None,
    candidate_image: str | None = None,
    reason: str | None = None,
    next_action: str | None = None,
) -> RolloutEvent:
    """The event for ``rollout`` as it is now (status as written by this reconcile).

    Raises:
        SpecError: the Rollout has no uid (it was not read from the API server)
            or no revision to key the notification on.
    """
    meta, status = rollout.metadata, rollout.status or RolloutStatus()
    if not meta.uid:
        raise SpecError("a notified Rollout needs its uid", path="metadata.uid")
    revision = status.candidate_revision or status.stable_revision
    if not revision:
        raise SpecError("no revision to notify about", path="status.candidateRevision")
    namespace = meta.namespace or "default"
    rows = _rows(run)
    action = next_action or default_next_action(event_type, rollout=meta.name, namespace=namespace)
    event = RolloutEvent(
        type=event_type,
        severity=SEVERITY[event_type],
        rollout=meta.name,
        namespace=namespace,
        uid=meta.uid,
        revision=revision,
        strategy=rollout.spec.strategy.kind,
        at=now,
        reason="-",  # NB: replaced below; the default reason reads the evidence rows
        next_action=clip(action, 500),
        step_index=status.current_step_index,
        step_count=_step_count(rollout, status),
        weights=status.current_weights,
        candidate_image=clip(candidate_image, 500) if candidate_image else None,
        verdict=run.status.phase if run and run.status else None,
        run=run.metadata.name if run is not None else None,
        metrics=tuple(rows[:MAX_METRIC_ROWS]),
        omitted_metrics=max(0, len(rows) - MAX_METRIC_ROWS),
    )
    run_message = run.status.message if run and run.status else None
    because = reason or run_message or _reason(event, status)
    return event.model_copy(update={"reason": clip(because, 1000)})


def _step_count(rollout: Rollout, status: RolloutStatus) -> int | None:
    if status.step_count is not None:
        return status.step_count
    canary = rollout.spec.strategy.canary
    return len(canary.steps) if canary is not None else None


def evidence_row(result: MetricResult, metric: Metric | None) -> MetricEvidence:
    """One metric's verdict with the numbers behind it."""
    last = _last(result.measurements)
    message = (last.message if last else None) or result.message
    return MetricEvidence(
        name=clip(result.name, 253),
        verdict=result.phase,
        value=_value(last),
        limit=_limit(metric),
        reason=clip(message, 500) if message else None,
        dry_run=result.dry_run,
    )


def _rows(run: AnalysisRun | None) -> list[MetricEvidence]:
    if run is None or run.status is None:
        return []
    specs = {m.name: m for m in run.spec.metrics}
    results = sorted(run.status.metric_results, key=lambda r: _ORDER.get(r.phase, 9))
    return [evidence_row(r, specs.get(r.name)) for r in results]


def _reason(event: RolloutEvent, status: RolloutStatus) -> str:
    decisive = [m for m in event.metrics if m.verdict == event.verdict and not m.dry_run]
    if decisive and event.verdict != "Successful":
        row = decisive[0]
        detail = row.reason or f"{row.value or 'no value'} against {row.limit or 'its limit'}"
        return f"{row.name}: {detail}"
    return status.message or f"{event.namespace}/{event.rollout}: {title(event)}."


def _last(measurements: list[Measurement]) -> Measurement | None:
    done = [m for m in measurements if m.phase != "Running"] or measurements
    return done[-1] if done else None


def _num(x: float | None, default: str) -> str:
    return default if x is None else f"{x:.4g}"


def _value(m: Measurement | None) -> str | None:
    if m is None:
        return None
    if m.estimate is not None:
        text = f"{m.statistic} {_num(m.estimate, '')}" if m.statistic else _num(m.estimate, "")
        if m.lower is not None or m.upper is not None:
            level = f"{m.confidence:.0%} " if m.confidence else ""
            text += f" ({level}CI {_num(m.lower, '−∞')} – {_num(m.upper, '+∞')})"
        return clip(text, 300)
    return clip(m.value, 300) if m.value else None


def _limit(metric: Metric | None) -> str | None:
    if metric is None:
        return None
    if metric.comparison is not None:
        c, size = metric.comparison, metric.comparison.effect_size
        ratio = "candidate/stable" if size.measure == "meanRatio" else "CLES"
        parts = []
        if c.direction in ("increase", "either"):
            up = size.allowed_increase
            parts.append(f"{ratio} ≤ {up:g}" if up else "no significant increase")
        if c.direction in ("decrease", "either"):
            down = size.allowed_decrease
            parts.append(f"{ratio} ≥ {down:g}" if down else "no significant decrease")
        return clip(" and ".join(parts) + (" (critical)" if c.critical else ""), 300)
    rules = []
    if metric.success_condition:
        rules.append(f"passes if {metric.success_condition}")
    if metric.failure_condition:
        rules.append(f"fails if {metric.failure_condition}")
    return clip("; ".join(rules), 300) if rules else None
