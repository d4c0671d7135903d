"""Scale: 1,000 Rollouts, 100 of them progressing, one controller process, the fake API server.

Run: ``python -m benchmarks.controller_scale [--rollouts 1000] [--progressing 100]
[--steps 5] [--pause 20] [--resync 5m] [--write]`` (about 3.5 minutes with the defaults).

1. Seed the fake API server (in this process) with the Rollouts, their Deployments
   and VirtualServices, and start ``rollout-engine controller`` as a child process.
2. **Cold start**: the controller lists everything and first-deploys every Rollout
   (``<name>-primary``, Services, status); timed until all are Healthy, then
   until the controller is quiet (the echoes of its own writes drained).
3. **Progress**: ``--progressing`` Rollouts get a new image, spread over one pause
   length; each runs ``--steps`` × (set weight, pause) and is promoted. Measured:
   step-due → weights-applied latency, controller RSS, the controller's API
   requests per step, and the fake's own GET latency under that load.

Targets (issue 8): p99 < 2 s, RSS < 300 MiB. The exit code is non-zero when one is
missed. ``--write`` stores the table in ``benchmarks/controller_scale/RESULTS.md`` (above
its notes, which are kept).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.controller_scale.observe import Observer, Probe, RssSampler
from benchmarks.controller_scale.seed import seed
from tests.fakes.apiserver import FakeApiServer

P99_TARGET, RSS_TARGET = 2.0, 300 * 2**20
RESULTS = Path(__file__).parent / "RESULTS.md"
GV = "rollout-engine.io/v1alpha1"
NOTES = "\n## Notes\n"


def _args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.controller_scale")
    parser.add_argument("--rollouts", type=int, default=1000)
    parser.add_argument("--progressing", type=int, default=100)
    parser.add_argument("--steps", type=int, default=5, help="(set weight, pause) pairs")
    parser.add_argument("--pause", type=float, default=20.0, help="seconds")
    parser.add_argument("--resync", default="5m")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--no-settle",
        action="store_true",
        help="push the new images as soon as every Rollout is Healthy (the start's echoes queued)",
    )
    parser.add_argument("--write", action="store_true", help="write RESULTS.md")
    return parser.parse_args(argv)


def _phase(api: FakeApiServer, keys: list[tuple[str, str]], image: str | None) -> int:
    """How many of `keys` are Healthy (with `image` as the stable when given)."""
    done = 0
    for namespace, name in keys:
        rollout = api.store.get(GV, "Rollout", name=name, namespace=namespace) or {}
        status = rollout.get("status") or {}
        if status.get("phase") != "Healthy":
            continue
        if image is not None:
            primary = api.store.get(
                "apps/v1", "Deployment", name=f"{name}-primary", namespace=namespace
            )
            containers = ((primary or {}).get("spec") or {}).get("template", {}).get("spec", {})
            if (containers.get("containers") or [{}])[0].get("image") != image:
                continue
        done += 1
    return done


def _wait(
    api: FakeApiServer, keys: list[tuple[str, str]], image: str | None, limit: float
) -> float:
    started = time.monotonic()
    while _phase(api, keys, image) < len(keys):
        if time.monotonic() - started > limit:
            raise SystemExit(f"only {_phase(api, keys, image)}/{len(keys)} done after {limit:.0f}s")
        time.sleep(1.0)
    return time.monotonic() - started


def _settle(observer: Observer, *, limit: float, window: float = 5.0) -> float:
    """Wait until the controller is quiet (under 2 requests a second for `window` seconds).

    The last status write of the cold start is not the end of its work: the echoes
    of a thousand first deploys (watch events of its own writes) are still queued.
    Steps are measured on a controller that got through them, and the time they took
    is reported apart.
    """
    started = time.monotonic()
    marks: list[tuple[float, int]] = []
    while time.monotonic() - started < limit:
        now, count = time.monotonic(), sum(observer.requests.values())
        marks = [m for m in marks if now - m[0] <= window] + [(now, count)]
        if now - marks[0][0] >= window * 0.9 and count - marks[0][1] < 2 * window:
            return now - started
        time.sleep(0.5)
    raise SystemExit(f"the controller was still busy {limit:.0f}s after the cold start")


def _controller(
    api: FakeApiServer, workdir: Path, args: argparse.Namespace
) -> subprocess.Popen[bytes]:
    argv = [
        str(Path(sys.executable).parent / "rollout-engine"),
        "controller",
        f"--kubeconfig={api.kubeconfig_for('controller')}",
        "--metrics-port=0",
        "--health-port=0",
        "--bind-address=127.0.0.1",
        f"--resync={args.resync}",
        f"--workers={args.workers}",
        "--log-level=warning",
    ]
    log = (workdir / "controller.log").open("wb")
    env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
    return subprocess.Popen(argv, stdout=log, stderr=log, env=env)


def _push(
    api: FakeApiServer, observer: Observer, keys: list[tuple[str, str]], spread: float
) -> None:
    """New images, one Rollout after the other, spread over `spread` seconds."""
    rng = random.Random(8)
    offsets = sorted(rng.uniform(0, spread) for _ in keys)
    started = time.monotonic()
    for (namespace, name), offset in zip(keys, offsets, strict=True):
        time.sleep(max(0.0, started + offset - time.monotonic()))

        def mutate(obj: dict[str, Any]) -> None:
            obj["spec"]["template"]["spec"]["containers"][0]["image"] = "web:2.0"

        observer.pushed[(namespace, name)] = time.time()
        api.store.update("apps/v1", "Deployment", name=name, namespace=namespace, mutate=mutate)


@dataclass
class Measured:
    """What one benchmark run observed."""

    cold: float = 0.0
    cold_requests: int = 0
    settled: float = 0.0
    settle_requests: int = 0
    rss_cold: int = 0
    elapsed: float = 0.0
    rss: list[int] = field(default_factory=list)
    probe: list[float] = field(default_factory=list)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def main(argv: list[str]) -> int:
    args = _args(argv)
    measured = Measured()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        api = FakeApiServer(workdir=workdir).start()
        keys = seed(api, total=args.rollouts, steps=args.steps, pause=args.pause)
        observer = Observer(api, pause=args.pause)
        process = _controller(api, workdir, args)
        rss = RssSampler(process.pid)
        try:
            measured.cold = _wait(api, keys, None, limit=900)
            measured.cold_requests = sum(observer.requests.values())
            observer.requests.clear()
            measured.settled = 0.0 if args.no_settle else _settle(observer, limit=240)
            measured.settle_requests = sum(observer.requests.values())
            measured.rss_cold = max(rss.samples or [0])
            observer.requests.clear()
            moving = keys[: args.progressing]
            probe = Probe(api, keys[-1])
            started = time.monotonic()
            _push(api, observer, moving, args.pause)
            _wait(api, moving, "web:2.0", limit=60 + args.pause * (2 * args.steps + 4))
            probe.stop()
            measured.elapsed = time.monotonic() - started
        finally:
            process.terminate()
            process.wait(30)
            rss.stop()
            api.stop()
        log_tail = (workdir / "controller.log").read_text()[-2000:]
    measured.rss, measured.probe = rss.samples, probe.samples
    report = _report(args, measured, observer)
    print(report)
    if log_tail.strip():
        print("controller log (tail):\n" + log_tail)
    if args.write:
        notes = RESULTS.read_text().partition(NOTES)[2] if RESULTS.exists() else ""
        RESULTS.write_text(report + "\n" + (NOTES + notes if notes else ""))
    p99 = _pct(observer.latencies, 0.99)
    return 0 if p99 < P99_TARGET and max(measured.rss) < RSS_TARGET else 1


def _by_step(observer: Observer) -> list[tuple[str, str]]:
    """p50 / p99 of the first step (due at the push), the later ones, and the promotion."""
    groups: dict[str, list[float]] = {"first step (due at the new image)": []}
    groups["later steps (due at a pause's end)"] = []
    groups["promotion's first move (due at the last pause's end)"] = []
    for weight, values in observer.by_weight.items():
        name = list(groups)[0 if weight == 10 else 2 if weight == 100 else 1]
        groups[name] += values
    return [
        (f"… {name} p50 / p99", f"{_pct(v, 0.5):.3f} / {_pct(v, 0.99):.3f} s ({len(v)})")
        for name, v in groups.items()
    ]


def _report(args: argparse.Namespace, m: Measured, observer: Observer) -> str:
    lat, requests, mib = observer.latencies, observer.requests, 2**20
    steps = max(len(lat), 1)
    total = sum(n for verb, n in requests.items() if verb != "watch")
    writes = sum(n for verb, n in requests.items() if verb in ("create", "update", "patch"))
    command = (
        f"python -m benchmarks.controller_scale --rollouts {args.rollouts} "
        f"--progressing {args.progressing} --steps {args.steps} --pause {args.pause:g} "
        f"--resync {args.resync} --workers {args.workers}"
        + (" --no-settle" if args.no_settle else "")
    )
    latency = (
        f"{_pct(lat, 0.5):.3f} / {_pct(lat, 0.99):.3f} / {max(lat, default=float('nan')):.3f} s"
        f" (target p99 < {P99_TARGET:g} s)"
    )
    rows = [
        ("cold start: every Rollout first-deployed (Healthy)", f"{m.cold:.1f} s"),
        (
            "cold start: controller requests",
            f"{m.cold_requests:,} ({m.cold_requests / args.rollouts:.1f} per Rollout)",
        ),
        (
            "then until quiet (< 2 requests/s): the echoes of the first deploys",
            f"{m.settled:.1f} s, {m.settle_requests:,} requests",
        ),
        ("step-due → weights-applied p50 / p99 / max", latency),
        ("steps measured (weights applied)", f"{len(lat):,} in {m.elapsed:.0f} s"),
        *_by_step(observer),
        (
            "controller RSS after cold start / max",
            f"{m.rss_cold / mib:.0f} / {max(m.rss) / mib:.0f} MiB (target < {RSS_TARGET // mib})",
        ),
        (
            "controller API requests per step (all / writes)",
            f"{total / steps:.1f} / {writes / steps:.1f}",
        ),
        (
            "controller requests while progressing",
            ", ".join(f"{v} {n:,}" for v, n in sorted(requests.items())),
        ),
        (
            "fake API server GET latency p50 / p99 (probe)",
            f"{_pct(m.probe, 0.5) * 1000:.1f} / {_pct(m.probe, 0.99) * 1000:.1f} ms",
        ),
    ]
    lines = [
        "# Controller scale benchmark",
        "",
        f"Reproduce with `{command}`",
        f"({platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        "the fake API server runs in the benchmark's process, the controller in its own).",
        "",
        "| what | measured |",
        "|---|---|",
        *(f"| {what} | {value} |" for what, value in rows),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
