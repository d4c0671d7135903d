"""AnalysisRuns the engine asks for: built from templates, created once, adopted after a crash.

A run's name is the engine's deterministic ``<rollout>-<revision>-<step|bg|pre|post|ab>``,
so a controller that crashed after creating it gets 409 AlreadyExists on the
retry and adopts the run it made (checked by owner uid) instead of creating a
twin (reliability.md T1). The run's spec is frozen at creation: the metrics
of its templates, in order, and their arguments with the Rollout's values
filled in — ``podTemplateHashValue`` and ``fieldRef`` resolved now, Secret
references left as references and resolved at each measurement.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rollout_engine.api.analysisrun import AnalysisRunSpec
from rollout_engine.api.base import dump
from rollout_engine.api.kinds import GROUP_VERSION
from rollout_engine.api.rollout import Rollout
from rollout_engine.api.template import AnalysisTemplateSpec, Argument
from rollout_engine.controller.ownership import (
    REVISION_LABEL,
    our_labels,
    owned_by,
    owner_reference,
)
from rollout_engine.controller.writes import Writer
from rollout_engine.errors import Conflict, SpecError
from rollout_engine.kube import Objects, kind
from strategies import AnalysisRequest
from strategies.args import resolve_args

__all__ = ["ANALYSIS_KIND_LABEL", "build_run", "ensure_run", "template_ids"]

ANALYSIS_RUN = kind("AnalysisRun")
ANALYSIS_KIND_LABEL = "rollout-engine.io/analysis"
Obj = dict[str, Any]


def template_ids(request: AnalysisRequest) -> list[str]:
    """``Kind/name`` of each template the request names."""
    return [
        f"{'ClusterAnalysisTemplate' if t.cluster_scope else 'AnalysisTemplate'}/{t.template_name}"
        for t in request.templates
    ]


def build_run(
    request: AnalysisRequest,
    *,
    templates: Mapping[str, Obj],
    rollout: Rollout,
    raw: Obj,
    stable: str,
    candidate: str,
) -> Obj:
    """The AnalysisRun object for `request` (templates must all be present)."""
    specs = [
        AnalysisTemplateSpec.model_validate(templates[t]["spec"]) for t in template_ids(request)
    ]
    args = _run_args(specs, request, rollout=rollout, stable=stable, candidate=candidate)
    run_spec = AnalysisRunSpec(
        metrics=[m for s in specs for m in s.metrics],
        args=args,
        dry_run=[d for s in specs for d in s.dry_run],
        measurement_retention=[r for s in specs for r in s.measurement_retention],
    )
    meta = raw.get("metadata") or {}
    labels = {
        **our_labels(str(meta.get("name"))),
        REVISION_LABEL: candidate,
        ANALYSIS_KIND_LABEL: request.kind,
    }
    return {
        "apiVersion": GROUP_VERSION,
        "kind": "AnalysisRun",
        "metadata": {
            "name": request.name,
            "namespace": meta.get("namespace"),
            "labels": labels,
            "ownerReferences": [owner_reference(raw)],
        },
        "spec": dump(run_spec),
    }


def _run_args(
    specs: list[AnalysisTemplateSpec],
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


def ensure_run(writer: Writer, objects: Objects, body: Obj, *, owner: Obj) -> Obj:
    """Create the run; adopt it when it already exists and is ours.

    Raises:
        SpecError: a run of that name exists and belongs to someone else.
    """
    try:
        return writer.create(ANALYSIS_RUN, body)
    except Conflict as exc:
        if exc.reason != "AlreadyExists":
            raise
    meta = body["metadata"]
    existing = objects.get(ANALYSIS_RUN, name=meta["name"], namespace=meta["namespace"])
    if not owned_by(existing, owner):
        raise SpecError(
            f"AnalysisRun {meta['namespace']}/{meta['name']} exists and is not owned by this "
            "Rollout: delete it so the analysis can run"
        )
    return existing
