"""CPU cost of one measurement with the query result in hand: CEL, outcome table, limits, run fold.

Target (issue 5): under 1 ms of CPU per threshold measurement; a comparison look (one judge
step with its state, `benchmarks.measurement_comparisons`) under 10 ms. Run with::

    python -m benchmarks.measurement [--seconds 0.5]

Each case is timed with `time.process_time` over batches until `--seconds` of
CPU have passed; the table shows the median and the worst batch, per
operation, in microseconds. No network: the provider is an in-memory stub, so
the numbers are the engine's own cost, not Prometheus'.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from analysis.args import ArgValue
from analysis.measure import measure
from analysis.measured import Measured
from analysis.providers.base import QueryResult, Sample, Scalar, Vector
from analysis.run import record, start
from analysis.spec import CompiledRun, compile_run
from analysis.threshold import judge_threshold
from benchmarks.measurement_comparisons import COMPARISON_TARGET_US, comparison_cases
from rollout_engine.api.analysisrun import AnalysisRunStatus, Measurement
from rollout_engine.api.template import AnalysisTemplateSpec

T0 = datetime(2024, 5, 1, tzinfo=UTC)
TARGET_US = 1000.0


@dataclass(frozen=True)
class Case:
    """One timed operation."""

    name: str
    op: Callable[[], object]
    target_us: float = TARGET_US


class Stub:
    """A provider that answers instantly with a fixed result."""

    def __init__(self, result: QueryResult) -> None:
        self.result = result

    def query(self, *, expr: str, at: datetime) -> QueryResult:
        return self.result

    def query_range(self, **kw: Any) -> QueryResult:
        return self.result


def _run(success: str, failure: str | None, metrics: int = 3) -> CompiledRun:
    body: list[dict[str, Any]] = [
        {
            "name": f"m{i}",
            "interval": "1m",
            "count": 1000,
            "failureLimit": 100,
            "successCondition": success,
            **({"failureCondition": failure} if failure else {}),
            "provider": {
                "prometheus": {
                    "address": "http://p:9090",
                    "query": 'sum(rate(x{app="{{args.app}}",code!~"5.."}[{{elapsed}}]))',
                }
            },
        }
        for i in range(metrics)
    ]
    spec = AnalysisTemplateSpec.model_validate({"args": [{"name": "app"}], "metrics": body})
    return compile_run(spec, args={"app": ArgValue("web")})


def _warm_status(run: CompiledRun) -> AnalysisRunStatus:
    """A run with 10 retained measurements per metric, as after 10 minutes."""
    status = start(run, now=T0)
    for minute in range(10):
        now = T0 + timedelta(minutes=minute)
        for metric in run.metrics:
            m = Measured(
                Measurement(phase="Successful", started_at=now, finished_at=now, value="[0.97]")
            )
            status = record(run, status, metric=metric.name, measured=m, now=now)
    return status


def cases() -> list[Case]:
    """The operations measured."""
    one = Vector((Sample({"app": "web"}, 0.97),))
    many = Vector(tuple(Sample({"pod": str(i)}, 0.9 + i / 1000) for i in range(20)))
    argo = _run("len(result) == 0 || result[0] >= 0.95", "len(result) > 0 && result[0] < 0.90")
    scalar_run = _run("result >= 0.95", None)
    all_run = _run("result.all(x, x >= 0.9)", "result.exists(x, x < 0.5)")
    status = _warm_status(argo)
    now = T0 + timedelta(minutes=10)
    argo_metric = argo.metrics[0]
    provider = Stub(one)
    measured = measure(argo_metric, provider, now=now, started_at=T0)

    def judge(run: CompiledRun, result: QueryResult) -> Callable[[], object]:
        m = run.metrics[0]
        return lambda: judge_threshold(
            name=m.name, result=result, success=m.success, failure=m.failure
        )

    def full() -> object:
        taken = measure(argo_metric, provider, now=now, started_at=T0)
        return record(argo, status, metric=argo_metric.name, measured=taken, now=now)

    return [
        Case("CEL: Argo idiom, 1 series (2 conditions)", judge(argo, one)),
        Case("CEL: scalar condition", judge(scalar_run, Scalar(0.97))),
        Case("CEL: .all/.exists over 20 series", judge(all_run, many)),
        Case("CEL: NaN with both conditions", judge(argo, Scalar(math.nan))),
        Case(
            "fold + limits + run (3 metrics, 10 kept)",
            lambda: record(argo, status, metric=argo_metric.name, measured=measured, now=now),
        ),
        Case("render query + CEL + fold + run", full),
        *(Case(name, op, COMPARISON_TARGET_US) for name, op in comparison_cases()),
    ]


def time_case(case: Case, *, seconds: float, batch: int = 200) -> tuple[float, float]:
    """Median and worst per-operation CPU time of batches, in microseconds."""
    per_op: list[float] = []
    spent = 0.0
    while spent < seconds or len(per_op) < 5:
        began = time.process_time()
        for _ in range(batch):
            case.op()
        took = time.process_time() - began
        spent += took
        per_op.append(took / batch * 1e6)
    return statistics.median(per_op), max(per_op)


def main(argv: list[str] | None = None) -> int:
    """Print the results table; exit 1 if any case misses its target."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.measurement")
    parser.add_argument("--seconds", type=float, default=0.5, help="CPU seconds per case")
    options = parser.parse_args(argv)
    rows = [(c, *time_case(c, seconds=options.seconds, batch=_batch(c))) for c in cases()]
    width = max(len(r[0].name) for r in rows)
    print(f"{'operation':<{width}}  {'median µs':>9}  {'worst µs':>8}  {'target µs':>9}")
    for case, median, worst in rows:
        verdict = "ok" if median < case.target_us else "MISSED"
        numbers = f"{median:>9.1f}  {worst:>8.1f}  {case.target_us:>9.0f}"
        print(f"{case.name:<{width}}  {numbers}  {verdict}")
    return 0 if all(median < case.target_us for case, median, _ in rows) else 1


def _batch(case: Case) -> int:
    return 200 if case.target_us <= TARGET_US else 10


if __name__ == "__main__":
    raise SystemExit(main())
