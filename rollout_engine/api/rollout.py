"""The Rollout resource: which Deployment to roll out, and how.

One strategy per Rollout — ``canary`` (explicit steps, Argo Rollouts'
vocabulary), ``blueGreen`` (preview, promotion, instant switch back) or
``abTest`` (a user segment goes to the candidate while the rest stays on
stable) — plus who hears about it (``notifications``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from rollout_engine.api.base import CamelModel, Duration, IntOrString, Invalid, Name, set_fields
from rollout_engine.api.meta import ObjectMeta
from rollout_engine.api.notifications import NotificationSubscription
from rollout_engine.api.routing import (
    CookieMatch,
    HeaderMatch,
    RouteMatch,
    TrafficRouting,
)
from rollout_engine.api.status import RolloutStatus
from rollout_engine.api.template import Argument

__all__ = [
    "ABTestStrategy",
    "AnalysisTemplateRef",
    "BackgroundAnalysis",
    "BlueGreenStrategy",
    "CanaryStep",
    "CanaryStrategy",
    "PauseStep",
    "Rollout",
    "RolloutAnalysis",
    "RolloutSpec",
    "SetCookieRoute",
    "SetHeaderRoute",
    "Strategy",
    "WorkloadRef",
]


class WorkloadRef(CamelModel):
    """The Deployment whose pod template is the candidate."""

    api_version: Literal["apps/v1"] = "apps/v1"
    kind: Literal["Deployment"] = "Deployment"
    name: Name


class AnalysisTemplateRef(CamelModel):
    """A template by name; ``clusterScope`` selects a ClusterAnalysisTemplate."""

    template_name: Name
    cluster_scope: bool = False


class RolloutAnalysis(CamelModel):
    """Templates to run, with argument values for them."""

    templates: list[AnalysisTemplateRef] = Field(min_length=1)
    args: list[Argument] = Field(default_factory=list)


class BackgroundAnalysis(RolloutAnalysis):
    """An analysis that runs across steps, from ``startingStep`` on."""

    starting_step: int | None = Field(default=None, ge=0)


class PauseStep(CamelModel):
    """Wait ``duration`` (a duration or seconds); without one, wait for a person."""

    duration: IntOrString | None = None


class SetHeaderRoute(CamelModel):
    """Send requests with matching headers to the candidate; an empty match removes the route."""

    name: str = Field(min_length=1)
    match: list[HeaderMatch] = Field(default_factory=list)


class SetCookieRoute(CamelModel):
    """Send requests with a matching cookie to the candidate; an empty match removes the route."""

    name: str = Field(min_length=1)
    match: list[CookieMatch] = Field(default_factory=list)


class CanaryStep(CamelModel):
    """One step of a canary plan: exactly one action."""

    set_weight: int | None = Field(default=None, ge=0, le=100)
    pause: PauseStep | None = None
    analysis: RolloutAnalysis | None = None
    set_header_route: SetHeaderRoute | None = None
    set_cookie_route: SetCookieRoute | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> CanaryStep:
        chosen = set_fields(self)
        if len(chosen) != 1:
            raise Invalid(
                "a step sets exactly one of setWeight, pause, analysis, setHeaderRoute, "
                f"setCookieRoute (got {', '.join(chosen) or 'none'})",
                fix="split it into one step per action",
            )
        return self


class CanaryStrategy(CamelModel):
    """Shift traffic in explicit steps, judged by analysis."""

    canary_service: Name | None = None
    stable_service: Name | None = None
    steps: list[CanaryStep] = Field(default_factory=list)
    analysis: BackgroundAnalysis | None = None
    max_weight: int = Field(default=100, ge=1, le=100)
    traffic_routing: TrafficRouting | None = None
    scale_down_delay_seconds: int = Field(default=30, ge=0)
    abort_scale_down_delay_seconds: int = Field(default=30, ge=0)


class BlueGreenStrategy(CamelModel):
    """Bring the candidate up behind a preview Service, then switch the active Service."""

    active_service: Name | None = None
    preview_service: Name | None = None
    pre_promotion_analysis: RolloutAnalysis | None = None
    post_promotion_analysis: RolloutAnalysis | None = None
    auto_promotion_enabled: bool = True
    auto_promotion_seconds: int | None = Field(default=None, ge=0)
    scale_down_delay_seconds: int = Field(default=30, ge=0)
    preview_replica_count: int | None = Field(default=None, ge=1)


class ABTestStrategy(CamelModel):
    """Send a segment (header or cookie matches) to the candidate; compare it with the rest."""

    match: list[RouteMatch] = Field(min_length=1)
    duration: Duration | None = None
    iterations: int | None = Field(default=None, ge=1)
    interval: Duration = "1m"
    analysis: RolloutAnalysis | None = None
    traffic_routing: TrafficRouting | None = None
    canary_service: Name | None = None
    stable_service: Name | None = None

    @model_validator(mode="after")
    def _how_long(self) -> ABTestStrategy:
        if (self.duration is None) == (self.iterations is None):
            raise Invalid(
                "an A/B test runs for a duration or a number of iterations",
                fix="set exactly one of duration (e.g. 30m) or iterations",
            )
        return self


class Strategy(CamelModel):
    """Exactly one of canary, blueGreen, abTest."""

    canary: CanaryStrategy | None = None
    blue_green: BlueGreenStrategy | None = None
    ab_test: ABTestStrategy | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Strategy:
        chosen = set_fields(self)
        if len(chosen) != 1:
            raise Invalid(
                f"a Rollout has exactly one strategy (got {', '.join(chosen) or 'none'})",
                fix="keep one of canary, blueGreen or abTest",
            )
        return self

    @property
    def kind(self) -> Literal["canary", "blueGreen", "abTest"]:
        """Which strategy is set."""
        if self.canary is not None:
            return "canary"
        return "blueGreen" if self.blue_green is not None else "abTest"


class RolloutSpec(CamelModel):
    """What to roll out and how; everything a team keeps in Git."""

    workload_ref: WorkloadRef
    strategy: Strategy
    paused: bool = False
    progress_deadline_seconds: int = Field(default=600, ge=1)
    progress_deadline_abort: bool = False
    revision_history_limit: int = Field(default=10, ge=0)
    notifications: list[NotificationSubscription] = Field(default_factory=list)


class Rollout(CamelModel):
    """A progressive rollout of one Deployment."""

    api_version: Literal["rollout-engine.io/v1alpha1"] = "rollout-engine.io/v1alpha1"
    kind: Literal["Rollout"] = "Rollout"
    metadata: ObjectMeta
    spec: RolloutSpec
    status: RolloutStatus | None = None
