"""The AnalysisRun a strategy asks for: its spec, built from the templates it names.

A run's spec is frozen at creation: the metrics of its templates, in order,
and their arguments with the Rollout's values filled in —
``podTemplateHashValue`` and ``fieldRef`` resolved now, Secret references
left as references and resolved at each measurement. The controller wraps
the spec in an AnalysisRun object; the sandbox keeps it in memory.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rollout_engine.api.analysisrun import AnalysisRunSpec
from rollout_engine.api.rollout import Rollout
from rollout_engine.api.template import AnalysisTemplateSpec, Argument
from strategies import AnalysisRequest, RunState
from strategies.args import resolve_args
from strategies.world import RunPhase

__all__ = ["run_spec", "run_state", "template_ids"]

_PHASES: tuple[RunPhase, ...] = ("Running", "Successful", "Failed", "Inconclusive", "Error")


def template_ids(request: AnalysisRequest) -> list[str]:
    """``Kind/name`` of each template the request names."""
    return [
        f"{'ClusterAnalysisTemplate' if t.cluster_scope else 'AnalysisTemplate'}/{t.template_name}"
        for t in request.templates
    ]


def run_spec(
    request: AnalysisRequest,
    *,
    templates: Mapping[str, AnalysisTemplateSpec],
    rollout: Rollout,
    stable: str,
    candidate: str,
) -> AnalysisRunSpec:
    """The spec of the run `request` asks for; `templates` maps every id of `template_ids`."""
    specs = [templates[t] for t in template_ids(request)]
    return AnalysisRunSpec(
        metrics=[m for s in specs for m in s.metrics],
        args=_run_args(specs, request, rollout=rollout, stable=stable, candidate=candidate),
        dry_run=[d for s in specs for d in s.dry_run],
        measurement_retention=[r for s in specs for r in s.measurement_retention],
    )


def run_state(phase: object, message: object) -> RunState:
    """What the strategy engine is told of a run: its phase (Pending until it has one)."""
    text = str(message or "")
    for known in _PHASES:
        if phase == known:
            return RunState(known, text)
    return RunState("Pending", text)


def _run_args(
    specs: Sequence[AnalysisTemplateSpec],
    request: AnalysisRequest,
    *,
    rollout: Rollout,
    stable: str,
    candidate: str,
) -> list[Argument]:
    """Every argument the templates declare, with the Rollout's values and resolvable sources."""
    declared: dict[str, Argument] = {}
    for spec in specs:
        for arg in spec.args:
            declared.setdefault(arg.name, arg)
    given = {a.name: a for a in request.args if a.value is not None or a.value_from is not None}
    chosen = [given.get(name, arg) for name, arg in declared.items()]
    return list(resolve_args(chosen, rollout=rollout, stable=stable, candidate=candidate))
