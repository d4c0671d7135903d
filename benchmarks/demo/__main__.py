"""Measure ``rollout-engine demo``: wall time, verdicts, and whether its pace suits the statistics.

    python -m benchmarks.demo [--runs N] [--sims M]

1. Real runs: ``rollout-engine demo`` (the default: canary, good then bad)
   and ``--fast``, N times each, timed from the command's start to its exit
   (report included); every verdict must be the expected one and the default
   must finish within 3 minutes (the README's promise for ``make demo``).
2. The pace simulation (:mod:`.pace`): M simulated analyses per strategy and
   scenario with the real judges, for the default and the fast pace.

Writes RESULTS.md next to this file.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.demo.pace import design_of, simulate
from rollout_engine.sandbox.demo import FILES
from rollout_engine.sandbox.manifests import load_manifests, scaled
from rollout_engine.sandbox.scenarios import DEFAULT_PACE, FAST_PACE, SCENARIOS, STABLE
from tests.paths import EXAMPLES, ROOT, VENV_BIN

RESULTS = Path(__file__).with_name("RESULTS.md")
TARGET_SECONDS = 180.0
SUMMARY = re.compile(r"^scenario (\w+): (\w+) after (\d+) s \((as expected|expected \w+)\)", re.M)


def real_runs(fast: bool, runs: int) -> list[tuple[float, list[tuple[str, str, int, bool]]]]:
    """(wall seconds, [(scenario, verdict, seconds, as expected)]) per run."""
    out = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            argv = [str(VENV_BIN / "rollout-engine"), "demo", "--report", f"{tmp}/report.html"]
            began = time.monotonic()
            result = subprocess.run(
                argv + (["--fast"] if fast else []), cwd=ROOT, capture_output=True, text=True,
                check=False,
            )  # fmt: skip
            wall = time.monotonic() - began
        found = [
            (s, v, int(t), e == "as expected") for s, v, t, e in SUMMARY.findall(result.stdout)
        ]
        out.append((wall, found if result.returncode in (0, 1) else []))
    return out


def pace_rows(sims: int) -> list[str]:
    rows = []
    for label, pace in (("default", DEFAULT_PACE), ("--fast", FAST_PACE)):
        for strategy, file in FILES.items():
            manifests = scaled(load_manifests(EXAMPLES / "sandbox" / file), pace.time_scale)
            design = design_of(manifests, pace)
            for name, scenario in SCENARIOS.items():
                sim = simulate(design, pace=pace, stable=STABLE.behaviour,
                               candidate=scenario.candidate.behaviour, runs=sims)  # fmt: skip
                caught = f"{sim.failed}/{sim.runs}"
                when = f"{statistics.median(sim.fail_seconds):.1f} s" if sim.fail_seconds else "—"
                rows.append(
                    f"| {label} | {strategy} | {name} | {sim.shown_at_final}/{sim.runs} | "
                    f"{caught} | {when} | {design.looks} × {design.interval:g} s |"
                )
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.demo")
    parser.add_argument("--runs", type=int, default=1, help="real demo runs per pace")
    parser.add_argument("--sims", type=int, default=200, help="simulated analyses per cell")
    args = parser.parse_args(argv)
    lines = [
        "# Demo benchmark",
        "",
        f"Reproduce with `python -m benchmarks.demo --runs {args.runs} --sims {args.sims}` "
        f"({platform.machine()}, {len(os.sched_getaffinity(0))} cores, nginx 1.22, "
        "Prometheus 2.42; the venv and system packages already installed).",
        "",
        "| command | runs | wall time median / max (s) | verdicts as expected |",
        "|---|---|---|---|",
    ]
    ok = True
    for label, fast in (("rollout-engine demo", False), ("rollout-engine demo --fast", True)):
        runs = real_runs(fast, args.runs)
        walls = [w for w, _ in runs]
        verdicts = [e for _, found in runs for *_, e in found]
        good = sum(verdicts)
        expected = 2 * len(runs)
        ok &= good == expected and (fast or max(walls) < TARGET_SECONDS)
        lines.append(f"| `{label}` | {len(runs)} | {statistics.median(walls):.1f} / "
                     f"{max(walls):.1f} | {good}/{expected} |")  # fmt: skip
    lines += [
        "",
        f"Target: the default finishes both scenarios, report included, in under "
        f"{TARGET_SECONDS:.0f} s, with every verdict as expected.",
        "",
        "Simulated analyses (the real judges on Poisson traffic; see `pace.py`):",
        "",
        "| pace | strategy | scenario | shown at the final look | caught | caught after "
        "(median) | looks |",
        "|---|---|---|---|---|---|---|",
        *pace_rows(args.sims),
    ]
    RESULTS.write_text("\n".join(lines) + "\n")
    print(RESULTS.read_text())
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
