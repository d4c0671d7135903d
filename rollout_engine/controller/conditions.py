"""Laying a Problem over the engine's status: phase Degraded, conditions and message.

The engine computes phase and conditions from what it knows; what only the
controller knows (a missing template, a router object that is gone) is laid
over them here, keeping ``lastTransitionTime`` from the status *as stored*
so reconciling the same problem again writes the same status.
"""

from __future__ import annotations

from datetime import datetime

from rollout_engine.api.meta import Condition, ConditionStatus
from rollout_engine.api.status import RolloutStatus
from rollout_engine.controller.problems import Problem, summary

__all__ = ["degraded"]

_ORDER = {"Progressing": 0, "Paused": 1, "Healthy": 2, "Degraded": 3}


def degraded(
    status: RolloutStatus,
    problems: list[Problem],
    *,
    stored: RolloutStatus,
    now: datetime,
    generation: int | None,
) -> RolloutStatus:
    """`status` reporting `problems` (phase Degraded, Degraded=True, Progressing=False)."""
    reason, message = problems[0].reason, summary(problems)
    wanted: dict[str, tuple[ConditionStatus, str]] = {
        "Progressing": ("False", reason),
        "Healthy": ("False", reason),
        "Degraded": ("True", reason),
    }
    before = {c.type: c for c in stored.conditions}
    conditions = [c for c in status.conditions if c.type not in wanted]
    for kind, (state, why) in wanted.items():
        old = before.get(kind)
        since = old.last_transition_time if old is not None and old.status == state else now
        conditions.append(
            Condition(
                type=kind,
                status=state,
                reason=why,
                message=message,
                last_transition_time=since,
                observed_generation=generation,
            )
        )
    conditions.sort(key=lambda c: _ORDER.get(c.type, 9))
    return status.model_copy(
        update={
            "phase": "Degraded",
            "message": message,
            "conditions": conditions,
            "observed_generation": generation,
        }
    )
