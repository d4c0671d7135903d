"""What the engine is told about the world: the input half of :func:`strategies.advance`.

The controller (or the local sandbox) reads these from the cluster (or from
its processes) once per reconcile and hands them in; the engine never
fetches anything itself. Everything here is a frozen value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final, Literal

__all__ = [
    "TERMINAL_PHASES",
    "Observed",
    "RouterReport",
    "RunPhase",
    "RunState",
    "VersionState",
]

RunPhase = Literal["Pending", "Running", "Successful", "Failed", "Inconclusive", "Error"]
TERMINAL_PHASES: Final = frozenset({"Successful", "Failed", "Inconclusive", "Error"})


@dataclass(frozen=True)
class VersionState:
    """One version's Deployment as observed.

    Attributes:
        revision: the hash of the Deployment's pod template; None when the
            Deployment does not exist yet (the stable, before the first deploy).
        ready: ready pods that run ``revision`` (pods of another revision,
            e.g. during a rolling update, do not count: they are not this
            version's capacity).
        desired: the replicas the Deployment currently asks for.
    """

    revision: str | None
    ready: int = 0
    desired: int = 0

    def __post_init__(self) -> None:
        if self.ready < 0 or self.desired < 0:
            raise ValueError(f"replica counts cannot be negative: {self}")


@dataclass(frozen=True)
class RunState:
    """The verdict so far of one AnalysisRun (``status.phase`` and ``status.message``)."""

    phase: RunPhase
    message: str = ""

    @property
    def terminal(self) -> bool:
        """The run has finished; its phase is its verdict."""
        return self.phase in TERMINAL_PHASES


@dataclass(frozen=True)
class RouterReport:
    """What the traffic router says it currently does (read back, never assumed).

    Attributes:
        canary_weight: the candidate's percentage on the owned routes.
        routes: names of the engine's header/cookie routes that exist now.
        uniform: False when the owned routes disagree (e.g. two
            VirtualServices at different weights); ``canary_weight`` is then
            the largest, and no step that waits for a weight completes.
    """

    canary_weight: int
    routes: frozenset[str] = frozenset()
    uniform: bool = True

    @property
    def stable_weight(self) -> int:
        """Stable receives the rest."""
        return 100 - self.canary_weight


def _frozen_runs(runs: Mapping[str, RunState]) -> Mapping[str, RunState]:
    return MappingProxyType(dict(runs))


@dataclass(frozen=True)
class Observed:
    """The world as the controller saw it at the start of this reconcile.

    Attributes:
        candidate: the referenced Deployment (its template is the candidate).
        stable: ``<name>-primary``, the stable; ``revision=None`` before the
            first deploy.
        replicas: how many replicas the service needs in total (the
            workload's ``spec.replicas``, or what its autoscaler asks for). A
            version's *ready share* is its ready pods over this number, and no
            version ever gets a larger share of traffic than that.
        runs: this Rollout's AnalysisRuns by name, with their phase. A run the
            engine asked for but that is missing here is treated as Pending.
        traffic: what the router reports, or None when it was not read (the
            engine then trusts that its last desired state was applied).
    """

    candidate: VersionState
    stable: VersionState
    replicas: int
    runs: Mapping[str, RunState] = field(default_factory=dict)
    traffic: RouterReport | None = None

    def __post_init__(self) -> None:
        if self.replicas < 0:
            raise ValueError(f"replicas cannot be negative, got {self.replicas}")
        if self.candidate.revision is None:
            raise ValueError("the candidate's revision is required (the workload's template hash)")
        object.__setattr__(self, "runs", _frozen_runs(self.runs))

    @property
    def candidate_revision(self) -> str:
        """The candidate's revision (always known: it is the workload's template hash)."""
        revision = self.candidate.revision
        if revision is None:  # pragma: no cover - __post_init__ refuses it
            raise ValueError("the candidate's revision is required")
        return revision

    def run(self, name: str | None) -> RunState | None:
        """The observed state of run `name`, if it exists."""
        return None if name is None else self.runs.get(name)
