"""``kubectl rollout-engine set image NAME CONTAINER=IMAGE…``."""

from __future__ import annotations

from typing import Annotated

import typer

from rollout_engine.cli.plugin.exits import ExitCode, fail, reported
from rollout_engine.cli.plugin.options import (
    ContextOpt,
    KubeconfigOpt,
    NameArg,
    NamespaceOpt,
    Output,
    OutputOpt,
    Target,
)

__all__ = ["set_app"]

set_app = typer.Typer(
    name="set",
    help="kubectl rollout-engine set: change what a rollout deploys.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@set_app.command("image")
def set_image(
    name: NameArg,
    images: Annotated[
        list[str],
        typer.Argument(
            help="CONTAINER=IMAGE pairs; *=IMAGE sets every container", metavar="CONTAINER=IMAGE..."
        ),
    ],
    *,
    namespace: NamespaceOpt = None,
    context: ContextOpt = None,
    kubeconfig: KubeconfigOpt = None,
    output: OutputOpt = Output.table,
) -> None:
    """kubectl rollout-engine set image NAME CONTAINER=IMAGE: change the image of the
    rollout's Deployment, which starts a new rollout. (Where Git owns the Deployment,
    change it in Git instead, or the next sync puts it back.)
    """
    from rollout_engine.cli.plugin import session as sessions
    from rollout_engine.cli.plugin.image_write import describe, set_images
    from rollout_engine.cli.plugin.images import UnknownContainer, parse_pairs
    from rollout_engine.cli.plugin.output import emit

    try:
        requests = parse_pairs(images)
    except ValueError as exc:
        fail(str(exc), ExitCode.USAGE)
    with reported():
        session = sessions.open_session(Target(namespace, context, kubeconfig))
        try:
            result = set_images(session, name=name, requests=requests)
        except UnknownContainer as exc:
            fail(str(exc), ExitCode.INVALID_STATE)
    if output is not Output.table:
        emit(result, output)
    else:
        typer.echo("\n".join(describe(result)))
