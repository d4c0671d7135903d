"""``rollout-engine controller``: run the controller against a cluster until stopped."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rollout_engine.cli.controller_run import crash_hook, run_until_signalled

if TYPE_CHECKING:
    from rollout_engine.controller import ControllerConfig
    from rollout_engine.kube import LeaseSettings

__all__ = ["controller"]

_LEADER_HELP = (
    "Run as one of several replicas: only the holder of the Lease (--lease-namespace/"
    "--lease-name) reconciles, the others wait and take over within the lease duration. A "
    "leader that cannot renew in time stops all work at once and exits with status 1; on "
    "SIGTERM it releases the Lease so a standby takes over at once."
)


def controller(
    *,
    kubeconfig: Annotated[
        str | None,
        typer.Option(help="Path to a kubeconfig (else $KUBECONFIG, ~/.kube, in-cluster)."),
    ] = None,
    context: Annotated[str | None, typer.Option(help="The kubeconfig context to use.")] = None,
    namespace: Annotated[
        str | None,
        typer.Option(
            help="Watch and reconcile only this namespace (ClusterAnalysisTemplates "
            "are then not read)."
        ),
    ] = None,
    leader_elect: Annotated[bool, typer.Option("--leader-elect", help=_LEADER_HELP)] = False,
    lease_namespace: Annotated[
        str | None,
        typer.Option(
            help="Namespace of the leader-election Lease (default: the kubeconfig's or the "
            "pod's namespace)."
        ),
    ] = None,
    lease_name: Annotated[
        str, typer.Option(help="Name of the leader-election Lease.")
    ] = "rollout-engine-controller",
    lease_duration: Annotated[
        str, typer.Option(help="A standby takes over after the Lease went unrenewed this long.")
    ] = "15s",
    renew_deadline: Annotated[
        str, typer.Option(help="The leader stops (and exits) when it could not renew this long.")
    ] = "10s",
    retry_period: Annotated[
        str, typer.Option(help="Between attempts to acquire or renew the Lease.")
    ] = "2s",
    metrics_port: Annotated[
        int, typer.Option(help="Port serving /metrics (0: any free port).")
    ] = 8090,
    health_port: Annotated[
        int, typer.Option(help="Port serving /healthz and /readyz (0: any free port).")
    ] = 8081,
    bind_address: Annotated[
        str, typer.Option(help="Address the HTTP endpoints listen on.")
    ] = "0.0.0.0",
    resync: Annotated[
        str, typer.Option(help="Reconcile every Rollout at least this often (e.g. 5m).")
    ] = "5m",
    workers: Annotated[int, typer.Option(help="Rollouts reconciled in parallel.")] = 4,
    prometheus_address: Annotated[
        str | None,
        typer.Option(help="Prometheus URL for metrics whose template names no address."),
    ] = None,
    notifications_config: Annotated[
        Path | None,
        typer.Option(
            help="YAML file: default subscriptions, allowedHosts, allowPrivate, "
            "timeoutSeconds (see the README)."
        ),
    ] = None,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
    log_format: Annotated[str, typer.Option(help="json or text.")] = "json",
) -> None:
    """Run the controller: reconcile Rollouts through Istio or NGINX, judged by Prometheus."""
    from rollout_engine.controller import Controller
    from rollout_engine.controller.logs import LEVELS, configure

    if log_level not in LEVELS or log_format not in ("json", "text"):
        typer.echo(
            f"error: --log-level is one of {', '.join(LEVELS)}; --log-format json or text", err=True
        )
        raise typer.Exit(2)
    api_client, config = _settings(
        kubeconfig=kubeconfig,
        context=context,
        namespace=namespace,
        lease_namespace=lease_namespace,
        resync=resync,
        workers=workers,
        prometheus_address=prometheus_address,
        notifications_config=notifications_config,
    )
    lease = (
        _lease(
            namespace=lease_namespace or config.notify.defaults_namespace,
            name=lease_name,
            identity=config.identity,
            timings=(lease_duration, renew_deadline, retry_period),
        )
        if leader_elect
        else None
    )
    configure(level=log_level, fmt=log_format)
    running = Controller(api_client, config=config, after_write=crash_hook())
    run_until_signalled(
        running,
        lease=lease,
        host=bind_address,
        metrics=metrics_port,
        health=health_port,
    )


def _settings(
    *,
    kubeconfig: str | None,
    context: str | None,
    namespace: str | None,
    lease_namespace: str | None,
    resync: str,
    workers: int,
    prometheus_address: str | None,
    notifications_config: Path | None,
) -> tuple[Any, ControllerConfig]:
    """The API connection and the configuration; exit 2 with the reason when either is bad."""
    from rollout_engine.api.durations import parse_duration
    from rollout_engine.controller import ControllerConfig, load_notify_config
    from rollout_engine.errors import KubeError, SpecError
    from rollout_engine.kube import connect

    try:
        connection = connect(kubeconfig=kubeconfig, context=context)
        config = ControllerConfig(
            namespace=namespace,
            resync_seconds=parse_duration(resync, path="--resync").total_seconds(),
            workers=workers,
            prometheus_address=prometheus_address,
            identity=os.environ.get("POD_NAME") or socket.gethostname() or "rollout-engine",
            notify=load_notify_config(
                notifications_config, namespace=lease_namespace or connection.namespace
            ),
        )
    except (KubeError, SpecError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    return connection.api_client, config


def _lease(
    *, namespace: str, name: str, identity: str, timings: tuple[str, str, str]
) -> LeaseSettings:
    """Lease settings; a unique holder identity per process (pod name + a random suffix)."""
    import uuid

    from rollout_engine.api.durations import parse_duration
    from rollout_engine.errors import SpecError
    from rollout_engine.kube import LeaseSettings

    try:
        seconds = [
            parse_duration(value, path=flag).total_seconds()
            for value, flag in zip(
                timings, ("--lease-duration", "--renew-deadline", "--retry-period"), strict=True
            )
        ]
        return LeaseSettings(
            namespace=namespace,
            name=name,
            identity=f"{identity}_{uuid.uuid4().hex[:8]}",
            lease_duration=seconds[0],
            renew_deadline=seconds[1],
            retry_period=seconds[2],
        )
    except (SpecError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
