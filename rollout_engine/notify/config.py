"""Controller-level notification settings: defaults, destinations, retries, sizes.

One frozen value built once from the controller's flags or ConfigMap and
handed to routing, the outbox and the dispatcher. Constructors validate
early, so a bad setting fails at start-up with a precise message rather than
at the first verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from rollout_engine.api.notifications import NotificationSubscription
from rollout_engine.notify.destinations import DestinationPolicy

__all__ = ["NotifyConfig", "RetryPolicy"]


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long an outbox entry is retried, and how long a send is claimed.

    ``claim`` must outlast one send with its in-call retries (timeout × tries
    plus Retry-After waits): it is the time after which a replica that
    crashed mid-send is presumed dead and the entry is sent again.
    """

    max_attempts: int = 5
    backoff_base: timedelta = timedelta(seconds=10)
    backoff_cap: timedelta = timedelta(minutes=10)
    claim: timedelta = timedelta(minutes=2)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1 (got {self.max_attempts})")
        if self.backoff_base <= timedelta(0) or self.backoff_cap < self.backoff_base:
            raise ValueError("backoff_base must be positive and at most backoff_cap")
        if self.claim <= timedelta(0):
            raise ValueError("claim must be positive")

    def next_attempt(
        self, *, attempts: int, now: datetime, retry_after: float | None = None
    ) -> datetime:
        """When to try again after ``attempts`` failures: exponential, capped, ≥ Retry-After."""
        delay = min(self.backoff_cap, self.backoff_base * (1 << min(30, max(0, attempts - 1))))
        if retry_after is not None:
            delay = max(delay, timedelta(seconds=retry_after))
        return now + delay


@dataclass(frozen=True)
class NotifyConfig:
    """Everything notify needs from the controller's configuration.

    Args:
        defaults: subscriptions used for a Rollout without ``spec.notifications``
            (Flagger's global notifier rule); their Secrets live in
            ``defaults_namespace`` (the controller's).
        destinations: where webhooks may point (call-time SSRF checks).
        retry: outbox retries and the send claim.
        timeout_seconds: per HTTP request.
        in_call_retries: retries inside one attempt (429 with a short
            Retry-After, 500/503, connection errors).
        max_retry_after_seconds: a longer Retry-After is not slept on in a
            worker; the outbox schedules the next attempt after it instead.
        outbox_max_entries: settled entries are pruned beyond this.
        workers / queue_size: the dispatcher's bounded pool.
    """

    defaults: tuple[NotificationSubscription, ...] = ()
    defaults_namespace: str = "rollout-engine"
    destinations: DestinationPolicy = field(default_factory=DestinationPolicy)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    timeout_seconds: float = 10.0
    in_call_retries: int = 2
    max_retry_after_seconds: int = 30
    outbox_max_entries: int = 100
    workers: int = 2
    queue_size: int = 1024

    def __post_init__(self) -> None:
        if not 0 < self.timeout_seconds <= 120:
            raise ValueError(f"timeout_seconds must be in (0, 120] (got {self.timeout_seconds})")
        if self.in_call_retries < 0 or self.max_retry_after_seconds < 0:
            raise ValueError("in_call_retries and max_retry_after_seconds cannot be negative")
        if self.outbox_max_entries < 1 or self.workers < 1 or self.queue_size < 1:
            raise ValueError("outbox_max_entries, workers and queue_size must be at least 1")
        if self.retry.claim.total_seconds() <= self.longest_send_seconds:
            raise ValueError(
                f"retry.claim ({self.retry.claim.total_seconds():g}s) must outlast the longest "
                f"send ({self.longest_send_seconds:g}s), or a slow send would be sent twice"
            )

    @property
    def longest_send_seconds(self) -> float:
        """Worst case of one attempt: every try times out, every 429 waits the longest."""
        tries = self.in_call_retries + 1
        waits = self.in_call_retries * (self.max_retry_after_seconds + 2)  # + slack_sdk's jitter
        return self.timeout_seconds * tries + waits
