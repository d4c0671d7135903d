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
    from rollout_engine.cli.plugin.fetch import DEPLOYMENT, read_rollout
    from rollout_engine.cli.plugin.images import (
        UnknownContainer,
        image_changes,
        image_patch,
        parse_pairs,
    )
    from rollout_engine.cli.plugin.output import emit
    from rollout_engine.cli.plugin.views import ImageChangeResult

    try:
        requests = parse_pairs(images)
    except ValueError as exc:
        fail(str(exc), ExitCode.USAGE)
    with reported():
        session = sessions.open_session(Target(namespace, context, kubeconfig))
        rollout = read_rollout(session, name).rollout
        deployment_name = rollout.spec.workload_ref.name
        deployment = session.objects.get(
            DEPLOYMENT, name=deployment_name, namespace=session.namespace
        )
        try:
            changes = image_changes(deployment, requests)
        except UnknownContainer as exc:
            fail(str(exc), ExitCode.INVALID_STATE)
        if changes:
            session.objects.patch(
                DEPLOYMENT,
                name=deployment_name,
                namespace=session.namespace,
                patch=image_patch(changes),
                patch_type="json",
            )
    result = ImageChangeResult(
        rollout=name,
        namespace=session.namespace,
        deployment=deployment_name,
        result="written" if changes else "unchanged",
        changes=[c for _, _, c in changes],
    )
    if output is not Output.table:
        emit(result, output)
    elif not changes:
        typer.echo(f"deployment {session.namespace}/{deployment_name}: images unchanged")
    else:
        for change in result.changes:
            typer.echo(
                f"deployment {session.namespace}/{deployment_name}: {change.container} "
                f"{change.previous} → {change.image}"
            )
        typer.echo(f"  rollout {name} starts rolling out the new revision")
