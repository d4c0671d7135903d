"""``kubectl rollout-engine list [-n NS | -A]``."""

from __future__ import annotations

import typer

from rollout_engine.cli.plugin.exits import reported
from rollout_engine.cli.plugin.options import (
    AllNamespacesOpt,
    ContextOpt,
    KubeconfigOpt,
    NamespaceOpt,
    Output,
    OutputOpt,
    Target,
)

__all__ = ["list_rollouts"]


def list_rollouts(
    *,
    namespace: NamespaceOpt = None,
    all_namespaces: AllNamespacesOpt = False,
    context: ContextOpt = None,
    kubeconfig: KubeconfigOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """kubectl rollout-engine list: every rollout with its strategy, phase, step, weight,
    candidate image, last verdict and age.
    """
    from rollout_engine.cli.plugin import session as sessions
    from rollout_engine.cli.plugin.build import rollout_row
    from rollout_engine.cli.plugin.fetch import list_rollouts as fetch_all
    from rollout_engine.cli.plugin.output import emit
    from rollout_engine.cli.plugin.table import list_table
    from rollout_engine.cli.plugin.views import RolloutList

    with reported():
        session = sessions.open_session(Target(namespace, context, kubeconfig))
        listing = fetch_all(session, all_namespaces=all_namespaces)
    for problem in listing.unreadable:
        typer.echo(f"warning: {problem}", err=True)
    rows = [rollout_row(r) for r in listing.rows]
    if output is not Output.table:
        emit(RolloutList(items=rows), output)
    elif not rows:
        where = "any namespace" if all_namespaces else f"namespace {session.namespace}"
        typer.echo(f"No rollouts found in {where}.", err=True)
    else:
        now = sessions.clock()
        for line in list_table(rows, now=now, namespaces=all_namespaces):
            typer.echo(line)
