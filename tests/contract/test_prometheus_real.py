"""The provider and the measurement chain against a real Prometheus serving backfilled data.

The data is the story of `tests.fakes.prometheus.data`: a healthy canary, an
idle spell (NaN), a scrape gap (no series), a regression, and a stable version
whose counters reset. Queries are the peers' own (tests/data/corpus) and ours.
"""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from analysis.args import ArgValue, resolve_args
from analysis.measure import measure
from analysis.providers.base import Matrix, Scalar, Vector
from analysis.providers.prometheus import PrometheusClient, PrometheusSettings
from analysis.spec import compile_run
from rollout_engine.api.template import AnalysisTemplateSpec, Argument
from rollout_engine.errors import BadResult, QueryError
from tests.fakes.prometheus.data import at
from tests.fakes.prometheus.server import RealPrometheus
from tests.paths import CORPUS, EXAMPLES

pytestmark = pytest.mark.slow

CANARY_SUCCESS = (
    'sum(rate(nginx_ingress_controller_requests{ingress="web",canary!="",status!~"5.*"}[1m]))'
    ' / sum(rate(nginx_ingress_controller_requests{ingress="web",canary!=""}[1m]))'
)


@pytest.fixture
def prom(prometheus: RealPrometheus) -> PrometheusClient:
    return PrometheusClient(PrometheusSettings(address=prometheus.url, timeout=10.0))


@pytest.mark.parametrize(
    ("minute", "expected"),
    [(20, 0.98), (45, math.nan), (57, None), (90, 0.80)],
)
def test_the_canary_story_as_an_instant_vector(
    prom: PrometheusClient, minute: int, expected: float | None
) -> None:
    result = prom.query(expr=CANARY_SUCCESS, at=at(minute))
    assert isinstance(result, Vector)
    if expected is None:
        assert result.samples == ()  # the scrape gap: no series at all
    elif math.isnan(expected):
        assert math.isnan(result.values[0])  # idle: 0/0
    else:
        assert result.values == pytest.approx((expected,))


def test_zero_over_zero_is_a_nan_scalar(prom: PrometheusClient) -> None:
    result = prom.query(expr="0/0", at=at(10))
    assert isinstance(result, Scalar) and math.isnan(result.value)


def test_several_series_keep_their_labels(prom: PrometheusClient) -> None:
    result = prom.query(
        expr="sum by (track) (rate(http_request_duration_seconds_count[5m]))", at=at(20)
    )
    assert isinstance(result, Vector)
    assert {s.labels["track"]: s.value for s in result.samples} == {"canary": 10.0, "stable": 20.0}


def test_a_range_query_returns_a_matrix_at_each_step(prom: PrometheusClient) -> None:
    result = prom.query_range(
        expr=CANARY_SUCCESS, start=at(85), end=at(95), step=timedelta(minutes=1)
    )
    assert isinstance(result, Matrix) and len(result.series) == 1
    assert result.values == pytest.approx((0.8,) * 11)


def test_after_the_data_ends_there_is_no_series(prom: PrometheusClient) -> None:
    assert prom.query(expr=CANARY_SUCCESS, at=at(60 * 24)) == Vector(samples=())


def test_counter_resets_are_invisible_to_rate(prom: PrometheusClient) -> None:
    stable = 'nginx_ingress_controller_requests{ingress="web",canary=""'
    rate = prom.query(expr=f"sum(rate({stable}}}[2m]))", at=at(31))
    ratio = prom.query(
        expr=f'sum(rate({stable},status="200"}}[2m])) / sum(rate({stable}}}[2m]))', at=at(31)
    )
    assert rate.values == pytest.approx((20.0,))
    assert ratio.values == pytest.approx((0.99,))


def test_a_gauge_can_hold_nan(prom: PrometheusClient) -> None:
    assert math.isnan(prom.query(expr="queue_saturation_ratio", at=at(45)).values[0])
    assert prom.query(expr="queue_saturation_ratio", at=at(30)).values == (0.5,)


def test_prometheus_errors_keep_their_type(prom: PrometheusClient) -> None:
    with pytest.raises(QueryError, match="bad_data"):
        prom.query(expr="sum(rate(x[5m])", at=at(10))
    with pytest.raises(QueryError, match="bad_data"):
        prom.query(expr="no_such_function(up)", at=at(10))
    with pytest.raises(BadResult, match="string"):
        prom.query(expr='"hello"', at=at(10))


def _template(path: Path) -> AnalysisTemplateSpec:
    body = next(d for d in yaml.safe_load_all(path.read_text()) if d)
    return AnalysisTemplateSpec.model_validate(body["spec"])


ARGO = CORPUS / "argo"
CASES: list[tuple[Path, dict[str, str], int, str, str]] = [
    # Istio success rate, irate over 40 s (rollouts-demo)
    (
        ARGO / "17-analysistemplate-prometheus-istio-success-rate.yaml",
        {"service": "web-canary", "namespace": "shop"},
        20,
        "Successful",
        "[0.98]",
    ),
    (
        ARGO / "17-analysistemplate-prometheus-istio-success-rate.yaml",
        {"service": "web-canary", "namespace": "shop"},
        90,
        "Failed",
        "[0.8]",
    ),
    (
        ARGO / "17-analysistemplate-prometheus-istio-success-rate.yaml",
        {"service": "web-canary", "namespace": "shop"},
        57,
        "Error",
        "[]",
    ),
    # NGINX success rate over both versions, rate over 20 s
    (
        ARGO / "18-analysistemplate-prometheus-nginx-success-rate.yaml",
        {"ingress": "web"},
        20,
        "Successful",
        "[0.9866666667]",
    ),
    # Istio by service name, irate over 5 m, failureLimit 2
    (
        ARGO / "21-analysistemplate-prometheus-istio-failurelimit.yaml",
        {"service-name": "web-canary"},
        90,
        "Failed",
        "[0.8]",
    ),
    # an unknown metric (kube_pod_info is not there): no series → Error, never a pass
    (ARGO / "24-analysistemplate-prometheus-args-default.yaml", {}, 20, "Error", "[]"),
    # p99 from histogram buckets: one series, so `result <= 0.3` reads it (Argo: Error)
    (
        ARGO / "26-analysistemplate-prometheus-scalar-condition-on-vector-EDGECASE.yaml",
        {},
        20,
        "Failed",
        "[0.625]",
    ),
    # our example, written exactly as in Argo
    (EXAMPLES / "templates" / "success-rate.yaml", {"ingress": "web"}, 20, "Successful", "[0.98]"),
    (EXAMPLES / "templates" / "success-rate.yaml", {"ingress": "web"}, 45, "Inconclusive", "[NaN]"),
    (EXAMPLES / "templates" / "success-rate.yaml", {"ingress": "web"}, 57, "Inconclusive", "[]"),
    (EXAMPLES / "templates" / "success-rate.yaml", {"ingress": "web"}, 90, "Failed", "[0.8]"),
]


@pytest.mark.parametrize(
    ("path", "args", "minute", "phase", "value"),
    CASES,
    ids=[f"{p.stem[:40]}@{m}" for p, _, m, _, _ in CASES],
)
def test_peer_and_example_queries_judge_the_story(
    prometheus: RealPrometheus,
    *,
    path: Path,
    args: dict[str, str],
    minute: int,
    phase: str,
    value: str,
) -> None:
    template = _template(path)
    supplied = [Argument(name=k, value=v) for k, v in args.items()]
    run = compile_run(template, args=resolve_args(template.args, supplied))
    prom = PrometheusClient(PrometheusSettings(address=prometheus.url))
    m = measure(run.metrics[0], prom, now=at(minute), started_at=at(minute - 5)).measurement
    assert (m.phase, m.value) == (phase, value), m.message


def test_istio_p99_latency_from_millisecond_buckets(prom: PrometheusClient) -> None:
    query = (
        "histogram_quantile(0.99, sum by (le) (rate(istio_request_duration_milliseconds_bucket"
        '{reporter="destination",destination_workload_namespace="shop",'
        'destination_workload=~"web-canary"}[2m])))'
    )
    assert prom.query(expr=query, at=at(20)).values == pytest.approx((312.5,))
    assert prom.query(expr=query, at=at(90)).values == pytest.approx((962.5,))


INJECTION = 'nope"}[1m])) or vector(1) #'


def test_an_injected_matcher_is_escaped_into_a_harmless_label_value(
    prometheus: RealPrometheus, prom: PrometheusClient
) -> None:
    template = 'sum(rate(nginx_ingress_controller_requests{ingress="{{args.ingress}}"}[1m]))'
    naive = template.replace("{{args.ingress}}", INJECTION)
    assert prom.query(expr=naive, at=at(20)).values == (1.0,)  # the attack works when pasted raw
    spec: dict[str, Any] = {
        "args": [{"name": "ingress"}],
        "metrics": [
            {
                "name": "m",
                "successCondition": "len(result) == 0 || result[0] >= 0.5",
                "provider": {"prometheus": {"address": prometheus.url, "query": template}},
            }
        ],
    }
    run = compile_run(
        AnalysisTemplateSpec.model_validate(spec), args={"ingress": ArgValue(INJECTION)}
    )
    m = measure(run.metrics[0], prom, now=at(20), started_at=at(15)).measurement
    assert m.value == "[]"  # no ingress has that literal name
    assert m.phase == "Inconclusive"
    assert m.query == (
        'sum(rate(nginx_ingress_controller_requests{ingress="nope\\"}[1m])) or vector(1) #"}[1m]))'
    )
