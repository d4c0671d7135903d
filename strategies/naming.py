"""Names the engine derives: Services, AnalysisRuns, the revision label.

Deterministic names are what make the controller crash-safe: after a
restart it computes the same run name, finds the run it created before,
and adopts it instead of starting a duplicate.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Final

from rollout_engine.api.rollout import Rollout

__all__ = ["REVISION_LABEL", "ServiceNames", "run_name", "service_names"]

REVISION_LABEL: Final = "rollout-engine.io/revision"
"""Pod label carrying the revision; DestinationRule subsets select on it."""

_MAX_NAME: Final = 253


@dataclass(frozen=True)
class ServiceNames:
    """The Services of one Rollout.

    Defaults (the controller creates them): stable ``<name>-primary``,
    candidate ``<name>-canary``, apex ``<name>``. Blue/green's active Service
    defaults to the apex and its preview to ``<name>-canary``; ``canaryService``,
    ``stableService``, ``activeService`` and ``previewService`` override them.
    """

    apex: str
    stable: str
    canary: str
    active: str | None = None
    preview: str | None = None


def service_names(rollout: Rollout) -> ServiceNames:
    """The Service names `rollout` uses, defaults filled in."""
    name = rollout.metadata.name
    strategy = rollout.spec.strategy
    stable, canary = f"{name}-primary", f"{name}-canary"
    if strategy.blue_green is not None:
        bg = strategy.blue_green
        return ServiceNames(
            apex=name,
            stable=stable,
            canary=canary,
            active=bg.active_service or name,
            preview=bg.preview_service or canary,
        )
    routed = strategy.canary or strategy.ab_test
    if routed is not None:
        stable = routed.stable_service or stable
        canary = routed.canary_service or canary
    return ServiceNames(apex=name, stable=stable, canary=canary)


def run_name(*, rollout: str, revision: str, attempt: int, suffix: str) -> str:
    """``<rollout>-<revision>-<suffix>``, with ``-try<n>`` after the n-1th retry.

    A retry must not adopt the failed attempt's runs, hence the attempt in
    the name. Names longer than a Kubernetes name allows keep their suffix and
    a hash of the whole, so they stay unique and deterministic.
    """
    parts = [rollout, revision] + ([f"try{attempt}"] if attempt > 1 else []) + [suffix]
    full = "-".join(parts)
    if len(full) <= _MAX_NAME:
        return full
    digest = hashlib.sha256(full.encode()).hexdigest()[:10]
    tail = f"-{digest}-{suffix}"
    return full[: _MAX_NAME - len(tail)].rstrip("-.") + tail
