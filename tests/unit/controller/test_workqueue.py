"""The work queue: de-duplication, one worker per key, back-off capped at 30 s, delays."""

from __future__ import annotations

import threading

from rollout_engine.controller.workqueue import WorkQueue


class Ticks:
    """Monotonic time that moves only when told."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_key_added_twice_is_processed_once() -> None:
    queue: WorkQueue[str] = WorkQueue(time=Ticks())
    queue.add("a")
    queue.add("a")
    queue.add("b")
    assert queue.depth() == 2
    assert queue.get(timeout=0) == "a"
    assert queue.get(timeout=0) == "b"
    assert queue.get(timeout=0) is None


def test_a_key_in_flight_is_not_handed_out_again_but_requeued_after_done() -> None:
    queue: WorkQueue[str] = WorkQueue(time=Ticks())
    queue.add("a")
    assert queue.get(timeout=0) == "a"
    queue.add("a")  # changed while a worker reconciles it
    assert queue.get(timeout=0) is None
    assert not queue.idle()
    queue.done("a")
    assert queue.get(timeout=0) == "a"
    queue.done("a")
    assert queue.idle()


def test_back_off_doubles_per_failure_and_is_capped_at_30s() -> None:
    ticks = Ticks()
    queue: WorkQueue[str] = WorkQueue(base_delay=0.005, max_delay=30.0, time=ticks)
    delays = [queue.add_rate_limited("a") for _ in range(20)]
    assert delays[:4] == [0.005, 0.01, 0.02, 0.04]
    assert max(delays) == 30.0 and delays[-1] == 30.0
    assert queue.retries("a") == 20
    queue.forget("a")
    assert queue.retries("a") == 0
    assert queue.add_rate_limited("a") == 0.005


def test_delayed_keys_come_out_when_due_and_the_earliest_request_wins() -> None:
    ticks = Ticks()
    queue: WorkQueue[str] = WorkQueue(time=ticks)
    queue.add_after("a", 10)
    queue.add_after("a", 5)
    queue.add_after("a", 20)
    assert queue.get(timeout=0) is None
    ticks.now += 5
    assert queue.get(timeout=0) == "a"
    queue.done("a")
    ticks.now += 30
    assert queue.get(timeout=0) is None, "the superseded later requests are dropped"
    assert queue.idle()


def test_shutdown_wakes_waiting_workers() -> None:
    queue: WorkQueue[str] = WorkQueue()
    got: list[str | None] = []
    worker = threading.Thread(target=lambda: got.append(queue.get()))
    worker.start()
    queue.shutdown()
    worker.join(2)
    assert got == [None]


def test_a_blocked_worker_wakes_for_a_delayed_key() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add_after("a", 0.05)
    assert queue.get(timeout=2) == "a"
    queue.done("a")
    assert queue.wait_idle(1.0)


def test_background_keys_wait_behind_every_other_key() -> None:
    queue: WorkQueue[str] = WorkQueue()
    for key in ("idle-1", "idle-2", "idle-3"):
        queue.add_background(key)
    queue.add("due")
    queue.add("idle-2")  # an event for a background key moves it up
    assert [queue.get(0), queue.get(0)] == ["due", "idle-2"]
    queue.add("late")
    assert queue.get(0) == "late"
    assert [queue.get(0), queue.get(0), queue.get(0)] == ["idle-1", "idle-3", None]
    assert queue.depth() == 0


def test_a_background_key_already_queued_or_in_flight_is_not_queued_again() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add("a")
    queue.add_background("a")
    assert queue.depth() == 1
    assert queue.get(0) == "a"
    queue.add_background("a")  # in flight: the reconcile running now covers the resync
    queue.done("a")
    assert queue.idle()
