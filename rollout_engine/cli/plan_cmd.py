"""``rollout-engine plan FILE [--simulate]``: the step plan of each Rollout in a file.

Argo Rollouts ``Rollout`` and Flagger ``Canary`` manifests are accepted too:
they go through the converter first, and the output says so, with every
field that did not carry over.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["plan"]


def plan(
    file: Annotated[
        Path, typer.Argument(help="a YAML file with Rollouts (ours, Argo's or Flagger's)")
    ],
    simulate: Annotated[
        bool, typer.Option("--simulate", help="walk each plan with all verdicts passing")
    ] = False,
    replicas: Annotated[
        int | None,
        typer.Option(min=1, help="replicas for --simulate (default: the Deployment's, else 4)"),
    ] = None,
) -> None:
    """Print each Rollout's plan: step, weight, matches, analysis, pause. Exit 1 on errors."""
    from rollout_engine.cli.plan_view import (
        DEFAULT_REPLICAS,
        iter_errors,
        load_rollouts,
        plan_lines,
        simulation_lines,
    )
    from rollout_engine.errors import SpecError

    loaded = load_rollouts(file)
    errors = list(iter_errors(loaded))
    found = [item for item in loaded if item.rollout is not None]
    if not found and not errors:
        errors.append(f"error: {file}: no Rollout, Argo Rollout or Flagger Canary found")
    for i, item in enumerate(found):
        assert item.rollout is not None
        try:
            lines = plan_lines(item)
            if simulate:
                count = replicas or item.replicas or DEFAULT_REPLICAS
                lines += simulation_lines(item.rollout, replicas=count)
        except SpecError as exc:
            errors.append(f"error: {item.where}: {exc}")
            continue
        typer.echo(("\n" if i else "") + "\n".join(lines))
    for error in errors:
        typer.echo(error, err=True)
    raise typer.Exit(1 if errors else 0)
