"""PNG plots of a run for the report, drawn with matplotlib's Agg canvas.

matplotlib is imported inside the functions: it is slow to import and only
the report needs it. The figures are built with ``Figure`` directly
(saved to PNG, matplotlib renders with Agg), never pyplot, so no GUI backend or global
figure state is involved (safe from any thread, no display needed).

Every plot shares the same time axis (seconds since the run started), the
step boundaries as dashed vertical lines annotated with the weights, and the
decision point as a solid line labelled with the verdict.
"""

from __future__ import annotations

import io
import itertools
from datetime import datetime
from typing import Any

from rollout_engine.sandbox.timeline import TimelineSnapshot

__all__ = ["metric_png", "traffic_png"]

COLOURS = {"stable": "#1f77b4", "candidate": "#ff7f0e"}
OUTCOME_COLOURS = {
    "Successful": "#2ca02c",
    "Failed": "#d62728",
    "Inconclusive": "#9467bd",
    "Error": "#7f7f7f",
    "Running": "#bcbd22",
}


def metric_png(snapshot: TimelineSnapshot, metric: str) -> bytes:
    """Candidate vs stable for `metric`, with steps, measurements and the decision."""
    series = snapshot.metric(metric)
    figure, axes = _figure()
    for track, points in sorted(series.series.items()):
        xs = [_seconds(snapshot, p.at) for p in points]
        label = _track_label(snapshot, track)
        axes.plot(xs, [p.value for p in points], marker=".", label=label, color=COLOURS.get(track))
    rows = [m for m in snapshot.measurements if m.metric == metric]
    for outcome in sorted({m.outcome for m in rows}):
        xs = [_seconds(snapshot, m.at) for m in rows if m.outcome == outcome]
        axes.scatter(
            xs,
            [0.96] * len(xs),
            transform=axes.get_xaxis_transform(),
            marker="v",
            color=OUTCOME_COLOURS.get(outcome, "black"),
            label=f"measurement: {outcome}",
            zorder=3,
        )
    axes.set_ylabel(f"{metric} ({series.unit})" if series.unit else metric)
    _decorate(axes, snapshot)
    return _png(figure)


def traffic_png(snapshot: TimelineSnapshot) -> bytes:
    """The candidate's observed share of requests per interval against its weight."""
    figure, axes = _figure()
    samples = snapshot.traffic
    xs, shares = [], []
    for before, after in itertools.pairwise(samples):
        total = sum(after.served.values()) - sum(before.served.values())
        if total > 0:
            gained = after.served.get("candidate", 0) - before.served.get("candidate", 0)
            xs.append(_seconds(snapshot, after.at))
            shares.append(100.0 * gained / total)
    axes.plot(xs, shares, marker=".", color=COLOURS["candidate"], label="observed candidate share")
    if snapshot.steps:
        step_xs = [_seconds(snapshot, s.at) for s in snapshot.steps]
        end = max([*step_xs, *xs, 0.0])
        weights = [s.canary_weight for s in snapshot.steps]
        axes.step([*step_xs, end], [*weights, weights[-1]], where="post", color="black",
                  linewidth=1, label="planned weight")  # fmt: skip
    axes.set_ylabel("candidate share (%)")
    axes.set_ylim(-5, 105)
    _decorate(axes, snapshot)
    return _png(figure)


def _figure() -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9.0, 3.2), dpi=100, layout="constrained")
    return figure, figure.add_subplot()


def _decorate(axes: Any, snapshot: TimelineSnapshot) -> None:
    for step in snapshot.steps:
        x = _seconds(snapshot, step.at)
        axes.axvline(x, color="grey", linestyle="--", linewidth=0.8)
        text = f"{step.canary_weight}%" + (" +" + ",".join(step.routes) if step.routes else "")
        axes.annotate(text, (x, 0.02), xycoords=("data", "axes fraction"), fontsize=7,
                      rotation=90, va="bottom", ha="right", color="grey")  # fmt: skip
    verdict = snapshot.verdict
    if verdict is not None:
        colour = "#2ca02c" if verdict.outcome.lower().startswith("promot") else "#d62728"
        x = _seconds(snapshot, verdict.at)
        axes.axvline(x, color=colour, linewidth=2, label=f"decision: {verdict.outcome}")
    axes.set_xlabel("seconds since start")
    axes.grid(True, alpha=0.3)
    if axes.get_legend_handles_labels()[0]:
        axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))


def _png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")  # NB: a bare Figure renders PNG with Agg
    return buffer.getvalue()


def _seconds(snapshot: TimelineSnapshot, at: datetime) -> float:
    return (at - snapshot.started_at).total_seconds()


def _track_label(snapshot: TimelineSnapshot, track: str) -> str:
    version = snapshot.versions.get(track)
    return f"{track} ({version})" if version else track
