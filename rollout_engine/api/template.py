"""AnalysisTemplate and ClusterAnalysisTemplate: reusable sets of metrics with arguments."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from rollout_engine.api.base import CamelModel, Invalid
from rollout_engine.api.meta import ObjectMeta, SecretKeySelector
from rollout_engine.api.metric import Metric

__all__ = [
    "AnalysisTemplate",
    "AnalysisTemplateSpec",
    "Argument",
    "ArgumentValueFrom",
    "ClusterAnalysisTemplate",
    "DryRun",
    "FieldRef",
    "KayentaScoring",
    "MeasurementRetention",
]


class FieldRef(CamelModel):
    """A field of the Rollout, e.g. ``metadata.namespace``."""

    field_path: str = Field(min_length=1, examples=["metadata.namespace"])


class ArgumentValueFrom(CamelModel):
    """Where an argument's value comes from when it is not given inline."""

    secret_key_ref: SecretKeySelector | None = None
    field_ref: FieldRef | None = None
    pod_template_hash_value: Literal["Stable", "Latest"] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> ArgumentValueFrom:
        chosen = [
            v
            for v in (self.secret_key_ref, self.field_ref, self.pod_template_hash_value)
            if v is not None
        ]
        if len(chosen) != 1:
            raise Invalid(
                "valueFrom names exactly one source",
                fix="set one of secretKeyRef, fieldRef, podTemplateHashValue",
            )
        return self


class Argument(CamelModel):
    """A template argument; a value given here is the default a Rollout may override."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    value: str | None = None
    value_from: ArgumentValueFrom | None = None

    @model_validator(mode="after")
    def _not_both(self) -> Argument:
        if self.value is not None and self.value_from is not None:
            raise Invalid("an argument has a value and a valueFrom", fix="keep one of them")
        return self


class DryRun(CamelModel):
    """Metrics (by name regex) that are measured and recorded but never decide."""

    metric_name: str = Field(min_length=1)


class MeasurementRetention(CamelModel):
    """How many measurements to keep per metric (default 10)."""

    metric_name: str = Field(min_length=1)
    limit: int = Field(ge=1, le=1000)


class KayentaScoring(CamelModel):
    """How the ``mann-whitney`` metrics of a run are scored together, as Kayenta does.

    Each measurement classifies every ``mann-whitney`` metric, scores the groups
    (``comparison.kayenta.groups``; a metric without groups is its own group named after
    it) with ``groupWeights`` (groups without a weight share what is left of 100
    equally) and maps the score as Argo Rollouts' Kayenta provider does: at least
    ``passScore`` → pass, at least ``marginalScore`` → Inconclusive, below → Failed.
    """

    pass_score: float = Field(default=95.0, ge=0, le=100)
    marginal_score: float = Field(default=75.0, ge=0, le=100)
    group_weights: dict[str, float] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> KayentaScoring:
        if self.marginal_score > self.pass_score:
            raise Invalid(
                f"marginalScore {self.marginal_score:g} is above passScore {self.pass_score:g}",
                fix="set marginalScore at or below passScore",
            )
        if any(w < 0 for w in self.group_weights.values()):
            raise Invalid("a group weight is negative", fix="use weights between 0 and 100")
        if sum(self.group_weights.values()) > 100:
            raise Invalid(
                "group weights add up to more than 100", fix="make them add up to 100 at most"
            )
        return self


class AnalysisTemplateSpec(CamelModel):
    """Named metrics, their arguments, and the run-wide options."""

    args: list[Argument] = Field(default_factory=list)
    metrics: list[Metric] = Field(min_length=1)
    dry_run: list[DryRun] = Field(default_factory=list)
    measurement_retention: list[MeasurementRetention] = Field(default_factory=list)
    kayenta: KayentaScoring | None = None


class AnalysisTemplate(CamelModel):
    """A namespaced, reusable analysis."""

    api_version: Literal["rollout-engine.io/v1alpha1"] = "rollout-engine.io/v1alpha1"
    kind: Literal["AnalysisTemplate"] = "AnalysisTemplate"
    metadata: ObjectMeta
    spec: AnalysisTemplateSpec


class ClusterAnalysisTemplate(CamelModel):
    """A cluster-wide analysis that Rollouts reference with ``clusterScope: true``."""

    api_version: Literal["rollout-engine.io/v1alpha1"] = "rollout-engine.io/v1alpha1"
    kind: Literal["ClusterAnalysisTemplate"] = "ClusterAnalysisTemplate"
    metadata: ObjectMeta
    spec: AnalysisTemplateSpec
