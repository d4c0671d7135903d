"""AnalysisRun: one execution of a template's metrics, with every measurement as evidence."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from rollout_engine.api.base import CamelModel, Time
from rollout_engine.api.meta import ObjectMeta
from rollout_engine.api.metric import Metric
from rollout_engine.api.template import Argument, DryRun, KayentaScoring, MeasurementRetention

__all__ = [
    "AnalysisPhase",
    "AnalysisRun",
    "AnalysisRunSpec",
    "AnalysisRunStatus",
    "Measurement",
    "MeasurementPhase",
    "MetricResult",
]

MeasurementPhase = Literal["Running", "Successful", "Failed", "Inconclusive", "Error"]
AnalysisPhase = Literal["Pending", "Running", "Successful", "Failed", "Inconclusive", "Error"]


class Measurement(CamelModel):
    """One evaluation of a metric at one time: value or estimate, bound, outcome, and why."""

    phase: MeasurementPhase
    started_at: Time
    finished_at: Time | None = None
    value: str | None = None
    query: str | None = Field(default=None, description="after templating, secrets redacted")
    message: str | None = Field(default=None, description="one-line reason a person understands")
    statistic: str | None = None
    estimate: float | None = None
    lower: float | None = None
    upper: float | None = None
    confidence: float | None = Field(default=None, gt=0, lt=1)
    p_value: float | None = Field(default=None, ge=0, le=1)
    candidate_samples: int | None = Field(default=None, ge=0)
    stable_samples: int | None = Field(default=None, ge=0)
    metadata: dict[str, str] = Field(default_factory=dict)


class MetricResult(CamelModel):
    """A metric's verdict so far, with Argo Rollouts' counters."""

    name: str
    phase: AnalysisPhase
    dry_run: bool = False
    message: str | None = None
    count: int = Field(default=0, ge=0)
    successful: int = Field(default=0, ge=0)
    failed: int = Field(default=0, ge=0)
    inconclusive: int = Field(default=0, ge=0)
    error: int = Field(default=0, ge=0)
    consecutive_error: int = Field(default=0, ge=0)
    measurements: list[Measurement] = Field(default_factory=list)
    state: str | None = Field(
        default=None,
        description="opaque state a comparison judge carries from one measurement to the next",
    )


class AnalysisRunSpec(CamelModel):
    """The resolved metrics (arguments already substituted) and run-wide options."""

    metrics: list[Metric] = Field(min_length=1)
    args: list[Argument] = Field(default_factory=list)
    terminate: bool = False
    dry_run: list[DryRun] = Field(default_factory=list)
    measurement_retention: list[MeasurementRetention] = Field(default_factory=list)
    kayenta: KayentaScoring | None = None


class AnalysisRunStatus(CamelModel):
    """The run's verdict and the evidence for it."""

    phase: AnalysisPhase = "Pending"
    message: str | None = None
    started_at: Time | None = None
    completed_at: Time | None = None
    metric_results: list[MetricResult] = Field(default_factory=list)


class AnalysisRun(CamelModel):
    """Created by the controller for each analysis of a rollout."""

    api_version: Literal["rollout-engine.io/v1alpha1"] = "rollout-engine.io/v1alpha1"
    kind: Literal["AnalysisRun"] = "AnalysisRun"
    metadata: ObjectMeta
    spec: AnalysisRunSpec
    status: AnalysisRunStatus | None = None
