"""Measure the local sandbox and write RESULTS.md.

python -m benchmarks.sandbox            # about a minute on 2 cores

What is measured, with the real nginx, Prometheus and app processes:
- start-up: ``Sandbox.start`` until everything answers, and until Prometheus
  has scraped both versions; ``close`` until every process is gone;
- reload: ``Sandbox.apply`` (nginx -t, SIGHUP, new generation answering, old
  workers gone) while load flows;
- throughput through nginx with instant apps (the load generator's ceiling);
- split accuracy: the candidate's observed share at 5, 20 and 50 % over
  10,000 requests each, with the binomial 99.9 % interval.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from scipy.stats import binom

from rollout_engine.sandbox.behaviour import Behaviour
from rollout_engine.sandbox.loadgen import LoadConfig, LoadGenerator
from rollout_engine.sandbox.processes import AppSpec, Sandbox, SandboxOptions
from tests.e2e.sandbox.fragments import routing

RESULTS = Path(__file__).with_name("RESULTS.md")
QUIET = Behaviour(error_rate=0.0, latency_median_ms=1.0, latency_sigma=0.1)
DEMO = Behaviour()  # 1 % errors, 20 ms median, σ 0.5: what the demo's stable runs
REPEATS = 5
SPLIT_N = 10_000


def _sandbox(behaviour: Behaviour, sleep_scale: float) -> Sandbox:
    return Sandbox(
        stable=AppSpec("v1", behaviour, sleep_scale=sleep_scale),
        candidate=AppSpec("v2", behaviour, sleep_scale=sleep_scale),
        options=SandboxOptions(scrape_interval_s=1.0),
    )


def _fragment(box: Sandbox, weight: int) -> str:
    return routing(listen=box.front_listen, upstreams=box.upstreams(), weight=weight)


def _timed(action: Callable[[], object]) -> float:
    start = time.monotonic()
    action()
    return time.monotonic() - start


def startup() -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"start (ready)": [], "first scrape": [], "close": []}
    for _ in range(REPEATS):
        box = _sandbox(QUIET, 0.0)
        with box:
            start = time.monotonic()
            box.start(_fragment(box, 0), wait_scraped=False)
            out["start (ready)"].append(time.monotonic() - start)
            box.prometheus.wait_scraped([a.address for a in box.apps.values()])
            out["first scrape"].append(time.monotonic() - start)
            start = time.monotonic()
        out["close"].append(time.monotonic() - start)
    return out


def _rate(box: Sandbox, *, threads: int, limit: int) -> float:
    config = LoadConfig(box.front_url + "/", rate_per_s=None, threads=threads, limit=limit)
    with LoadGenerator(config) as load:
        start = time.monotonic()
        load.wait_for(limit, timeout=120)
    return limit / (time.monotonic() - start)


def reloads_and_throughput() -> tuple[list[float], dict[str, float], list[tuple[int, int, int]]]:
    reloads: list[float] = []
    throughput: dict[str, float] = {}
    splits: list[tuple[int, int, int]] = []
    with _sandbox(QUIET, 0.0) as box:
        box.start(_fragment(box, 50), wait_scraped=False)
        with LoadGenerator(LoadConfig(box.front_url + "/", rate_per_s=200, threads=4)) as load:
            for i in range(20):
                fragment = _fragment(box, (i % 2) * 100)
                reloads.append(_timed(lambda: box.apply(fragment)))  # noqa: B023
        assert load.counts().errors == 0, load.failures
        for threads in (1, 4, 8):
            throughput[f"{threads} thread(s), instant apps"] = _rate(
                box, threads=threads, limit=4000
            )
        for weight in (5, 20, 50):
            box.apply(_fragment(box, weight))
            config = LoadConfig(box.front_url + "/", rate_per_s=None, threads=4, limit=SPLIT_N)
            with LoadGenerator(config) as load:
                counts = load.wait_for(SPLIT_N, timeout=120)
            splits.append((weight, counts.served.get("v2", 0), counts.total))
    with _sandbox(DEMO, 1.0) as box:
        box.start(_fragment(box, 50), wait_scraped=False)
        throughput["8 threads, demo latency (20 ms median)"] = _rate(box, threads=8, limit=2000)
    return reloads, throughput, splits


def _summary(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    return f"{statistics.median(values):.3f} / {p90:.3f} / {max(values):.3f}"


def main() -> int:
    began = time.monotonic()
    starts = startup()
    reloads, throughput, splits = reloads_and_throughput()
    lines = [
        "# Sandbox benchmark",
        "",
        f"Reproduce with `python -m benchmarks.sandbox` ({time.monotonic() - began:.0f} s here; "
        f"{platform.machine()}, {len(os.sched_getaffinity(0))} cores, "
        "nginx 1.22, Prometheus 2.42, scrape interval 1 s).",
        "",
        "| what | median / p90 / max (s) | runs |",
        "|---|---|---|",
        *(f"| {name} | {_summary(v)} | {len(v)} |" for name, v in starts.items()),
        f"| reload under load (`apply`) | {_summary(reloads)} | {len(reloads)} |",
        "",
        "`first scrape` is bounded below by Prometheus 2.42's service discovery, which hands",
        "targets to the scrapers every 5 s.",
        "",
        "| throughput through nginx | requests/s |",
        "|---|---|",
        *(f"| {name} | {rps:,.0f} |" for name, rps in throughput.items()),
        "",
        "| weight | candidate / requests | observed share | binomial 99.9 % interval |",
        "|---|---|---|---|",
    ]
    for weight, candidate, total in splits:
        low, high = binom.interval(0.999, total, weight / 100)
        lines.append(
            f"| {weight} % | {candidate:,} / {total:,} | {100 * candidate / total:.2f} % "
            f"| [{100 * low / total:.2f} %, {100 * high / total:.2f} %] |"
        )
    RESULTS.write_text("\n".join(lines) + "\n")
    print(RESULTS.read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
