"""Argo Rollouts ``Rollout`` → our Rollout spec (a dict, validated by the caller).

Our field names follow Argo's, so most of the canary and blue/green
strategies carry over as they are; the work here is reporting the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rollout_engine.api._notes import Notes
from rollout_engine.errors import SpecError

__all__ = ["analysis", "rollout_spec"]

Obj = dict[str, Any]

_SPEC_KEYS = {"workloadRef", "strategy", "revisionHistoryLimit", "progressDeadlineSeconds",
              "progressDeadlineAbort", "paused", "template", "replicas", "selector"}  # fmt: skip
_CANARY_KEYS = {"canaryService", "stableService", "steps", "analysis", "trafficRouting",
                "scaleDownDelaySeconds", "abortScaleDownDelaySeconds"}  # fmt: skip
_BLUE_GREEN_KEYS = {"activeService", "previewService", "autoPromotionEnabled",
                    "autoPromotionSeconds", "scaleDownDelaySeconds", "previewReplicaCount",
                    "prePromotionAnalysis", "postPromotionAnalysis"}  # fmt: skip
_STEP_ACTIONS = {"setWeight", "pause", "analysis", "setHeaderRoute"}
_ANALYSIS_KEYS = {"templates", "args", "templateName", "startingStep"}


def rollout_spec(body: Mapping[str, Any], notes: Notes) -> Obj:
    """The ``spec`` of our Rollout for an Argo Rollout."""
    spec = body.get("spec") or {}
    name = str((body.get("metadata") or {}).get("name", ""))
    notes.unknown(spec, _SPEC_KEYS, "spec")
    out: Obj = {"workloadRef": _workload(spec, name, notes)}
    for key in (
        "revisionHistoryLimit",
        "progressDeadlineSeconds",
        "progressDeadlineAbort",
        "paused",
    ):
        if key in spec:
            out[key] = spec[key]
    for key in ("replicas", "selector"):
        if key in spec:
            notes.drop(f"spec.{key}", "the referenced Deployment holds replicas and selector")
    strategy = spec.get("strategy") or {}
    if "canary" in strategy:
        out["strategy"] = {"canary": _canary(strategy["canary"] or {}, notes)}
    elif "blueGreen" in strategy:
        out["strategy"] = {"blueGreen": _blue_green(strategy["blueGreen"] or {}, notes)}
    else:
        raise SpecError(
            "the Rollout has neither a canary nor a blueGreen strategy", path="spec.strategy"
        )
    return out


def _workload(spec: Mapping[str, Any], name: str, notes: Notes) -> Obj:
    ref = spec.get("workloadRef")
    if ref:
        if ref.get("kind", "Deployment") != "Deployment":
            raise SpecError(
                f"workloadRef to a {ref.get('kind')} is not supported", path="spec.workloadRef"
            )
        return {"name": ref["name"]}
    notes.approximate(
        "spec.template",
        f"rollout-engine rolls out a Deployment: move this pod template into a Deployment "
        f"named {name} (referenced by workloadRef)",
    )
    return {"name": name}


def analysis(source: Mapping[str, Any], path: str, notes: Notes) -> Obj:
    """An Argo RolloutAnalysis (templates and args), legacy ``templateName`` migrated."""
    notes.unknown(source, _ANALYSIS_KEYS, path)
    templates = [
        {k: t[k] for k in ("templateName", "clusterScope") if k in t}
        for t in source.get("templates") or []
    ]
    if source.get("templateName"):
        notes.approximate(
            f"{path}.templateName",
            "the pre-v0.9 single templateName form is written templates: [{templateName: …}]",
        )
        templates.append({"templateName": source["templateName"]})
    out: Obj = {"templates": templates}
    if source.get("args"):
        out["args"] = [dict(a) for a in source["args"]]
    return out


def _canary(canary: Mapping[str, Any], notes: Notes) -> Obj:
    path = "spec.strategy.canary"
    notes.unknown(canary, _CANARY_KEYS, path)
    out: Obj = {k: canary[k] for k in ("canaryService", "stableService") if k in canary}
    for key in ("scaleDownDelaySeconds", "abortScaleDownDelaySeconds"):
        if key in canary:
            out[key] = canary[key]
    steps = []
    for i, step in enumerate(canary.get("steps") or []):
        converted = _step(step, f"{path}.steps[{i}]", notes)
        if converted is not None:
            steps.append(converted)
    out["steps"] = steps
    if canary.get("analysis"):
        background = analysis(canary["analysis"], f"{path}.analysis", notes)
        if "startingStep" in canary["analysis"]:
            background["startingStep"] = canary["analysis"]["startingStep"]
        out["analysis"] = background
    routing = _routing(canary.get("trafficRouting"), f"{path}.trafficRouting", notes)
    if routing is not None:
        out["trafficRouting"] = routing
    return out


def _step(step: Mapping[str, Any], path: str, notes: Notes) -> Obj | None:
    for action in sorted(set(step) - _STEP_ACTIONS):
        message = {
            "experiment": "experiments have no equivalent; compare candidate and stable with a "
            "comparison metric instead",
            "setMirrorRoute": "mirror routes are not supported",
            "setCanaryScale": "replicas follow the weight (capacity first)",
        }.get(action, "no equivalent in rollout-engine")
        notes.drop(f"{path}.{action}", message)
    if "analysis" in step:
        return {"analysis": analysis(step["analysis"] or {}, f"{path}.analysis", notes)}
    kept = {k: step[k] for k in ("setWeight", "pause", "setHeaderRoute") if k in step}
    return {**kept, "pause": kept["pause"] or {}} if "pause" in kept else kept or None


def _routing(routing: Mapping[str, Any] | None, path: str, notes: Notes) -> Obj | None:
    if not routing:
        notes.assume(path, "no trafficRouting: add istio or nginx before applying")
        return None
    out: Obj = {}
    if routing.get("managedRoutes"):
        out["managedRoutes"] = [{"name": r["name"]} for r in routing["managedRoutes"]]
    if routing.get("istio"):
        out["istio"] = _istio(routing["istio"], f"{path}.istio", notes)
    elif routing.get("nginx"):
        out["nginx"] = _nginx(routing["nginx"], f"{path}.nginx", notes)
    notes.unknown(routing, {"managedRoutes", "istio", "nginx"}, path)
    if "istio" not in out and "nginx" not in out:
        return None
    return out


def _istio(istio: Mapping[str, Any], path: str, notes: Notes) -> Obj:
    out: Obj = {}
    refs: list[tuple[str, Mapping[str, Any]]] = []
    if istio.get("virtualService"):
        refs.append(("virtualService", istio["virtualService"]))
    refs += [(f"virtualServices[{i}]", v) for i, v in enumerate(istio.get("virtualServices") or [])]
    converted = []
    for where, ref in refs:
        for key in ("tlsRoutes", "tcpRoutes"):
            if ref.get(key):
                notes.drop(f"{path}.{where}.{key}", "only HTTP routes are shifted")
        converted.append({"name": ref["name"], "routes": list(ref.get("routes") or [])})
    if istio.get("virtualService"):
        out["virtualService"] = converted[0]
    else:
        out["virtualServices"] = converted
    if istio.get("destinationRule"):
        rule = istio["destinationRule"]
        keys = ("name", "canarySubsetName", "stableSubsetName")
        out["destinationRule"] = {k: rule[k] for k in keys if k in rule}
    return out


def _nginx(nginx: Mapping[str, Any], path: str, notes: Notes) -> Obj:
    keys = ("stableIngress", "annotationPrefix", "additionalIngressAnnotations",
            "canaryIngressAnnotations")  # fmt: skip
    out = {k: nginx[k] for k in keys if k in nginx}
    if nginx.get("stableIngresses"):
        notes.drop(f"{path}.stableIngresses", "one stable Ingress per Rollout")
        out.setdefault("stableIngress", nginx["stableIngresses"][0])
    return out


def _blue_green(bg: Mapping[str, Any], notes: Notes) -> Obj:
    path = "spec.strategy.blueGreen"
    notes.unknown(bg, _BLUE_GREEN_KEYS, path)
    out = {k: bg[k] for k in _BLUE_GREEN_KEYS if k in bg and "Analysis" not in k}
    for key in ("prePromotionAnalysis", "postPromotionAnalysis"):
        if bg.get(key):
            out[key] = analysis(bg[key], f"{path}.{key}", notes)
    return out
