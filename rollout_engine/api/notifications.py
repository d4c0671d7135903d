"""Who hears about a rollout, and about what (``spec.notifications``).

The webhook URL is a secret (Slack treats it as one): it is only ever read
from a Secret, never written inline, so it cannot leak through Git, status or
Events.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from rollout_engine.api.base import CamelModel, Invalid
from rollout_engine.api.meta import SecretValueSource

__all__ = [
    "DEFAULT_EVENTS",
    "NOTIFICATION_EVENTS",
    "NotificationEvent",
    "NotificationSubscription",
    "Severity",
]

NotificationEvent = Literal[
    "analysis-successful",
    "analysis-failed",
    "analysis-inconclusive",
    "analysis-error",
    "rollout-paused",
    "rollout-aborted",
    "rollout-promoted",
    "step-completed",
]
NOTIFICATION_EVENTS: tuple[str, ...] = NotificationEvent.__args__  # type: ignore[attr-defined]
DEFAULT_EVENTS: tuple[str, ...] = tuple(e for e in NOTIFICATION_EVENTS if e != "step-completed")
"""Everything but ``step-completed``, which is opt-in because it is chatty."""

Severity = Literal["info", "warn", "error"]
SUPPORTED_TARGETS = ("slack", "webhook")


class NotificationSubscription(CamelModel):
    """Send these events, at or above this severity, to one Slack channel or webhook."""

    type: str = Field(default="slack", examples=["slack", "webhook"])
    url_from: SecretValueSource
    channel: str | None = Field(default=None, max_length=80)
    events: list[NotificationEvent] = Field(default_factory=lambda: list(DEFAULT_EVENTS))  # type: ignore[arg-type]
    severity: Severity = "info"

    @model_validator(mode="before")
    @classmethod
    def _no_inline_url(cls, data: Any) -> Any:
        if isinstance(data, dict) and ("url" in data or "webhookUrl" in data):
            raise Invalid(
                "a webhook URL is a secret and cannot be written inline",
                fix="put the URL in a Secret and reference it with urlFrom.secretKeyRef",
            )
        if isinstance(data, dict) and data.get("type", "slack") not in SUPPORTED_TARGETS:
            raise Invalid(
                f"unsupported notification type {data['type']!r}",
                fix="use one of: " + ", ".join(SUPPORTED_TARGETS),
            )
        return data
