"""The shapes ``get`` and ``list`` print with ``-o json|yaml`` (stable: scripts rely on them).

``get`` prints one ``RolloutView``, ``list`` one ``RolloutList``; both carry
``kind`` and ``version`` (1), and a change that removes or renames a key
bumps ``version``. Keys are camelCase, every key is always present (null
when unknown), times are RFC 3339 UTC. The table and tree views are drawn
from these same values, so what a person reads and what a script parses
never disagree. ``docs`` of each key: the field descriptions below.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from rollout_engine.api.base import CamelModel
from rollout_engine.api.status import RolloutPhase

__all__ = [
    "ConditionView",
    "ImageChange",
    "ImageChangeResult",
    "ImageView",
    "IntentResult",
    "IntentView",
    "MeasurementView",
    "MetricView",
    "RolloutList",
    "RolloutRow",
    "RolloutView",
    "RunView",
    "StepState",
    "StepView",
    "VerdictView",
    "VersionView",
    "WeightsView",
]

StepState = Literal["done", "current", "aborted", "pending", "idle"]


class WeightsView(CamelModel):
    """Traffic percentages."""

    canary: int
    stable: int


class ImageView(CamelModel):
    """One container of a Deployment's pod template."""

    container: str
    image: str


class VersionView(CamelModel):
    """The stable or the candidate: its revision and its Deployment."""

    role: Literal["stable", "candidate"]
    revision: str | None = Field(description="pod template hash, from the Rollout's status")
    deployment: str
    images: list[ImageView]
    ready: int | None = Field(description="ready pods (status.readyReplicas)")
    replicas: int | None = Field(description="desired pods (spec.replicas)")
    error: str | None = Field(description="why the Deployment could not be read, if it could not")


class StepView(CamelModel):
    """One step of the plan; the promotion is the last entry (action ``promotion``)."""

    index: int
    action: str
    label: str
    weight: int | None = Field(description="candidate weight once reached (canary only)")
    analysis: str | None = Field(description="templates judged at this step")
    state: StepState


class MeasurementView(CamelModel):
    """A metric's latest measurement: value, or estimate with its bounds, and why."""

    phase: str
    at: datetime | None
    value: str | None
    statistic: str | None
    estimate: float | None
    lower: float | None
    upper: float | None
    confidence: float | None
    p_value: float | None
    candidate_samples: int | None
    stable_samples: int | None
    message: str | None


class MetricView(CamelModel):
    """A metric's verdict so far and its counters."""

    name: str
    phase: str
    message: str | None
    dry_run: bool
    count: int
    successful: int
    failed: int
    inconclusive: int
    error: int
    latest: MeasurementView | None


class RunView(CamelModel):
    """An AnalysisRun the status names, with its verdict and each metric."""

    name: str
    role: str = Field(
        description="step, background, prePromotion, postPromotion, abTest or lastVerdict"
    )
    phase: str | None
    message: str | None
    started_at: datetime | None
    completed_at: datetime | None
    metrics: list[MetricView]
    error: str | None = Field(description="why the run could not be read, if it could not")


class VerdictView(CamelModel):
    """The last verdict the controller recorded."""

    run: str
    phase: str
    message: str
    at: datetime


class IntentView(CamelModel):
    """The last intent written by a person; ``applied`` once the controller consumed it."""

    action: str
    id: str
    requested_by: str | None
    requested_at: datetime
    step: int | None
    revision: str | None
    to_revision: int | None
    applied: bool


class ConditionView(CamelModel):
    """A status condition."""

    type: str
    status: str
    reason: str
    last_transition_time: datetime


class RolloutView(CamelModel):
    """``kubectl rollout-engine get NAME -o json``."""

    kind: Literal["RolloutView"] = "RolloutView"
    version: Literal[1] = 1
    name: str
    namespace: str
    strategy: str
    router: str | None
    phase: RolloutPhase | None
    message: str | None
    created_at: datetime | None
    step_index: int | None
    step_count: int | None
    current_weights: WeightsView | None
    desired_weights: WeightsView | None
    active_revision: str | None = Field(description="blue/green: what the active Service selects")
    preview_revision: str | None = Field(description="blue/green: what the preview Service selects")
    stable: VersionView
    candidate: VersionView
    steps: list[StepView]
    analysis_runs: list[RunView]
    last_verdict: VerdictView | None
    intent: IntentView | None
    aborted: bool
    abort_reason: str | None
    conditions: list[ConditionView]

    @property
    def settled(self) -> bool:
        """Healthy or Degraded: nothing moves until a person or a new revision does."""
        return self.phase in ("Healthy", "Degraded")


class RolloutRow(CamelModel):
    """One row of ``list``."""

    namespace: str
    name: str
    strategy: str
    phase: RolloutPhase | None
    step_index: int | None
    step_count: int | None
    canary_weight: int | None = Field(description="current weight of the candidate")
    desired_canary_weight: int | None
    candidate_images: list[str] | None = Field(
        description="the workload's images; null when it could not be read"
    )
    last_verdict: str | None = Field(description="phase of the last verdict")
    created_at: datetime | None


class RolloutList(CamelModel):
    """``kubectl rollout-engine list -o json``."""

    kind: Literal["RolloutList"] = "RolloutList"
    version: Literal[1] = 1
    items: list[RolloutRow]


class IntentResult(CamelModel):
    """``promote|abort|retry|pause|resume|undo NAME -o json``."""

    kind: Literal["IntentResult"] = "IntentResult"
    version: Literal[1] = 1
    rollout: str
    namespace: str
    result: Literal["written", "already-requested"]
    intent: IntentView
    replaced: IntentView | None = Field(description="a pending intent this one replaced (abort)")


class ImageChange(CamelModel):
    """One container's image, before and after."""

    container: str
    init: bool = Field(description="an init container")
    previous: str
    image: str


class ImageChangeResult(CamelModel):
    """``set image NAME CONTAINER=IMAGE -o json``."""

    kind: Literal["ImageChangeResult"] = "ImageChangeResult"
    version: Literal[1] = 1
    rollout: str
    namespace: str
    deployment: str
    result: Literal["written", "unchanged"]
    changes: list[ImageChange]
