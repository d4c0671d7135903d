"""Check the simulator end to end through the real path, and report the agreement.

python -m benchmarks.decision_quality.check_realpath            # the e2e test's cases
python -m benchmarks.decision_quality.check_realpath --reps 25  # a larger sample

Each simulated rollout is rendered as OpenMetrics (one day apart, so their time ranges never
overlap), backfilled with promtool into a real Prometheus (`tests.fakes.prometheus.server`,
the fixture the tests use), and judged by ``rollout-engine analyze`` with
`realpath.template`; the verdict and its time are compared with `realpath.in_memory`.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from benchmarks.decision_quality import realpath
from benchmarks.decision_quality.openmetrics import render
from benchmarks.decision_quality.scenarios import Scenario
from benchmarks.decision_quality.simulate import SCRAPE, simulate

__all__ = ["Case", "Outcome", "analyze", "cases", "compare", "main"]

BASE: Final = 1_700_000_000.0
DAY: Final = 86_400.0


@dataclass(frozen=True)
class Case:
    """One rendered rollout: where its data lives in time, and the in-memory verdict."""

    scenario: Scenario
    rep: int
    start: float
    openmetrics: str
    expected: realpath.Verdict


@dataclass(frozen=True)
class Outcome:
    """The real path's verdict next to the in-memory one."""

    case: Case
    actual: realpath.Verdict
    measurements: int

    @property
    def agrees(self) -> bool:
        same_time = abs(self.actual.at - self.case.expected.at) <= SCRAPE
        return self.actual.phase == self.case.expected.phase and same_time


def cases(scenarios: Sequence[Scenario] = realpath.SCENARIOS) -> list[Case]:
    """Simulate each scenario once (all its replicates) and render every replicate."""
    out: list[Case] = []
    for scenario in scenarios:
        rollouts = simulate(scenario)
        for rep in range(scenario.reps):
            start = BASE + DAY * len(out)
            text = render(rollouts, rep, start=start)
            expected = realpath.in_memory(rollouts, rep, scenario)
            out.append(Case(scenario, rep, start, text, expected))
    return out


def analyze(case: Case, *, prometheus: str, template: Path) -> Outcome:
    """Judge `case` with ``rollout-engine analyze`` (in process, exactly the CLI command)."""
    from typer.testing import CliRunner

    from rollout_engine.cli.main import app

    begin = datetime.fromtimestamp(case.start + realpath.WARMUP, tz=UTC)
    end = datetime.fromtimestamp(case.start + case.scenario.duration, tz=UTC)
    window = ["--start", begin.isoformat(), "--end", end.isoformat()]
    command = ["analyze", "--template", str(template), "--prometheus", prometheus, *window]
    result = CliRunner().invoke(app, [*command, "-o", "json"])
    doc = json.loads(result.output)
    verdict = doc["verdict"]
    at = datetime.fromisoformat(verdict["at"].replace("Z", "+00:00")).timestamp() - case.start
    return Outcome(case, realpath.Verdict(verdict["phase"], at), len(doc["measurements"]))


def compare(all_cases: Sequence[Case], workdir: Path) -> list[Outcome]:
    """Backfill every case into one real Prometheus and judge each through it."""
    from tests.fakes.prometheus.server import real_prometheus

    files = []
    for index, case in enumerate(all_cases):
        path = workdir / f"rollout-{index}.om"
        path.write_text(case.openmetrics)
        files.append(path)
    templates: dict[str, Path] = {}
    for case in all_cases:
        if case.scenario.name not in templates:
            path = workdir / f"template-{len(templates)}.yaml"
            path.write_text(realpath.template(case.scenario))
            templates[case.scenario.name] = path
    with real_prometheus(workdir, openmetrics=files) as server:
        return [
            analyze(case, prometheus=server.url, template=templates[case.scenario.name])
            for case in all_cases
        ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.decision_quality.check_realpath")
    parser.add_argument("--reps", type=int, default=None, help="rollouts per scenario")
    args = parser.parse_args(argv)
    scenarios = [replace(s, reps=args.reps) if args.reps else s for s in realpath.SCENARIOS]
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as workdir:
        outcomes = compare(cases(scenarios), Path(workdir))
    print("| scenario | rollout | in memory | real path | agrees |")
    print("| --- | --- | --- | --- | --- |")
    for o in outcomes:
        exp, act = o.case.expected, o.actual
        print(
            f"| {o.case.scenario.name} | {o.case.rep} | {exp.phase} at {exp.at:.0f} s "
            f"| {act.phase} at {act.at:.0f} s | {'yes' if o.agrees else 'NO'} |"
        )
    same_phase = sum(o.actual.phase == o.case.expected.phase for o in outcomes)
    agree = sum(o.agrees for o in outcomes)
    print(
        f"\n{len(outcomes)} rollouts: same verdict {same_phase}, same verdict and time "
        f"(±{SCRAPE:g} s) {agree}; {time.monotonic() - started:.1f} s"
    )
    return 0 if agree == len(outcomes) else 1


if __name__ == "__main__":
    raise SystemExit(main())
