"""``list`` as kubectl prints tables: upper-case headers, columns three spaces apart.

Plain text, no boxes: the same on a terminal, in a pipe and in the README,
and it greps and ``awk``s like ``kubectl get``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from rollout_engine.cli.plugin.views import RolloutRow

__all__ = ["human_duration", "list_table", "text_table", "weight_text"]


def _pair(big: int, small: int, units: str) -> str:
    return f"{big}{units[0]}{small}{units[1]}" if small else f"{big}{units[0]}"


def human_duration(delta: timedelta) -> str:
    """kubectl's ``HumanDuration`` (``45s``, ``3m20s``, ``5h``, ``2d4h``), simplified."""
    seconds = max(int(delta.total_seconds()), 0)
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    forms: list[tuple[bool, Callable[[], str]]] = [
        (seconds < 120, lambda: f"{seconds}s"),
        (minutes < 10, lambda: _pair(minutes, seconds % 60, "ms")),
        (hours < 3, lambda: f"{minutes}m"),
        (hours < 8, lambda: _pair(hours, minutes % 60, "hm")),
        (hours < 48, lambda: f"{hours}h"),
        (days < 8, lambda: _pair(days, hours % 24, "dh")),
        (days < 730, lambda: f"{days}d"),
    ]
    return next((form() for applies, form in forms if applies), f"{days // 365}y")


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Aligned columns, three spaces apart; the last column is not padded."""
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    lines = []
    for row in [headers, *rows]:
        cells = [c.ljust(w) for c, w in zip(row[:-1], widths, strict=False)] + [row[-1]]
        lines.append("   ".join(cells).rstrip())
    return lines


def weight_text(current: int | None, desired: int | None) -> str:
    """``20%``, or ``20%→50%`` while the router catches up with the engine."""
    if current is None and desired is None:
        return "-"
    if current is None or desired is None or current == desired:
        return f"{current if current is not None else desired}%"
    return f"{current}%→{desired}%"


def _step(row: RolloutRow) -> str:
    if row.step_index is None or row.step_count is None:
        return "-"
    return f"{row.step_index}/{row.step_count}"


def _cells(row: RolloutRow, now: datetime) -> list[str]:
    images = "?" if row.candidate_images is None else ",".join(row.candidate_images) or "-"
    age = human_duration(now - row.created_at) if row.created_at else "-"
    return [
        row.name,
        row.strategy,
        row.phase or "-",
        _step(row),
        weight_text(row.canary_weight, row.desired_canary_weight),
        images,
        row.last_verdict or "-",
        age,
    ]


def list_table(rows: Sequence[RolloutRow], *, now: datetime, namespaces: bool) -> list[str]:
    """The ``list`` table; with ``namespaces`` (``-A``) a NAMESPACE column comes first."""
    headers = ["NAME", "STRATEGY", "PHASE", "STEP", "WEIGHT", "IMAGE", "VERDICT", "AGE"]
    cells = [_cells(r, now) for r in rows]
    if namespaces:
        headers = ["NAMESPACE", *headers]
        cells = [[r.namespace, *c] for r, c in zip(rows, cells, strict=True)]
    return text_table(headers, cells)
