"""Live progress of a sandbox run in the terminal, with ``rich.live``.

:func:`render` is a pure function of a :class:`~.timeline.TimelineSnapshot`
(the current step and weights, requests per version, the latest
measurements with estimate and bound, the verdict and why), so it is tested
by rendering to a recording console. :class:`LiveProgress` refreshes it a
few times per second from the same :class:`~.timeline.Timeline` the engine
loop fills; on a non-terminal (CI logs, pipes) rich prints the final state
once instead of animating.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from rollout_engine.sandbox.timeline import Timeline, TimelineSnapshot

__all__ = ["LiveProgress", "render"]

_STYLES = {
    "Successful": "green",
    "Failed": "bold red",
    "Inconclusive": "magenta",
    "Error": "yellow",
    "Running": "cyan",
}


def render(snapshot: TimelineSnapshot, *, now: datetime, last: int = 6) -> RenderableType:
    """The progress view at `now`: step, traffic, the `last` measurements, the verdict."""
    return Group(
        _header(snapshot, now=now),
        _traffic(snapshot),
        _measurements(snapshot, last=last),
        _verdict(snapshot),
    )


def _header(snapshot: TimelineSnapshot, *, now: datetime) -> RenderableType:
    elapsed = (now - snapshot.started_at).total_seconds()
    text = Text(f"{snapshot.title}  ", style="bold")
    text.append(f"{elapsed:.0f}s", style="dim")
    step = snapshot.current_step
    if step is None:
        text.append("\nwaiting for the first step")
        return text
    total = f"/{len(snapshot.plan)}" if snapshot.plan else ""
    text.append(f"\nstep {step.index + 1}{total}: {step.description}  ")
    text.append(f"candidate {step.canary_weight}% · stable {step.stable_weight}%", style="bold")
    if step.routes:
        text.append(f"  routes: {', '.join(step.routes)}")
    return text


def _traffic(snapshot: TimelineSnapshot) -> RenderableType:
    table = Table(title="requests served", title_justify="left", expand=False)
    for column in ("track", "version", "requests", "share"):
        table.add_column(column, justify="right" if column in ("requests", "share") else "left")
    latest = snapshot.traffic[-1] if snapshot.traffic else None
    served = dict(latest.served) if latest else {}
    total = sum(served.values())
    for track in sorted(set(served) | set(snapshot.versions)):
        n = served.get(track, 0)
        share = f"{100.0 * n / total:.1f}%" if total else "—"
        table.add_row(track, snapshot.versions.get(track, "?"), str(n), share)
    if latest is not None and latest.errors:
        table.caption = f"{latest.errors} request(s) failed"
    return table


def _measurements(snapshot: TimelineSnapshot, *, last: int) -> RenderableType:
    table = Table(title="measurements", title_justify="left", expand=True)
    for column in ("time", "metric", "estimate", "bound", "outcome"):
        table.add_column(column, no_wrap=True)
    # NB: one line per measurement, however long its reason: the view must fit a
    # terminal; the verdict below carries the deciding reason in full.
    table.add_column("reason", no_wrap=True, overflow="ellipsis", ratio=1)
    for row in snapshot.measurements[-last:]:
        seconds = (row.at - snapshot.started_at).total_seconds()
        table.add_row(
            f"{seconds:.0f}s",
            row.metric,
            row.shown_value(),
            row.bound(),
            Text(row.outcome, style=_STYLES.get(row.outcome, "")),
            row.reason,
        )
    return table


def _verdict(snapshot: TimelineSnapshot) -> RenderableType:
    verdict = snapshot.verdict
    if verdict is None:
        return Text("verdict: pending", style="dim")
    good = verdict.outcome.lower().startswith("promot")
    body = Text(f"{verdict.outcome}", style="bold green" if good else "bold red")
    if verdict.metric:
        body.append(f" ({verdict.metric})")
    body.append(f": {verdict.reason}")
    return Panel(body, title="verdict", expand=False)


class LiveProgress:
    """Keeps :func:`render` of the timeline on screen while the run goes on."""

    def __init__(
        self,
        timeline: Timeline,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        console: Console | None = None,
        refresh_per_second: float = 4.0,
    ) -> None:
        self.timeline = timeline
        self._clock = clock
        self._live = Live(
            get_renderable=self._current,
            console=console,
            refresh_per_second=refresh_per_second,
            transient=False,
        )

    def _current(self) -> RenderableType:
        snapshot = self.timeline.snapshot()
        return render(snapshot, now=self._clock())

    def refresh(self) -> None:
        """Redraw now (e.g. right after a verdict), not at the next tick."""
        self._live.refresh()

    def __enter__(self) -> LiveProgress:
        self._live.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._live.stop()
