"""Plain-text views of plans and simulations, for ``rollout-engine plan`` and the demo.

Plain aligned columns rather than boxes: the output is the same on a
terminal, in a pipe and in the README, and greps well.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from rollout_engine.api.convert import Conversion, convert, source_of
from rollout_engine.api.durations import format_duration
from rollout_engine.api.rollout import Rollout
from rollout_engine.api.routing import RouteMatch
from rollout_engine.errors import SpecError
from rollout_engine.lint.loader import load_documents
from strategies import MatchRoute, Plan, PlanStep, build_plan, service_names
from strategies.simulate import SimFrame, simulate

__all__ = ["Loaded", "load_rollouts", "plan_lines", "simulation_lines", "table"]

DEFAULT_REPLICAS = 4


@dataclass(frozen=True)
class Loaded:
    """One Rollout found in a file (ours, or a peer's converted), or why it could not be read."""

    where: str
    rollout: Rollout | None = None
    conversion: Conversion | None = None
    replicas: int | None = None
    error: str | None = None


def load_rollouts(path: Path) -> list[Loaded]:
    """Every Rollout (or Argo Rollout / Flagger Canary) in `path`, with replicas when known."""
    documents, findings = load_documents(path, display=str(path))
    if findings:
        return [Loaded(str(path), error=f.render()) for f in findings]
    bodies = [d for d in documents if isinstance(d.body, dict)]
    replicas = {
        (b.body.get("metadata") or {}).get("name"): (b.body.get("spec") or {}).get("replicas")
        for b in bodies
        if b.body.get("kind") == "Deployment"
    }
    out = []
    for doc in bodies:
        where = f"{path}#{doc.index}"
        if source_of(doc.body) is not None:
            out.append(_converted(doc.body, where))
        elif doc.body.get("kind") == "Rollout":
            out.append(_ours(doc.body, where, replicas))
    return out


def _ours(body: dict[str, Any], where: str, replicas: dict[Any, Any]) -> Loaded:
    try:
        rollout = Rollout.model_validate(body)
    except ValueError as exc:
        first = str(exc).splitlines()
        return Loaded(where, error=f"not a valid Rollout: {' '.join(first[:3])}")
    count = replicas.get(rollout.spec.workload_ref.name)
    return Loaded(where, rollout=rollout, replicas=count if isinstance(count, int) else None)


def _converted(body: dict[str, Any], where: str) -> Loaded:
    try:
        conversion = convert(body)
    except SpecError as exc:
        return Loaded(where, error=f"cannot convert: {exc}")
    count = (body.get("spec") or {}).get("replicas")
    replicas = count if isinstance(count, int) and count > 0 else None
    return Loaded(where, rollout=conversion.rollout, conversion=conversion, replicas=replicas)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], indent: str = "  ") -> list[str]:
    """Aligned columns; the last column is not padded."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    lines = []
    for row in [headers, *rows]:
        cells = [str(c).ljust(w) for c, w in zip(row[:-1], widths, strict=False)] + [str(row[-1])]
        lines.append((indent + "  ".join(cells)).rstrip())
    return lines


def plan_lines(loaded: Loaded) -> list[str]:
    """The title, conversion notes and step table of one Rollout."""
    rollout = loaded.rollout
    assert rollout is not None
    plan = build_plan(rollout)
    meta = rollout.metadata
    name = f"{meta.namespace}/{meta.name}" if meta.namespace else meta.name
    lines = [f"Rollout {name} ({plan.strategy}) — {loaded.where}"]
    if loaded.conversion is not None:
        notes = loaded.conversion.notes
        lines.append(f"  converted from {loaded.conversion.source}; {len(notes)} note(s):")
        lines += [f"    {n.render()}" for n in notes]
    lines.append(f"  router: {_router(rollout)}")
    if plan.background is not None:
        bg = plan.background
        lines.append(
            f"  background analysis: {bg.analysis.template_names}, from step {bg.starting_step}"
        )
    rows = [_row(plan, s) for s in plan.steps]
    weight = "100% (active)" if plan.strategy == "blueGreen" else "100%"
    rows.append(["-", "promote", weight, "-", _promotion_gate(plan), "-"])
    lines += table(["step", "action", "weight", "matches", "analysis", "pause"], rows)
    lines.append("  " + _PROMOTE[plan.strategy])
    return lines


_PROMOTE = {
    "canary": "promote: all traffic to the candidate once every pod is ready, the stable "
    "updated to it, traffic back to the stable",
    "abTest": "promote: all traffic to the candidate once every pod is ready, the stable "
    "updated to it, traffic back to the stable",
    "blueGreen": "promote: after scaleDownDelaySeconds the stable is updated to the candidate "
    "and the active Service returns to it",
}


def _router(rollout: Rollout) -> str:
    strategy = rollout.spec.strategy
    if strategy.blue_green is not None:
        return "Services (blue/green switches selectors)"
    routed = strategy.canary or strategy.ab_test
    routing = routed.traffic_routing if routed is not None else None
    return routing.router_type if routing is not None else "none declared"


def _row(plan: Plan, step: PlanStep) -> list[str]:
    weight = f"{step.weight}%"
    if plan.strategy == "blueGreen":
        switched = any(s.action == "switch" for s in plan.steps[: step.index + 1])
        weight = "100% (active)" if switched else "0% (preview)"
    analysis = step.analysis.template_names if step.analysis is not None else "-"
    return [str(step.index), step.action, weight, _matches(step.routes), analysis, _pause(step)]


def _pause(step: PlanStep) -> str:
    if step.length is not None:
        runs = format_duration(step.length)
        return f"runs {runs}" + (f" ({step.iterations} intervals)" if step.iterations else "")
    if step.pause is None:
        return "-"
    duration = step.pause.duration
    return format_duration(duration) if duration is not None else "until promoted"


def _promotion_gate(plan: Plan) -> str:
    return "background verdict" if plan.background is not None else "-"


def _matches(routes: Sequence[MatchRoute]) -> str:
    if not routes:
        return "-"
    return "; ".join(f"{r.name}: " + " | ".join(_match(m) for m in r.matches) for r in routes)


def _match(match: RouteMatch) -> str:
    if match.cookie_name is not None:
        return f"cookie {match.cookie_name}={match.cookie_value or 'always'}"
    value = match.header_value
    assert value is not None
    if value.exact is not None:
        return f"{match.header_name}={value.exact}"
    if value.prefix is not None:
        return f"{match.header_name}^={value.prefix}"
    return f"{match.header_name}~{value.regex}"


def simulation_lines(rollout: Rollout, *, replicas: int) -> list[str]:
    """The simulated walk: each desired traffic state and what caused it."""
    frames = simulate(rollout, replicas=replicas)
    lines = [
        f"  simulation: {replicas} replicas, pods ready at once, every verdict Successful, "
        "a person promotes where the plan waits"
    ]
    active = service_names(rollout).active
    rows = [_frame_row(f, active) for f in frames]
    headers = [
        "t",
        "step",
        "phase",
        "traffic",
        "stable/candidate pods",
        "analyses",
        "what happened",
    ]
    lines += table(headers, rows)
    return lines


def _frame_row(frame: SimFrame, active: str | None) -> list[str]:
    desired = frame.desired
    if desired.traffic is not None:
        traffic = f"candidate {desired.traffic.canary_weight}%"
        if desired.traffic.routes:
            traffic += " + " + ", ".join(r.name for r in desired.traffic.routes)
    elif active is not None:
        slot = next((s.slot for s in desired.services if s.name == active), "stable")
        traffic = f"{active} → {slot}"
    else:
        traffic = "-"
    pods = f"{desired.stable.replicas}/{desired.candidate.replicas}"
    runs = ", ".join(a.name for a in desired.analyses) or "-"
    happened = "; ".join([*frame.events, *([frame.note] if frame.note else [])]) or "-"
    step = "-" if frame.step is None else str(frame.step)
    return [_clock(frame.at), step, frame.phase, traffic, pods, runs, happened]


def _clock(at: timedelta) -> str:
    return "+" + format_duration(at)


def iter_errors(loaded: Sequence[Loaded]) -> Iterator[str]:
    """The problems found while loading."""
    for item in loaded:
        if item.error is not None:
            yield f"error: {item.where}: {item.error}"
