"""``kubectl rollout-engine get NAME [--watch]``."""

from __future__ import annotations

from typing import Annotated

import typer

from rollout_engine.cli.plugin.exits import reported
from rollout_engine.cli.plugin.options import (
    ContextOpt,
    KubeconfigOpt,
    NameArg,
    NamespaceOpt,
    Output,
    OutputOpt,
    Target,
)

__all__ = ["get"]


WatchOpt = Annotated[
    bool, typer.Option("-w", "--watch", help="redraw until Healthy or Degraded (Ctrl-C stops)")
]
IntervalOpt = Annotated[
    float, typer.Option("--interval", min=0.05, help="seconds between refreshes with --watch")
]


def get(
    name: NameArg,
    *,
    watch: WatchOpt = False,
    interval: IntervalOpt = 2.0,
    namespace: NamespaceOpt = None,
    context: ContextOpt = None,
    kubeconfig: KubeconfigOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """kubectl rollout-engine get NAME: the rollout as a tree — revisions, steps, weights,
    the running analysis with each metric's latest measurement and verdict.

    With --watch the exit code says how it settled: 0 Healthy, 7 Degraded.
    """
    from rollout_engine.cli.plugin import session as sessions
    from rollout_engine.cli.plugin.build import rollout_view
    from rollout_engine.cli.plugin.fetch import snapshot
    from rollout_engine.cli.plugin.output import console, emit, show
    from rollout_engine.cli.plugin.tree import rollout_tree
    from rollout_engine.cli.plugin.watch import settled_code, watch_view

    with reported():
        session = sessions.open_session(Target(namespace, context, kubeconfig))
        if watch:
            last = watch_view(
                lambda: rollout_view(snapshot(session, name)),
                console=console(),
                interval=interval,
                now=sessions.clock,
                output=output,
            )
            raise typer.Exit(int(settled_code(last)))
        view = rollout_view(snapshot(session, name))
        if output is Output.table:
            show(rollout_tree(view, now=sessions.clock()))
        else:
            emit(view, output)
