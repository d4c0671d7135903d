"""``rollout-engine demo``: what runs today without a cluster.

Until the local sandbox (real nginx, real Prometheus, a live canary) lands,
the demo lints the examples and previews each Rollout's step plan, so the
README's first command already shows the resource model end to end.
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
    """Lint the examples and preview each Rollout's plan."""
    from rich.console import Console

    from rollout_engine.cli.preview import preview_tables
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
    for table in preview_tables(examples):
        console.print(table)
    raise typer.Exit(1 if report.errors else 0)
