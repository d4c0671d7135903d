"""``kubectl rollout-engine``: the on-call engineer's tool.

Installed as the ``kubectl-rollout_engine`` executable, which kubectl runs as
``kubectl rollout-engine`` (a dash in the file name would be shadowed by the
built-in ``kubectl rollout``).
"""

from __future__ import annotations

import typer

from rollout_engine.cli.lint_cmd import lint

__all__ = ["app", "run"]

app = typer.Typer(
    name="kubectl rollout-engine",
    help="kubectl rollout-engine: watch and steer rollouts (promote, abort, retry, undo).",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)
app.command("lint", help="kubectl rollout-engine lint: check manifests offline.")(lint)


@app.callback()
def _main() -> None:
    """kubectl rollout-engine: watch and steer rollouts."""


def run() -> None:
    """Console-script entry point."""
    app()
