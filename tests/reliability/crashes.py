"""T1's machinery: many canary runs, each crashed after its n-th API write, then finished.

One fake API server holds one namespace per run. A setup controller does
every first deploy, then every workload gets a new image. A reference
process (no crash) runs the canary in its namespace: its writes, counted in
the journal, are N. For each chosen n, a process restricted to the run's
namespace (``--namespace``) starts with ``CRASH_AFTER_API_WRITE=n`` and
exits with status 86 right after its n-th write; a second process finishes
the run. Runs go several at a time (they are mostly waiting), each with its
own identities (``c<n>`` crashes, ``r<n>`` recovers), so the journal says
who did what.
"""

from __future__ import annotations

import os
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.fakes.apiserver.handle import FakeApiServer
from tests.fakes.slack.server import SlackReceiver
from tests.reliability.oracle import WeightLog, check_weights
from tests.reliability.processes import ControllerProcess
from tests.reliability.scene import PLAN, Scene

__all__ = ["CRASH_EXIT", "Campaign", "crash_points"]

CRASH_EXIT = 86
_TIMEOUT = 60.0


def crash_points(total: int, *, sample: int | None, seed: int) -> list[int]:
    """Which n to crash after: all of 1..total (sample None, or ``T1_CRASH_POINTS=all``), else a
    fixed sample.

    The sample always holds the first and the last write, and draws the rest
    with a fixed seed, so a failure names an n that reproduces.
    """
    if sample is None or os.environ.get("T1_CRASH_POINTS") == "all" or total <= sample:
        return list(range(1, total + 1))
    rest = random.Random(seed).sample(range(2, total), sample - 2)
    return sorted({1, total, *rest})


@dataclass
class Run:
    """One crash point: its scene, the crashing process, and the one that finishes."""

    n: int
    scene: Scene
    crash: ControllerProcess
    finish: ControllerProcess | None = None
    crash_code: int | None = None
    started: float = field(default_factory=time.monotonic)
    quiet_since: float | None = None


@dataclass
class Campaign:
    """Scenes for a reference run and for each crash point, on one API server."""

    api: FakeApiServer
    workdir: Path
    slack: SlackReceiver
    prometheus: str
    notifications: Path
    router: str = "istio"
    log: WeightLog | None = None
    steps: list[dict[str, Any]] | None = None
    """The canary's steps (None: the scene's default 4-step plan, PLAN)."""
    plan: list[int] = field(default_factory=lambda: list(PLAN))

    def process(self, identity: str, namespace: str | None, **extra: Any) -> ControllerProcess:
        return ControllerProcess(
            self.api,
            identity=identity,
            workdir=self.workdir,
            namespace=namespace,
            prometheus=self.prometheus,
            notifications=self.notifications,
            **extra,
        )

    def prepare(self, names: list[str]) -> dict[str, Scene]:
        """Create the scenes, deploy every first revision, then push web:2.0 everywhere."""
        scenes = {
            name: Scene(self.api, name, self.router).create(self.slack, steps=self.steps)
            for name in names
        }
        setup = self.process("setup", None).start()
        try:
            _until(lambda: all(s.deployed() for s in scenes.values()), what="the first deploys")
        finally:
            setup.terminate()
        for scene in scenes.values():
            scene.set_image("web:2.0")
        return scenes

    def reference(self, scene: Scene) -> int:
        """Run `scene` without a crash; the number of writes it took."""
        process = self.process("reference", scene.namespace).start()
        try:
            _until(lambda: scene.promoted("web:2.0"), what="the reference promotion")
        finally:
            process.terminate()
        self.check(scene)
        return len(self.api.journal.writes(identity="reference"))

    def crash_each(self, scenes: dict[int, Scene], *, parallel: int) -> list[Run]:
        """Crash each scene's process after write n, finish it; `parallel` runs at a time."""
        waiting = [
            Run(n, s, self.process(f"c{n}", s.namespace, crash_after=n)) for n, s in scenes.items()
        ]
        active: list[Run] = []
        done: list[Run] = []
        while waiting or active:
            while waiting and len(active) < parallel:
                run = waiting.pop(0)
                run.crash.start()
                run.started = time.monotonic()
                active.append(run)
            for run in list(active):
                if self._advance(run):
                    active.remove(run)
                    done.append(run)
            time.sleep(0.05)
        return done

    def _advance(self, run: Run) -> bool:
        """Move `run` on; True when it is over."""
        assert time.monotonic() - run.started < _TIMEOUT, (
            f"n={run.n}: not promoted within {_TIMEOUT}s\n{run.crash.tail()}"
            + (f"\n{run.finish.tail()}" if run.finish else "")
        )
        if run.finish is None:
            code = run.crash.process.poll() if run.crash.process else None
            if code is None and self._finished(run):
                run.crash.kill()  # NB: the whole run took fewer than n writes
                run.crash_code = 0
                return True
            if code is not None:
                run.crash_code = code
                run.finish = self.process(f"r{run.n}", run.scene.namespace).start()
            return False
        if run.scene.promoted("web:2.0"):
            run.finish.kill()  # NB: the run is over; what it would still write does not matter
            return True
        return False

    def _finished(self, run: Run) -> bool:
        """Promoted, every message settled, and nothing written for a second."""
        scene = run.scene
        outbox = scene.status().get("outbox") or []
        if not (scene.promoted("web:2.0") and all(e.get("sent") for e in outbox)):
            run.quiet_since = None
            return False
        run.quiet_since = run.quiet_since or time.monotonic()
        return time.monotonic() - run.quiet_since >= 1.0

    def writes_of(self, identity: str) -> int:
        return len(self.api.journal.writes(identity=identity))

    def check(self, scene: Scene) -> None:
        """T1's pass criteria for one run (after it was promoted)."""
        assert self.log is not None
        check_weights(self.log.of(scene.namespace), plan=self.plan)
        analyses = sum("analysis" in step for step in self.steps) if self.steps else 1
        runs = scene.runs()
        assert len(runs) == analyses, [r["metadata"]["name"] for r in runs]
        assert all(r["status"]["phase"] == "Successful" for r in runs), runs
        created = [
            r
            for r in self.api.journal.writes(resource="analysisruns", namespace=scene.namespace)
            if r.verb == "create" and r.status == 201
        ]
        assert len(created) == analyses, "an analysis run was created twice"
        sent = Counter(scene.slack(self.slack))
        assert set(sent) <= {"rollout-promoted", "analysis-successful"}, sent
        assert sent["analysis-successful"] <= analyses and sent["rollout-promoted"] <= 2, sent
        keys = Counter(e["key"] for e in scene.status().get("outbox") or [])
        assert all(count == 1 for count in keys.values()), keys


def _until(check: Any, *, what: str, timeout: float = _TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
