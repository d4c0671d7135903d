"""Shell completion of Rollout names (``kubectl-rollout_engine get <TAB>``)."""

from __future__ import annotations

from rollout_engine.cli.plugin.options import Target

__all__ = ["rollout_names"]


def rollout_names(target: Target) -> list[str]:
    """Names of the Rollouts in the target namespace; empty when the cluster cannot say."""
    from rollout_engine.cli.plugin.session import open_session
    from rollout_engine.errors import RolloutEngineError
    from rollout_engine.kube import kind

    try:
        session = open_session(target, timeout=3.0)
        items, _ = session.objects.list_items(kind("Rollout"), namespace=session.namespace)
    except RolloutEngineError:
        return []
    return sorted(str(i.get("metadata", {}).get("name", "")) for i in items)
