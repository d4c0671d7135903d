"""``promote``, ``abort``, ``retry``, ``pause``, ``resume``, ``undo``: intents written to status.

Each command is a thin front over one function (`_act`), so all six read,
check, write and report the same way (request.py says what is written).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from rollout_engine.cli.plugin.exits import fail, reported
from rollout_engine.cli.plugin.options import (
    ContextOpt,
    KubeconfigOpt,
    NameArg,
    NamespaceOpt,
    Output,
    OutputOpt,
    Target,
)

if TYPE_CHECKING:  # NB: only for mypy; importing the models would slow down --help
    from rollout_engine.api.status import IntentAction

__all__ = ["abort", "pause", "promote", "resume", "retry", "undo"]


def _act(
    action: IntentAction,
    name: str,
    target: Target,
    output: Output,
    *,
    to_revision: int | None = None,
) -> None:
    from rollout_engine.cli.plugin import session as sessions
    from rollout_engine.cli.plugin.intent_text import describe, intent_result
    from rollout_engine.cli.plugin.output import emit
    from rollout_engine.cli.plugin.request import request_intent

    with reported():
        session = sessions.open_session(target)
        outcome = request_intent(
            session,
            name=name,
            action=action,
            now=sessions.clock(),
            to_revision=to_revision,
        )
    if outcome.refusal is not None:
        fail(outcome.refusal.message, outcome.refusal.code)
    if output is Output.table:
        typer.echo(describe(outcome))
    else:
        emit(intent_result(outcome), output)


def promote(
    name: NameArg,
    *,
    full: Annotated[
        bool, typer.Option("--full", help="skip every remaining step and analysis")
    ] = False,
    namespace: NamespaceOpt = None,
    context: ContextOpt = None,
    kubeconfig: KubeconfigOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """kubectl rollout-engine promote NAME: pass the current step (a pause, an analysis,
    an inconclusive verdict) — one step, however often it is asked.
    """
    _act(
        "promote-full" if full else "promote", name, Target(namespace, context, kubeconfig), output
    )


def abort(
    name: NameArg,
    *,
    namespace: NamespaceOpt = None,
    context: ContextOpt = None,
    kubeconfig: KubeconfigOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """kubectl rollout-engine abort NAME: traffic back to the stable; the candidate's runs stop."""
    _act("abort", name, Target(namespace, context, kubeconfig), output)


def retry(
    name: NameArg,
    *,
    namespace: NamespaceOpt = None,
    context: ContextOpt = None,
    kubeconfig: KubeconfigOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """kubectl rollout-engine retry NAME: start an aborted rollout again from step 0."""
    _act("retry", name, Target(namespace, context, kubeconfig), output)


def pause(
    name: NameArg,
    *,
    namespace: NamespaceOpt = None,
    context: ContextOpt = None,
    kubeconfig: KubeconfigOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """kubectl rollout-engine pause NAME: hold the rollout at its current step."""
    _act("pause", name, Target(namespace, context, kubeconfig), output)


def resume(
    name: NameArg,
    *,
    namespace: NamespaceOpt = None,
    context: ContextOpt = None,
    kubeconfig: KubeconfigOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """kubectl rollout-engine resume NAME: continue a rollout a person paused."""
    _act("resume", name, Target(namespace, context, kubeconfig), output)


def undo(
    name: NameArg,
    *,
    to_revision: Annotated[
        int | None,
        typer.Option("--to-revision", min=1, help="revision number (default: the previous one)"),
    ] = None,
    namespace: NamespaceOpt = None,
    context: ContextOpt = None,
    kubeconfig: KubeconfigOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """kubectl rollout-engine undo NAME: put the workload's pod template back to an earlier
    revision (the stable's mid-rollout, the previous stable's after one).
    """
    _act("undo", name, Target(namespace, context, kubeconfig), output, to_revision=to_revision)
