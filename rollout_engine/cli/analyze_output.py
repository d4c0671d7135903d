"""How ``rollout-engine analyze`` shows a replay: a table for people, JSON for machines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from analysis.replay import Replay
from rollout_engine.api.base import dump
from rollout_engine.api.durations import format_duration

__all__ = ["EXIT_CODES", "render_table", "to_json"]

EXIT_CODES = {"Successful": 0, "Failed": 1, "Inconclusive": 2, "Error": 3}
_NOT_SHOWN = frozenset({"measurements", "state"})  # every measurement is listed; state is opaque


def to_json(replay: Replay, *, template: str, start: datetime, end: datetime) -> dict[str, Any]:
    """Every measurement, each metric's verdict and the run's verdict with its time."""
    status = replay.status
    return {
        "template": template,
        "window": {"start": _stamp(start), "end": _stamp(end)},
        "verdict": {
            "phase": status.phase,
            "at": _stamp(status.completed_at) if status.completed_at else None,
            "elapsed": _elapsed(status.completed_at, start),
            "message": status.message,
        },
        "metrics": [
            {k: v for k, v in dump(r).items() if k not in _NOT_SHOWN} for r in status.metric_results
        ],
        "measurements": [
            {
                "metric": s.metric,
                "elapsed": _elapsed(s.measurement.started_at, start),
                **dump(s.measurement),
            }
            for s in replay.steps
        ],
    }


def render_table(replay: Replay, *, start: datetime) -> list[Any]:
    """Renderables for rich: the measurement table and the verdict line."""
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    for name, kw in (
        ("time", {"no_wrap": True}),
        ("elapsed", {"no_wrap": True, "justify": "right"}),
        ("metric", {"no_wrap": True}),
        ("outcome", {"no_wrap": True}),
        ("value", {"no_wrap": True}),
        ("reason", {"overflow": "fold"}),
    ):
        table.add_column(name, **kw)
    for step in replay.steps:
        m = step.measurement
        table.add_row(
            _stamp(m.started_at),
            _elapsed(m.started_at, start),
            step.metric,
            m.phase,
            m.value or "",
            Text(m.message or ""),
        )
    status = replay.status
    at = (
        f" at {_stamp(status.completed_at)} ({_elapsed(status.completed_at, start)})"
        if status.completed_at
        else ""
    )
    verdict = Text(f"verdict: {status.phase}{at}: {status.message or ''}".rstrip(": "))
    return [table, verdict]


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _elapsed(when: datetime | None, start: datetime) -> str:
    if when is None:
        return ""
    delta = when - start
    return "+" + format_duration(delta) if delta >= timedelta(0) else "-" + format_duration(-delta)
