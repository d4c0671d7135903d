"""``get --watch``: redraw until the rollout settles (Healthy or Degraded), or Ctrl-C.

It polls: every ``--interval`` seconds the same two round trips as ``get``.
A watch on the Rollout alone would miss what matters most here — new
measurements land in AnalysisRuns — and two round trips every two seconds
cost the API server less than a person refreshing by hand. On a terminal the
tree is redrawn in place (rich ``Live``); in a pipe each view that differs
from the last is printed once, and with ``-o json|yaml`` each one is a
document of a stream (one JSON object per line, or ``---``-separated YAML).

A passing failure to read (a timeout, a 5xx) keeps the last view on screen
with a note and tries again; NotFound and Forbidden end the watch.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.text import Text

from rollout_engine.cli.plugin.exits import ExitCode
from rollout_engine.cli.plugin.options import Output
from rollout_engine.cli.plugin.output import emit, show
from rollout_engine.cli.plugin.tree import rollout_tree
from rollout_engine.cli.plugin.views import RolloutView
from rollout_engine.errors import Forbidden, KubeError, NotFound

__all__ = ["pause", "settled_code", "watch_view"]

pause: Callable[[float], None] = time.sleep
"""How the watch waits between reads (tests replace it to move the world instead)."""

Fetch = Callable[[], RolloutView]


def settled_code(view: RolloutView) -> ExitCode:
    """0 when the rollout settled Healthy, 7 when it settled Degraded."""
    return ExitCode.DEGRADED if view.phase == "Degraded" else ExitCode.OK


def _read(fetch: Fetch, last: RolloutView | None) -> tuple[RolloutView | None, str | None]:
    try:
        return fetch(), None
    except (NotFound, Forbidden):
        raise
    except KubeError as exc:
        if last is None:
            raise
        return last, f"could not refresh ({exc}); retrying"


def _screen(view: RolloutView, note: str | None, now: datetime, interval: float) -> RenderableType:
    footer = note or f"watching every {interval:g}s until Healthy or Degraded; Ctrl-C to stop"
    return Group(rollout_tree(view, now=now), Text(footer, style="dim"))


def _live(
    fetch: Fetch, *, console: Console, interval: float, now: Callable[[], datetime]
) -> RolloutView:
    view, note = _read(fetch, None)
    assert view is not None
    with Live(console=console, auto_refresh=False, redirect_stdout=False) as live:
        while True:
            live.update(_screen(view, note, now(), interval), refresh=True)
            if view.settled:
                return view
            pause(interval)
            fresh, note = _read(fetch, view)
            view = fresh or view


def _stream(
    fetch: Fetch,
    *,
    console: Console,
    interval: float,
    now: Callable[[], datetime],
    output: Output,
) -> RolloutView:
    last: RolloutView | None = None
    while True:
        view, note = _read(fetch, last)
        assert view is not None
        if note is not None:
            console.print(note, style="dim", highlight=False)
        elif view != last:
            if output is Output.table:
                if last is not None:
                    console.print()
                show(rollout_tree(view, now=now()), on=console)
            else:
                emit(view, output, compact=True)
        if view.settled:
            return view
        last = view
        pause(interval)


def watch_view(
    fetch: Fetch,
    *,
    console: Console,
    interval: float,
    now: Callable[[], datetime],
    output: Output = Output.table,
) -> RolloutView:
    """Show `fetch()` until it settles; returns the last view."""
    if output is Output.table and console.is_terminal:
        return _live(fetch, console=console, interval=interval, now=now)
    return _stream(fetch, console=console, interval=interval, now=now, output=output)
