"""A connection made with the caller's own kubeconfig, and the clock commands read.

The plugin never uses credentials of its own (reliability.md §2): every
request goes out with the user's kubeconfig identity, so the cluster's RBAC
decides what the user may do, and refusals come back as 403s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from rollout_engine import __version__
from rollout_engine.cli.plugin.options import Target
from rollout_engine.kube import Objects, connect
from rollout_engine.kube.identity import kubeconfig_user

__all__ = ["FIELD_MANAGER", "USER_AGENT", "Session", "clock", "open_session"]

FIELD_MANAGER = "kubectl-rollout-engine"
"""Our writes show up under this manager in managedFields, apart from the controller's."""
USER_AGENT = f"kubectl-rollout-engine/{__version__}"

clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731
"""The time commands read (tests replace it); only the shell reads the clock."""


@dataclass(frozen=True)
class Session:
    """API access plus the namespace and identity kubectl would use."""

    objects: Objects
    namespace: str
    user: str | None
    host: str


def open_session(target: Target, *, timeout: float = 30.0) -> Session:
    """Connect as kubectl would; ``-n`` wins over the context's namespace.

    Raises:
        KubeError: no usable kubeconfig, or an unknown context.
    """
    connection = connect(kubeconfig=target.kubeconfig, context=target.context)
    connection.api_client.user_agent = USER_AGENT
    objects = Objects(connection.api_client, field_manager=FIELD_MANAGER, timeout=timeout)
    user = kubeconfig_user(kubeconfig=target.kubeconfig, context=target.context)
    return Session(
        objects=objects,
        namespace=target.namespace or connection.namespace,
        user=user,
        host=connection.host,
    )
