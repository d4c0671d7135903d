"""Compiling a template: Argo's defaults and validation, arguments in every templated field."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import yaml

from analysis.args import ArgValue, resolve_args
from analysis.spec import compile_run
from rollout_engine.api.template import AnalysisTemplateSpec, Argument
from rollout_engine.errors import SpecError
from tests.paths import CORPUS, EXAMPLES

PROM = {"prometheus": {"address": "http://prom:9090", "query": "sum(up)"}}


def spec(*metrics: dict[str, Any], **extra: Any) -> AnalysisTemplateSpec:
    return AnalysisTemplateSpec.model_validate(
        {"metrics": [{"provider": PROM, **m} for m in metrics], **extra}
    )


def test_argo_defaults() -> None:
    run = compile_run(spec({"name": "once"}, {"name": "forever", "interval": "1m"}), args={})
    once, forever = run.metrics
    assert (once.count, once.interval, once.initial_delay) == (1, None, timedelta(0))
    assert (forever.count, forever.interval) == (None, timedelta(minutes=1))
    assert (once.failure_limit, once.inconclusive_limit, once.consecutive_error_limit) == (0, 0, 4)
    assert (once.retention, once.dry_run) == (10, False)


def test_arguments_fill_durations_limits_and_conditions() -> None:
    template = spec(
        {
            "name": "m",
            "interval": "{{args.every}}",
            "initialDelay": "{{args.every}}",
            "count": "{{args.count}}",
            "failureLimit": "{{args.limit}}",
            "successCondition": "result[0] >= {{args.min}}",
        },
        args=[
            {"name": "every"},
            {"name": "count"},
            {"name": "limit"},
            {"name": "min", "value": "3"},
        ],
    )
    supplied = [
        Argument(name="every", value="10s"),
        Argument(name="count", value="5"),
        Argument(name="limit", value="2"),
    ]
    (metric,) = compile_run(template, args=resolve_args(template.args, supplied)).metrics
    assert (metric.interval, metric.initial_delay) == (timedelta(seconds=10), timedelta(seconds=10))
    assert (metric.count, metric.failure_limit) == (5, 2)
    assert metric.success is not None and metric.success.source == "result[0] >= 3"


@pytest.mark.parametrize(
    ("metric", "args", "path", "message"),
    [
        ({"count": 3}, {}, "spec.metrics[0].count", "needs an interval"),
        ({"count": 0, "interval": "1m"}, {}, "spec.metrics[0].count", "at least 1"),
        ({"interval": "0s"}, {}, "spec.metrics[0].interval", "positive"),
        ({"failureLimit": -2}, {}, "spec.metrics[0].failureLimit", "-1"),
        (
            {"count": 2, "interval": "1m", "failureLimit": 3},
            {},
            "spec.metrics[0].failureLimit",
            "exceeds count",
        ),
        (
            {"count": 2, "interval": "1m", "inconclusiveLimit": 3},
            {},
            "spec.metrics[0].inconclusiveLimit",
            "exceeds count",
        ),
        ({"consecutiveErrorLimit": -1}, {}, "spec.metrics[0].consecutiveErrorLimit", "0 or more"),
        ({"interval": "{{args.x}}"}, {"x": "soon"}, "spec.metrics[0].interval", "duration"),
        ({"failureLimit": "{{args.x}}"}, {"x": "two"}, "spec.metrics[0].failureLimit", "integer"),
        ({"successCondition": "result[0] >="}, {}, "spec.metrics[0].successCondition", "compile"),
        (
            {"successCondition": "result > {{args.x}}"},
            {"x": "1 || true"},
            "spec.metrics[0].successCondition",
            "argument 'x'",
        ),
        (
            {"provider": {"prometheus": {"query": "x[{{args.x}}]"}}},
            {"x": "5m] or vector(1"},
            "spec.metrics[0].provider.prometheus.query",
            "argument 'x'",
        ),
        (
            {
                "provider": {
                    "prometheus": {
                        "query": "x",
                        "rangeQuery": {"start": 'now() - duration("5m")', "step": "0s"},
                    }
                }
            },
            {},
            "spec.metrics[0].provider.prometheus.rangeQuery.step",
            "positive",
        ),
        (
            {
                "provider": {
                    "prometheus": {"query": "x", "rangeQuery": {"start": "now() -", "step": "1m"}}
                }
            },
            {},
            "spec.metrics[0].provider.prometheus.rangeQuery.start",
            "does not compile",
        ),
        (
            {
                "provider": {
                    "prometheus": {"query": "x", "rangeQuery": {"start": "then()", "step": "1m"}}
                }
            },
            {},
            "spec.metrics[0].provider.prometheus.rangeQuery.start",
            "'then'",
        ),
    ],
)
def test_invalid_metrics_are_spec_errors_with_the_field(
    metric: dict[str, Any], args: dict[str, str], path: str, message: str
) -> None:
    template = spec({"name": "m", **metric})
    values = {k: ArgValue(v) for k, v in args.items()}
    with pytest.raises(SpecError) as caught:
        compile_run(template, args=values)
    assert caught.value.path == path
    assert message in str(caught.value)


def test_duplicate_metric_names_are_refused() -> None:
    with pytest.raises(SpecError, match="used twice"):
        compile_run(spec({"name": "m"}, {"name": "m"}), args={})


def test_dry_run_and_retention_patterns_match_whole_names() -> None:
    template = spec(
        {"name": "error-rate"},
        {"name": "latency-rate"},
        {"name": "latency"},
        dryRun=[{"metricName": "latency.*"}],
        measurementRetention=[
            {"metricName": "error-rate", "limit": 3},
            {"metricName": "rate", "limit": 1},
        ],
    )
    run = compile_run(template, args={})
    assert [(m.name, m.dry_run, m.retention) for m in run.metrics] == [
        ("error-rate", False, 3),
        ("latency-rate", True, 10),
        ("latency", True, 10),
    ]


def test_secret_values_are_kept_for_scrubbing_and_masked_in_the_query() -> None:
    template = spec(
        {
            "name": "m",
            "provider": {"prometheus": {"address": "http://p", "query": 'x{t="{{args.t}}"}'}},
        },
        args=[{"name": "t"}],
    )
    (metric,) = compile_run(template, args={"t": ArgValue("hunter2", secret=True)}).metrics
    assert metric.secrets == ("hunter2",)
    assert "hunter2" not in repr(metric)
    assert metric.query is not None
    assert metric.query.render(elapsed=timedelta(0)).shown == 'x{t="***"}'


def test_arguments_reach_the_address_and_headers() -> None:
    template = spec(
        {
            "name": "m",
            "provider": {
                "prometheus": {
                    "address": "http://{{args.host}}:9090",
                    "query": "up",
                    "headers": [{"key": "X-Scope-OrgID", "value": "{{args.tenant}}"}],
                }
            },
        }
    )
    args = {"host": ArgValue("prom.monitoring"), "tenant": ArgValue("team-a")}
    (metric,) = compile_run(template, args=args).metrics
    prom = metric.provider.prometheus
    assert prom is not None
    assert prom.address == "http://prom.monitoring:9090"
    assert prom.headers[0].value == "team-a"


def test_comparison_metrics_keep_their_side_queries_for_the_judges() -> None:
    body = yaml.safe_load((EXAMPLES / "templates" / "error-ratio.yaml").read_text())
    template = AnalysisTemplateSpec.model_validate(body["spec"])
    args = {
        n: ArgValue(v) for n, v in {"namespace": "shop", "candidate": "c", "stable": "s"}.items()
    }
    (metric,) = compile_run(template, args=args).metrics
    assert metric.query is None and metric.comparison is not None
    assert sorted(metric.comparison_queries) == [
        "candidate.query",
        "candidate.totalQuery",
        "stable.query",
        "stable.totalQuery",
    ]
    text = metric.comparison_queries["candidate.query"].render(elapsed=timedelta(minutes=2)).text
    assert 'destination_workload="c"' in text and "[120s]" in text


CORPUS_ARGS = {
    "17-analysistemplate-prometheus-istio-success-rate.yaml": {
        "service": "web-canary",
        "namespace": "shop",
    },
    "18-analysistemplate-prometheus-nginx-success-rate.yaml": {"ingress": "web"},
    "21-analysistemplate-prometheus-istio-failurelimit.yaml": {"service-name": "web-canary"},
    "24-analysistemplate-prometheus-args-default.yaml": {},
    "26-analysistemplate-prometheus-scalar-condition-on-vector-EDGECASE.yaml": {},
}


@pytest.mark.parametrize("name", sorted(CORPUS_ARGS))
def test_argo_prometheus_templates_compile_unchanged(name: str) -> None:
    body = next(d for d in yaml.safe_load_all((CORPUS / "argo" / name).read_text()) if d)
    template = AnalysisTemplateSpec.model_validate(body["spec"])
    supplied = [Argument(name=k, value=v) for k, v in CORPUS_ARGS[name].items()]
    run = compile_run(template, args=resolve_args(template.args, supplied))
    assert run.metrics and all(m.query is not None for m in run.metrics)
