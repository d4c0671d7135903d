"""One bad manifest per error class, each with its exact finding."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from rollout_engine.cli.main import app
from rollout_engine.lint import lint_paths
from tests.paths import DATA

LINT = DATA / "lint"

# file → (severity, code, path, message)
EXPECTED: dict[str, tuple[str, str, str, str]] = {
    "yaml-syntax.yaml": (
        "error", "yaml-syntax", "",
        "invalid YAML at line 5, column 8: mapping values are not allowed here",
    ),
    "duplicate-key.yaml": (
        "error", "duplicate-key", "",
        "duplicate key at line 5, column 3: found duplicate key 'name'",
    ),
    "not-an-object.yaml": (
        "error", "not-an-object", "",
        "a document must be a mapping (a Kubernetes object), got list",
    ),
    "missing-type.yaml": (
        "error", "missing-type", "kind", "every object needs a string apiVersion and kind",
    ),
    "foreign-manifest.yaml": (
        "error", "foreign-manifest", "apiVersion",
        "this is Argo Rollouts's Rollout (argoproj.io/v1alpha1), not a rollout-engine resource",
    ),
    "unsupported-version.yaml": (
        "error", "unsupported-version", "apiVersion", "unsupported version 'rollout-engine.io/v1'",
    ),
    "unknown-kind.yaml": (
        "error", "unknown-kind", "kind", "unknown kind 'Canary' in rollout-engine.io",
    ),
    "unknown-field.yaml": (
        "error", "unknown-field", "spec.strategy.canary.steps[0].setWieght",
        "unknown field 'setWieght'",
    ),
    "missing-field.yaml": (
        "error", "missing-field", "spec.workloadRef", "required field 'workloadRef' is missing",
    ),
    "wrong-type.yaml": (
        "error", "wrong-type",
        "spec.strategy.canary.steps[0].setHeaderRoute.match[0].headerValue.exact",
        "expected a string, got bool True",
    ),
    "out-of-range.yaml": (
        "error", "out-of-range", "spec.strategy.canary.steps[0].setWeight",
        "must be between 0 and 100, got 120",
    ),
    "two-strategies.yaml": (
        "error", "invalid-value", "spec.strategy",
        "a Rollout has exactly one strategy (got canary, blueGreen)",
    ),
    "two-actions-in-step.yaml": (
        "error", "invalid-value", "spec.strategy.canary.steps[0]",
        "a step sets exactly one of setWeight, pause, analysis, setHeaderRoute, "
        "setCookieRoute (got setWeight, pause)",
    ),
    "missing-traffic-routing.yaml": (
        "error", "missing-traffic-routing", "spec.strategy.canary.trafficRouting",
        "a canary needs a traffic router to move traffic",
    ),
    "weight-above-max.yaml": (
        "error", "weight-above-max", "spec.strategy.canary.steps[0].setWeight",
        "weight 60 is above maxWeight 50",
    ),
    "bad-pause-duration.yaml": (
        "error", "bad-duration", "spec.strategy.canary.steps[1].pause.duration",
        "expected a duration such as 30s, 5m or 1h30m, got '10 minutes'",
    ),
    "unmanaged-route.yaml": (
        "error", "unmanaged-route", "spec.strategy.canary.steps[0]",
        "route 'beta' is not listed in trafficRouting.managedRoutes",
    ),
    "bad-starting-step.yaml": (
        "error", "bad-starting-step", "spec.strategy.canary.analysis.startingStep",
        "startingStep 5 is past the last step (there are 2)",
    ),
    "unsupported-router.yaml": (
        "error", "invalid-value", "spec.strategy.canary.trafficRouting",
        "unsupported traffic router 'smi'",
    ),
    "inline-webhook-url.yaml": (
        "error", "invalid-value", "spec.notifications[0]",
        "a webhook URL is a secret and cannot be written inline",
    ),
    "nginx-unsupported-match.yaml": (
        "error", "nginx-unsupported-match", "spec.strategy.canary.steps[0].setHeaderRoute.match",
        "NGINX Ingress can route on one header per canary Ingress",
    ),
    "conflicting-fields.yaml": (
        "error", "conflicting-fields", "spec.strategy.blueGreen.autoPromotionSeconds",
        "autoPromotionSeconds has no effect when autoPromotionEnabled is false",
    ),
    "bad-condition.yaml": (
        "error", "bad-condition", "spec.metrics[0].successCondition",
        "condition does not compile: Failed to parse expression 'result >=': ERROR: "
        "<input>:1:10: Syntax error: mismatched input '<EOF>'",
    ),
    "unknown-variable.yaml": (
        "error", "bad-condition", "spec.metrics[0].successCondition",
        "condition uses unknown variable 'reslt'; conditions can only read `result`",
    ),
    "undeclared-arg.yaml": (
        "error", "undeclared-arg", "spec.metrics[0].provider.prometheus.query",
        "uses argument 'service', which spec.args does not declare",
    ),
    "unknown-placeholder.yaml": (
        "error", "unknown-placeholder", "spec.metrics[0].provider.prometheus.query",
        "unknown placeholder '{{ .Values.service }}'",
    ),
    "duplicate-metric.yaml": (
        "error", "duplicate-metric", "spec.metrics[1].name", "metric name 'rate' is used twice",
    ),
    "count-without-interval.yaml": (
        "error", "count-without-interval", "spec.metrics[0].count",
        "count 5 needs an interval between measurements",
    ),
    "bad-limit.yaml": (
        "error", "bad-limit", "spec.metrics[0].failureLimit",
        "failureLimit 4 exceeds count 3, so it can never trip",
    ),
    "bad-interval.yaml": (
        "error", "bad-duration", "spec.metrics[0].interval", "not a duration: '5 minutes'",
    ),
    "unsupported-provider.yaml": (
        "error", "invalid-value", "spec.metrics[0].provider", "unsupported provider 'web'",
    ),
    "missing-total-query.yaml": (
        "error", "missing-total-query", "spec.metrics[0].comparison.stable.totalQuery",
        "sequential-counts compares bad events with all events; totalQuery is missing",
    ),
    "missing-range-query.yaml": (
        "error", "missing-range-query", "spec.metrics[0].provider.prometheus.rangeQuery",
        "mann-whitney compares time series: the metric needs a rangeQuery",
    ),
    "latency-needs-buckets.yaml": (
        "error", "latency-needs-buckets", "spec.metrics[0].comparison.candidate.query",
        "sequential-latency compares histogram buckets: the query must return one series per le",
    ),
    "missing-elapsed.yaml": (
        "error", "missing-elapsed", "spec.metrics[0].comparison.candidate.query",
        "sequential-counts needs counts since the run started; the query does not use "
        "{{elapsed}}",
    ),
    "warn-kayenta-without-count.yaml": (
        "warning", "kayenta-without-count", "spec.metrics[0].count",
        "mann-whitney passes only at its last look (count); without count it can never be "
        "Successful",
    ),
    "warn-unknown-group.yaml": (
        "warning", "unknown-group", "spec.kayenta.groupWeights.memory",
        "no mann-whitney metric is in group 'memory' (groups: system)",
    ),
    "bad-enum.yaml": (
        "error", "bad-enum", "spec.metrics[0].comparison.direction",
        "must be one of 'increase', 'decrease' or 'either', got 'up'",
    ),
    "bad-address.yaml": (
        "error", "bad-address", "spec.metrics[0].provider.prometheus.address",
        "not an http(s) URL: 'prometheus:9090'",
    ),
    "bad-regex.yaml": (
        "error", "bad-regex", "spec.dryRun[0].metricName",
        "not a valid regular expression: missing ), unterminated subpattern at position 0",
    ),
    "bad-name.yaml": (
        "error", "bad-name", "spec.workloadRef.name", "not a valid Kubernetes name: 'Web_App'",
    ),
    "missing-arg.yaml": (
        "error", "missing-arg", "spec.strategy.canary.steps[1].analysis.args",
        "template 'rate' needs argument 'service', which is not passed",
    ),
    "scope-mismatch.yaml": (
        "error", "scope-mismatch",
        "spec.strategy.canary.steps[1].analysis.templates[0].clusterScope",
        "'rate' is an AnalysisTemplate, but the reference looks for a ClusterAnalysisTemplate",
    ),
    "duplicate-resource.yaml": (
        "error", "duplicate-resource", "metadata.name",
        "Rollout 'web' is defined twice (first in {dir}/duplicate-resource.yaml#1)",
    ),
    "warn-unresolved-template.yaml": (
        "warning", "unresolved-template",
        "spec.strategy.canary.steps[1].analysis.templates[0].templateName",
        "AnalysisTemplate 'not-here' is not among the linted files",
    ),
    "warn-weight-decreases.yaml": (
        "warning", "weight-decreases", "spec.strategy.canary.steps[1].setWeight",
        "weight goes down from 30 to 20",
    ),
    "warn-inline-credentials.yaml": (
        "warning", "inline-credentials", "spec.metrics[0].provider.prometheus.headers[0]",
        "credentials written inline in a header end up in Git",
    ),
    "invalid-metric.yaml": (
        "error", "invalid-metric", "spec.metrics[0].provider.prometheus.query",
        "argument 'window' = '5m]) or vector(1' is refused: outside a quoted label value only "
        "a number, a duration (5m) or a name that is not a PromQL keyword may be used",
    ),
    "warn-unused-arg.yaml": (
        "warning", "unused-arg", "spec.strategy.canary.steps[1].analysis.args[0]",
        "argument 'servce' is not declared by any referenced template",
    ),
}  # fmt: skip


def test_every_bad_manifest_is_in_the_table() -> None:
    on_disk = {p.name for p in LINT.glob("*.yaml")}
    assert on_disk == set(EXPECTED)
    assert len({code for _, code, _, _ in EXPECTED.values()}) >= 15


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_manifest_yields_exactly_its_finding(name: str) -> None:
    severity, code, path, message = EXPECTED[name]
    report = lint_paths([str(LINT / name)])
    assert len(report.findings) == 1, [f.render() for f in report.findings]
    (finding,) = report.findings
    assert (finding.severity, finding.code, finding.path) == (severity, code, path)
    assert finding.message == message.replace("{dir}", str(LINT))
    assert finding.file == str(LINT / name)
    assert finding.document >= 1
    assert finding.fix and "as the message says" not in finding.fix


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_cli_exit_code_is_one_for_errors_and_zero_for_warnings(name: str) -> None:
    result = CliRunner().invoke(app, ["lint", str(LINT / name)])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == (1 if EXPECTED[name][0] == "error" else 0)
    assert "fix: " in result.output
    assert "Traceback" not in result.output
