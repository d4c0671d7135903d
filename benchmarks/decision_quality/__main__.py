"""Run the decision-quality benchmark and write RESULTS.md.

python -m benchmarks.decision_quality            # full table (about 10 minutes on 2 cores)
python -m benchmarks.decision_quality --smoke    # a few cells, for a quick look
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from benchmarks.decision_quality import methods, peers
from benchmarks.decision_quality.methods import ALPHA_EACH, Decisions
from benchmarks.decision_quality.oracle import oracle_seconds
from benchmarks.decision_quality.report import Row, markdown, summarize
from benchmarks.decision_quality.scenarios import Scenario, full_table, smoke_table
from benchmarks.decision_quality.simulate import Rollouts, simulate, subset
from benchmarks.decision_quality.targets import targets

Method = Callable[[Rollouts, Scenario], Decisions]
METHODS: dict[str, Method] = {
    "ours (sequential)": methods.ours,
    "plain DM (errors)": methods.plain_dm,
    "Argo threshold": peers.argo,
    "Flagger threshold": peers.flagger,
    "Kayenta per step": peers.kayenta,
    "z-test peeking": peers.peeking_z,
}
# Kayenta classifies each rollout in Python (zeroin on ranks), so it runs on fewer rollouts.
KAYENTA_REPS = 300
RESULTS = Path(__file__).with_name("RESULTS.md")


def run_scenario(scenario: Scenario) -> list[Row]:
    rollouts = simulate(scenario)
    oracle = oracle_seconds(scenario, alpha=ALPHA_EACH)
    rows = []
    for name, method in METHODS.items():
        if name.startswith("plain DM") and scenario.group == "latency":
            continue
        data = subset(rollouts, KAYENTA_REPS) if name.startswith("Kayenta") else rollouts
        rows.append(summarize(scenario, name, data, method(data, scenario), oracle=oracle))
    return rows


def run(scenarios: Sequence[Scenario], *, workers: int = 2) -> list[Row]:
    """Run the scenarios on `workers` processes; rows come back in scenario order."""
    if workers <= 1:
        return [row for scenario in scenarios for row in run_scenario(scenario)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(run_scenario, scenarios))
    return [row for rows in results for row in rows]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.decision_quality")
    parser.add_argument("--smoke", action="store_true", help="a few cells with fewer rollouts")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    started = time.monotonic()
    rows = run(smoke_table() if args.smoke else full_table(), workers=args.workers)
    table = markdown(rows)
    elapsed = time.monotonic() - started
    text = (
        "# Decision-quality benchmark\n\n"
        f"Reproduce with `python -m benchmarks.decision_quality` ({elapsed / 60:.1f} min here). "
        "Fixed seeds; see benchmarks/decision_quality/ for the simulator and the rules.\n\n"
        + table
        + "\n"
        + targets(rows)
    )
    if not args.smoke:
        args.output.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
