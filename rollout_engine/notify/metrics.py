"""The controller's own metrics about notifications (scraped from ``/metrics``).

Labelled by subscription type only: a label per rollout or per run would
grow the series count with every deploy (reliability.md T15, M-series).
"""

from __future__ import annotations

from prometheus_client import Counter

__all__ = ["NOTIFICATIONS_FAILED", "NOTIFICATIONS_SENT"]

NOTIFICATIONS_FAILED = Counter(
    "rollout_engine_notifications_failed_total",
    "Notifications given up after their last attempt (or a permanent error), by type.",
    ["type"],
)
NOTIFICATIONS_SENT = Counter(
    "rollout_engine_notifications_sent_total",
    "Notifications delivered, by type.",
    ["type"],
)
