"""``rollout-engine controller``: run the controller against a cluster until stopped."""

from __future__ import annotations

import logging
import os
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rollout_engine.controller import Controller, ControllerConfig
    from rollout_engine.controller.serve import Endpoints

__all__ = ["controller"]

_LEADER_HELP = (
    "Accepted so the install manifests work unchanged, but leader election is not implemented "
    "in this release: the controller acts as the only replica. Run ONE replica until it lands "
    "(two replicas would both reconcile)."
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
        typer.Option(help="Namespace of the leader-election Lease (see --leader-elect)."),
    ] = None,
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
    configure(level=log_level, fmt=log_format)
    if leader_elect:
        logging.getLogger("rollout_engine.controller").warning(
            "--leader-elect is not implemented yet: acting as the only replica"
        )
    running = Controller(api_client, config=config)
    endpoints = _serve(running, host=bind_address, metrics=metrics_port, health=health_port)
    _run_until_signalled(running, endpoints)


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
            identity=os.environ.get("POD_NAME") or "rollout-engine",
            notify=load_notify_config(
                notifications_config, namespace=lease_namespace or connection.namespace
            ),
        )
    except (KubeError, SpecError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    return connection.api_client, config


def _serve(running: Controller, *, host: str, metrics: int, health: int) -> Endpoints:
    """/metrics on one port, /healthz and /readyz on another (or all on one)."""
    from rollout_engine.controller.serve import Endpoints, metrics_route, probe

    endpoints = Endpoints()
    probes = {
        "/healthz": probe(running.alive, "controller"),
        "/readyz": probe(running.ready, "controller"),
    }
    if metrics == health and metrics != 0:
        bound = endpoints.serve(
            host=host, port=metrics, routes={"/metrics": metrics_route, **probes}
        )
        ports = {"metrics": bound, "health": bound}
    else:
        ports = {
            "metrics": endpoints.serve(host=host, port=metrics, routes={"/metrics": metrics_route}),
            "health": endpoints.serve(host=host, port=health, routes=probes),
        }
    logging.getLogger("rollout_engine.controller").info("serving", extra=ports)
    return endpoints


def _run_until_signalled(running: Controller, endpoints: Endpoints) -> None:
    """Run until SIGTERM or SIGINT, then stop taking work and exit."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    log = logging.getLogger("rollout_engine.controller")
    running.start()
    log.info("controller started", extra={"namespace": running.config.namespace or "*"})
    stop.wait()
    log.info("controller stopping")
    running.stop()
    endpoints.stop()
