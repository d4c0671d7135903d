"""The ``lint`` command, shared by ``rollout-engine`` and ``kubectl rollout-engine``."""

from __future__ import annotations

import json
from typing import Annotated

import typer

__all__ = ["lint"]

OutputOpt = Annotated[str, typer.Option("-o", "--output", help="text or json")]


def lint(
    files: Annotated[
        list[str], typer.Argument(help="YAML files or directories", show_default=False)
    ],
    output: OutputOpt = "text",
) -> None:
    """Check manifests offline: schema, semantics, references. Exit 1 on errors."""
    from rollout_engine.lint import lint_paths

    if output not in ("text", "json"):
        typer.echo(f"error: --output must be text or json, got {output!r}", err=True)
        raise typer.Exit(2)
    report = lint_paths(files)
    if output == "json":
        typer.echo(json.dumps(report.to_json(), indent=2))
    else:
        for finding in report.findings:
            typer.echo(finding.render())
        summary = (
            f"{len(report.resources)} resource(s) in {len(report.files)} file(s): "
            f"{len(report.errors)} error(s), {len(report.warnings)} warning(s)"
        )
        typer.echo(summary)
    raise typer.Exit(1 if report.errors else 0)
