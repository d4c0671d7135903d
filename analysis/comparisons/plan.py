"""Compile the comparison metrics of one run: judge configurations and the shared error budget.

The false-rollback budget (`analysis.judges.budget`) is shared **per run**:

* A *test* is a deterioration test that can roll the candidate back: each decisive
  (non-dry-run) ``sequential-counts`` or ``sequential-latency`` metric is one, and a
  ``sequential-counts`` metric whose ``trafficSplit.failOnMismatch`` is set adds one more
  (its sample-ratio check).
* The run's budget, ``DEFAULT_ALPHA`` = 0.01, is split equally among the tests of the metrics
  that do **not** set ``comparison.alpha``: with k such tests, each gets 0.01/k (Bonferroni).
  A metric with two tests splits its share between them.
* A metric that sets ``comparison.alpha`` spends exactly that, on top: the run's
  false-rollback probability is then at most 0.01 (if any metric shares the budget) plus the
  sum of the overrides — the union bound, stated here rather than hidden.
* A dry-run metric decides nothing and takes nothing from the others; it is tested at the level
  it *would* get if it were decisive (0.01/(k + its tests)), so turning ``dryRun`` off later
  does not change what it reports.
* ``mann-whitney`` (Kayenta) is a fixed-horizon rule kept for parity and spends nothing; it has
  no alpha. Threshold metrics are outside the budget too.

Looks cost nothing: the sequential judges are anytime-valid and carry their state across every
look of the run. **Across runs** nothing is shared: each AnalysisRun (a step's analysis, the
background analysis, a blue/green pre-promotion run) spends its own budget, so a rollout with m
runs that compare has a false-rollback probability of at most m × 0.01. Putting the comparisons
in the background analysis keeps one run, and so one budget, for the whole rollout; step
analyses that repeat a comparison should lower ``comparison.alpha`` (e.g. 0.01/m) if the
rollout-wide rate matters.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, TypeAlias

from analysis.args import Args
from analysis.templating import QueryTemplate, render_field
from analysis.window import RangeWindow
from rollout_engine.api.metric import Comparison
from rollout_engine.api.metric import EffectSize as EffectSpec
from rollout_engine.api.template import KayentaScoring
from rollout_engine.errors import SpecError

if TYPE_CHECKING:  # NB: the judges import scipy (about 1 s); threshold-only runs never need it
    from analysis.judges.kayenta.judge import MannWhitneyConfig
    from analysis.judges.result import EffectSize
    from analysis.judges.sequential_counts import CountsConfig
    from analysis.judges.sequential_latency import LatencyConfig

__all__ = [
    "SEQUENTIAL",
    "ComparisonPlan",
    "JudgeConfig",
    "KayentaPeer",
    "KayentaPlan",
    "PlanInput",
    "plan_run",
]

SEQUENTIAL = frozenset({"sequential-counts", "sequential-latency"})
DEFAULT_ALPHA: Final = 0.01
"""The run's false-rollback budget: `analysis.judges.budget.DEFAULT_ALPHA` (a test pins them)."""
SRM_REPORT_ALPHA = 0.001
"""Level of a sample-ratio check that is only reported (``failOnMismatch`` off)."""

JudgeConfig: TypeAlias = "CountsConfig | LatencyConfig | MannWhitneyConfig"


@dataclass(frozen=True)
class PlanInput:
    """What the plan needs to know of one compiled comparison metric."""

    name: str
    comparison: Comparison
    dry_run: bool
    queries: Mapping[str, QueryTemplate]
    window: RangeWindow | None
    path: str


@dataclass(frozen=True)
class KayentaPeer:
    """One ``mann-whitney`` metric of the run, as every member of the group measures it."""

    name: str
    candidate: QueryTemplate
    stable: QueryTemplate
    window: RangeWindow | None
    config: MannWhitneyConfig
    groups: tuple[str, ...]
    muted: bool


@dataclass(frozen=True)
class KayentaPlan:
    """The scoring of the run's ``mann-whitney`` metrics (template ``spec.kayenta``)."""

    pass_score: float
    marginal_score: float
    weights: Mapping[str, float]
    peers: tuple[KayentaPeer, ...]


@dataclass(frozen=True)
class ComparisonPlan:
    """How one comparison metric is judged."""

    method: str
    config: JudgeConfig
    alpha: float | None
    """Level of the metric's deterioration test; None for ``mann-whitney``."""
    budget_note: str
    """Where `alpha` comes from, for the measurement's metadata."""
    expected_weight: float | None = None
    """The candidate's expected share of events (0–1) for the sample-ratio check."""
    min_samples: int | None = None
    kayenta: KayentaPlan | None = field(default=None, repr=False)


def plan_run(
    inputs: Sequence[PlanInput], *, kayenta: KayentaScoring | None, args: Args
) -> dict[str, ComparisonPlan]:
    """A plan for every comparison metric of one run, keyed by metric name.

    Raises:
        SpecError: effect sizes that contradict each other, a traffic split that is not a
            percentage, options that the metric's method does not have.
    """
    shares = _shares(inputs)
    peers = tuple(_peer(i) for i in inputs if i.comparison.method == "mann-whitney")
    scoring = kayenta or KayentaScoring()
    group = KayentaPlan(
        scoring.pass_score, scoring.marginal_score, dict(scoring.group_weights), peers
    )
    plans: dict[str, ComparisonPlan] = {}
    for item in inputs:
        comp = item.comparison
        _check_options(item)
        alpha, note = shares.get(item.name, (None, "mann-whitney spends no budget"))
        weight = _weight(item, args) if comp.traffic_split else None
        plans[item.name] = ComparisonPlan(
            method=comp.method,
            config=_config(item, alpha=alpha),
            alpha=alpha,
            budget_note=note,
            expected_weight=weight,
            min_samples=comp.min_samples,
            kayenta=group if comp.method == "mann-whitney" else None,
        )
    return plans


def _tests(comparison: Comparison) -> int:
    split = comparison.traffic_split
    return 2 if split is not None and split.fail_on_mismatch else 1


def _shares(inputs: Sequence[PlanInput]) -> dict[str, tuple[float, str]]:
    """metric → (alpha of each of its tests, the rule that gave it)."""
    sequential = [i for i in inputs if i.comparison.method in SEQUENTIAL]
    k = sum(
        _tests(i.comparison) for i in sequential if i.comparison.alpha is None and not i.dry_run
    )
    out: dict[str, tuple[float, str]] = {}
    for item in sequential:
        tests = _tests(item.comparison)
        if item.comparison.alpha is not None:
            out[item.name] = (item.comparison.alpha / tests, "comparison.alpha of this metric")
            continue
        pool = k + tests if item.dry_run else k
        alpha = DEFAULT_ALPHA / pool
        out[item.name] = (alpha, f"run budget {DEFAULT_ALPHA:g} shared by {pool} test(s)")
    return out


def _check_options(item: PlanInput) -> None:
    comp = item.comparison
    if comp.kayenta is not None and comp.method != "mann-whitney":
        raise SpecError(
            f"kayenta options apply to method mann-whitney, not {comp.method}",
            path=f"{item.path}.comparison.kayenta",
        )
    if comp.traffic_split is not None and comp.method != "sequential-counts":
        raise SpecError(
            f"only sequential-counts checks the traffic split, not {comp.method}",
            path=f"{item.path}.comparison.trafficSplit",
        )


def _weight(item: PlanInput, args: Args) -> float:
    split = item.comparison.traffic_split
    assert split is not None
    path = f"{item.path}.comparison.trafficSplit.expectedWeight"
    raw = split.expected_weight
    text = raw if isinstance(raw, str) else str(raw)
    text = render_field(text, args=args, path=path).text.strip()
    try:
        percent = float(text)
    except ValueError:
        raise SpecError(f"expected a percentage, got {text!r}", path=path) from None
    if not 0.0 < percent < 100.0:
        raise SpecError(f"must be between 0 and 100 (exclusive), got {text}", path=path)
    return percent / 100.0


def _config(item: PlanInput, *, alpha: float | None) -> JudgeConfig:
    from analysis.judges.sequential_counts import CountsConfig  # noqa: PLC0415 (see top)
    from analysis.judges.sequential_latency import LatencyConfig  # noqa: PLC0415

    comp = item.comparison
    if comp.method == "mann-whitney":
        return _kayenta_config(comp)
    effect = _effect(comp.effect_size, path=f"{item.path}.comparison.effectSize")
    if comp.method == "sequential-latency":
        return LatencyConfig(direction=comp.direction, effect=effect, critical=comp.critical)
    split = comp.traffic_split
    fails = split is not None and split.fail_on_mismatch
    return CountsConfig(
        direction=comp.direction,
        effect=effect,
        critical=comp.critical,
        quantity=item.name if item.name.endswith("ratio") else f"{item.name} ratio",
        srm_alpha=alpha if fails and alpha is not None else SRM_REPORT_ALPHA,
        srm_fails=fails,
    )


def _effect(spec: EffectSpec, *, path: str) -> EffectSize:
    """The judges' effect sizes; unset values take the judges' defaults."""
    from analysis.judges.result import EffectSize  # noqa: PLC0415 (see top)

    default = EffectSize()
    try:
        return EffectSize(
            allowed_increase=spec.allowed_increase or default.allowed_increase,
            allowed_decrease=spec.allowed_decrease or default.allowed_decrease,
            critical_increase=spec.critical_increase or math.inf,
            critical_decrease=spec.critical_decrease or 0.0,
        )
    except ValueError as exc:
        raise SpecError(str(exc).replace("_", " "), path=path) from None


def _kayenta_config(comp: Comparison) -> MannWhitneyConfig:
    """Kayenta's defaults where unset: allowed ratios 1.0 (0.5 for cles), critical 1.0."""
    from analysis.judges.kayenta.classifier import ClassifierParams  # noqa: PLC0415 (see top)
    from analysis.judges.kayenta.judge import MannWhitneyConfig  # noqa: PLC0415

    es = comp.effect_size
    allowed = 0.5 if es.measure == "cles" else 1.0
    options = comp.kayenta
    params = ClassifierParams(
        allowed_decrease=es.allowed_decrease or allowed,
        allowed_increase=es.allowed_increase or allowed,
        critical_decrease=es.critical_decrease or 1.0,
        critical_increase=es.critical_increase or 1.0,
        measure=es.measure,
    )
    if options is None:
        return MannWhitneyConfig(direction=comp.direction, params=params, critical=comp.critical)
    return MannWhitneyConfig(
        direction=comp.direction,
        params=params,
        nan_strategy=options.nan_strategy,
        outlier_strategy=options.outlier_strategy,
        outlier_factor=options.outlier_factor,
        critical=comp.critical,
        must_have_data=options.must_have_data,
    )


def _peer(item: PlanInput) -> KayentaPeer:
    options = item.comparison.kayenta
    groups = tuple(options.groups) if options and options.groups else (item.name,)
    return KayentaPeer(
        name=item.name,
        candidate=item.queries["candidate.query"],
        stable=item.queries["stable.query"],
        window=item.window,
        config=_kayenta_config(item.comparison),
        groups=groups,
        muted=item.dry_run or bool(options and options.muted),
    )
