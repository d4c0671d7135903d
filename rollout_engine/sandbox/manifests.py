"""The Rollout the sandbox runs, and the templates it names, read from the manifests in Git.

The demo runs a Rollout from ``examples/sandbox/`` as written: the Rollout
comes from the strategy's file, its templates from every manifest of the
same directory (namespaced ones in the Rollout's namespace, cluster-scoped
ones anywhere), exactly as the controller would find them in a cluster.
A template the Rollout names and the directory lacks is an error here, at
load time, rather than a run that can never start.

:func:`scaled` is the one liberty the demo takes with a manifest (its
``--fast``): every duration of the Rollout and of its templates multiplied
by one factor, so the same plan and the same checks run in less time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from rollout_engine.api.durations import format_duration, parse_duration
from rollout_engine.api.rollout import Rollout
from rollout_engine.api.template import AnalysisTemplate, AnalysisTemplateSpec
from rollout_engine.api.template import ClusterAnalysisTemplate as ClusterTemplate
from rollout_engine.errors import SpecError
from rollout_engine.lint.loader import load_documents
from strategies import build_plan

__all__ = ["Manifests", "load_manifests", "scaled"]

M = TypeVar("M", Rollout, AnalysisTemplate, ClusterTemplate)


@dataclass(frozen=True)
class Manifests:
    """A Rollout and the templates it can reference, by ``Kind/name``."""

    path: Path
    rollout: Rollout
    templates: Mapping[str, AnalysisTemplateSpec]


def load_manifests(path: Path) -> Manifests:
    """The first Rollout of `path` and the templates of its directory.

    Raises:
        SpecError: unreadable YAML, no Rollout, an invalid resource, or a
            template the Rollout names that is not there.
    """
    bodies = _bodies(path)
    rollout = next((_model(Rollout, b, path) for b in bodies if b.get("kind") == "Rollout"), None)
    if rollout is None:
        raise SpecError(f"{path} holds no Rollout")
    namespace = rollout.metadata.namespace
    templates: dict[str, AnalysisTemplateSpec] = {}
    for other in sorted(path.parent.glob("*.yaml")):
        for body in _bodies(other):
            kind = body.get("kind")
            if kind == "AnalysisTemplate":
                found = _model(AnalysisTemplate, body, other)
                if found.metadata.namespace in (None, namespace):
                    templates[f"{kind}/{found.metadata.name}"] = found.spec
            elif kind == "ClusterAnalysisTemplate":
                cluster = _model(ClusterTemplate, body, other)
                templates[f"{kind}/{cluster.metadata.name}"] = cluster.spec
    _check_references(rollout, templates, path)
    build_plan(rollout)  # NB: a plan that cannot be built fails here, not mid-demo
    return Manifests(path=path, rollout=rollout, templates=templates)


def scaled(manifests: Manifests, factor: float) -> Manifests:
    """Every duration of the Rollout and its templates multiplied by `factor`."""
    if factor == 1.0:
        return manifests
    body = manifests.rollout.model_dump(by_alias=True, exclude_none=True)
    strategy = body["spec"]["strategy"]
    for step in (strategy.get("canary") or {}).get("steps", []):
        pause = step.get("pause")
        if pause is not None and pause.get("duration") is not None:
            pause["duration"] = _times(pause["duration"], factor)
    for name in ("canary", "blueGreen"):
        for key in ("scaleDownDelaySeconds", "autoPromotionSeconds", "abortScaleDownDelaySeconds"):
            if key in (strategy.get(name) or {}):
                strategy[name][key] = max(1, round(strategy[name][key] * factor))
    ab = strategy.get("abTest") or {}
    for key in ("duration", "interval"):
        if ab.get(key) is not None:
            ab[key] = _times(ab[key], factor)
    templates = {k: _scaled_template(v, factor) for k, v in manifests.templates.items()}
    return replace(manifests, rollout=Rollout.model_validate(body), templates=templates)


def _scaled_template(spec: AnalysisTemplateSpec, factor: float) -> AnalysisTemplateSpec:
    body = spec.model_dump(by_alias=True, exclude_none=True)
    for metric in body["metrics"]:
        for key in ("interval", "initialDelay"):
            if metric.get(key) is not None and "{{" not in str(metric[key]):
                metric[key] = _times(metric[key], factor)
    return AnalysisTemplateSpec.model_validate(body)


def _times(value: str | int, factor: float) -> str:
    seconds = parse_duration(value).total_seconds() * factor
    return format_duration(timedelta(seconds=seconds))


def _bodies(path: Path) -> list[dict[str, Any]]:
    documents, findings = load_documents(path, display=str(path))
    if findings:
        raise SpecError(findings[0].render())
    return [d.body for d in documents if isinstance(d.body, dict)]


def _model(model: type[M], body: dict[str, Any], path: Path) -> M:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise SpecError(f"{path}: not a valid {model.__name__}: {where}: {first['msg']}") from None


def _check_references(
    rollout: Rollout, templates: Mapping[str, AnalysisTemplateSpec], path: Path
) -> None:
    strategy = rollout.spec.strategy
    analyses = [
        a
        for a in (
            *(s.analysis for s in (strategy.canary.steps if strategy.canary else [])),
            strategy.canary.analysis if strategy.canary else None,
            strategy.blue_green.pre_promotion_analysis if strategy.blue_green else None,
            strategy.blue_green.post_promotion_analysis if strategy.blue_green else None,
            strategy.ab_test.analysis if strategy.ab_test else None,
        )
        if a is not None
    ]
    for analysis in analyses:
        for ref in analysis.templates:
            kind = "ClusterAnalysisTemplate" if ref.cluster_scope else "AnalysisTemplate"
            if f"{kind}/{ref.template_name}" not in templates:
                raise SpecError(f"{path}: {kind} {ref.template_name!r} is not in {path.parent}")
    routed = strategy.canary or strategy.ab_test
    if routed is not None and routed.traffic_routing is None:
        raise SpecError(
            f"{path}: set trafficRouting (istio or nginx): the sandbox applies its weights and "
            "matches to a local nginx either way"
        )
