"""The Lease elector against the fake API server: one attempt at a time on a fake clock,
then the threads (watchdog, release) on scaled-down timings."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from rollout_engine.errors import NotLeader
from rollout_engine.kube import LeaderElector, LeaseSettings, Objects, kind

LEASE = kind("Lease")
NS = "rollout-engine"


class Clock:
    """Monotonic seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


class Losses:
    def __init__(self) -> None:
        self.reasons: list[str] = []
        self.event = threading.Event()

    def __call__(self, reason: str) -> None:
        self.reasons.append(reason)
        self.event.set()


def _settings(identity: str, **timing: float) -> LeaseSettings:
    return LeaseSettings(
        namespace=NS,
        identity=identity,
        lease_duration=timing.get("lease_duration", 15.0),
        renew_deadline=timing.get("renew_deadline", 10.0),
        retry_period=timing.get("retry_period", 2.0),
    )


def _elector(
    objects: Objects,
    identity: str,
    *,
    clock: Callable[[], float],
    lost: Losses | None = None,
    **timing: float,
) -> LeaderElector:
    return LeaderElector(
        objects,
        _settings(identity, **timing),
        on_started=lambda: None,
        on_stopped=lost or Losses(),
        now=clock,
        wall=lambda: datetime(2030, 1, 1, tzinfo=UTC) + timedelta(seconds=clock()),
    )


@pytest.fixture
def api(apiserver: Any) -> Any:
    Objects(apiserver.api_client("admin")).create(kind("Namespace"), {"metadata": {"name": NS}})
    return apiserver


def _lease(api: Any) -> dict[str, Any]:
    found = api.store.get(
        "coordination.k8s.io/v1", "Lease", name="rollout-engine-controller", namespace=NS
    )
    assert found is not None
    return dict(found["spec"])


def test_the_first_candidate_creates_the_lease_and_may_write(api: Any) -> None:
    clock = Clock()
    a = _elector(Objects(api.api_client("a")), "a", clock=clock)
    with pytest.raises(NotLeader):
        a.guard()
    assert a.try_acquire_or_renew()
    a.guard()
    spec = _lease(api)
    assert spec["holderIdentity"] == "a"
    assert spec["leaseDurationSeconds"] == 15
    assert spec["renewTime"] == "2030-01-01T00:16:40.000000Z"
    assert spec["leaseTransitions"] == 0
    (create,) = api.journal.writes(identity="a", resource="leases")
    assert create.verb == "create"


def test_a_standby_waits_a_lease_duration_of_its_own_clock_then_takes_over(api: Any) -> None:
    clock = Clock()
    a = _elector(Objects(api.api_client("a")), "a", clock=clock)
    b = _elector(Objects(api.api_client("b")), "b", clock=clock)
    assert a.try_acquire_or_renew()
    assert not b.try_acquire_or_renew()
    assert b.holder == "a"
    clock.t += 14.9
    assert not b.try_acquire_or_renew()  # NB: a's record has not changed, b has waited 14.9 s
    with pytest.raises(NotLeader):
        a.guard()  # a's renew deadline (10 s) passed long ago: it writes nothing
    clock.t += 0.2
    assert b.try_acquire_or_renew()
    spec = _lease(api)
    assert spec["holderIdentity"] == "b" and spec["leaseTransitions"] == 1
    b.guard()


def test_a_renewal_resets_the_standbys_wait(api: Any) -> None:
    clock = Clock()
    a = _elector(Objects(api.api_client("a")), "a", clock=clock)
    b = _elector(Objects(api.api_client("b")), "b", clock=clock)
    assert a.try_acquire_or_renew()
    assert not b.try_acquire_or_renew()
    clock.t += 9
    assert a.try_acquire_or_renew()  # renewed: a new resourceVersion
    assert not b.try_acquire_or_renew()  # b sees the change now
    clock.t += 14
    assert not b.try_acquire_or_renew()
    renewals = api.journal.writes(identity="a", resource="leases", verb="update")
    assert len(renewals) == 1 and renewals[0].status == 200


def test_two_candidates_racing_for_an_expired_lease_get_one_200_and_one_409(api: Any) -> None:
    clock = Clock()
    a = _elector(Objects(api.api_client("a")), "a", clock=clock)
    assert a.try_acquire_or_renew()

    class Racing(Objects):
        """b's read returns, then c writes before b does."""

        def get(self, kind_: Any, *, name: str, namespace: str | None = None) -> dict[str, Any]:
            found = super().get(kind_, name=name, namespace=namespace)
            if kind_ == LEASE and c.holder is None:
                assert c.try_acquire_or_renew()
            return found

    b = _elector(Racing(api.api_client("b")), "b", clock=clock)
    c = _elector(Objects(api.api_client("c")), "c", clock=clock)
    b._observed_at = c._observed_at = clock.t - 100  # both last saw a's record long ago
    b._observed_version = c._observed_version = _rv(api)
    clock.t += 20
    assert not b.try_acquire_or_renew()
    assert _lease(api)["holderIdentity"] == "c"
    statuses = [w.status for w in api.journal.writes(resource="leases", verb="update")]
    assert statuses == [200, 409]
    with pytest.raises(NotLeader):
        b.guard()


def _rv(api: Any) -> str:
    found = api.store.get(
        "coordination.k8s.io/v1", "Lease", name="rollout-engine-controller", namespace=NS
    )
    return str(found["metadata"]["resourceVersion"])


def test_the_guard_refuses_once_the_renew_deadline_passes(api: Any) -> None:
    clock = Clock()
    a = _elector(Objects(api.api_client("a")), "a", clock=clock)
    assert a.try_acquire_or_renew()
    clock.t += 9.99
    a.guard()
    clock.t += 0.01
    with pytest.raises(NotLeader, match="not the leader"):
        a.guard()
    assert a.is_leader.is_set()  # the elector has not noticed yet: the fence does not wait for it


def test_a_leader_that_finds_another_holder_loses_at_once(api: Any) -> None:
    clock = Clock()
    lost = Losses()
    a = _elector(Objects(api.api_client("a")), "a", clock=clock, lost=lost)
    b = _elector(Objects(api.api_client("b")), "b", clock=clock)
    assert a.try_acquire_or_renew()
    assert not b.try_acquire_or_renew()
    clock.t += 16
    assert b.try_acquire_or_renew()  # a was partitioned; b waited the lease out
    assert not a.try_acquire_or_renew()  # the fast path gets 409, the re-read shows b
    assert a.holder == "b"
    a._after_failed_renewal()
    assert lost.reasons == ["the lease is held by b"]
    assert a.ended() == "the lease is held by b"
    assert not a.try_acquire_or_renew()  # loss is final
    with pytest.raises(NotLeader):
        a.guard()


def test_release_hands_the_lease_over_without_waiting(api: Any) -> None:
    clock = Clock()
    a = _elector(Objects(api.api_client("a")), "a", clock=clock)
    b = _elector(Objects(api.api_client("b")), "b", clock=clock)
    assert a.try_acquire_or_renew()
    assert not b.try_acquire_or_renew()
    assert a.release()
    with pytest.raises(NotLeader):
        a.guard()
    spec = _lease(api)
    assert spec["holderIdentity"] == "" and spec["leaseDurationSeconds"] == 1
    assert b.try_acquire_or_renew()  # at once: an empty holder is free
    assert _lease(api)["leaseTransitions"] == 1
    assert not a.release()  # nothing left to release


@pytest.mark.parametrize(
    ("timing", "message"),
    [
        ({"lease_duration": 10, "renew_deadline": 10}, "lease duration > renew deadline"),
        ({"retry_period": 9}, "retry period"),
        ({"retry_period": 0}, "retry period"),
    ],
)
def test_inconsistent_timings_are_refused(timing: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _settings("a", **timing)


def test_the_watchdog_ends_leadership_at_the_deadline_while_a_renewal_hangs(api: Any) -> None:
    lost = Losses()
    started = threading.Event()
    a = LeaderElector(
        Objects(api.api_client("a"), timeout=5.0),
        _settings("a", lease_duration=1.5, renew_deadline=1.0, retry_period=0.2),
        on_started=started.set,
        on_stopped=lost,
    )
    a.start()
    try:
        assert started.wait(5)
        a.guard()
        api.faults.blackhole("a")  # renewals hang far longer than the deadline
        partitioned = time.monotonic()
        assert lost.event.wait(3)
        noticed = time.monotonic() - partitioned
        assert noticed <= 1.0 + 0.3, noticed  # the deadline, not the 5 s request timeout
        assert lost.reasons == ["the renew deadline passed"]
        with pytest.raises(NotLeader):
            a.guard()
    finally:
        a.stop()
        api.faults.heal()


def test_a_standby_in_contact_and_a_leader_that_renews_keep_going(api: Any) -> None:
    timing = {"lease_duration": 1.5, "renew_deadline": 1.0, "retry_period": 0.2}
    lost = Losses()
    a = LeaderElector(
        Objects(api.api_client("a")),
        _settings("a", **timing),
        on_started=lambda: None,
        on_stopped=lost,
    )
    b = LeaderElector(
        Objects(api.api_client("b")),
        _settings("b", **timing),
        on_started=lambda: None,
        on_stopped=lost,
    )
    a.start()
    time.sleep(0.3)
    b.start()
    try:
        time.sleep(2.0)  # more than a lease duration: a keeps renewing, b keeps waiting
        assert a.holds() and not b.is_leader.is_set()
        assert b.in_contact() and b.holder == "a"
        assert lost.reasons == []
        a.release()
        deadline = time.monotonic() + 1.0
        while not b.is_leader.is_set() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert b.holds()
    finally:
        a.stop()
        b.stop()
