"""The controller's settings: one frozen value built from the command line.

Constructors validate early, so a bad flag fails at start-up with a precise
message rather than at the first rollout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from rollout_engine.api.notifications import NotificationSubscription
from rollout_engine.kube.watching import WatchSettings
from rollout_engine.notify import DestinationPolicy, NotifyConfig

__all__ = ["ControllerConfig", "load_notify_config"]


@dataclass(frozen=True)
class ControllerConfig:
    """How the controller runs.

    Attributes:
        namespace: watch and reconcile only this namespace (None: all; then
            ClusterAnalysisTemplates are read too).
        resync_seconds: every Rollout is reconciled at least this often,
            whatever the watches deliver (progress never depends on an event).
        workers: rollouts reconciled in parallel (one key is never handled twice at once).
        prometheus_address: used by metrics whose template names no address.
        identity: this replica's name (Events' reportingInstance; part 2: the Lease holder).
        notify: notification defaults, destinations and retries.
        watch: watch timing (inactivity timeout, server timeout).
    """

    namespace: str | None = None
    resync_seconds: float = 300.0
    workers: int = 4
    prometheus_address: str | None = None
    identity: str = "rollout-engine"
    notify: NotifyConfig = field(default_factory=NotifyConfig)
    watch: WatchSettings = field(default_factory=WatchSettings)

    def __post_init__(self) -> None:
        if self.resync_seconds < 1:
            raise ValueError(f"resync must be at least 1s (got {self.resync_seconds:g}s)")
        if not 1 <= self.workers <= 64:
            raise ValueError(f"workers must be within 1..64 (got {self.workers})")
        address = self.prometheus_address
        if address is not None and not address.startswith(("http://", "https://")):
            raise ValueError(f"--prometheus-address must be an http(s) URL (got {address!r})")

    @property
    def cluster_templates(self) -> bool:
        """ClusterAnalysisTemplates are readable (not in namespaced mode)."""
        return self.namespace is None


_SUBSCRIPTIONS = TypeAdapter(list[NotificationSubscription])


def load_notify_config(path: Path | None, *, namespace: str) -> NotifyConfig:
    """Notification settings from a YAML file (see the README), or the defaults.

    Keys: ``defaults`` (subscriptions for Rollouts without their own, read from
    Secrets in the controller's namespace), ``allowedHosts`` (``host`` or
    ``host:port``), ``allowPrivate``, ``timeoutSeconds``.

    Raises:
        ValueError: the file is unreadable or a key is wrong, with the reason.
    """
    if path is None:
        return NotifyConfig(defaults_namespace=namespace)
    try:
        data: Any = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"{path}: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    unknown = sorted(set(data) - {"defaults", "allowedHosts", "allowPrivate", "timeoutSeconds"})
    if unknown:
        raise ValueError(f"{path}: unknown key {unknown[0]!r}")
    try:
        defaults = _SUBSCRIPTIONS.validate_python(data.get("defaults") or [])
    except ValidationError as exc:
        raise ValueError(f"{path}: defaults: {exc.errors()[0]['msg']}") from None
    policy = DestinationPolicy(
        allowed_hosts=frozenset(str(h) for h in data.get("allowedHosts") or []),
        allow_private=bool(data.get("allowPrivate", False)),
    )
    return NotifyConfig(
        defaults=tuple(defaults),
        defaults_namespace=namespace,
        destinations=policy,
        timeout_seconds=float(data.get("timeoutSeconds", 10.0)),
    )
