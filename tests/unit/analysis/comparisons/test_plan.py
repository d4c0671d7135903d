"""The per-run plan: judge configurations, the shared alpha, the Kayenta group."""

from __future__ import annotations

import math
from typing import Any

import pytest

from analysis.args import ArgValue
from analysis.judges.kayenta.judge import MannWhitneyConfig
from analysis.judges.sequential_counts import CountsConfig
from analysis.judges.sequential_latency import LatencyConfig
from analysis.spec import CompiledRun, compile_run
from rollout_engine.api.template import AnalysisTemplateSpec
from rollout_engine.errors import SpecError
from tests.unit.analysis.comparisons.world import counts_metric, run_of


def latency(name: str = "latency", **comparison: Any) -> dict[str, Any]:
    q = 'sum by (le) (increase(x_bucket{{v="{}"}}[{{{{elapsed}}}}]))'
    return {
        "name": name,
        "interval": "1m",
        "provider": {"prometheus": {"address": "http://p"}},
        "comparison": {
            "method": "sequential-latency",
            "candidate": {"query": q.format("c")},
            "stable": {"query": q.format("s")},
            **comparison,
        },
    }


def kayenta(name: str, **options: Any) -> dict[str, Any]:
    return {
        "name": name,
        "interval": "5m",
        "count": 3,
        "provider": {
            "prometheus": {
                "address": "http://p",
                "rangeQuery": {"start": 'now() - duration("30m")', "step": "1m"},
            }
        },
        "comparison": {
            "method": "mann-whitney",
            "candidate": {"query": f'{name}{{v="c"}}'},
            "stable": {"query": f'{name}{{v="s"}}'},
            **options,
        },
    }


def alphas(run: CompiledRun) -> dict[str, float | None]:
    return {m.name: m.plan.alpha if m.plan else None for m in run.metrics}


def test_one_comparison_spends_the_whole_default_budget() -> None:
    assert alphas(run_of(counts_metric())) == {"errors": 0.01}


def test_comparisons_of_a_run_share_the_budget_equally() -> None:
    run = run_of(counts_metric(), latency(), kayenta("cpu"))
    assert alphas(run) == {"errors": 0.005, "latency": 0.005, "cpu": None}
    plan = run.metric("errors").plan
    assert plan is not None and plan.budget_note == "run budget 0.01 shared by 2 test(s)"


def test_an_override_is_spent_on_top_and_leaves_the_others_their_share() -> None:
    run = run_of(counts_metric(), latency(alpha=0.002), counts_metric("more"))
    assert alphas(run) == {"errors": 0.005, "latency": 0.002, "more": 0.005}


def test_a_failing_traffic_split_check_is_one_more_test() -> None:
    split = {"trafficSplit": {"expectedWeight": 10, "failOnMismatch": True}}
    run = run_of(counts_metric(comparison=split), latency())
    assert alphas(run) == pytest.approx({"errors": 0.01 / 3, "latency": 0.01 / 3})
    config = run.metric("errors").plan.config  # type: ignore[union-attr]
    assert isinstance(config, CountsConfig)
    assert config.srm_fails and config.srm_alpha == pytest.approx(0.01 / 3)


def test_a_reported_traffic_split_check_spends_nothing() -> None:
    run = run_of(counts_metric(comparison={"trafficSplit": {"expectedWeight": 10}}), latency())
    assert alphas(run) == {"errors": 0.005, "latency": 0.005}


def test_a_dry_run_metric_takes_nothing_from_the_others() -> None:
    run = run_of(counts_metric(), latency(), dryRun=[{"metricName": "latency"}])
    assert alphas(run) == {"errors": 0.01, "latency": 0.005}


def test_unset_effect_sizes_take_the_judges_defaults() -> None:
    config = run_of(latency()).metrics[0].plan.config  # type: ignore[union-attr]
    assert isinstance(config, LatencyConfig)
    assert config.effect.allowed_increase == 1.5
    assert config.effect.critical_increase == math.inf
    set_ = {"effectSize": {"allowedIncrease": 1.2, "criticalIncrease": 3}}
    counts = run_of(counts_metric(comparison=set_)).metrics[0].plan.config  # type: ignore[union-attr]
    assert isinstance(counts, CountsConfig)
    assert (counts.effect.allowed_increase, counts.effect.critical_increase) == (1.2, 3)


def test_kayenta_defaults_are_kayentas() -> None:
    config = run_of(kayenta("cpu")).metrics[0].plan.config  # type: ignore[union-attr]
    assert isinstance(config, MannWhitneyConfig)
    assert (config.params.tolerance, config.params.confidence) == (0.25, 0.98)
    assert (config.params.allowed_increase, config.params.critical_increase) == (1.0, 1.0)
    cles = kayenta("cpu", effectSize={"measure": "cles"})
    params = run_of(cles).metrics[0].plan.config.params  # type: ignore[union-attr]
    assert params.allowed_increase == 0.5


def test_every_kayenta_metric_knows_its_whole_group() -> None:
    run = run_of(
        kayenta("cpu", kayenta={"groups": ["system"]}),
        kayenta("memory", kayenta={"groups": ["system"], "muted": True}),
        kayenta("errors"),
        kayenta("disk"),
        dryRun=[{"metricName": "disk"}],
        kayenta={"passScore": 90, "marginalScore": 50, "groupWeights": {"system": 60}},
    )
    plans = {m.name: m.plan for m in run.metrics}
    assert plans["errors"] is not None and plans["cpu"] is not None
    group = plans["errors"].kayenta
    assert group is not None and group is plans["cpu"].kayenta
    assert (group.pass_score, group.marginal_score, dict(group.weights)) == (90, 50, {"system": 60})
    peers = {p.name: (p.groups, p.muted) for p in group.peers}
    assert peers == {
        "cpu": (("system",), False),
        "memory": (("system",), True),
        "errors": (("errors",), False),
        "disk": (("disk",), True),
    }


@pytest.mark.parametrize(
    ("metric", "path", "message"),
    [
        (
            counts_metric(comparison={"effectSize": {"allowedIncrease": 0.8}}),
            "spec.metrics[0].comparison.effectSize",
            "allowed decrease <= 1 <= allowed increase is required",
        ),
        (
            counts_metric(comparison={"trafficSplit": {"expectedWeight": 100}}),
            "spec.metrics[0].comparison.trafficSplit.expectedWeight",
            "must be between 0 and 100 (exclusive), got 100",
        ),
        (
            latency(trafficSplit={"expectedWeight": 10}),
            "spec.metrics[0].comparison.trafficSplit",
            "only sequential-counts checks the traffic split, not sequential-latency",
        ),
        (
            latency(kayenta={"muted": True}),
            "spec.metrics[0].comparison.kayenta",
            "kayenta options apply to method mann-whitney, not sequential-latency",
        ),
    ],
)
def test_contradictions_are_spec_errors_with_their_path(
    metric: dict[str, Any], path: str, message: str
) -> None:
    with pytest.raises(SpecError) as caught:
        run_of(metric)
    assert (caught.value.path, caught.value.detail) == (path, message)


def test_the_expected_weight_may_be_an_argument() -> None:
    body = counts_metric(comparison={"trafficSplit": {"expectedWeight": "{{args.weight}}"}})
    spec = AnalysisTemplateSpec.model_validate({"metrics": [body], "args": [{"name": "weight"}]})
    run = compile_run(spec, args={"weight": ArgValue("2.5")})
    assert run.metrics[0].plan is not None
    assert run.metrics[0].plan.expected_weight == pytest.approx(0.025)
    with pytest.raises(SpecError, match="expected a percentage, got 'ten'"):
        compile_run(spec, args={"weight": ArgValue("ten")})


def test_threshold_metrics_have_no_plan() -> None:
    body = {
        "name": "rate",
        "successCondition": "result[0] > 0",
        "provider": {"prometheus": {"address": "http://p", "query": "q"}},
    }
    assert run_of(body).metrics[0].plan is None


def test_the_plan_shares_the_judges_default_budget() -> None:
    from analysis.comparisons import plan
    from analysis.judges import budget

    assert plan.DEFAULT_ALPHA == budget.DEFAULT_ALPHA
