"""CPU cost of the pure strategy engine: one reconcile, one plan, one rendering.

Target (reliability.md T15: 1,000 Rollouts, 100 progressing): one
``advance`` well under 1 ms of CPU, so a controller reconciling every
Rollout every few seconds spends its time on the API, not on deciding.
Run with::

    python -m benchmarks.strategy_engine [--seconds 0.5]

Each case is timed with `time.process_time` over batches until `--seconds`
of CPU have passed; the table shows the median and the worst batch per
operation, in microseconds.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rollout_engine.api.rollout import Rollout
from rollout_engine.api.routing import NginxRouting, VirtualServiceRef
from strategies import (
    Decision,
    Observed,
    RouterReport,
    RunState,
    TrafficState,
    VersionState,
    advance,
    build_plan,
)
from strategies.routers.istio import IstioTargets, render_virtual_service
from strategies.routers.local_nginx import render_local_nginx
from strategies.routers.nginx_ingress import NginxTargets, render_canary_ingress

T0 = datetime(2026, 1, 1, tzinfo=UTC)
TARGET_US = 1000.0


@dataclass(frozen=True)
class Case:
    """One timed operation."""

    name: str
    op: Callable[[], object]


def _rollout() -> Rollout:
    steps: list[dict[str, Any]] = []
    for weight in (5, 10, 20, 30, 50, 70, 90):
        steps += [{"setWeight": weight}, {"pause": {"duration": "2m"}}]
    steps.insert(4, {"analysis": {"templates": [{"templateName": "error-ratio"}]}})
    body = {
        "apiVersion": "rollout-engine.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": "web", "namespace": "shop", "generation": 3},
        "spec": {
            "workloadRef": {"name": "web"},
            "strategy": {
                "canary": {
                    "steps": steps,
                    "analysis": {"templates": [{"templateName": "latency"}]},
                    "trafficRouting": {
                        "istio": {"virtualService": {"name": "web", "routes": ["primary"]}}
                    },
                }
            },
        },
    }
    return Rollout.model_validate(body)


def _reconciled(rollout: Rollout, observed: Observed, times: int) -> Decision:
    decision = advance(rollout=rollout, observed=observed, now=T0)
    for _ in range(times):
        rollout = rollout.model_copy(update={"status": decision.status})
        decision = advance(rollout=rollout, observed=observed, now=T0)
    return decision


def _cases() -> list[Case]:
    rollout = _rollout()
    runs = {"web-c1-bg": RunState("Running")}
    observed = Observed(
        VersionState("c1", 1, 1), VersionState("s1", 10, 10), 10, runs, RouterReport(5)
    )
    settled = _reconciled(rollout, observed, 3)
    at_rest = rollout.model_copy(update={"status": settled.status})
    fresh = rollout.model_copy(update={"status": None})
    vs = {
        "metadata": {"name": "web"},
        "spec": {
            "hosts": ["web"],
            "http": [
                {"name": f"r{i}", "route": [{"destination": {"host": "other"}}]} for i in range(20)
            ]
            + [
                {
                    "name": "primary",
                    "route": [
                        {"destination": {"host": "web-primary"}, "weight": 100},
                        {"destination": {"host": "web-canary"}, "weight": 0},
                    ],
                }
            ],
        },
    }
    targets = IstioTargets.for_rollout(rollout)
    ref = VirtualServiceRef(name="web", routes=["primary"])
    ingress = {
        "metadata": {"name": "web"},
        "spec": {"rules": [{"http": {"paths": [{"backend": {"service": {"name": "web"}}}]}}]},
    }
    nginx = NginxTargets(
        "web", NginxRouting(stable_ingress="web"), frozenset({"web"}), "web-canary"
    )
    traffic = TrafficState(30, in_progress=True)
    stable, candidate = ["127.0.0.1:1"], ["127.0.0.1:2"]
    return [
        Case(
            "advance: a new revision (status empty)",
            lambda: advance(rollout=fresh, observed=observed, now=T0),
        ),
        Case(
            "advance: nothing changed (steady reconcile)",
            lambda: advance(rollout=at_rest, observed=observed, now=T0),
        ),
        Case("build_plan: 15 steps + background", lambda: build_plan(rollout)),
        Case(
            "istio: render a 21-route VirtualService",
            lambda: render_virtual_service(vs, ref=ref, targets=targets, traffic=traffic),
        ),
        Case(
            "nginx ingress: render the canary Ingress",
            lambda: render_canary_ingress(ingress, targets=nginx, traffic=traffic),
        ),
        Case(
            "local nginx: render the fragment",
            lambda: render_local_nginx(
                name="web", traffic=traffic, stable=stable, candidate=candidate
            ),
        ),
    ]


def _time(case: Case, seconds: float) -> tuple[float, float]:
    batch = 50
    samples: list[float] = []
    spent = 0.0
    while spent < seconds or len(samples) < 5:
        start = time.process_time()
        for _ in range(batch):
            case.op()
        elapsed = time.process_time() - start
        spent += elapsed
        samples.append(elapsed / batch * 1e6)
    return statistics.median(samples), max(samples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=0.5, help="CPU seconds per case")
    args = parser.parse_args(argv)
    print(f"{'operation':<48} {'median µs':>10} {'worst µs':>10}")
    worst_advance = 0.0
    for case in _cases():
        median, worst = _time(case, args.seconds)
        if case.name.startswith("advance"):
            worst_advance = max(worst_advance, median)
        print(f"{case.name:<48} {median:>10.0f} {worst:>10.0f}")
    verdict = "meets" if worst_advance < TARGET_US else "MISSES"
    print(f"advance {verdict} the target of {TARGET_US:.0f} µs of CPU per reconcile (median)")
    return 0 if worst_advance < TARGET_US else 1


if __name__ == "__main__":
    raise SystemExit(main())
