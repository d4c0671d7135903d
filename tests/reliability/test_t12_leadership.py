"""T12: two controller processes, one Lease. Only the holder writes; a partitioned leader stops
writing by its renew deadline and exits; the standby takes over; a rolling upgrade hands over
at once because SIGTERM releases the Lease.

Timings are scaled down (lease 1.5 s, renew deadline 1.0 s, retry 0.2 s). The journal is the
oracle: every request carries the identity of the process that sent it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.apiserver.handle import FakeApiServer
from tests.fakes.prometheus.fake import FakePrometheus, fake_prometheus
from tests.fakes.slack.server import SlackReceiver
from tests.reliability.oracle import WeightLog, check_weights, writes_after
from tests.reliability.processes import LEASE, ControllerProcess, lease_holder
from tests.reliability.scene import PLAN, Scene, install, notifications_config

pytestmark = pytest.mark.slow

EPSILON = 0.25
"""A write sent just before the deadline may reach the server a little later."""
JITTER = 1.2


def until(check: Callable[[], Any], *, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def fakes() -> Iterator[tuple[SlackReceiver, FakePrometheus]]:
    with SlackReceiver() as slack, fake_prometheus() as prometheus:
        yield slack, prometheus


def _pair(
    api: FakeApiServer, tmp_path: Path, slack: SlackReceiver, prometheus: FakePrometheus
) -> tuple[ControllerProcess, ControllerProcess]:
    config = notifications_config(tmp_path / "notify.yaml", slack)

    def make(identity: str) -> ControllerProcess:
        return ControllerProcess(
            api,
            identity=identity,
            workdir=tmp_path,
            leader_elect=True,
            prometheus=prometheus.url,
            notifications=config,
        )

    return make("controller-a"), make("controller-b")


def _lease_writes(api: FakeApiServer, identity: str) -> list[Any]:
    return [
        r
        for r in api.journal.writes(identity=identity, resource="leases")
        if r.succeeded and r.fault == ""
    ]


def _standing_by(api: FakeApiServer, process: ControllerProcess) -> None:
    """`process` reads the Lease (so it has seen the leader's renewals) and waits."""
    until(
        lambda: len(api.journal.entries(identity=process.identity, resource="leases")) >= 2,
        timeout=20,
        what=f"{process.identity} to watch the lease",
    )


def _measured(scene: Scene, count: int) -> bool:
    runs = scene.runs()
    results = (runs[0].get("status") or {}).get("metricResults") if runs else None
    return bool(results and results[0].get("count") == count)


def _holder_is(api: FakeApiServer, process: ControllerProcess) -> bool:
    return (lease_holder(api) or "").startswith(process.identity + "_")


def _only_the_holder_wrote(api: FakeApiServer, first: str, second: str, *, handover: float) -> None:
    """`first` wrote only before `second` first held the Lease, `second` only after."""
    for record in api.journal.writes(identity=first):
        if record.resource != "leases" and record.fault == "":
            assert record.time < handover, f"{first} wrote after the handover: {record.path}"
    for record in api.journal.writes(identity=second):
        if record.resource != "leases":
            assert record.time >= handover, f"{second} wrote before leading: {record.path}"


def test_a_partitioned_leader_stops_writing_by_its_deadline_and_the_standby_finishes(
    apiserver: FakeApiServer, tmp_path: Path, fakes: tuple[SlackReceiver, FakePrometheus]
) -> None:
    slack, prometheus = fakes
    install(apiserver)
    log = WeightLog(apiserver)
    scene = Scene(apiserver, "ha").create(slack)
    a, b = _pair(apiserver, tmp_path, slack, prometheus)
    try:
        a.start()
        until(lambda: _holder_is(apiserver, a), timeout=20, what="a to lead")
        b.start()
        until(scene.deployed, timeout=20, what="the first deploy")
        _standing_by(apiserver, b)
        assert apiserver.journal.writes(identity="controller-b", resource="rollouts") == []
        scene.set_image("web:2.0")

        until(lambda: _measured(scene, 1), timeout=20, what="the analysis to start")
        apiserver.faults.blackhole("controller-a")
        partitioned = time.time()
        code = a.wait(timeout=LEASE["renew_deadline"] + 3)
        assert code == 1, a.tail()
        assert "leadership lost; exiting" in a.messages()
        lost_after = time.time() - partitioned
        until(lambda: _holder_is(apiserver, b), timeout=10, what="b to take over")
        time.sleep(max(0.0, LEASE["renew_deadline"] + 0.5 - (time.time() - partitioned)))
        apiserver.faults.heal("controller-a")
        until(lambda: scene.promoted("web:2.0"), timeout=30, what="the promotion by b")
        b.terminate()
    finally:
        a.kill()
        b.kill()
        log.unsubscribe()

    last_renewal = _lease_writes(apiserver, "controller-a")[-1].time
    loss = last_renewal + LEASE["renew_deadline"]
    assert writes_after(apiserver, identity="controller-a", after=loss + EPSILON) == []
    assert lost_after <= LEASE["renew_deadline"] + 1.0, lost_after

    taken = _lease_writes(apiserver, "controller-b")[0]
    assert taken.verb == "update"
    takeover = taken.time - last_renewal
    bound = LEASE["lease_duration"] + 2 * LEASE["retry_period"] * JITTER + EPSILON
    assert takeover <= bound, f"b took over {takeover:.2f}s after a's last renewal (> {bound}s)"
    first_act = min(
        r.time for r in apiserver.journal.writes(identity="controller-b") if r.resource != "leases"
    )
    assert first_act - taken.time <= 1.0, "b acted more than a reconcile after taking over"
    _only_the_holder_wrote(apiserver, "controller-a", "controller-b", handover=taken.time)

    check_weights(log.of("ha"), plan=PLAN)
    assert scene.slack(slack) == ["rollout-promoted", "analysis-successful", "rollout-promoted"]
    outbox = scene.status().get("outbox") or []
    assert all(entry.get("sent") for entry in outbox), outbox
    (run,) = scene.runs()
    assert run["status"]["phase"] == "Successful"


def test_a_rolling_upgrade_hands_over_at_once_because_sigterm_releases_the_lease(
    apiserver: FakeApiServer, tmp_path: Path, fakes: tuple[SlackReceiver, FakePrometheus]
) -> None:
    slack, prometheus = fakes
    install(apiserver)
    scene = Scene(apiserver, "upgrade").create(slack)
    a, b = _pair(apiserver, tmp_path, slack, prometheus)
    try:
        a.start()
        until(lambda: _holder_is(apiserver, a), timeout=20, what="a to lead")
        until(scene.deployed, timeout=20, what="the first deploy")
        b.start()
        _standing_by(apiserver, b)
        assert _holder_is(apiserver, a)
        scene.set_image("web:2.0")
        stopping = time.time()
        assert a.terminate() == 0
        until(lambda: _holder_is(apiserver, b), timeout=5, what="b to take over")
        handover = time.time() - stopping
        until(lambda: scene.promoted("web:2.0"), timeout=30, what="the promotion by b")
        b.terminate()
    finally:
        a.kill()
        b.kill()
    assert "lease released" in a.messages()
    assert handover < LEASE["lease_duration"], (
        f"b waited {handover:.2f}s: the lease was not released"
    )
    released = [r for r in _lease_writes(apiserver, "controller-a") if r.json()]
    assert released[-1].json()["spec"]["holderIdentity"] == ""
    taken = _lease_writes(apiserver, "controller-b")[0]
    _only_the_holder_wrote(apiserver, "controller-a", "controller-b", handover=taken.time)
    assert scene.slack(slack) == ["rollout-promoted", "analysis-successful", "rollout-promoted"]


def test_a_leader_that_cannot_renew_but_can_still_write_stops_at_its_deadline(
    apiserver: FakeApiServer, tmp_path: Path, fakes: tuple[SlackReceiver, FakePrometheus]
) -> None:
    """H1 itself: every write but the Lease renewal still succeeds; the fence alone stops a."""
    slack, prometheus = fakes
    install(apiserver)
    scene = Scene(apiserver, "fence").create(slack, interval="3s")  # NB: a's deadline comes first
    a, b = _pair(apiserver, tmp_path, slack, prometheus)
    try:
        a.start()
        until(lambda: _holder_is(apiserver, a), timeout=20, what="a to lead")
        b.start()
        until(scene.deployed, timeout=20, what="the first deploy")
        _standing_by(apiserver, b)
        scene.set_image("web:2.0")
        until(lambda: _measured(scene, 1), timeout=20, what="the analysis to start")
        apiserver.faults.fail(503, resource="leases", identity="controller-a", times=None)
        assert a.wait(timeout=LEASE["renew_deadline"] + 3) == 1, a.tail()
        until(lambda: scene.promoted("web:2.0"), timeout=30, what="the promotion by b")
        b.terminate()
    finally:
        a.kill()
        b.kill()
    last_renewal = _lease_writes(apiserver, "controller-a")[-1].time
    loss = last_renewal + LEASE["renew_deadline"]
    assert writes_after(apiserver, identity="controller-a", after=loss + EPSILON) == []
    assert any("renew deadline passed" in str(line.get("reason")) for line in a.logs()), a.tail()
    taken = _lease_writes(apiserver, "controller-b")[0]
    _only_the_holder_wrote(apiserver, "controller-a", "controller-b", handover=taken.time)
    assert scene.slack(slack) == ["rollout-promoted", "analysis-successful", "rollout-promoted"]
