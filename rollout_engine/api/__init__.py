"""Pydantic v2 models of the ``rollout-engine.io/v1alpha1`` resources. No I/O.

Field names follow Argo Rollouts wherever the concept is the same, so existing
templates carry over; comparisons, A/B tests and notifications are our own.
"""

from __future__ import annotations

from rollout_engine.api.analysisrun import (
    AnalysisRun,
    AnalysisRunSpec,
    AnalysisRunStatus,
    Measurement,
    MetricResult,
)
from rollout_engine.api.base import CamelModel, dump
from rollout_engine.api.kinds import GROUP, GROUP_VERSION, KINDS, VERSION, KindInfo, kind_info
from rollout_engine.api.meta import Condition, ObjectMeta, SecretKeySelector, SecretValueSource
from rollout_engine.api.metric import (
    Comparison,
    ComparisonSide,
    EffectSize,
    KayentaOptions,
    Metric,
    MetricProvider,
    PrometheusProvider,
    TrafficSplit,
)
from rollout_engine.api.notifications import NotificationSubscription
from rollout_engine.api.rollout import (
    ABTestStrategy,
    AnalysisTemplateRef,
    BackgroundAnalysis,
    BlueGreenStrategy,
    CanaryStep,
    CanaryStrategy,
    PauseStep,
    Rollout,
    RolloutAnalysis,
    RolloutSpec,
    SetCookieRoute,
    SetHeaderRoute,
    Strategy,
    WorkloadRef,
)
from rollout_engine.api.routing import (
    CookieMatch,
    HeaderMatch,
    IstioRouting,
    NginxRouting,
    RouteMatch,
    StringMatch,
    TrafficRouting,
)
from rollout_engine.api.status import Intent, PauseCondition, RolloutStatus, Weights
from rollout_engine.api.template import (
    AnalysisTemplate,
    AnalysisTemplateSpec,
    Argument,
    ClusterAnalysisTemplate,
    KayentaScoring,
)

__all__ = [
    "GROUP",
    "GROUP_VERSION",
    "KINDS",
    "VERSION",
    "ABTestStrategy",
    "AnalysisRun",
    "AnalysisRunSpec",
    "AnalysisRunStatus",
    "AnalysisTemplate",
    "AnalysisTemplateRef",
    "AnalysisTemplateSpec",
    "Argument",
    "BackgroundAnalysis",
    "BlueGreenStrategy",
    "CamelModel",
    "CanaryStep",
    "CanaryStrategy",
    "ClusterAnalysisTemplate",
    "Comparison",
    "ComparisonSide",
    "Condition",
    "CookieMatch",
    "EffectSize",
    "HeaderMatch",
    "Intent",
    "IstioRouting",
    "KayentaOptions",
    "KayentaScoring",
    "KindInfo",
    "Measurement",
    "Metric",
    "MetricProvider",
    "MetricResult",
    "NginxRouting",
    "NotificationSubscription",
    "ObjectMeta",
    "PauseCondition",
    "PauseStep",
    "PrometheusProvider",
    "Rollout",
    "RolloutAnalysis",
    "RolloutSpec",
    "RolloutStatus",
    "RouteMatch",
    "SecretKeySelector",
    "SecretValueSource",
    "SetCookieRoute",
    "SetHeaderRoute",
    "Strategy",
    "StringMatch",
    "TrafficRouting",
    "TrafficSplit",
    "Weights",
    "WorkloadRef",
    "dump",
    "kind_info",
]
