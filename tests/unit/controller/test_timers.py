"""Wake-ups: one enqueue-only APScheduler job per (rollout, purpose), on the injected clock."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from rollout_engine.controller.clock import system_clock
from rollout_engine.controller.timers import Timers
from rollout_engine.notify import RolloutRef
from tests.fakes.clock import FakeClock

WEB, API = RolloutRef("shop", "web"), RolloutRef("shop", "api")
T0 = datetime(2024, 5, 1, tzinfo=UTC)


@pytest.fixture
def scheduler() -> Iterator[BackgroundScheduler]:
    """A running scheduler that never fires (paused): the jobs are inspected, not run."""
    running = BackgroundScheduler(timezone=UTC)
    running.start(paused=True)
    yield running
    running.shutdown(wait=False)


def test_one_job_per_purpose_replaced_not_duplicated(scheduler: BackgroundScheduler) -> None:
    clock, fired = FakeClock(T0), list[RolloutRef]()
    timers = Timers(enqueue=fired.append, clock=clock, scheduler=scheduler)
    timers.set(
        WEB, {"rollout": T0 + timedelta(minutes=2), "run:web-a-1": T0 + timedelta(minutes=1)}
    )
    timers.set(
        WEB, {"rollout": T0 + timedelta(minutes=3), "run:web-a-1": T0 + timedelta(minutes=1)}
    )
    jobs = {j.id: j for j in scheduler.get_jobs()}
    assert sorted(jobs) == ["shop|web|rollout", "shop|web|run:web-a-1"]
    job = jobs["shop|web|rollout"]
    assert job.coalesce is True and job.max_instances == 1
    assert timers.pending(WEB) == {
        "rollout": T0 + timedelta(minutes=3),
        "run:web-a-1": T0 + timedelta(minutes=1),
    }
    timers.set(WEB, {"rollout": None})
    assert timers.pending(WEB) == {}
    assert scheduler.get_jobs() == []


def test_fire_due_enqueues_what_the_injected_clock_says_is_due(
    scheduler: BackgroundScheduler,
) -> None:
    clock, fired = FakeClock(T0), list[RolloutRef]()
    timers = Timers(enqueue=fired.append, clock=clock, scheduler=scheduler)
    timers.set(WEB, {"rollout": T0 + timedelta(minutes=2)})
    timers.set(API, {"run:api-x-bg": T0 + timedelta(seconds=30)})
    assert timers.next_wake() == T0 + timedelta(seconds=30)
    assert timers.fire_due() == []
    clock.advance(timedelta(minutes=1))
    assert timers.fire_due() == [API]
    clock.advance(timedelta(minutes=5))
    assert timers.fire_due() == [WEB]
    assert fired == [API, WEB]
    assert timers.next_wake() is None


def test_cancel_and_clear_drop_wake_ups(scheduler: BackgroundScheduler) -> None:
    clock, fired = FakeClock(T0), list[RolloutRef]()
    timers = Timers(enqueue=fired.append, clock=clock, scheduler=scheduler)
    timers.set(WEB, {"rollout": T0 + timedelta(minutes=2)})
    timers.set(API, {"rollout": T0 + timedelta(minutes=2)})
    timers.cancel(WEB)
    assert timers.pending(WEB) == {} and timers.pending(API)
    timers.clear()
    assert timers.next_wake() is None and scheduler.get_jobs() == []


def test_a_job_only_enqueues_when_the_wall_clock_reaches_it() -> None:
    done = threading.Event()
    fired: list[RolloutRef] = []

    def enqueue(key: RolloutRef) -> None:
        fired.append(key)
        done.set()

    timers = Timers(enqueue=enqueue, clock=system_clock)
    timers.start()
    try:
        timers.set(WEB, {"rollout": system_clock() + timedelta(milliseconds=50)})
        assert done.wait(5)
        assert fired == [WEB]
        assert timers.pending(WEB) == {}
    finally:
        timers.stop()
