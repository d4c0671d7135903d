"""Tell people about rollouts: Slack and webhook notifications with the evidence, exactly once.

The controller's side of it, in order (see ``dispatcher`` for the details):

1. build the event: ``build_event(rollout, event_type=..., now=..., run=run)``;
2. record it in the status it is about to write:
   ``status = record_event(status, event, rollout=rollout, config=config, now=now)``;
3. after that status write succeeds: ``dispatcher.submit(RolloutRef(ns, name))``.

On becoming leader: ``dispatcher.start()`` and ``submit`` every rollout whose
status ``has_pending``; on losing it: ``dispatcher.stop()``.
"""

from __future__ import annotations

from rollout_engine.notify.config import NotifyConfig, RetryPolicy
from rollout_engine.notify.delivery import (
    DispatchReport,
    GaveUp,
    RolloutRef,
    RolloutStore,
    SecretResolver,
)
from rollout_engine.notify.destinations import Destination, DestinationPolicy, system_resolver
from rollout_engine.notify.dispatcher import Dispatcher
from rollout_engine.notify.events import MetricEvidence, RolloutEvent
from rollout_engine.notify.evidence import build_event, evidence_row
from rollout_engine.notify.notifiers import (
    NOTIFIERS,
    Notifier,
    NotifierFactory,
    NullNotifier,
    SlackNotifier,
    WebhookNotifier,
    build_notifier,
)
from rollout_engine.notify.outbox import (
    claim,
    entry_key,
    event_key,
    has_pending,
    mark_failed,
    mark_sent,
    next_due,
    pending,
    prune,
    record,
    record_event,
)
from rollout_engine.notify.routing import Target, route, targets_for
from rollout_engine.notify.slack_message import escape, slack_message

__all__ = [
    "NOTIFIERS",
    "Destination",
    "DestinationPolicy",
    "DispatchReport",
    "Dispatcher",
    "GaveUp",
    "MetricEvidence",
    "Notifier",
    "NotifierFactory",
    "NotifyConfig",
    "NullNotifier",
    "RetryPolicy",
    "RolloutEvent",
    "RolloutRef",
    "RolloutStore",
    "SecretResolver",
    "SlackNotifier",
    "Target",
    "WebhookNotifier",
    "build_event",
    "build_notifier",
    "claim",
    "entry_key",
    "escape",
    "event_key",
    "evidence_row",
    "has_pending",
    "mark_failed",
    "mark_sent",
    "next_due",
    "pending",
    "prune",
    "record",
    "record_event",
    "route",
    "slack_message",
    "system_resolver",
    "targets_for",
]
