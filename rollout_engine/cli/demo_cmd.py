"""``rollout-engine demo``: what runs today without a cluster.

Until the local sandbox (real nginx, real Prometheus, a live canary) lands,
the demo lints the examples, prints each Rollout's step plan, and walks the
first canary through the state machine in an ideal world, so the README's
first command already shows the engine end to end.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["demo"]


def demo(
    examples: Annotated[Path, typer.Option(help="directory of example manifests")] = Path(
        "examples"
    ),
) -> None:
    """Lint the examples, print each Rollout's plan, and simulate the first canary."""
    from rich.console import Console

    from rollout_engine.cli.plan_view import load_rollouts, plan_lines, simulation_lines
    from rollout_engine.lint import lint_paths

    console = Console()
    if not examples.is_dir():
        typer.echo(f"error: {examples} is not a directory of manifests", err=True)
        raise typer.Exit(2)
    report = lint_paths([str(examples)])
    console.rule("lint")
    for finding in report.findings:
        console.print(finding.render(), markup=False)
    console.print(
        f"{len(report.resources)} resources in {len(report.files)} files: "
        f"{len(report.errors)} errors, {len(report.warnings)} warnings"
    )
    loaded = [item for path in sorted(examples.rglob("*.yaml")) for item in load_rollouts(path)]
    rollouts = [item for item in loaded if item.rollout is not None]
    console.rule("plans")
    for item in rollouts:
        console.print("\n".join(plan_lines(item)), markup=False, highlight=False, soft_wrap=True)
    canary = next((i for i in rollouts if i.rollout and i.rollout.spec.strategy.canary), None)
    if canary is not None and canary.rollout is not None:
        console.rule(f"simulated rollout of {canary.rollout.metadata.name}")
        lines = simulation_lines(canary.rollout, replicas=canary.replicas or 4)
        console.print("\n".join(lines), markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(1 if report.errors else 0)
