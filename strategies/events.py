"""Transitions worth telling people about: Kubernetes Events, Slack, logs.

The engine emits an event only when something changes between the status
it was given and the status it returns, so reconciling the same state twice
emits nothing the second time (no duplicate Slack messages after a restart).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from rollout_engine.api.notifications import NotificationEvent

__all__ = ["EVENT_REASONS", "EventType", "RolloutEvent"]

EventType = Literal["Normal", "Warning"]

EVENT_REASONS: Final[dict[str, tuple[EventType, NotificationEvent | None]]] = {
    "RolloutStarted": ("Normal", None),
    "RolloutRestarted": ("Normal", None),
    "RolloutStepCompleted": ("Normal", "step-completed"),
    "RolloutPaused": ("Normal", "rollout-paused"),
    "RolloutResumed": ("Normal", None),
    "RolloutPromoting": ("Normal", None),
    "RolloutPromoted": ("Normal", "rollout-promoted"),
    "RolloutAborted": ("Warning", "rollout-aborted"),
    "RolloutRetried": ("Normal", None),
    "RolloutRolledBack": ("Normal", None),
    "ServiceSwitched": ("Normal", None),
    "ABTestStarted": ("Normal", None),
    "AnalysisRunSuccessful": ("Normal", "analysis-successful"),
    "AnalysisRunFailed": ("Warning", "analysis-failed"),
    "AnalysisRunInconclusive": ("Warning", "analysis-inconclusive"),
    "AnalysisRunError": ("Warning", "analysis-error"),
    "AnalysisRunTerminated": ("Normal", None),
    "IntentApplied": ("Normal", None),
    "IntentIgnored": ("Warning", None),
    "ProgressDeadlineExceeded": ("Warning", None),
    "InvalidSpec": ("Warning", None),
}
"""Every reason the engine emits, with its Kubernetes Event type and notification event."""


@dataclass(frozen=True)
class RolloutEvent:
    """One transition, ready for a Kubernetes Event (reason, type, message) or a notifier.

    Attributes:
        reason: a CamelCase Kubernetes Event reason from :data:`EVENT_REASONS`.
        message: one sentence a person understands, with the numbers.
        step: the plan step it concerns, if any.
        run: the AnalysisRun it concerns, if any.
    """

    reason: str
    message: str
    step: int | None = None
    run: str | None = None

    def __post_init__(self) -> None:
        if self.reason not in EVENT_REASONS:
            raise ValueError(f"unknown event reason {self.reason!r}")

    @property
    def type(self) -> EventType:
        """``Normal`` or ``Warning``, as Kubernetes Events have it."""
        return EVENT_REASONS[self.reason][0]

    @property
    def notification(self) -> NotificationEvent | None:
        """The notification event (``spec.notifications[].events``) this maps to, if any."""
        return EVENT_REASONS[self.reason][1]
