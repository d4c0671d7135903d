"""AnalysisRuns the engine asks for: built from templates, created once, adopted after a crash.

A run's name is the engine's deterministic ``<rollout>-<revision>-<step|bg|pre|post|ab>``,
so a controller that crashed after creating it gets 409 AlreadyExists on the
retry and adopts the run it made (checked by owner uid) instead of creating a
twin (reliability.md T1). The run's spec is frozen at creation: the metrics
of its templates, in order, and their arguments with the Rollout's values
filled in — ``podTemplateHashValue`` and ``fieldRef`` resolved now, Secret
references left as references and resolved at each measurement
(``rollout_engine.engine.run_spec``, which the local sandbox uses too).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rollout_engine.api.base import dump
from rollout_engine.api.kinds import GROUP_VERSION
from rollout_engine.api.rollout import Rollout
from rollout_engine.api.template import AnalysisTemplateSpec
from rollout_engine.controller.ownership import (
    REVISION_LABEL,
    our_labels,
    owned_by,
    owner_reference,
)
from rollout_engine.controller.writes import Writer
from rollout_engine.engine import run_spec, template_ids
from rollout_engine.errors import Conflict, SpecError
from rollout_engine.kube import Objects, kind
from strategies import AnalysisRequest

__all__ = ["ANALYSIS_KIND_LABEL", "build_run", "ensure_run", "template_ids"]

ANALYSIS_RUN = kind("AnalysisRun")
ANALYSIS_KIND_LABEL = "rollout-engine.io/analysis"
Obj = dict[str, Any]


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
    specs = {
        ident: AnalysisTemplateSpec.model_validate(templates[ident]["spec"])
        for ident in template_ids(request)
    }
    spec = run_spec(request, templates=specs, rollout=rollout, stable=stable, candidate=candidate)
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
        "spec": dump(spec),
    }


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
