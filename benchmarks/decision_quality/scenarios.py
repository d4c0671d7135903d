"""The rollouts the benchmark replays: traffic, regression and nuisances (statistics.md §7.2).

A scenario is a frozen value, so every method sees the same simulated rollouts (same seed).
Defaults describe the "realistic" service: 100 req/s with a ±30 % daily swing, 1 % errors,
log-normal latency (median 100 ms, σ 0.5), the step plan 1 → 5 → 10 → 25 → 50 % with five
minutes per step, and every nuisance of §7.2 switched on.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

__all__ = ["BUCKETS", "PLAN", "Scenario", "full_table", "smoke_table"]

# Prometheus client libraries' default histogram buckets, in seconds (+Inf implied).
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)
PLAN = ((0.01, 300.0), (0.05, 300.0), (0.10, 300.0), (0.25, 300.0), (0.50, 300.0))


@dataclass(frozen=True)
class Scenario:
    """One cell of the table: what the candidate does differently, and how the world behaves."""

    name: str
    group: str = "errors"
    rate: float = 100.0
    plan: tuple[tuple[float, float], ...] = PLAN
    p0: float = 0.01
    error_ratio: float = 1.0
    new_error: float = 0.0
    median: float = 0.1
    sigma: float = 0.5
    median_ratio: float = 1.0
    tail_ratio: float = 1.0
    heavy_tail: bool = False
    nuisance: bool = True
    reps: int = 500
    seed: int = 0

    @property
    def is_null(self) -> bool:
        return (
            self.error_ratio == 1.0
            and self.new_error == 0.0
            and self.median_ratio == 1.0
            and self.tail_ratio == 1.0
        )

    @property
    def duration(self) -> float:
        return sum(seconds for _, seconds in self.plan)


def _errors(base: Scenario) -> list[Scenario]:
    cells = [
        replace(base, name=f"errors ×{r:g}", error_ratio=r) for r in (1.1, 1.25, 1.5, 2, 3, 10)
    ]
    cells.append(replace(base, name="new error class 0.2 %", new_error=0.002))
    return cells


def _latency(base: Scenario) -> list[Scenario]:
    lat = replace(base, group="latency")
    return [
        replace(lat, name="latency A/A", reps=2000),
        replace(lat, name="median ×1.1", median_ratio=1.1),
        replace(lat, name="median ×1.25", median_ratio=1.25),
        replace(lat, name="tail only: p99 ×1.5", tail_ratio=1.5),
        replace(lat, name="heavy tail A/A", heavy_tail=True, reps=2000),
    ]


def _fixed_weight(base: Scenario) -> list[Scenario]:
    plan = ((0.10, 1500.0),)
    fixed = replace(base, group="fixed 10 %", plan=plan)
    cells = [replace(fixed, name="w=10 % A/A", reps=2000)]
    cells += [replace(fixed, name=f"w=10 % errors ×{r:g}", error_ratio=r) for r in (1.5, 2, 3)]
    for weight in (0.01, 0.5):
        one = replace(base, group="fixed weight", plan=((weight, 1500.0),))
        cells.append(replace(one, name=f"w={weight:.0%} A/A", reps=2000))
        cells.append(replace(one, name=f"w={weight:.0%} errors ×2", error_ratio=2.0))
    return cells


def _traffic(base: Scenario) -> list[Scenario]:
    cells = []
    for rate in (1.0, 10.0, 1000.0):
        here = replace(base, group="traffic", rate=rate)
        cells.append(replace(here, name=f"{rate:g} req/s A/A", reps=2000))
        cells.append(replace(here, name=f"{rate:g} req/s errors ×2", error_ratio=2.0))
    return cells


def full_table() -> list[Scenario]:
    """Every cell of the README table, A/A cells with 2,000 rollouts."""
    base = Scenario(name="")
    cells = [
        replace(base, name="A/A", reps=2000),
        replace(base, name="A/A, no nuisances", nuisance=False, reps=2000),
    ]
    cells += _errors(base) + _latency(base) + _fixed_weight(base) + _traffic(base)
    return [replace(cell, seed=index + 1) for index, cell in enumerate(cells)]


def smoke_table(reps: int = 300) -> list[Scenario]:
    """A few cells with fewer rollouts: enough for property checks in the test suite."""
    base = Scenario(name="", reps=reps)
    return [
        replace(base, name="A/A", seed=101),
        replace(base, name="A/A, no nuisances", nuisance=False, seed=102),
        replace(base, name="errors ×3", error_ratio=3.0, seed=103, reps=reps // 3),
        replace(
            base,
            name="tail only: p99 ×1.5",
            group="latency",
            tail_ratio=1.5,
            seed=104,
            reps=reps // 3,
        ),
    ]
