"""Metrics: the checks an AnalysisTemplate declares.

A metric is either a **threshold** rule (Argo Rollouts' ``successCondition`` /
``failureCondition`` over ``result``, with Argo's field names so existing
templates carry over) or a **comparison** of the candidate with the stable
version, judged by a statistical method. Both read from a provider.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from rollout_engine.api.base import CamelModel, IntOrString, Invalid, TemplatedDuration
from rollout_engine.api.meta import SecretValueSource

__all__ = [
    "BasicAuth",
    "Comparison",
    "ComparisonSide",
    "EffectSize",
    "KayentaOptions",
    "Metric",
    "MetricProvider",
    "PrometheusAuthentication",
    "PrometheusHeader",
    "PrometheusProvider",
    "RangeQuery",
    "TrafficSplit",
]

SUPPORTED_PROVIDERS = ("prometheus",)


class PrometheusHeader(CamelModel):
    """An extra HTTP header sent with every query (e.g. ``X-Scope-OrgID``)."""

    key: str = Field(min_length=1, pattern=r"^[A-Za-z0-9-]+$")
    value: str


class BasicAuth(CamelModel):
    """HTTP basic authentication; the password comes from a Secret."""

    username: str = Field(min_length=1)
    password: SecretValueSource


class PrometheusAuthentication(CamelModel):
    """Credentials for Prometheus, resolved from Secrets at measurement time."""

    bearer_token: SecretValueSource | None = None
    basic_auth: BasicAuth | None = None

    @model_validator(mode="after")
    def _one_scheme(self) -> PrometheusAuthentication:
        if self.bearer_token is not None and self.basic_auth is not None:
            raise Invalid("two authentication schemes are set", fix="keep bearerToken or basicAuth")
        return self


class RangeQuery(CamelModel):
    """Evaluate the query over a range, as Argo's ``rangeQuery`` (``now() - duration("5m")``)."""

    start: str = Field(min_length=1, examples=['now() - duration("5m")'])
    end: str = Field(default="now()", min_length=1)
    step: TemplatedDuration


class PrometheusProvider(CamelModel):
    """Where and how to query Prometheus.

    ``query`` is required for threshold metrics; a comparison metric carries
    its own queries for each side and uses only the connection settings here.
    """

    address: str | None = Field(default=None, examples=["http://prometheus.monitoring:9090"])
    query: str | None = None
    timeout: int | None = Field(default=None, ge=1, le=600, description="seconds, default 30")
    insecure: bool = False
    headers: list[PrometheusHeader] = Field(default_factory=list)
    authentication: PrometheusAuthentication | None = None
    range_query: RangeQuery | None = None


class MetricProvider(CamelModel):
    """The metric source; exactly one provider key is set."""

    prometheus: PrometheusProvider | None = None

    @model_validator(mode="before")
    @classmethod
    def _known_provider(cls, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(k for k in data if k not in SUPPORTED_PROVIDERS)
            if unknown:
                raise Invalid(
                    f"unsupported provider {unknown[0]!r}",
                    fix="use one of: " + ", ".join(SUPPORTED_PROVIDERS),
                )
            if not data:
                raise Invalid(
                    "no provider is set", fix="add one of: " + ", ".join(SUPPORTED_PROVIDERS)
                )
        return data


class ComparisonSide(CamelModel):
    """The queries that measure one side (candidate or stable) of a comparison.

    For counts, ``query`` counts bad events and ``totalQuery`` all events; for
    latency, ``query`` returns histogram buckets (one series per ``le``); for
    Mann-Whitney, ``query`` is a range query of one time series.
    """

    query: str = Field(min_length=1)
    total_query: str | None = None


class EffectSize(CamelModel):
    """How much change is tolerated (ratios of candidate to stable), as Kayenta names them."""

    allowed_increase: float | None = Field(default=None, gt=0)
    allowed_decrease: float | None = Field(default=None, gt=0)
    critical_increase: float | None = Field(default=None, gt=0)
    critical_decrease: float | None = Field(default=None, gt=0)
    measure: Literal["meanRatio", "cles"] = "meanRatio"


class KayentaOptions(CamelModel):
    """NetflixACAJudge preprocessing and scoring options for ``method: mann-whitney``."""

    nan_strategy: Literal["remove", "replace"] = "remove"
    outlier_strategy: Literal["remove", "keep"] = "keep"
    outlier_factor: float = Field(default=3.0, gt=0)
    must_have_data: bool = False
    muted: bool = False
    groups: list[str] = Field(default_factory=list)


class TrafficSplit(CamelModel):
    """The share of traffic the candidate should get, checked for a sample ratio mismatch (SRM).

    ``sequential-counts`` tests the candidate's share of all events against
    ``expectedWeight`` (percent, may be ``{{args.x}}``) with the same anytime-valid
    machinery, and reports it with every measurement; with ``failOnMismatch`` a
    mismatch fails the metric (a regression that crashes or retries requests moves the
    split too).
    """

    expected_weight: IntOrString = Field(
        description="percent of all events the candidate should serve (0 < weight < 100)"
    )
    fail_on_mismatch: bool = False


class Comparison(CamelModel):
    """Compare the candidate with the stable version instead of a fixed threshold."""

    method: Literal["sequential-counts", "sequential-latency", "mann-whitney"] = "sequential-counts"
    direction: Literal["increase", "decrease", "either"] = Field(
        default="increase", description="the direction in which change is bad"
    )
    candidate: ComparisonSide
    stable: ComparisonSide
    effect_size: EffectSize = Field(default_factory=EffectSize)
    critical: bool = False
    alpha: float | None = Field(default=None, gt=0, lt=0.5)
    min_samples: int | None = Field(default=None, ge=1)
    kayenta: KayentaOptions | None = None
    traffic_split: TrafficSplit | None = None


class Metric(CamelModel):
    """One named check, with Argo Rollouts' scheduling and limit fields."""

    name: str = Field(min_length=1, max_length=63, pattern=r"^[A-Za-z0-9]([-A-Za-z0-9_.]*)?$")
    interval: TemplatedDuration | None = None
    initial_delay: TemplatedDuration | None = None
    count: IntOrString | None = None
    failure_limit: IntOrString | None = None
    inconclusive_limit: IntOrString | None = None
    consecutive_error_limit: IntOrString | None = None
    success_condition: str | None = None
    failure_condition: str | None = None
    provider: MetricProvider
    comparison: Comparison | None = None

    @model_validator(mode="after")
    def _threshold_or_comparison(self) -> Metric:
        if self.comparison is not None and (self.success_condition or self.failure_condition):
            raise Invalid(
                "a metric is either a threshold (successCondition/failureCondition) "
                "or a comparison, not both",
                fix="split it into two metrics",
            )
        prom = self.provider.prometheus
        if self.comparison is None and prom is not None and not prom.query:
            raise Invalid(
                "a threshold metric needs provider.prometheus.query",
                fix="add the PromQL query whose result the conditions judge",
            )
        return self
