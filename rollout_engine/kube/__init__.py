"""The Kubernetes adapter: the only package that imports ``kubernetes``.

It turns API calls into plain dicts and API failures into the engine's
exception tree (Conflict, NotFound, Forbidden, KubeError), so nothing above it
knows the client library.
"""

from kubernetes.client import ApiClient

from rollout_engine.kube.config import Connection, connect
from rollout_engine.kube.kinds import KINDS, Kind, kind
from rollout_engine.kube.lease import LeaderElector, LeaseSettings
from rollout_engine.kube.objects import Objects
from rollout_engine.kube.watching import Watcher, WatchSettings

__all__ = [
    "KINDS",
    "ApiClient",
    "Connection",
    "Kind",
    "LeaderElector",
    "LeaseSettings",
    "Objects",
    "WatchSettings",
    "Watcher",
    "connect",
    "kind",
]
