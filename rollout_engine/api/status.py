"""Rollout status: where a rollout is, and why.

Everything the engine needs to resume after a restart or a leader change lives
here (step position, pause timers, run names, intents, the notification
outbox); nothing is kept only in memory.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from rollout_engine.api.base import CamelModel, Time
from rollout_engine.api.meta import Condition

__all__ = [
    "ABTestStatus",
    "BlueGreenStatus",
    "CanaryStatus",
    "Intent",
    "IntentAction",
    "OutboxEntry",
    "PauseCondition",
    "RolloutPhase",
    "RolloutStatus",
    "RunVerdict",
    "UndoRequest",
    "Weights",
]

RolloutPhase = Literal["Pending", "Progressing", "Paused", "Healthy", "Degraded"]
IntentAction = Literal["promote", "promote-full", "abort", "retry", "pause", "resume", "undo"]
RunPhase = Literal["Pending", "Running", "Successful", "Failed", "Inconclusive", "Error"]


class Weights(CamelModel):
    """Traffic percentages; stable + canary = 100."""

    canary: int = Field(ge=0, le=100)
    stable: int = Field(ge=0, le=100)


class PauseCondition(CamelModel):
    """Why the rollout is paused, and since when (a timed pause ends at start + duration)."""

    reason: str = Field(min_length=1)
    start_time: Time


class Intent(CamelModel):
    """What a person asked for through the plugin, written to status (never spec).

    ``step`` and ``revision`` say which step and candidate the request was meant
    for, so a double ``promote`` advances at most one step and a stale request
    aimed at an older revision is ignored.
    """

    action: IntentAction
    id: str = Field(min_length=1, max_length=64)
    requested_at: Time
    requested_by: str | None = None
    step: int | None = Field(default=None, ge=0)
    revision: str | None = None
    to_revision: int | None = Field(default=None, ge=1)


class RunVerdict(CamelModel):
    """The last phase seen of an analysis run, for lists, notifications and de-duplication.

    The engine records each run it tracks with the phase it last saw, so a
    verdict is announced once, when it first appears, however often the
    controller reconciles.
    """

    run: str
    phase: RunPhase
    message: str = ""
    at: Time


class CanaryStatus(CamelModel):
    """Runs that belong to the canary strategy."""

    current_step_analysis_run: str | None = None
    current_background_analysis_run: str | None = None


class BlueGreenStatus(CamelModel):
    """Blue/green bookkeeping: which revision each Service selects, and the runs."""

    active_revision: str | None = None
    preview_revision: str | None = None
    pre_promotion_analysis_run: str | None = None
    post_promotion_analysis_run: str | None = None
    promoted_at: Time | None = None
    scale_down_at: Time | None = None


class ABTestStatus(CamelModel):
    """A/B test bookkeeping."""

    started_at: Time | None = None
    iterations: int = Field(default=0, ge=0)
    analysis_run: str | None = None


class UndoRequest(CamelModel):
    """An ``undo`` in flight: the workload's pod template goes back to an earlier revision.

    The pure engine knows revisions (hashes), not templates: it asks for
    ``revision`` (the stable's, or the previous stable's) or, with
    ``kubectl rollout-engine undo --to-revision N``, for revision number
    ``toRevision``; the controller finds the template and writes it. The
    request is dropped once the workload no longer runs ``fromRevision``.
    """

    revision: str | None = None
    to_revision: int | None = Field(default=None, ge=1)
    from_revision: str = Field(min_length=1)
    requested_at: Time


class OutboxEntry(CamelModel):
    """A notification recorded before it is sent, marked sent after (exactly once).

    One entry per (event, subscription), so a message that reached Slack is
    not sent again when a second subscription's webhook fails. ``payload`` is
    the event as recorded (the evidence a new leader sends after a restart);
    it is dropped once the entry is settled, to keep status small.
    ``nextAttemptAt`` is both the retry backoff and the claim a sender writes
    before it sends, so two replicas never send the same entry. Nothing here
    is secret: the URL stays in its Secret.
    """

    key: str = Field(min_length=1)
    event: str
    recorded_at: Time
    sent: bool = False
    attempts: int = Field(default=0, ge=0)
    last_error: str | None = None
    target: str | None = Field(default=None, description="the subscription, never its URL")
    payload: str | None = Field(default=None, description="the event as JSON until settled")
    next_attempt_at: Time | None = None
    gave_up: bool = False


class RolloutStatus(CamelModel):
    """Observed state of a Rollout, per the Kubernetes API conventions."""

    observed_generation: int | None = None
    phase: RolloutPhase | None = None
    message: str | None = None
    conditions: list[Condition] = Field(default_factory=list)
    current_step_index: int | None = Field(default=None, ge=0)
    step_count: int | None = Field(default=None, ge=0)
    step_started_at: Time | None = None
    stable_revision: str | None = None
    candidate_revision: str | None = None
    current_weights: Weights | None = None
    desired_weights: Weights | None = None
    pause_conditions: list[PauseCondition] = Field(default_factory=list)
    abort: bool = False
    aborted_at: Time | None = None
    promote_full: bool = False
    intent: Intent | None = None
    last_intent_id: str | None = None
    canary: CanaryStatus | None = None
    blue_green: BlueGreenStatus | None = None
    ab_test: ABTestStatus | None = None
    last_verdict: RunVerdict | None = None
    progress_started_at: Time | None = Field(
        default=None, description="when the rollout of the current candidate started"
    )
    outbox: list[OutboxEntry] = Field(default_factory=list)
    attempt: int | None = Field(
        default=None, ge=1, description="1 + retries of this candidate; part of run names"
    )
    plan_hash: str | None = Field(
        default=None, description="hash of the plan currentStepIndex refers to; a change restarts"
    )
    previous_stable_revision: str | None = Field(
        default=None, description="the stable before the last promotion, for undo"
    )
    abort_reason: str | None = None
    promotion_started_at: Time | None = Field(
        default=None, description="when the stable started to be updated to the candidate"
    )
    completed_at: Time | None = Field(default=None, description="when the last promotion completed")
    stalled_since: Time | None = Field(
        default=None,
        description="since when the rollout waits on the world (capacity, router, stable); "
        "progressDeadlineSeconds counts from here",
    )
    runs: list[RunVerdict] = Field(
        default_factory=list, description="analysis runs of the current attempt, last phase seen"
    )
    undo: UndoRequest | None = None
