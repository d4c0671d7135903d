"""The value notify sends: one rollout event with the evidence behind it.

Flagger's Slack messages never carry metric values (flagger #1815) and
Argo's are whatever a template prints; ours carry, for every metric, the
value or estimate with its bound, the allowed limit and the verdict, plus
the reason in one sentence and what a person should do next. The event is a
frozen model so it can be recorded as JSON in the Rollout's outbox and sent,
unchanged, by whichever replica leads when it is sent. It holds nothing
secret: no URL, no query text, no credentials.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from rollout_engine.api.base import CamelModel, Name, Time
from rollout_engine.api.notifications import NotificationEvent, Severity
from rollout_engine.api.status import Weights

__all__ = [
    "SEVERITY",
    "MetricEvidence",
    "RolloutEvent",
    "default_next_action",
    "severity_rank",
    "step_label",
    "title",
    "weights_label",
]

Phase = Literal["Pending", "Running", "Successful", "Failed", "Inconclusive", "Error"]
StrategyKind = Literal["canary", "blueGreen", "abTest"]

SEVERITY: dict[str, Severity] = {
    "analysis-successful": "info",
    "analysis-failed": "error",
    "analysis-inconclusive": "warn",
    "analysis-error": "error",
    "rollout-paused": "warn",
    "rollout-aborted": "error",
    "rollout-promoted": "info",
    "step-completed": "info",
}
"""How loud each event is; a subscription's ``severity`` is the quietest it hears."""

_RANK: dict[str, int] = {"info": 0, "warn": 1, "error": 2}

_TITLES: dict[str, str] = {
    "analysis-successful": "analysis successful",
    "analysis-failed": "analysis failed",
    "analysis-inconclusive": "analysis inconclusive",
    "analysis-error": "analysis error",
    "rollout-paused": "paused",
    "rollout-aborted": "aborted",
    "rollout-promoted": "promoted",
    "step-completed": "step completed",
}


class MetricEvidence(CamelModel):
    """One row of the evidence table: what was measured, against what, and the outcome."""

    name: str = Field(min_length=1, max_length=253)
    verdict: Phase
    value: str | None = Field(default=None, max_length=300)
    limit: str | None = Field(default=None, max_length=300)
    reason: str | None = Field(default=None, max_length=500)
    dry_run: bool = False


class RolloutEvent(CamelModel):
    """Something a person should hear about one rollout, with its evidence."""

    type: NotificationEvent
    severity: Severity
    rollout: Name
    namespace: Name
    uid: str = Field(min_length=1, max_length=64)
    revision: str = Field(min_length=1, max_length=64)
    strategy: StrategyKind
    at: Time
    reason: str = Field(min_length=1, max_length=1000)
    next_action: str = Field(min_length=1, max_length=500)
    step_index: int | None = Field(default=None, ge=0, description="0-based position in the plan")
    step_count: int | None = Field(default=None, ge=0)
    weights: Weights | None = None
    candidate_image: str | None = Field(default=None, max_length=500)
    verdict: Phase | None = None
    run: str | None = Field(default=None, max_length=253, description="the AnalysisRun")
    metrics: tuple[MetricEvidence, ...] = Field(default=(), max_length=50)
    omitted_metrics: int = Field(default=0, ge=0)


def severity_rank(severity: str) -> int:
    """``info`` < ``warn`` < ``error``."""
    return _RANK[severity]


def title(event: RolloutEvent) -> str:
    """A few words for the header: ``analysis failed``, ``paused``, ``step 3/7 completed``."""
    if event.type == "step-completed" and (step := step_label(event)):
        return f"step {step} completed"
    return _TITLES[event.type]


def step_label(event: RolloutEvent) -> str | None:
    """``3/7`` (1-based for people), or None when the strategy has no steps."""
    if event.step_index is None or not event.step_count:
        return None
    return f"{min(event.step_index + 1, event.step_count)}/{event.step_count}"


def weights_label(weights: Weights | None) -> str | None:
    """``canary 20% · stable 80%``."""
    if weights is None:
        return None
    return f"canary {weights.canary}% · stable {weights.stable}%"


def default_next_action(event_type: str, *, rollout: str, namespace: str) -> str:
    """What a person can do now, with the exact command to type."""
    cli = f"kubectl rollout-engine {{verb}} {rollout} -n {namespace}"
    promote, abort = cli.format(verb="promote"), cli.format(verb="abort")
    retry, watch = cli.format(verb="retry"), cli.format(verb="get") + " --watch"
    if event_type in ("analysis-failed", "analysis-error"):
        return f"rolling back — traffic returns to stable; after a fix, run `{retry}`"
    if event_type in ("analysis-inconclusive", "rollout-paused"):
        return f"paused — run `{promote}` to continue, or `{abort}` to roll back"
    if event_type == "rollout-aborted":
        return f"rolled back to stable — run `{retry}` to try again"
    if event_type == "rollout-promoted":
        return "nothing — the candidate is now stable"
    return f"continuing — follow with `{watch}`"
