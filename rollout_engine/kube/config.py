"""Connect to a cluster the way kubectl does.

Resolution order, as kubectl: an explicit ``--kubeconfig`` path; otherwise the
``KUBECONFIG`` variable (a list of files merged in order); otherwise
``~/.kube/config``; otherwise, inside a pod, the in-cluster service account.
The namespace comes from the chosen context (``default`` when it has none),
or from the service account inside a pod.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kubernetes import client, config
from kubernetes.config.config_exception import ConfigException

from rollout_engine.errors import KubeError

__all__ = ["Connection", "connect"]

_SA_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")


@dataclass(frozen=True)
class Connection:
    """An API client plus what kubectl would call the current namespace and context."""

    api_client: client.ApiClient
    namespace: str
    context: str | None
    host: str


def connect(
    *, kubeconfig: str | None = None, context: str | None = None, in_cluster: bool | None = None
) -> Connection:
    """Build a client from kubeconfig (or in-cluster config).

    Args:
        kubeconfig: an explicit kubeconfig path (``--kubeconfig``); wins over ``KUBECONFIG``.
        context: a context name (``--context``); the file's current context otherwise.
        in_cluster: force (True) or forbid (False) the in-cluster service account;
            None picks it only when no kubeconfig file exists and we run in a pod.

    Raises:
        KubeError: no usable configuration, or the context does not exist.
    """
    files = _config_files(kubeconfig)
    if in_cluster or (in_cluster is None and not files and _in_pod()):
        return _in_cluster()
    if not files:
        raise KubeError(
            "no kubeconfig found: pass --kubeconfig, set KUBECONFIG, or create ~/.kube/config"
        )
    joined = os.pathsep.join(str(f) for f in files)
    try:
        api_client = config.new_client_from_config(
            config_file=joined, context=context, persist_config=False
        )
        contexts, active = config.list_kube_config_contexts(config_file=joined)
    except ConfigException as exc:
        raise KubeError(f"kubeconfig: {exc}") from exc
    chosen = next((c for c in contexts if c["name"] == context), active) if context else active
    namespace = (chosen or {}).get("context", {}).get("namespace") or "default"
    host = api_client.configuration.host
    return Connection(
        api_client=api_client, namespace=namespace, context=(chosen or {}).get("name"), host=host
    )


def _config_files(explicit: str | None) -> list[Path]:
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise KubeError(f"kubeconfig {explicit!r} does not exist")
        return [path]
    env = os.environ.get("KUBECONFIG")
    candidates = env.split(os.pathsep) if env else [str(Path("~/.kube/config"))]
    return [Path(p).expanduser() for p in candidates if p and Path(p).expanduser().is_file()]


def _in_pod() -> bool:
    return bool(os.environ.get("KUBERNETES_SERVICE_HOST")) and _SA_NAMESPACE.exists()


def _in_cluster() -> Connection:
    try:
        config.load_incluster_config()
    except ConfigException as exc:
        raise KubeError(f"in-cluster configuration: {exc}") from exc
    api_client = client.ApiClient()
    namespace = _SA_NAMESPACE.read_text().strip() if _SA_NAMESPACE.exists() else "default"
    return Connection(
        api_client=api_client,
        namespace=namespace,
        context=None,
        host=api_client.configuration.host,
    )
