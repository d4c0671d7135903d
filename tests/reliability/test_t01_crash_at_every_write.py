"""T1: crash the controller right after its n-th API write, restart it, let it finish.

A controller process runs a 10-step canary (TEN_STEPS: weights 10 → 20 → analysis → 30 →
pause → 40 → 50 → analysis → 75 → pause, then promotion) and exits with ``os._exit`` right
after write n; a second process finishes it. On Istio, every n of the full run's writes
(66; under 3 minutes on 2 cores); on NGINX, whose runs differ only in the router's writes, a
fixed-seed sample of 8 (the first and the last always among them) to keep `make test` short —
``T1_CRASH_POINTS=all`` sweeps every n there too. Every run must reach
Healthy with the candidate as the stable; per step at most one effective weight change,
never above the step's plan weight, never down before the promotion; one AnalysisRun per
analysis step, created once; at most one Slack message per verdict.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.apiserver.handle import FakeApiServer
from tests.fakes.prometheus.fake import FakePrometheus, fake_prometheus
from tests.fakes.slack.server import SlackReceiver
from tests.reliability.crashes import CRASH_EXIT, Campaign, crash_points
from tests.reliability.oracle import WeightLog
from tests.reliability.scene import TEN_STEP_PLAN, TEN_STEPS, install, notifications_config

pytestmark = pytest.mark.slow


@pytest.fixture
def campaign(apiserver: FakeApiServer, tmp_path: Path) -> Iterator[Campaign]:
    install(apiserver)
    with SlackReceiver() as slack, fake_prometheus() as prometheus:
        log = WeightLog(apiserver)
        yield Campaign(
            apiserver,
            tmp_path,
            slack,
            _url(prometheus),
            notifications_config(tmp_path / "notify.yaml", slack),
            log=log,
        )
        log.unsubscribe()


def _url(prometheus: FakePrometheus) -> str:
    return prometheus.url


@pytest.mark.parametrize(("router", "sample", "seed"), [("istio", None, 1), ("nginx", 8, 2)])
def test_a_crash_after_any_write_changes_nothing_but_the_time_it_takes(
    campaign: Campaign, router: str, sample: int | None, seed: int
) -> None:
    campaign.router, campaign.steps, campaign.plan = router, TEN_STEPS, TEN_STEP_PLAN
    reference = campaign.prepare(["reference"])["reference"]
    total = campaign.reference(reference)
    assert total >= 10, f"a full canary run took only {total} writes"
    points = crash_points(total, sample=sample, seed=seed)
    print(f"T1 {router}: {total} writes, crashing after {len(points)} of them")
    scenes = campaign.prepare([f"t{n}" for n in points])
    runs = campaign.crash_each({n: scenes[f"t{n}"] for n in points}, parallel=4)
    for run in sorted(runs, key=lambda r: r.n):
        campaign.check(run.scene)
    for run in runs:  # NB: a run that needed fewer than n writes had nothing to crash after
        made = campaign.writes_of(f"c{run.n}")
        assert run.crash_code == CRASH_EXIT or made < run.n, (run.n, run.crash_code, made)
        assert run.crash_code != CRASH_EXIT or made >= run.n, (run.n, made)
    crashed = sum(run.crash_code == CRASH_EXIT for run in runs)
    assert crashed >= len(runs) - 2, f"{crashed} of {len(runs)} runs crashed"
