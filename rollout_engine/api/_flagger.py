"""Flagger ``Canary`` → our Rollout spec (a dict, validated by the caller).

Flagger's plan is implicit: one tick per ``analysis.interval``, the weight
growing by ``stepWeight`` (or along ``stepWeights``) up to ``maxWeight``,
with its metrics checked at every tick. It becomes an explicit plan:
``setWeight w`` + ``pause interval`` per step, the metrics as a background
analysis. Strategy selection follows Flagger: ``match`` + ``iterations`` is
an A/B test, ``iterations`` alone blue/green, anything else a canary.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from rollout_engine.api._notes import Notes
from rollout_engine.errors import SpecError

__all__ = ["rollout_spec"]

Obj = dict[str, Any]

_COOKIE = re.compile(
    r"^\^\(\.\*\?;\)\?\((?P<name>[A-Za-z0-9_.-]+)=(?P<value>[A-Za-z0-9_.-]+)\)\(;\.\*\)\?\$$"
)
_BUILTIN = {"request-success-rate", "request-duration"}
_SPEC_KEYS = {"targetRef", "provider", "ingressRef", "progressDeadlineSeconds", "analysis",
              "canaryAnalysis", "service"}  # fmt: skip
_ANALYSIS_KEYS = {"interval", "iterations", "match", "metrics", "stepWeight", "stepWeights",
                  "maxWeight", "webhooks", "mirror"}  # fmt: skip
_ROUTERS = {"istio", "nginx"}
_WHY = {
    "threshold": "Flagger's budget of failed checks: use failureLimit in the AnalysisTemplates",
    "autoscalerRef": "the engine scales the candidate and the stable; point an HPA at the "
    "workload Deployment only",
    "skipAnalysis": "there is no way to skip analysis: promote --full does it for one rollout",
    "sessionAffinity": "cookie affinity is not supported",
    "mirrorWeight": "traffic mirroring is not supported",
    "revertOnDeletion": "deleting a Rollout leaves the router objects as they are",
    "suspend": "use kubectl rollout-engine pause",
}


def _unknown(body: Mapping[str, Any], known: set[str], path: str, notes: Notes) -> None:
    for key in sorted(set(body) - known):
        notes.drop(f"{path}.{key}", _WHY.get(key, "no equivalent in rollout-engine"))


def rollout_spec(body: Mapping[str, Any], notes: Notes) -> Obj:
    """The ``spec`` of our Rollout for a Flagger Canary."""
    spec = body.get("spec") or {}
    name = str((body.get("metadata") or {}).get("name", ""))
    _unknown(spec, _SPEC_KEYS, "spec", notes)
    key = "analysis" if "analysis" in spec else "canaryAnalysis"
    plan = spec.get(key) or {}
    path = f"spec.{key}"
    _unknown(plan, _ANALYSIS_KEYS, path, notes)
    target = _target(spec, name, notes)
    out: Obj = {"workloadRef": {"name": target}}
    if "progressDeadlineSeconds" in spec:
        out["progressDeadlineSeconds"] = spec["progressDeadlineSeconds"]
    if spec.get("service"):
        notes.approximate(
            "spec.service",
            "Flagger generates the Services and the VirtualService from this; rollout-engine "
            "creates the Services and shifts weights in a VirtualService you own",
        )
    metrics = _metrics(plan.get("metrics") or [], f"{path}.metrics", notes)
    gate = _webhooks(plan.get("webhooks") or [], f"{path}.webhooks", notes)
    if plan.get("match") and plan.get("iterations"):
        strategy = _ab_test(spec, plan, path=path, metrics=metrics, notes=notes, target=target)
        out["strategy"] = {"abTest": strategy}
    elif plan.get("iterations"):
        strategy = _blue_green(
            spec, plan, path=path, metrics=metrics, notes=notes, target=target, gate=gate
        )
        out["strategy"] = {"blueGreen": strategy}
    else:
        strategy = _canary(
            spec, plan, path=path, metrics=metrics, notes=notes, target=target, gate=gate
        )
        out["strategy"] = {"canary": strategy}
    return out


def _target(spec: Mapping[str, Any], name: str, notes: Notes) -> str:
    ref = spec.get("targetRef")
    if not ref:
        notes.assume("spec.targetRef", f"missing: assumed the Deployment {name}")
        return name
    if ref.get("kind", "Deployment") != "Deployment":
        raise SpecError(f"targetRef to a {ref.get('kind')} is not supported", path="spec.targetRef")
    return str(ref["name"])


def _metrics(metrics: list[Mapping[str, Any]], path: str, notes: Notes) -> Obj | None:
    templates, args = [], []
    for i, metric in enumerate(metrics):
        name = str(metric.get("name", ""))
        ref = metric.get("templateRef") or {}
        template = str(ref.get("name") or name)
        if not ref and name in _BUILTIN:
            notes.approximate(
                f"{path}[{i}]",
                f"builtin metric {name}: provide an AnalysisTemplate named {name} "
                "(Flagger computes it from the mesh's metrics)",
            )
        if "thresholdRange" in metric or "threshold" in metric:
            notes.approximate(
                f"{path}[{i}].thresholdRange",
                f"write the limits as successCondition in AnalysisTemplate {template}",
            )
        for var, value in sorted((metric.get("templateVariables") or {}).items()):
            args.append({"name": var, "value": str(value)})
        templates.append({"templateName": template})
    if not templates:
        return None
    return {"templates": templates, **({"args": args} if args else {})}


def _webhooks(hooks: list[Mapping[str, Any]], path: str, notes: Notes) -> bool:
    """Report every webhook; True when a confirm-promotion gate asks for a person."""
    gate = False
    for i, hook in enumerate(hooks):
        kind = hook.get("type", "rollout")
        if kind == "confirm-promotion":
            gate = True
            notes.approximate(
                f"{path}[{i}]",
                "confirm-promotion becomes a wait for a person (kubectl rollout-engine promote)",
            )
        else:
            notes.drop(
                f"{path}[{i}]", f"{kind} webhook {hook.get('name')!r}: webhooks are not supported"
            )
    return gate


def _routing(spec: Mapping[str, Any], notes: Notes, target: str) -> Obj | None:
    provider = spec.get("provider")
    if provider is None:
        provider = "nginx" if spec.get("ingressRef") else "istio"
        why = "it has an ingressRef" if spec.get("ingressRef") else "Flagger's default mesh"
        notes.assume("spec.provider", f"not set: assumed {provider} ({why})")
    if provider not in _ROUTERS:
        notes.drop("spec.provider", f"{provider} is not supported (istio or nginx)")
        return None
    if provider == "nginx":
        ingress = (spec.get("ingressRef") or {}).get("name")
        if not ingress:
            notes.assume("spec.ingressRef", f"missing: assumed the Ingress {target}")
        return {"nginx": {"stableIngress": ingress or target}}
    service = (spec.get("service") or {}).get("name") or target
    return {"istio": {"virtualService": {"name": service}}}


def _services(spec: Mapping[str, Any], target: str) -> Obj:
    service = (spec.get("service") or {}).get("name")
    if not service or service == target:
        return {}
    return {"stableService": f"{service}-primary", "canaryService": f"{service}-canary"}


def _weights(plan: Mapping[str, Any], path: str, notes: Notes) -> list[int]:
    max_weight = int(plan.get("maxWeight", 100))
    if plan.get("stepWeights"):
        return [min(int(w), 100) for w in plan["stepWeights"]]
    step = plan.get("stepWeight")
    if not step:
        notes.assume(f"{path}.stepWeight", "missing: assumed 10")
        step = 10
    weights = list(range(int(step), max_weight, int(step)))
    last = (weights[-1] if weights else 0) + int(step)
    if last > max_weight:
        notes.approximate(
            f"{path}.maxWeight",
            f"Flagger's last step reaches {last}%; rollout-engine stops at maxWeight {max_weight}%",
        )
    return [*weights, max_weight]


def _canary(
    spec: Mapping[str, Any],
    plan: Mapping[str, Any],
    *,
    path: str,
    metrics: Obj | None,
    notes: Notes,
    target: str,
    gate: bool,
) -> Obj:
    interval = str(plan.get("interval", "1m"))
    steps: list[Obj] = []
    for weight in _weights(plan, path, notes):
        steps += [{"setWeight": weight}, {"pause": {"duration": interval}}]
    if gate:
        steps.append({"pause": {}})
    out: Obj = {"steps": steps, **_services(spec, target)}
    weights = [s["setWeight"] for s in steps if "setWeight" in s]
    if weights:
        out["maxWeight"] = max(1, *weights)
    if metrics is not None:
        out["analysis"] = {**metrics, "startingStep": 0}
    routing = _routing(spec, notes, target)
    if routing is not None:
        out["trafficRouting"] = routing
    return out


def _ab_test(
    spec: Mapping[str, Any],
    plan: Mapping[str, Any],
    *,
    path: str,
    metrics: Obj | None,
    notes: Notes,
    target: str,
) -> Obj:
    out: Obj = {
        "match": _matches(plan["match"], f"{path}.match", notes),
        "iterations": int(plan["iterations"]),
        "interval": str(plan.get("interval", "1m")),
        **_services(spec, target),
    }
    if metrics is not None:
        out["analysis"] = metrics
    routing = _routing(spec, notes, target)
    if routing is not None:
        out["trafficRouting"] = routing
    return out


def _matches(entries: list[Mapping[str, Any]], path: str, notes: Notes) -> list[Obj]:
    out: list[Obj] = []
    for i, entry in enumerate(entries):
        for key in sorted(set(entry) - {"headers"}):
            notes.drop(f"{path}[{i}].{key}", "only header and cookie matches are supported")
        headers = sorted((entry.get("headers") or {}).items())
        for name, _ in headers[1:]:
            notes.drop(
                f"{path}[{i}].headers.{name}",
                "one header per match entry (entries are OR-ed; Flagger AND-ed the headers)",
            )
        if headers:
            name, value = headers[0]
            out.append(_match(name, value, path=f"{path}[{i}].headers", notes=notes))
    return out


def _match(name: str, value: Mapping[str, Any], *, path: str, notes: Notes) -> Obj:
    regex = value.get("regex")
    cookie = _COOKIE.match(regex) if name.lower() == "cookie" and regex else None
    if cookie is not None:
        return {"cookieName": cookie["name"], "cookieValue": cookie["value"]}
    if "suffix" in value:
        notes.approximate(f"{path}.{name}.suffix", "a suffix becomes a regex")
        return {"headerName": name, "headerValue": {"regex": f".*{re.escape(value['suffix'])}"}}
    kind = next((k for k in ("exact", "prefix", "regex") if k in value), None)
    if kind is None:
        raise SpecError(f"header {name} has no exact, prefix or regex value", path=f"{path}.{name}")
    return {"headerName": name, "headerValue": {kind: str(value[kind])}}


def _blue_green(
    spec: Mapping[str, Any],
    plan: Mapping[str, Any],
    *,
    path: str,
    metrics: Obj | None,
    notes: Notes,
    target: str,
    gate: bool,
) -> Obj:
    service = (spec.get("service") or {}).get("name") or target
    out: Obj = {
        "activeService": service,
        "previewService": f"{service}-canary",
        "autoPromotionEnabled": not gate,
    }
    iterations, interval = plan.get("iterations"), plan.get("interval", "1m")
    if metrics is not None:
        out["prePromotionAnalysis"] = metrics
        notes.approximate(
            f"{path}.iterations",
            f"{iterations} checks every {interval} before the switch: give the templates "
            f"count: {iterations} and interval: {interval}",
        )
    if plan.get("mirror"):
        notes.drop(f"{path}.mirror", "traffic mirroring is not supported")
    if spec.get("provider") not in (None, "kubernetes"):
        notes.approximate("spec.provider", "blue/green switches Services; no router is needed")
    return out
