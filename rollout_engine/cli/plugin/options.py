"""The flags every kubectl plugin should take (krew's guide), declared once.

``-n/--namespace``, ``-A/--all-namespaces``, ``--context``, ``--kubeconfig``
and ``-o/--output`` mean what they mean to kubectl; kubeconfig resolution is
kubectl's (``--kubeconfig`` › ``KUBECONFIG`` › ``~/.kube/config``), and the
namespace defaults to the context's. Nothing here imports the Kubernetes
client: ``--help`` must stay fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

import typer

__all__ = [
    "AllNamespacesOpt",
    "ContextOpt",
    "KubeconfigOpt",
    "NameArg",
    "NamespaceOpt",
    "Output",
    "OutputOpt",
    "Target",
]


class Output(StrEnum):
    """``-o``: a human table (or tree), or a stable machine shape (see views.py)."""

    table = "table"
    json = "json"
    yaml = "yaml"


@dataclass(frozen=True)
class Target:
    """Where to connect, as given on the command line (None: as kubectl would choose)."""

    namespace: str | None = None
    context: str | None = None
    kubeconfig: str | None = None


def _complete_names(ctx: typer.Context, incomplete: str) -> list[str]:
    """Rollout names in the chosen namespace, for shell completion (quietly empty on failure)."""
    from rollout_engine.cli.plugin.completion import rollout_names

    params = ctx.params
    target = Target(
        namespace=params.get("namespace"),
        context=params.get("context"),
        kubeconfig=params.get("kubeconfig"),
    )
    return [n for n in rollout_names(target) if n.startswith(incomplete)]


NameArg = Annotated[
    str,
    typer.Argument(
        help="the Rollout's name",
        metavar="NAME",
        show_default=False,
        autocompletion=_complete_names,
    ),
]
NamespaceOpt = Annotated[
    str | None,
    typer.Option(
        "-n", "--namespace", help="namespace (default: the context's)", show_default=False
    ),
]
AllNamespacesOpt = Annotated[
    bool, typer.Option("-A", "--all-namespaces", help="every namespace you can list")
]
ContextOpt = Annotated[
    str | None,
    typer.Option("--context", help="kubeconfig context (default: current)", show_default=False),
]
KubeconfigOpt = Annotated[
    str | None,
    typer.Option(
        "--kubeconfig",
        help="kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)",
        show_default=False,
    ),
]
OutputOpt = Annotated[
    Output,
    typer.Option("-o", "--output", help="table, json or yaml", case_sensitive=False),
]
