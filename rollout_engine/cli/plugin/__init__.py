"""``kubectl rollout-engine``: the on-call engineer's tool.

Installed as the ``kubectl-rollout_engine`` executable, which kubectl runs as
``kubectl rollout-engine`` (a dash in the file name would be shadowed by the
built-in ``kubectl rollout``).

Commands write intent into the Rollout's status subresource, never its spec,
and act with the caller's own kubeconfig credentials; the plugin opens no
listener. Exit codes are documented in :mod:`rollout_engine.cli.plugin.exits`.

Help is plain text (``rich_markup_mode=None``), as kubectl's own help is: it
keeps ``--help`` from importing rich's markdown stack, which alone costs
more than the rest of the start-up (benchmarks/plugin_startup.py).
"""

from __future__ import annotations

import os
import sys

import typer

from rollout_engine.cli.lint_cmd import lint
from rollout_engine.cli.plugin.get_cmd import get
from rollout_engine.cli.plugin.intent_cmds import abort, pause, promote, resume, retry, undo
from rollout_engine.cli.plugin.list_cmd import list_rollouts
from rollout_engine.cli.plugin.set_cmd import set_app

__all__ = ["COMPLETE_VAR", "PROG", "app", "run"]

PROG = "kubectl rollout-engine"
COMPLETE_VAR = "_KUBECTL_ROLLOUT_ENGINE_COMPLETE"

app = typer.Typer(
    name=PROG,
    help="kubectl rollout-engine: watch and steer rollouts (promote, abort, retry, undo).\n\n"
    "Exit codes: 0 ok, 1 error, 2 usage, 3 not found, 4 forbidden, 5 invalid state, "
    "6 conflict, 7 settled Degraded (get --watch), 130 interrupted.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.command("list", short_help="rollouts: phase, step, weight, image, verdict, age")(list_rollouts)
app.command("get", short_help="one rollout as a tree; --watch follows it live")(get)
app.command("promote", short_help="pass the current step (--full: all of them)")(promote)
app.command("abort", short_help="traffic back to the stable; stop the candidate's runs")(abort)
app.command("retry", short_help="start an aborted rollout again from step 0")(retry)
app.command("pause", short_help="hold the rollout at its current step")(pause)
app.command("resume", short_help="continue a rollout a person paused")(resume)
app.command("undo", short_help="put the workload back to an earlier revision")(undo)
app.add_typer(set_app, short_help="set image NAME CONTAINER=IMAGE: start a new rollout")
app.command(
    "lint",
    help="kubectl rollout-engine lint FILE…: check manifests offline.",
    short_help="check manifests offline",
)(lint)


@app.callback()
def _main() -> None:
    """kubectl rollout-engine: watch and steer rollouts."""


def run() -> None:
    """Console-script entry point; usage lines read ``kubectl rollout-engine …``.

    Shell completion keeps the executable's own name: the shell completes
    ``kubectl-rollout_engine``, and click derives the completion variable
    (``_KUBECTL_ROLLOUT_ENGINE_COMPLETE``) from it.
    """
    completing = COMPLETE_VAR in os.environ or any(
        arg in ("--install-completion", "--show-completion") for arg in sys.argv[1:]
    )
    app(prog_name=None if completing else PROG)
