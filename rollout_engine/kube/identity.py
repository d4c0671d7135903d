"""Who the caller is, as far as the kubeconfig says: the user of the chosen context.

The plugin records it in ``status.intent.requestedBy`` so Events and Slack
can say who asked. It is a label for people, not an authorization decision:
the API server authenticates the request itself with the same credentials.
"""

from __future__ import annotations

import os

from kubernetes import config
from kubernetes.config.config_exception import ConfigException

from rollout_engine.errors import KubeError
from rollout_engine.kube.config import _config_files

__all__ = ["kubeconfig_user"]


def kubeconfig_user(*, kubeconfig: str | None = None, context: str | None = None) -> str | None:
    """The ``user`` of `context` (the current context when None), or None when unknown.

    Resolves files exactly as :func:`rollout_engine.kube.connect` does; never
    raises (an unknown identity only makes the record less informative).
    """
    try:
        files = _config_files(kubeconfig)
    except KubeError:  # NB: connect() reports a bad --kubeconfig; here it only means "unknown"
        return None
    if not files:
        return None
    joined = os.pathsep.join(str(f) for f in files)
    try:
        contexts, active = config.list_kube_config_contexts(config_file=joined)
    except ConfigException:
        return None
    chosen = next((c for c in contexts if c.get("name") == context), None) if context else active
    user = ((chosen or {}).get("context") or {}).get("user")
    return user if isinstance(user, str) and user else None
