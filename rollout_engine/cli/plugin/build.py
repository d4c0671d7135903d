"""From what was read (fetch.py) to what is shown (views.py); pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import ValidationError

from rollout_engine.api.analysisrun import AnalysisRunStatus, Measurement, MetricResult
from rollout_engine.api.rollout import Rollout
from rollout_engine.api.status import RolloutStatus, Weights
from rollout_engine.cli.plugin.fetch import Answer, Listed, Snapshot, run_names, stable_deployment
from rollout_engine.cli.plugin.views import (
    ConditionView,
    ImageView,
    IntentView,
    MeasurementView,
    MetricView,
    RolloutRow,
    RolloutView,
    RunView,
    StepState,
    StepView,
    VerdictView,
    VersionView,
    WeightsView,
)
from rollout_engine.errors import KubeError, SpecError
from strategies import Plan, build_plan
from strategies.context import stage_of
from strategies.transitions import step_label

__all__ = ["rollout_row", "rollout_view", "router_of"]


def router_of(rollout: Rollout) -> str | None:
    """``istio``, ``nginx``, ``services`` (blue/green) or None when no router is declared."""
    strategy = rollout.spec.strategy
    if strategy.blue_green is not None:
        return "services"
    routed = strategy.canary or strategy.ab_test
    routing = routed.traffic_routing if routed is not None else None
    return routing.router_type if routing is not None else None


def _weights(weights: Weights | None) -> WeightsView | None:
    return WeightsView(canary=weights.canary, stable=weights.stable) if weights else None


def _images(deployment: Mapping[str, Any]) -> list[ImageView]:
    pod = deployment.get("spec", {}).get("template", {}).get("spec", {})
    return [
        ImageView(container=str(c.get("name", "")), image=str(c.get("image", "")))
        for c in pod.get("containers") or []
    ]


def _version(
    role: Literal["stable", "candidate"], *, revision: str | None, deployment: str, answer: Answer
) -> VersionView:
    if isinstance(answer, KubeError):
        return VersionView(
            role=role,
            revision=revision,
            deployment=deployment,
            images=[],
            ready=None,
            replicas=None,
            error=str(answer),
        )
    replicas = answer.get("spec", {}).get("replicas", 1)
    return VersionView(
        role=role,
        revision=revision,
        deployment=deployment,
        images=_images(answer),
        ready=int(answer.get("status", {}).get("readyReplicas") or 0),
        replicas=int(replicas) if replicas is not None else None,
        error=None,
    )


def _step_state(index: int, *, stage: str, current: int) -> StepState:
    if stage in ("initial", "steady"):
        return "idle"
    if index < current:
        return "done"
    if index == current:
        return "aborted" if stage == "aborted" else "current"
    return "pending"


def _steps(plan: Plan | None, status: RolloutStatus) -> list[StepView]:
    if plan is None:
        return []
    stage = stage_of(status, plan)
    current = status.current_step_index or 0
    views = [
        StepView(
            index=step.index,
            action=step.action,
            label=step_label(step),
            weight=step.weight if plan.strategy == "canary" else None,
            analysis=step.analysis.template_names if step.analysis is not None else None,
            state=_step_state(step.index, stage=stage, current=current),
        )
        for step in plan.steps
    ]
    end = len(plan.steps)
    views.append(
        StepView(
            index=end,
            action="promotion",
            label="promotion",
            weight=100 if plan.strategy == "canary" else None,
            analysis=plan.background.analysis.template_names if plan.background else None,
            state=_step_state(end, stage=stage, current=current),
        )
    )
    return views


def _measurement(m: Measurement) -> MeasurementView:
    return MeasurementView(
        phase=m.phase,
        at=m.finished_at or m.started_at,
        value=m.value,
        statistic=m.statistic,
        estimate=m.estimate,
        lower=m.lower,
        upper=m.upper,
        confidence=m.confidence,
        p_value=m.p_value,
        candidate_samples=m.candidate_samples,
        stable_samples=m.stable_samples,
        message=m.message,
    )


def _metric(result: MetricResult) -> MetricView:
    return MetricView(
        name=result.name,
        phase=result.phase,
        message=result.message,
        dry_run=result.dry_run,
        count=result.count,
        successful=result.successful,
        failed=result.failed,
        inconclusive=result.inconclusive,
        error=result.error,
        latest=_measurement(result.measurements[-1]) if result.measurements else None,
    )


def _run(role: str, name: str, answer: Answer | None) -> RunView:
    empty = {"phase": None, "message": None, "started_at": None, "completed_at": None}
    if answer is None or isinstance(answer, KubeError):
        error = str(answer) if answer is not None else "not read"
        return RunView(name=name, role=role, metrics=[], error=error, **empty)
    try:
        status = AnalysisRunStatus.model_validate(answer.get("status") or {})
    except ValidationError as exc:
        why = f"unreadable status: {exc.errors()[0]['msg']}"
        return RunView(name=name, role=role, metrics=[], error=why, **empty)
    return RunView(
        name=name,
        role=role,
        phase=status.phase,
        message=status.message,
        started_at=status.started_at,
        completed_at=status.completed_at,
        metrics=[_metric(r) for r in status.metric_results],
        error=None,
    )


def _plan(rollout: Rollout) -> Plan | None:
    try:
        return build_plan(rollout)
    except SpecError:
        return None  # NB: the status message already says "invalid spec: …"


def _intent(status: RolloutStatus) -> IntentView | None:
    intent = status.intent
    if intent is None:
        return None
    return IntentView(
        action=intent.action,
        id=intent.id,
        requested_by=intent.requested_by,
        requested_at=intent.requested_at,
        step=intent.step,
        revision=intent.revision,
        to_revision=intent.to_revision,
        applied=intent.id == status.last_intent_id,
    )


def _verdict(status: RolloutStatus) -> VerdictView | None:
    v = status.last_verdict
    return VerdictView(run=v.run, phase=v.phase, message=v.message, at=v.at) if v else None


def _conditions(status: RolloutStatus) -> list[ConditionView]:
    return [
        ConditionView(
            type=c.type,
            status=c.status,
            reason=c.reason,
            last_transition_time=c.last_transition_time,
        )
        for c in status.conditions
    ]


def _versions(snapshot: Snapshot) -> dict[str, VersionView]:
    rollout, status = snapshot.read.rollout, snapshot.read.status
    return {
        "stable": _version(
            "stable",
            revision=status.stable_revision,
            deployment=stable_deployment(rollout),
            answer=snapshot.stable,
        ),
        "candidate": _version(
            "candidate",
            revision=status.candidate_revision,
            deployment=rollout.spec.workload_ref.name,
            answer=snapshot.workload,
        ),
    }


def rollout_view(snapshot: Snapshot) -> RolloutView:
    """Everything ``get`` shows, as one value."""
    rollout, status = snapshot.read.rollout, snapshot.read.status
    bg = status.blue_green
    return RolloutView(
        name=rollout.metadata.name,
        namespace=rollout.metadata.namespace or "",
        strategy=rollout.spec.strategy.kind,
        router=router_of(rollout),
        phase=status.phase,
        message=status.message,
        created_at=rollout.metadata.creation_timestamp,
        step_index=status.current_step_index,
        step_count=status.step_count,
        current_weights=_weights(status.current_weights),
        desired_weights=_weights(status.desired_weights),
        active_revision=bg.active_revision if bg else None,
        preview_revision=bg.preview_revision if bg else None,
        **_versions(snapshot),
        steps=_steps(_plan(rollout), status),
        analysis_runs=[
            _run(role, name, snapshot.runs.get(name)) for role, name in run_names(status)
        ],
        last_verdict=_verdict(status),
        intent=_intent(status),
        aborted=status.abort,
        abort_reason=status.abort_reason,
        conditions=_conditions(status),
    )


def rollout_row(listed: Listed) -> RolloutRow:
    """One row of ``list``."""
    rollout, status = listed.read.rollout, listed.read.status
    workload = listed.workload
    images = None if isinstance(workload, KubeError) else [i.image for i in _images(workload)]
    return RolloutRow(
        namespace=rollout.metadata.namespace or "",
        name=rollout.metadata.name,
        strategy=rollout.spec.strategy.kind,
        phase=status.phase,
        step_index=status.current_step_index,
        step_count=status.step_count,
        canary_weight=status.current_weights.canary if status.current_weights else None,
        desired_canary_weight=status.desired_weights.canary if status.desired_weights else None,
        candidate_images=images,
        last_verdict=status.last_verdict.phase if status.last_verdict else None,
        created_at=rollout.metadata.creation_timestamp,
    )
