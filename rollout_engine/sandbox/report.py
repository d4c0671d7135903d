"""The run's report: one self-contained HTML file (plots inline as base64 PNG).

Layout: the verdict and why; the plan as it ran (steps, start times,
weights); the traffic plot (observed candidate share against the weight);
then one section per metric with its plot (candidate vs stable over time,
step boundaries, measurements, the decision point) and its measurement
table (time, value or estimate, bound, outcome, reason).

Sections and figures carry ``data-metric`` / ``data-plot`` attributes so a
test (or a script) can find them without parsing prose.
"""

from __future__ import annotations

import base64
from datetime import datetime
from html import escape
from pathlib import Path

from rollout_engine.sandbox.plots import metric_png, traffic_png
from rollout_engine.sandbox.timeline import MeasurementRow, Timeline, TimelineSnapshot

__all__ = ["render_html", "write_report"]

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


def write_report(timeline: Timeline | TimelineSnapshot, path: Path) -> Path:
    """Render the report and write it to `path` (parents created); returns the path."""
    snapshot = timeline.snapshot() if isinstance(timeline, Timeline) else timeline
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(snapshot), encoding="utf-8")
    return path


def render_html(snapshot: TimelineSnapshot) -> str:
    """The whole report as one HTML document."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(snapshot.title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(snapshot.title)}</h1>",
        f"<p>Started {escape(snapshot.started_at.isoformat(timespec='seconds'))}"
        f"{_versions(snapshot)}.</p>",
        _verdict(snapshot),
        "<h2>Plan as it ran</h2>",
        _steps_table(snapshot),
        '<section id="traffic"><h2>Traffic</h2>',
        _figure(traffic_png(snapshot), "traffic", "observed candidate share against the weight"),
        "</section>",
    ]
    for series in snapshot.metrics:
        name = escape(series.name, quote=True)
        rows = [m for m in snapshot.measurements if m.metric == series.name]
        parts += [
            f'<section data-metric="{name}"><h2>Metric: {escape(series.name)}</h2>',
            _figure(metric_png(snapshot, series.name), "metric", f"{series.name}", metric=name),
            _measurements_table(snapshot, rows),
            "</section>",
        ]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


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
