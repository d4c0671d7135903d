"""``rollout-engine``: lint, plan, analyze, demo, controller."""

from __future__ import annotations

import typer

from rollout_engine import __version__
from rollout_engine.cli.analyze_cmd import AnalyzeCommand, analyze
from rollout_engine.cli.controller_cmd import controller
from rollout_engine.cli.demo_cmd import demo
from rollout_engine.cli.lint_cmd import lint
from rollout_engine.cli.plan_cmd import plan

__all__ = ["app", "run"]

app = typer.Typer(
    name="rollout-engine",
    help="Progressive delivery analysis engine for Kubernetes.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)
app.command("lint")(lint)
app.command("plan")(plan)
app.command("demo")(demo)
app.command("analyze", cls=AnalyzeCommand)(analyze)
app.command("controller")(controller)


@app.command("version")
def version() -> None:
    """Print the version."""
    typer.echo(__version__)


def run() -> None:
    """Console-script entry point."""
    app()
