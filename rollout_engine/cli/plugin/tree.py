"""``get``: one Rollout as a rich tree, the on-call engineer's view.

Top to bottom it answers: where is it and why (phase, message), what runs
(stable and candidate: revision, Deployment, images, ready pods), where
traffic goes, which step it is at, what the analysis measured and decided
(each metric's latest value or estimate with its bounds and sample sizes,
and the reason), who asked for what, and the conditions. Colours are for
terminals only; in a pipe the same text prints plain.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from rich.tree import Tree

from rollout_engine.cli.plugin.table import human_duration, weight_text
from rollout_engine.cli.plugin.views import (
    MeasurementView,
    MetricView,
    RolloutView,
    RunView,
    StepView,
    VersionView,
)

__all__ = ["rollout_tree"]

_PHASE_STYLE = {
    "Healthy": "green",
    "Successful": "green",
    "Progressing": "blue",
    "Running": "blue",
    "Paused": "yellow",
    "Inconclusive": "yellow",
    "Pending": "dim",
    "Degraded": "red",
    "Failed": "red",
    "Error": "red",
}
_MARK = {"done": "✔", "current": "▶", "aborted": "✘", "pending": "○", "idle": "·"}


def _phase(phase: str | None) -> Text:
    return Text(phase or "unknown", style=_PHASE_STYLE.get(phase or "", "bold"))


def _ago(at: datetime | None, now: datetime) -> str:
    return f"{human_duration(now - at)} ago" if at is not None else ""


def _version(v: VersionView, *, width: int) -> Text:
    line = Text(f"{v.role:<10} ", style="bold")
    line.append(f"{v.revision or '-':<10} ")
    line.append(f"{v.deployment:<{width}}  ")
    if v.error is not None:
        line.append(f"({v.error})", style="red")
        return line
    line.append(", ".join(f"{i.container}={i.image}" for i in v.images) or "no containers")
    line.append(f"  {v.ready}/{v.replicas} ready")
    return line


def _step(step: StepView) -> Text:
    style = {"current": "bold", "aborted": "bold red", "pending": "dim"}.get(step.state, "")
    line = Text(f"{_MARK[step.state]} {step.index} {step.label}", style=style)
    if step.state == "current":
        line.append("   ← now", style="bold cyan")
    if step.state == "aborted":
        line.append("   ← aborted here", style="bold red")
    return line


def _number(x: float) -> str:
    return f"{x:.4g}"


def _measurement(m: MeasurementView, now: datetime) -> Text:
    line = Text("latest ")
    line.append_text(_phase(m.phase))
    if m.estimate is not None:
        line.append(f"  {m.statistic or 'estimate'} {_number(m.estimate)}")
        if m.lower is not None or m.upper is not None:
            lo = _number(m.lower) if m.lower is not None else "-∞"
            hi = _number(m.upper) if m.upper is not None else "∞"
            level = f" {m.confidence:.0%}" if m.confidence is not None else ""
            line.append(f" [{lo}–{hi}]{level}")
    elif m.value is not None:
        line.append(f"  value {m.value}")
    if m.candidate_samples is not None or m.stable_samples is not None:
        line.append(f"  n={m.candidate_samples or 0}/{m.stable_samples or 0}")
    if m.p_value is not None:
        line.append(f"  p={_number(m.p_value)}")
    if m.at is not None:
        line.append(f"  {_ago(m.at, now)}", style="dim")
    if m.message:
        line.append(f"\n{m.message}", style="italic")
    return line


def _counts(metric: MetricView) -> str:
    parts = [
        f"{n} {word}"
        for n, word in (
            (metric.successful, "successful"),
            (metric.failed, "failed"),
            (metric.inconclusive, "inconclusive"),
            (metric.error, "error"),
        )
        if n
    ]
    return f"{metric.count} measured" + (f": {', '.join(parts)}" if parts else "")


def _metric(node: Tree, metric: MetricView, now: datetime, *, run_message: str | None) -> None:
    line = Text(f"{metric.name}  ", style="bold")
    line.append_text(_phase(metric.phase))
    line.append(f"  {_counts(metric)}" + ("  (dry run)" if metric.dry_run else ""))
    reason = metric.message if metric.phase not in ("Pending", "Running") else None
    if reason and reason not in (run_message or ""):  # NB: the run's verdict may quote it
        line.append(f"\n{reason}", style="italic")
    branch = node.add(line)
    if metric.latest is not None:
        branch.add(_measurement(metric.latest, now))


def _run(node: Tree, run: RunView, now: datetime) -> None:
    line = Text(f"{run.name} ", style="bold")
    line.append(f"({run.role})  ")
    if run.error is not None:
        node.add(line.append(run.error, style="red"))
        return
    line.append_text(_phase(run.phase))
    if run.started_at is not None:
        line.append(f"  started {_ago(run.started_at, now)}", style="dim")
    if run.message:
        line.append(f"\n{run.message}", style="italic")
    branch = node.add(line)
    for metric in run.metrics:
        _metric(branch, metric, now, run_message=run.message)


def _header(view: RolloutView) -> Text:
    title = Text(f"Rollout {view.namespace}/{view.name}  ", style="bold")
    title.append_text(_phase(view.phase))
    title.append(f"  {view.strategy}" + (f" via {view.router}" if view.router else ""))
    if view.message:
        title.append(f"\n{view.message}")
    return title


def _traffic(view: RolloutView) -> Text:
    if view.strategy == "blueGreen":
        active, preview = view.active_revision or "-", view.preview_revision or "-"
        return Text(f"Services  active → {active} · preview → {preview}")
    current, desired = view.current_weights, view.desired_weights
    if current is None and desired is None:
        return Text("Traffic  -")
    canary = weight_text(current.canary if current else None, desired.canary if desired else None)
    stable = weight_text(current.stable if current else None, desired.stable if desired else None)
    return Text(f"Traffic  candidate {canary} · stable {stable}")


def _tail(tree: Tree, view: RolloutView, now: datetime) -> None:
    if view.last_verdict is not None:
        v = view.last_verdict
        shown = any(r.name == v.run and r.message for r in view.analysis_runs)
        line = Text("Last verdict  ")
        line.append_text(_phase(v.phase))
        line.append(f"  {v.run}  {_ago(v.at, now)}")
        if v.message and not shown:  # NB: the run above already gives its reason
            line.append(f"\n{v.message}")
        tree.add(line)
    if view.intent is not None:
        i = view.intent
        where = f" at step {i.step}" if i.step is not None else ""
        who = f" by {i.requested_by}" if i.requested_by else ""
        state = "applied" if i.applied else "pending: the controller has not applied it yet"
        tree.add(f"Intent  {i.action}{where}{who} {_ago(i.requested_at, now)} ({state})")
    if view.conditions:
        text = " · ".join(f"{c.type}={c.status}" for c in view.conditions)
        tree.add(f"Conditions  {text}")


def rollout_tree(view: RolloutView, *, now: datetime) -> Tree:
    """The tree ``get`` prints."""
    tree = Tree(_header(view), guide_style="dim")
    versions = tree.add(Text("Revisions", style="bold"))
    width = max(len(view.stable.deployment), len(view.candidate.deployment))
    versions.add(_version(view.stable, width=width))
    versions.add(_version(view.candidate, width=width))
    tree.add(_traffic(view))
    if view.steps:
        steps = tree.add(Text("Steps", style="bold"))
        for step in view.steps:
            steps.add(_step(step))
    if view.analysis_runs:
        runs = tree.add(Text("Analysis", style="bold"))
        for run in view.analysis_runs:
            _run(runs, run, now)
    _tail(tree, view, now)
    return tree
