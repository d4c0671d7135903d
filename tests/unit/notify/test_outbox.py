"""The outbox as pure functions: recorded once, claimed, settled, backed off, pruned."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from rollout_engine.api import RolloutStatus
from rollout_engine.api.notifications import NOTIFICATION_EVENTS
from rollout_engine.notify import (
    NotifyConfig,
    RetryPolicy,
    RolloutEvent,
    build_event,
    claim,
    entry_key,
    event_key,
    has_pending,
    mark_failed,
    mark_sent,
    next_due,
    pending,
    record,
    record_event,
)
from rollout_engine.notify.outbox import find
from tests.unit.notify.builders import NOW, REVISION, UID, make_rollout, make_run, subscription

POLICY = RetryPolicy(max_attempts=3, backoff_base=timedelta(seconds=10))


def _event(
    event_type: str = "analysis-failed", *, step: int = 3, revision: str = REVISION
) -> RolloutEvent:
    run = make_run() if event_type.startswith("analysis") else None
    rollout = make_rollout(step=step, revision=revision)
    return build_event(rollout, event_type=event_type, now=NOW, run=run)


def _recorded(*targets: str) -> RolloutStatus:
    return record(RolloutStatus(), _event(), targets=targets or ("slack:a/url",), now=NOW)


def test_the_key_is_uid_revision_step_event_and_run() -> None:
    assert event_key(_event()) == f"{UID}/{REVISION}/3/analysis-failed/web-{REVISION}-3-error-ratio"
    assert event_key(_event("rollout-paused")) == f"{UID}/{REVISION}/3/rollout-paused"
    assert entry_key(_event("rollout-paused"), "slack:a/url") == (
        f"{UID}/{REVISION}/3/rollout-paused>slack:a/url"
    )


def test_recording_adds_one_pending_entry_per_target_with_the_event_as_payload() -> None:
    status = _recorded("slack:a/url", "webhook:b/url", "slack:a/url")
    assert [e.target for e in status.outbox] == ["slack:a/url", "webhook:b/url"]
    entry = status.outbox[0]
    assert (entry.event, entry.sent, entry.attempts, entry.recorded_at) == (
        "analysis-failed",
        False,
        0,
        NOW,
    )
    assert entry.payload is not None
    assert RolloutEvent.model_validate_json(entry.payload) == _event()
    assert has_pending(status) and [e.key for e in pending(status, now=NOW)] == [
        e.key for e in status.outbox
    ]


@settings(deadline=None, max_examples=50)  # builds real events; timing is not the property
@given(st.lists(st.sampled_from(NOTIFICATION_EVENTS), max_size=12), st.integers(0, 6))
def test_recording_the_same_event_again_never_adds_an_entry(events: list[str], step: int) -> None:
    status = RolloutStatus()
    for event_type in events:
        status = record(status, _event(event_type, step=step), targets=["t"], now=NOW)
    again = status
    for event_type in events:
        again = record(again, _event(event_type, step=step), targets=["t"], now=NOW + timedelta(1))
    assert again == status
    assert len(status.outbox) == len(set(events))


def test_record_event_routes_through_the_rollouts_subscriptions() -> None:
    rollout = make_rollout(
        notifications=[subscription(severity="error"), subscription(kind="webhook", secret="h")]
    )
    config = NotifyConfig()
    paused = record_event(
        RolloutStatus(), _event("rollout-paused"), rollout=rollout, config=config, now=NOW
    )
    assert [e.target for e in paused.outbox] == ["webhook:h/url@#deploys"]
    failed = record_event(paused, _event(), rollout=rollout, config=config, now=NOW)
    assert len(failed.outbox) == 3


def test_a_claim_hides_the_entry_until_it_expires() -> None:
    status = _recorded()
    key = status.outbox[0].key
    claimed = claim(status, key, now=NOW, policy=POLICY)
    assert claimed is not None
    assert pending(claimed, now=NOW + timedelta(seconds=1)) == []
    assert claim(claimed, key, now=NOW + timedelta(seconds=1), policy=POLICY) is None
    later = NOW + POLICY.claim
    assert [e.key for e in pending(claimed, now=later)] == [key]
    assert claim(claimed, key, now=later, policy=POLICY) is not None
    assert next_due(claimed) == NOW + POLICY.claim


def test_mark_sent_settles_and_drops_the_payload_idempotently() -> None:
    status = _recorded()
    key = status.outbox[0].key
    sent = mark_sent(status, key)
    entry = find(sent, key)
    assert entry is not None and entry.sent and entry.payload is None and entry.attempts == 1
    assert not has_pending(sent) and next_due(sent) is None
    assert mark_sent(sent, key) == sent
    assert mark_sent(sent, "no-such-key") == sent
    assert claim(sent, key, now=NOW, policy=POLICY) is None


def test_failures_back_off_exponentially_then_give_up() -> None:
    status = _recorded()
    key = status.outbox[0].key
    first = mark_failed(status, key, error="answered 500", now=NOW, policy=POLICY)
    entry = find(first, key)
    assert entry is not None
    assert (entry.attempts, entry.last_error, entry.next_attempt_at) == (
        1,
        "answered 500",
        NOW + timedelta(seconds=10),
    )
    second = mark_failed(first, key, error="answered 500", now=NOW, policy=POLICY)
    assert (entry := find(second, key)) is not None
    assert entry.next_attempt_at == NOW + timedelta(seconds=20)
    third = mark_failed(second, key, error="answered 500", now=NOW, policy=POLICY)
    assert (entry := find(third, key)) is not None
    assert entry.gave_up and not entry.sent and entry.payload is None and entry.attempts == 3
    assert not has_pending(third)


def test_retry_after_is_honoured_and_the_backoff_is_capped() -> None:
    policy = RetryPolicy(max_attempts=20, backoff_cap=timedelta(minutes=1))
    assert policy.next_attempt(attempts=1, now=NOW, retry_after=90) == NOW + timedelta(seconds=90)
    assert policy.next_attempt(attempts=15, now=NOW) == NOW + timedelta(minutes=1)


def test_a_permanent_failure_gives_up_at_once() -> None:
    status = _recorded()
    key = status.outbox[0].key
    gone = mark_failed(status, key, error="answered 404", now=NOW, policy=POLICY, permanent=True)
    assert (entry := find(gone, key)) is not None
    assert entry.gave_up and entry.attempts == 1


def test_settled_entries_of_older_revisions_are_pruned_pending_ones_never() -> None:
    old = record(RolloutStatus(), _event(revision="aaaa1111"), targets=["t1", "t2"], now=NOW)
    old = mark_sent(old, old.outbox[0].key)  # t1 delivered; t2 still pending
    new = record(old, _event(revision="bbbb2222"), targets=["t1"], now=NOW + timedelta(hours=1))
    assert [(e.key.split("/")[1], e.target) for e in new.outbox] == [
        ("aaaa1111", "t2"),
        ("bbbb2222", "t1"),
    ]


def test_the_outbox_is_bounded_by_dropping_the_oldest_settled_entries() -> None:
    status = RolloutStatus()
    for step in range(30):
        status = record(
            status,
            _event(step=step),
            targets=["t"],
            now=NOW + timedelta(minutes=step),
            max_entries=10,
        )
        status = mark_sent(status, status.outbox[-1].key)
    assert len(status.outbox) == 10
    assert [int(e.key.split("/")[2]) for e in status.outbox] == list(range(20, 30))
    for step in range(30, 45):  # pending entries are kept even beyond the cap
        status = record(
            status,
            _event(step=step),
            targets=["t"],
            now=NOW + timedelta(minutes=step),
            max_entries=10,
        )
    assert len(status.outbox) == 15 and all(not e.sent for e in status.outbox)
