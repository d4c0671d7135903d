"""The run's report: one self-contained HTML file (plots inline as base64 PNG).

Layout, per run (the demo writes its scenarios one after the other in one
document): the verdict and why; the plan as it ran (steps, start times,
weights); the traffic plot (observed candidate share against the weight);
then one section per metric with its plot (candidate vs stable over time,
step boundaries, measurements, the decision point) and its measurement
table (time, value or estimate, bound, outcome, reason).

Sections and figures carry ``data-metric`` / ``data-plot`` attributes so a
test (or a script) can find them without parsing prose.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import datetime
from html import escape
from pathlib import Path

from rollout_engine.sandbox.plots import metric_png, traffic_png
from rollout_engine.sandbox.timeline import MeasurementRow, Timeline, TimelineSnapshot

__all__ = ["render_document", "render_html", "write_report"]

_TAIL = "</body></html>"

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 62em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.Successful, .Promoted { color: #1a7f1a; } .Failed, .RolledBack { color: #c62828; }
.Inconclusive { color: #6a3d9a; } .Error { color: #666; }
.verdict { font-size: 1.2em; padding: 0.6em; border: 2px solid #ccc; }
figure { margin: 0; } img { max-width: 100%; }
"""


def write_report(
    timelines: Timeline | TimelineSnapshot | Sequence[Timeline | TimelineSnapshot],
    path: Path,
    *,
    title: str = "rollout-engine demo",
) -> Path:
    """Render the report and write it to `path` (parents created); returns the path.

    One timeline gives one run's report; several (the demo's scenarios) give
    one document with a section per run, under `title`.
    """
    if isinstance(timelines, Timeline | TimelineSnapshot):
        html = render_html(_snapshot(timelines))
    else:
        html = render_document([_snapshot(t) for t in timelines], title=title)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path


def render_html(snapshot: TimelineSnapshot) -> str:
    """The whole report of one run as one HTML document."""
    return "\n".join([*_head(snapshot.title), *_run(snapshot, level=1), _TAIL]) + "\n"


def render_document(snapshots: Sequence[TimelineSnapshot], *, title: str) -> str:
    """Several runs in one document: a section per run, in order."""
    parts = [*_head(title), f"<h1>{escape(title)}</h1>"]
    for i, snapshot in enumerate(snapshots, start=1):
        parts += [f'<section class="run" data-run="{i}">', *_run(snapshot, level=2), "</section>"]
    return "\n".join([*parts, _TAIL]) + "\n"


def _snapshot(timeline: Timeline | TimelineSnapshot) -> TimelineSnapshot:
    return timeline.snapshot() if isinstance(timeline, Timeline) else timeline


def _head(title: str) -> list[str]:
    return [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>",
    ]


def _run(snapshot: TimelineSnapshot, *, level: int) -> list[str]:
    """One run: title, verdict, plan, traffic, then a section per metric."""
    h, sub = f"h{level}", f"h{level + 1}"
    parts = [
        f"<{h}>{escape(snapshot.title)}</{h}>",
        f"<p>Started {escape(snapshot.started_at.isoformat(timespec='seconds'))}"
        f"{_versions(snapshot)}.</p>",
        _verdict(snapshot),
        f"<{sub}>Plan as it ran</{sub}>",
        _steps_table(snapshot),
        f'<section class="traffic"><{sub}>Traffic</{sub}>',
        _figure(traffic_png(snapshot), "traffic", "observed candidate share against the weight"),
        "</section>",
    ]
    for series in snapshot.metrics:
        name = escape(series.name, quote=True)
        rows = [m for m in snapshot.measurements if m.metric == series.name]
        parts += [
            f'<section data-metric="{name}"><{sub}>Metric: {escape(series.name)}</{sub}>',
            _figure(metric_png(snapshot, series.name), "metric", f"{series.name}", metric=name),
            _measurements_table(snapshot, rows),
            "</section>",
        ]
    return parts


def _versions(snapshot: TimelineSnapshot) -> str:
    if not snapshot.versions:
        return ""
    named = ", ".join(f"{escape(t)} = {escape(v)}" for t, v in sorted(snapshot.versions.items()))
    return f"; {named}"


def _verdict(snapshot: TimelineSnapshot) -> str:
    verdict = snapshot.verdict
    if verdict is None:
        return '<p class="verdict">No verdict yet: the run did not finish.</p>'
    outcome = escape(verdict.outcome, quote=True)
    metric = f" (metric {escape(verdict.metric)})" if verdict.metric else ""
    return (
        f'<p class="verdict {outcome}" data-verdict="{outcome}">'
        f"<strong>{escape(verdict.outcome)}</strong> at {_seconds(snapshot, verdict.at)} s"
        f"{metric}: {escape(verdict.reason)}</p>"
    )


def _steps_table(snapshot: TimelineSnapshot) -> str:
    head = "<tr><th>#</th><th>started (s)</th><th>step</th><th>candidate</th><th>stable</th>"
    rows = [
        f"<tr><td class='num'>{s.index}</td><td class='num'>{_seconds(snapshot, s.at)}</td>"
        f"<td>{escape(s.description)}</td><td class='num'>{s.canary_weight}%</td>"
        f"<td class='num'>{s.stable_weight}%</td><td>{escape(', '.join(s.routes)) or '—'}</td></tr>"
        for s in snapshot.steps
    ]
    return f"<table class='steps'>{head}<th>routes</th></tr>{''.join(rows)}</table>"


def _measurements_table(snapshot: TimelineSnapshot, rows: list[MeasurementRow]) -> str:
    if not rows:
        return "<p>No measurement yet.</p>"
    head = (
        "<tr><th>time (s)</th><th>value / estimate</th><th>bound</th>"
        "<th>outcome</th><th>reason</th></tr>"
    )
    body = "".join(
        f"<tr><td class='num'>{_seconds(snapshot, m.at)}</td>"
        f"<td class='num'>{escape(m.shown_value())}</td><td>{escape(m.bound())}</td>"
        f"<td class='{escape(m.outcome, quote=True)}'>{escape(m.outcome)}</td>"
        f"<td>{escape(m.reason)}</td></tr>"
        for m in rows
    )
    return f"<table class='measurements'>{head}{body}</table>"


def _figure(png: bytes, kind: str, caption: str, *, metric: str | None = None) -> str:
    data = base64.b64encode(png).decode("ascii")
    attrs = f'data-plot="{kind}"' + (f' data-metric="{metric}"' if metric is not None else "")
    return (
        f'<figure {attrs}><img alt="{escape(caption, quote=True)}" '
        f'src="data:image/png;base64,{data}"><figcaption>{escape(caption)}</figcaption></figure>'
    )


def _seconds(snapshot: TimelineSnapshot, at: datetime) -> str:
    return f"{(at - snapshot.started_at).total_seconds():.1f}"
