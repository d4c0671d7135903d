"""Assertions the end-to-end scenarios share: on the journal, the store, Slack and Events."""

from __future__ import annotations

from collections import Counter
from typing import Any

from tests.e2e.controller.harness import Harness
from tests.fakes.slack.server import SlackReceiver

__all__ = [
    "assert_events",
    "assert_one_message_per_verdict",
    "assert_status_writes_use_the_subresource",
    "assert_weights_follow_the_plan",
    "event_reasons",
    "slack_events",
]


def assert_status_writes_use_the_subresource(h: Harness) -> None:
    """Every Rollout write is a status write, or a patch of its finalizers only.

    All with field manager ``rollout-engine``.
    """
    writes = h.api.journal.writes(identity="controller", resource="rollouts")
    assert writes, "the controller never wrote a Rollout status"
    main = [w for w in writes if w.subresource != "status"]
    assert {w.subresource for w in writes} - {""} == {"status"}
    for write in main:
        assert write.verb == "patch", write.path
        assert set(write.json()) == {"metadata"}, write.json()
        assert set(write.json()["metadata"]) == {"finalizers", "resourceVersion"}, write.json()
    assert {w.field_manager for w in writes} == {"rollout-engine"}
    every = h.api.journal.writes(identity="controller")
    assert {w.field_manager for w in every if w.verb != "delete"} == {"rollout-engine"}


def assert_weights_follow_the_plan(h: Harness, *, plan: list[int], promoted: bool) -> None:
    """Every router write respects the plan at the step the status was at, and passes admission.

    `plan` is the candidate weight each step sets (cumulative, as ``rollout-engine plan`` shows
    it); past the last step (the promotion) the plan allows 100. Weights only grow until the
    promotion returns traffic to the stable or an abort sends it back; they end at 0.
    """
    weights = h.weights
    assert not h.admission_problems
    rejected = [w for w in h.api.journal.writes(resource="virtualservices") if w.status == 400]
    assert rejected == []
    assert len(h.steps) == len(weights)
    growing = True
    for weight, (index, aborted), before in zip(weights, h.steps, [0, *weights[:-1]], strict=True):
        allowed = 100 if index is None or index >= len(plan) else plan[index]
        if aborted or (promoted and before == 100):
            growing = False
        assert weight <= allowed or not growing, (weights, h.steps)
        if growing:
            assert weight >= before, f"the weight went down without an abort: {weights}"
    assert weights[-1] == 0, weights
    assert (100 in weights) == promoted, weights


def slack_events(slack: SlackReceiver) -> list[str]:
    """The event type of every message Slack received, in order."""
    out = []
    for request in slack.requests:
        context = request.json["blocks"][-1]["elements"][0]["text"]
        out.append(context.split(" · ")[1])
    return out


def assert_one_message_per_verdict(h: Harness, slack: SlackReceiver, expected: list[str]) -> None:
    """Slack got exactly `expected` (in order), once each, and the outbox says all were sent."""
    outbox = h.status().get("outbox") or []
    h.controller.dispatcher.stop(timeout=1.0)
    assert slack_events(slack) == expected
    keys = Counter(e["key"] for e in outbox)
    assert all(n == 1 for n in keys.values()), keys
    assert all(e.get("sent") for e in outbox), outbox


def event_reasons(h: Harness, name: str = "web") -> Counter[str]:
    """Reasons of the Kubernetes Events recorded on Rollout `name` (with their counts)."""
    events = h.api.store.list("v1", "Event", namespace=h.namespace)
    reasons: Counter[str] = Counter()
    for event in events:
        involved: dict[str, Any] = event.get("involvedObject") or {}
        if involved.get("kind") == "Rollout" and involved.get("name") == name:
            reasons[event["reason"]] += int(event.get("count", 1))
    return reasons


def assert_events(h: Harness, *reasons: str) -> None:
    """Each reason was recorded as a Kubernetes Event on the Rollout."""
    seen = event_reasons(h)
    missing = [r for r in reasons if r not in seen]
    assert not missing, f"no Event for {missing}; seen {dict(seen)}"
