"""The controller process's life: endpoints, leadership, signals, and the crash hook of T1.

Without leader election the controller starts at once and stops on SIGTERM.
With it, the process campaigns for the Lease and the controller runs only
while it leads (``controller.leadership``): losing the Lease exits with
status 1, SIGTERM drains the controller and releases the Lease.

``CRASH_AFTER_API_WRITE=n`` (tests only; reliability.md T1, §5) makes the
process exit with status 86 right after its n-th API write, counted by the
``Writer``'s after-hook: a crash at a deterministic point, with no cleanup.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rollout_engine.controller import Controller, WriteRecord
    from rollout_engine.controller.leadership import Leadership
    from rollout_engine.controller.serve import Endpoints
    from rollout_engine.kube import LeaseSettings

__all__ = ["CRASH_ENV", "CRASH_EXIT_CODE", "crash_hook", "run_until_signalled"]

CRASH_ENV = "CRASH_AFTER_API_WRITE"
CRASH_EXIT_CODE = 86
log = logging.getLogger("rollout_engine.controller")


def crash_hook(env: dict[str, str] | None = None) -> Callable[[WriteRecord], None] | None:
    """The after-write hook that exits after the n-th write, when ``CRASH_AFTER_API_WRITE=n``."""
    value = (os.environ if env is None else env).get(CRASH_ENV, "").strip()
    if not value:
        return None
    limit = int(value)
    if limit < 1:
        raise ValueError(f"{CRASH_ENV} must be a positive number of writes (got {value!r})")
    lock = threading.Lock()
    count = 0

    def after(record: WriteRecord) -> None:
        nonlocal count
        with lock:
            count += 1
            if count < limit:
                return
            from rollout_engine.controller.leadership import exit_now

            log.warning(
                "crashing on purpose",
                extra={"after_write": count, "verb": record.verb, "kind": record.kind},
            )
            exit_now(CRASH_EXIT_CODE)

    return after


def run_until_signalled(
    running: Controller,
    *,
    lease: LeaseSettings | None,
    host: str,
    metrics: int,
    health: int,
) -> None:
    """Serve the endpoints, run (or campaign), and stop cleanly on SIGTERM or SIGINT."""
    from rollout_engine.controller.leadership import Leadership
    from rollout_engine.controller.metrics import LEADER
    from rollout_engine.kube import Objects

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    leadership = None
    if lease is not None:
        objects = Objects(running.api_client, timeout=lease.renew_deadline / 2)
        leadership = Leadership(running, objects, lease)
    ready = leadership.ready if leadership is not None else running.ready
    endpoints = _serve(running, ready=ready, host=host, metrics=metrics, health=health)
    if leadership is not None and lease is not None:
        where = f"{lease.namespace}/{lease.name}"
        log.info("waiting for the lease", extra={"lease": where, "identity": lease.identity})
        leadership.start()
    else:
        LEADER.set(1)
        running.start()
        log.info("controller started", extra={"namespace": running.config.namespace or "*"})
    stop.wait()
    log.info("controller stopping")
    _stop(running, leadership)
    endpoints.stop()


def _stop(running: Controller, leadership: Leadership | None) -> None:
    if leadership is None:
        running.stop()
    else:
        leadership.shutdown()


def _serve(
    running: Controller, *, ready: Callable[[], bool], host: str, metrics: int, health: int
) -> Endpoints:
    """/metrics on one port, /healthz and /readyz on another (or all on one)."""
    from rollout_engine.controller.serve import Endpoints, metrics_route, probe

    endpoints = Endpoints()
    probes = {
        "/healthz": probe(running.alive, "controller"),
        "/readyz": probe(ready, "controller"),
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
    log.info("serving", extra=ports)
    return endpoints
