"""Pure strategy engine: step plans, the rollout state machine, traffic renderers.

No I/O and no clock of its own: time is a parameter. The controller and the
local sandbox call one function per reconcile::

    from strategies import Observed, VersionState, advance

    decision = advance(rollout=rollout, observed=Observed(...), now=now)
    # 1. write decision.status; 2. apply decision.desired (see DesiredState
    # for the safe order); 3. emit decision.events; 4. requeue at
    # decision.requeue_at at the latest.

``build_plan`` gives the step plan a Rollout produces (for previews), and
``simulate`` walks it in an ideal world. The renderers that turn a
:class:`TrafficState` into router objects live in :mod:`strategies.routers`.
"""

from __future__ import annotations

from strategies.desired import (
    AnalysisRequest,
    DesiredState,
    MatchRoute,
    ServiceTarget,
    SubsetTarget,
    TrafficState,
    VersionSpec,
    WorkloadRollback,
)
from strategies.events import RolloutEvent
from strategies.machine import Decision, advance
from strategies.naming import REVISION_LABEL, ServiceNames, run_name, service_names
from strategies.plans import AnalysisSpec, BackgroundSpec, PauseSpec, Plan, PlanStep, build_plan
from strategies.world import Observed, RouterReport, RunState, VersionState

__all__ = [
    "REVISION_LABEL",
    "AnalysisRequest",
    "AnalysisSpec",
    "BackgroundSpec",
    "Decision",
    "DesiredState",
    "MatchRoute",
    "Observed",
    "PauseSpec",
    "Plan",
    "PlanStep",
    "RolloutEvent",
    "RouterReport",
    "RunState",
    "ServiceNames",
    "ServiceTarget",
    "SubsetTarget",
    "TrafficState",
    "VersionSpec",
    "VersionState",
    "WorkloadRollback",
    "advance",
    "build_plan",
    "run_name",
    "service_names",
]
