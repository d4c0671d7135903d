"""What the world should look like now: the output half of :func:`strategies.advance`.

Every field is absolute ("canary weight = 20", "candidate replicas = 2"),
never a delta, so applying the same desired state twice is harmless and a
controller that crashed half-way simply applies it again.

How to apply it safely (the engine already made each value safe on its own;
the order keeps the transitions safe too):

1. scale up: ``stable`` and ``candidate`` replicas when they grow;
2. ``services`` and ``subsets`` (selectors and DestinationRule labels);
3. ``traffic`` (weights, then match routes);
4. ``analyses`` to create (adopt a run that already has the name) and
   ``terminate`` the runs listed there;
5. scale down, last.

The engine never moves a selector or subset that still carries traffic,
never gives a version more weight than its ready share, and only scales a
version to 0 once it carries no traffic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from rollout_engine.api.rollout import AnalysisTemplateRef
from rollout_engine.api.routing import RouteMatch
from rollout_engine.api.template import Argument

__all__ = [
    "AnalysisKind",
    "AnalysisRequest",
    "DesiredState",
    "MatchRoute",
    "ServiceTarget",
    "Slot",
    "SubsetTarget",
    "TrafficState",
    "VersionSpec",
    "WorkloadRollback",
]

AnalysisKind = Literal["step", "background", "pre", "post", "abtest"]
"""Which part of a strategy an AnalysisRun judges."""

Slot = Literal["stable", "candidate"]
"""Which Deployment a Service selects: ``<name>-primary`` (stable) or the workload (candidate)."""


@dataclass(frozen=True)
class VersionSpec:
    """One version's Deployment: which revision it runs and how many replicas it has."""

    revision: str
    replicas: int


@dataclass(frozen=True)
class MatchRoute:
    """A header/cookie route: matching requests go to the candidate (OR across `matches`)."""

    name: str
    matches: tuple[RouteMatch, ...]


@dataclass(frozen=True)
class TrafficState:
    """Weights and match routes for the router.

    Attributes:
        canary_weight: the candidate's percentage on the owned routes; stable
            gets ``100 - canary_weight``. Always written, 0 included.
        routes: header/cookie routes to the candidate, in precedence order;
            any managed route not listed here is removed.
        in_progress: False when no candidate is being rolled out: routers
            that create objects for a rollout (the NGINX canary Ingress)
            remove them.
    """

    canary_weight: int
    routes: tuple[MatchRoute, ...] = ()
    in_progress: bool = False

    def __post_init__(self) -> None:
        if not 0 <= self.canary_weight <= 100:
            raise ValueError(f"canary weight must be within 0..100, got {self.canary_weight}")

    @property
    def stable_weight(self) -> int:
        """Stable receives the rest."""
        return 100 - self.canary_weight


@dataclass(frozen=True)
class ServiceTarget:
    """Service `name` should select the pods of `slot`, which run `revision`."""

    name: str
    slot: Slot
    revision: str


@dataclass(frozen=True)
class SubsetTarget:
    """DestinationRule subset `name` should be labelled with `revision`."""

    name: str
    revision: str


@dataclass(frozen=True)
class AnalysisRequest:
    """An AnalysisRun that should exist now.

    The name is deterministic (``<rollout>-<revision>-<step>``, ``-bg``,
    ``-pre``, ``-post``, ``-ab``; ``-try<n>`` after a retry), so a controller
    that crashed after creating it adopts it instead of creating a twin.
    ``args`` are the Rollout's arguments with ``podTemplateHashValue`` and
    resolvable ``fieldRef`` values filled in; secrets stay references.
    """

    name: str
    kind: AnalysisKind
    templates: tuple[AnalysisTemplateRef, ...]
    args: tuple[Argument, ...]
    step: int | None = None


@dataclass(frozen=True)
class WorkloadRollback:
    """Undo: write the pod template of `revision` (or of revision number `to_revision`) back
    into the referenced Deployment. The controller owns templates; the engine names them."""

    revision: str | None
    to_revision: int | None = None


@dataclass(frozen=True)
class DesiredState:
    """Everything the controller should make true now (see the module docstring for the order).

    ``traffic`` is None when the strategy moves no router weights (blue/green
    switches Services instead) or the Rollout declares no traffic router.
    """

    stable: VersionSpec
    candidate: VersionSpec
    traffic: TrafficState | None
    services: tuple[ServiceTarget, ...]
    subsets: tuple[SubsetTarget, ...] = ()
    analyses: tuple[AnalysisRequest, ...] = ()
    terminate: tuple[str, ...] = ()
    rollback: WorkloadRollback | None = None
