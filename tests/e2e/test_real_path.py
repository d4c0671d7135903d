"""The simulator end to end through the real path: OpenMetrics → promtool → Prometheus → analyze.

A handful of the decision-quality benchmark's rollouts (A/A, errors ×3, a tail-only latency
regression, a 1 req/s candidate; every nuisance on, scrape gaps included) are backfilled into a
real Prometheus and judged by ``rollout-engine analyze``. Each must reach the verdict of the
same judges run in memory on the simulator's own counters, at the same look.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.decision_quality import check_realpath, realpath

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> list[check_realpath.Outcome]:
    cases = check_realpath.cases(realpath.SCENARIOS)
    return check_realpath.compare(cases, Path(tmp_path_factory.mktemp("real-path")))


def test_every_verdict_and_its_time_match_the_in_memory_run(
    outcomes: list[check_realpath.Outcome],
) -> None:
    table = [(o.case.scenario.name, o.case.rep, o.case.expected, o.actual) for o in outcomes]
    assert all(o.agrees for o in outcomes), table


def test_the_cases_cover_each_kind_of_verdict(outcomes: list[check_realpath.Outcome]) -> None:
    by_scenario = {(o.case.scenario.name, o.actual.phase) for o in outcomes}
    assert {phase for _, phase in by_scenario} == {"Successful", "Failed", "Inconclusive"}
    assert ("errors ×3", "Failed") in by_scenario
    assert ("tail only: p99 ×1.5", "Failed") in by_scenario
    assert ("1 req/s A/A", "Inconclusive") in by_scenario


def test_every_run_looked_at_both_metrics_until_it_ended(
    outcomes: list[check_realpath.Outcome],
) -> None:
    for o in outcomes:
        looks = int((o.actual.at - realpath.WARMUP) // realpath.INTERVAL)
        assert looks >= 1
        assert 2 * looks - 1 <= o.measurements <= 2 * looks, o
