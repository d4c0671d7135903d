"""Exactly once across crashes, restarts and two replicas; retries, give-up, non-blocking submit."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from typing import Any

import pytest
from prometheus_client import REGISTRY

from rollout_engine.api import Rollout, SecretKeySelector
from rollout_engine.errors import KubeError, NotLeader
from rollout_engine.notify import (
    Dispatcher,
    GaveUp,
    NotifyConfig,
    RetryPolicy,
    RolloutRef,
    build_event,
    build_notifier,
    record_event,
)
from rollout_engine.notify.outbox import find
from tests.fakes.rollout_store import Crash, MemoryRolloutStore
from tests.fakes.slack import Answer, SlackReceiver
from tests.unit.notify.builders import NOW, make_rollout, make_run, subscription
from tests.unit.notify.conftest import config_for

REF = RolloutRef("shop", "web")


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Secrets:
    """The caller's Secret resolver: ``namespace/name/key`` → value."""

    def __init__(self, **values: str) -> None:
        self.values = {k.replace("__", "/"): v for k, v in values.items()}

    def __call__(self, namespace: str, ref: SecretKeySelector) -> str:
        return self.values[f"{namespace}/{ref.name}/{ref.key}"]


def _recorded(rollout: Rollout, config: NotifyConfig, *events: str) -> Rollout:
    """What the controller writes: the transition's status with the events recorded."""
    status = rollout.status
    assert status is not None
    for event_type in events or ("analysis-failed",):
        run = make_run() if event_type.startswith("analysis") else None
        event = build_event(rollout, event_type=event_type, now=NOW, run=run)
        status = record_event(status, event, rollout=rollout, config=config, now=NOW)
    return rollout.model_copy(update={"status": status})


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store() -> MemoryRolloutStore:
    return MemoryRolloutStore()


@pytest.fixture
def secrets(receiver: SlackReceiver) -> Secrets:
    return Secrets(
        shop__slack__url=receiver.url(),
        shop__hook__url=receiver.url("/hook"),
    )


def _setup(
    store: MemoryRolloutStore, config: NotifyConfig, *events: str, subs: list[Any] | None = None
) -> Rollout:
    rollout = make_rollout(notifications=subs or [subscription(secret="slack")])
    return store.put(_recorded(rollout, config, *events))


def _dispatcher(
    store: MemoryRolloutStore, secrets: Secrets, config: NotifyConfig, clock: Clock, **kw: Any
) -> Dispatcher:
    return Dispatcher(store=store, resolve_secret=secrets, config=config, clock=clock, **kw)


def _failed_total(kind: str) -> float:
    return (
        REGISTRY.get_sample_value("rollout_engine_notifications_failed_total", {"type": kind})
        or 0.0
    )


def test_a_pending_entry_is_sent_once_and_marked_sent(
    receiver: SlackReceiver,
    store: MemoryRolloutStore,
    secrets: Secrets,
    config: NotifyConfig,
    clock: Clock,
) -> None:
    _setup(store, config)
    dispatcher = _dispatcher(store, secrets, config, clock)
    report = dispatcher.process(REF)
    assert len(report.sent) == 1 and report.next_due is None
    assert dispatcher.process(REF).sent == ()
    assert len(receiver.requests) == 1
    (entry,) = store.get(REF).status.outbox  # type: ignore[union-attr]
    assert entry.sent and entry.attempts == 1 and entry.payload is None
    # NB: status first: the claim landed before the send, then the mark after it
    assert [w.outbox[0].next_attempt_at is not None for w in store.writes] == [True, False]


def test_a_restart_between_record_and_send_sends_exactly_the_pending_ones(
    receiver: SlackReceiver,
    store: MemoryRolloutStore,
    secrets: Secrets,
    config: NotifyConfig,
    clock: Clock,
) -> None:
    # the old leader wrote the transition with two events recorded, then died before sending
    rollout = _setup(store, config, "analysis-failed", "rollout-aborted")
    # the new leader re-derives one of them on its first reconcile: the key exists, nothing is added
    again = record_event(
        rollout.status,  # type: ignore[arg-type]
        build_event(rollout, event_type="analysis-failed", now=NOW, run=make_run()),
        rollout=rollout,
        config=config,
        now=NOW + timedelta(minutes=1),
    )
    assert again == rollout.status
    new_leader = _dispatcher(store, secrets, config, clock)
    assert len(new_leader.process(REF).sent) == 2
    assert _dispatcher(store, secrets, config, clock).process(REF).sent == ()
    assert sorted(r.json["blocks"][0]["text"]["text"] for r in receiver.requests) == [
        ":x: shop/web: aborted",
        ":x: shop/web: analysis failed",
    ]


def test_a_crash_between_claim_and_send_is_sent_once_after_the_claim_expires(
    receiver: SlackReceiver,
    store: MemoryRolloutStore,
    secrets: Secrets,
    config: NotifyConfig,
    clock: Clock,
) -> None:
    _setup(store, config)

    def dies(*args: Any, **kwargs: Any) -> Any:
        raise Crash("killed after the claim, before the POST")

    with pytest.raises(Crash):
        _dispatcher(store, secrets, config, clock, build=dies).process(REF)
    new_leader = _dispatcher(store, secrets, config, clock)
    assert new_leader.process(REF).sent == ()  # still claimed by the dead sender
    clock.advance(seconds=config.retry.claim.total_seconds())
    assert len(new_leader.process(REF).sent) == 1
    assert len(receiver.requests) == 1


def test_a_crash_between_send_and_mark_sent_is_the_documented_at_least_once_window(
    receiver: SlackReceiver,
    store: MemoryRolloutStore,
    secrets: Secrets,
    config: NotifyConfig,
    clock: Clock,
) -> None:
    _setup(store, config)
    store.crash_on_write = lambda status: any(e.sent for e in status.outbox)
    with pytest.raises(Crash):
        _dispatcher(store, secrets, config, clock).process(REF)
    assert len(receiver.requests) == 1  # Slack has it; status does not know
    new_leader = _dispatcher(store, secrets, config, clock)
    assert new_leader.process(REF).sent == ()  # not before the claim expires
    clock.advance(seconds=config.retry.claim.total_seconds())
    assert len(new_leader.process(REF).sent) == 1
    assert len(receiver.requests) == 2  # the one duplicate this design allows
    assert find(store.get(REF).status, store.get(REF).status.outbox[0].key).sent  # type: ignore[union-attr]


def test_two_dispatchers_on_one_store_never_send_the_same_entry_twice(
    receiver: SlackReceiver,
    store: MemoryRolloutStore,
    secrets: Secrets,
    config: NotifyConfig,
    clock: Clock,
) -> None:
    subs = [subscription(secret="slack"), subscription(kind="webhook", secret="hook", channel=None)]
    events = ("analysis-failed", "rollout-aborted", "rollout-paused")
    for round_ in range(10):
        rollout = make_rollout(notifications=subs, revision=f"rev{round_:04d}")
        store.put(_recorded(rollout, config, *events))
        store.on_write = _line_up(threading.Barrier(2))
        replicas = [_dispatcher(store, secrets, config, clock) for _ in range(2)]
        threads = [threading.Thread(target=r.process, args=(REF,)) for r in replicas]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
        store.on_write = None
        assert all(e.sent for e in store.get(REF).status.outbox)  # type: ignore[union-attr]
    assert len(receiver.requests) == 10 * len(events) * len(subs)
    keys = [(r.path, r.raw) for r in receiver.requests]
    assert len(set(keys)) == len(keys)
    assert store.conflicts > 0  # the replicas really raced for the same claims


def test_failures_back_off_then_give_up_with_an_event_and_a_metric(
    receiver: SlackReceiver, store: MemoryRolloutStore, secrets: Secrets, clock: Clock
) -> None:
    config = config_for(receiver, in_call_retries=0, retry=RetryPolicy(max_attempts=3))
    _setup(store, config)
    receiver.script(*[Answer(500, "oops")] * 3)
    gave_up: list[GaveUp] = []
    dispatcher = _dispatcher(store, secrets, config, clock, on_gave_up=gave_up.append)
    before = _failed_total("slack")
    first = dispatcher.process(REF)
    assert len(first.failed) == 1 and first.next_due == NOW + timedelta(seconds=10)
    assert dispatcher.process(REF).failed == ()  # not due yet: no request
    assert len(receiver.requests) == 1
    clock.advance(seconds=10)
    assert dispatcher.process(REF).next_due == NOW + timedelta(seconds=30)
    clock.advance(seconds=20)
    assert len(dispatcher.process(REF).gave_up) == 1
    assert len(receiver.requests) == 3
    (event,) = gave_up
    assert (event.ref, event.event, event.type) == (REF, "analysis-failed", "slack")
    assert event.error == "slack webhook for subscription #0 answered 500 (oops)"
    assert _failed_total("slack") == before + 1
    (entry,) = store.get(REF).status.outbox  # type: ignore[union-attr]
    assert entry.gave_up and entry.attempts == 3 and entry.last_error == event.error


def test_a_permanent_error_gives_up_at_once(
    receiver: SlackReceiver,
    store: MemoryRolloutStore,
    secrets: Secrets,
    config: NotifyConfig,
    clock: Clock,
) -> None:
    _setup(store, config)
    receiver.script(Answer(400, "invalid_blocks"))
    gave_up: list[GaveUp] = []
    report = _dispatcher(store, secrets, config, clock, on_gave_up=gave_up.append).process(REF)
    assert len(report.gave_up) == 1 and len(receiver.requests) == 1
    assert gave_up[0].error == "slack webhook for subscription #0 answered 400 (invalid_blocks)"


def test_a_long_retry_after_schedules_the_next_attempt_after_it(
    receiver: SlackReceiver,
    store: MemoryRolloutStore,
    secrets: Secrets,
    config: NotifyConfig,
    clock: Clock,
) -> None:
    _setup(store, config)
    receiver.script(Answer.rate_limited(90))
    report = _dispatcher(store, secrets, config, clock).process(REF)
    assert report.next_due == NOW + timedelta(seconds=90)


def test_one_failing_subscription_does_not_resend_to_the_others(
    receiver: SlackReceiver, store: MemoryRolloutStore, secrets: Secrets, clock: Clock
) -> None:
    config = config_for(receiver, in_call_retries=0)
    subs = [subscription(secret="slack"), subscription(kind="webhook", secret="hook", channel=None)]
    _setup(store, config, subs=subs)
    receiver.script(Answer(), Answer(502, "bad_gateway"))
    dispatcher = _dispatcher(store, secrets, config, clock)
    first = dispatcher.process(REF)
    assert (len(first.sent), len(first.failed)) == (1, 1)
    clock.advance(minutes=1)
    assert len(dispatcher.process(REF).sent) == 1
    assert [r.path for r in receiver.requests] == ["/services/T000/B000/XXXXXXXX", "/hook", "/hook"]


def test_a_removed_subscription_and_an_unreadable_secret_are_reported(
    store: MemoryRolloutStore, config: NotifyConfig, clock: Clock
) -> None:
    rollout = _setup(store, config)
    gone = rollout.model_copy(
        update={
            "spec": rollout.spec.model_copy(
                update={
                    "notifications": [
                        rollout.spec.notifications[0].model_copy(update={"channel": "#other"})
                    ]
                }
            )
        }
    )
    store.put(gone)
    gave_up: list[GaveUp] = []
    report = _dispatcher(store, Secrets(), config, clock, on_gave_up=gave_up.append).process(REF)
    assert len(report.gave_up) == 1
    assert gave_up[0].error == "subscription slack:slack/url@#deploys was removed"
    _setup(store, config)
    report = _dispatcher(store, Secrets(), config, clock).process(REF)
    (entry,) = store.get(REF).status.outbox  # type: ignore[union-attr]
    assert len(report.failed) == 1
    assert entry.last_error == (
        "slack webhook for subscription #0: cannot read Secret shop/slack key url (KeyError)"
    )


def test_submit_never_blocks_on_a_hanging_webhook(
    receiver: SlackReceiver, store: MemoryRolloutStore, secrets: Secrets, config: NotifyConfig
) -> None:
    _setup(store, config)
    receiver.script(Answer(hang=30))
    dispatcher = Dispatcher(store=store, resolve_secret=secrets, config=config)
    dispatcher.start()
    try:
        started = time.monotonic()
        assert dispatcher.submit(REF)
        assert dispatcher.submit(RolloutRef("shop", "other"))  # an unknown rollout is harmless
        assert time.monotonic() - started < 0.5
        assert receiver.wait_arrived(1) == 1  # the POST is in flight in a worker
        receiver.release()
        receiver.wait_for(1)
        _wait(lambda: store.get(REF).status.outbox[0].sent)  # type: ignore[union-attr]
    finally:
        dispatcher.stop()


def test_the_timer_resubmits_an_entry_when_its_backoff_ends(
    receiver: SlackReceiver, store: MemoryRolloutStore, secrets: Secrets
) -> None:
    config = config_for(
        receiver, in_call_retries=0, retry=RetryPolicy(backoff_base=timedelta(milliseconds=100))
    )
    _setup(store, config)
    receiver.script(Answer(500, "oops"))
    dispatcher = Dispatcher(store=store, resolve_secret=secrets, config=config)
    dispatcher.start()
    try:
        dispatcher.submit(REF)
        receiver.wait_for(2)
        _wait(lambda: store.get(REF).status.outbox[0].sent)  # type: ignore[union-attr]
    finally:
        dispatcher.stop()
    assert [r.answered for r in receiver.requests] == [500, 200]


def test_a_full_queue_refuses_without_blocking(
    store: MemoryRolloutStore, secrets: Secrets, receiver: SlackReceiver
) -> None:
    dispatcher = Dispatcher(
        store=store, resolve_secret=secrets, config=config_for(receiver, queue_size=1)
    )
    assert dispatcher.submit(RolloutRef("shop", "a"))
    assert dispatcher.submit(RolloutRef("shop", "a"))  # already queued
    assert not dispatcher.submit(RolloutRef("shop", "b"))


def test_the_default_builder_is_the_registry() -> None:
    assert Dispatcher.__init__.__kwdefaults__["build"] is build_notifier  # type: ignore[index]


def _line_up(barrier: threading.Barrier) -> Any:
    """Hold each thread's first write until the other one is about to write too."""
    local = threading.local()

    def line_up() -> None:
        if not getattr(local, "waited", False):
            local.waited = True
            barrier.wait(timeout=5)

    return line_up


def _wait(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


class FailingWrites:
    """``on_write``: the next writes fail with `errors`, in order, before the compare-and-set."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)

    def __call__(self) -> None:
        if self.errors:
            raise self.errors.pop(0)


@pytest.mark.parametrize("status", [429, 500, 503, None])
def test_a_transient_error_on_the_claim_or_the_settle_is_retried_not_sent_twice(
    receiver: SlackReceiver,
    store: MemoryRolloutStore,
    secrets: Secrets,
    config: NotifyConfig,
    clock: Clock,
    *,
    status: int | None,
) -> None:
    _setup(store, config)
    claim, settle = KubeError("claim failed", status=status), KubeError("settle", status=status)
    failing = FailingWrites(claim, settle, settle)
    writes = 0

    def on_write() -> None:
        nonlocal writes
        writes += 1
        if writes != 2:  # NB: the claim fails once, lands, then the settle fails twice
            failing()

    store.on_write = on_write
    report = _dispatcher(store, secrets, config, clock).process(REF)
    assert len(report.sent) == 1
    assert len(receiver.requests) == 1
    rollout = store.get(REF)
    assert rollout.status is not None and rollout.status.outbox[0].sent
    clock.advance(seconds=config.retry.claim.total_seconds() + 1)
    assert _dispatcher(store, secrets, config, clock).process(REF).sent == ()
    assert len(receiver.requests) == 1


def test_the_leadership_fence_is_not_retried(
    receiver: SlackReceiver,
    store: MemoryRolloutStore,
    secrets: Secrets,
    config: NotifyConfig,
    clock: Clock,
) -> None:
    _setup(store, config)
    refused = FailingWrites(*(NotLeader("not the leader") for _ in range(5)))
    store.on_write = refused
    report = _dispatcher(store, secrets, config, clock).process(REF)
    assert report.sent == () and receiver.requests == []
    assert len(refused.errors) == 4  # one attempt, then it stops
